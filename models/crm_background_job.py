import logging
import random
import time
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# a batch that meets a concurrent transaction is tried this often (as Odoo retries a request)
BATCH_TRIES = 4
RETRY_WAIT = 0.25  # seconds before the second try, doubled for each further one, randomised
RETRY_LATER = timedelta(minutes=1)  # after the last try: when the cron tries the job again
# errors of the connection itself (class 08, the server shutting down): nothing more can run on it
CONNECTION_LOST_CODES = ('57P01', '57P02', '57P03')


def is_connection_lost(error):
    """Whether `error` means the database connection is gone, rather than a statement failed."""
    if isinstance(error, psycopg2.InterfaceError):
        return True
    if not isinstance(error, psycopg2.OperationalError):
        return False
    code = error.pgcode or ''
    # psycopg2 raises a bare OperationalError, without a code, when the connection breaks
    return code.startswith('08') or code in CONNECTION_LOST_CODES or (
        not code and type(error) is psycopg2.OperationalError)


class CrmBackgroundJob(models.AbstractModel):
    """Work for more records than a request can take, done by an ir.cron in batches.

    Each batch is committed with what it did and how far it got, so a worker killed mid-way
    leaves the job where its last commit put it, and the next run resumes there. The cron
    runs every job as its user, with that user's rights. A job that fails is marked so, with
    the reason, and its user is told; it does not hold up the jobs after it. A batch that meets
    a concurrent transaction (serialization failure, deadlock, lock not available) is tried
    again; a lost database connection leaves the job as its last commit left it, for the next run.

    Jobs are read-only to users: the wizards create them (as superuser, with `user_id` the
    requesting user) and only the job's own methods write them, as superuser.
    """
    _name = 'crm.background.job'
    _description = 'Background Job'
    _cron_xmlid = None  # the ir.cron that works off the jobs of the model

    failure = fields.Text(readonly=True, help="Why the background job stopped.")

    @api.model
    def _cron_process(self):
        Cron = self.env['ir.cron']
        for job in self.search([('state', 'in', ('queued', 'running'))], order='id'):
            job = job.with_user(job.user_id)
            try:
                while True:
                    processed = job._run_batch()
                    if processed is None:  # concurrent transactions each time: later
                        self.env.ref(self._cron_xmlid)._trigger(fields.Datetime.now() + RETRY_LATER)
                        break
                    if not processed:
                        break
                    if not Cron._commit_progress(processed, remaining=job._remaining()):
                        self.env.ref(self._cron_xmlid)._trigger()
                        return
            except Exception as error:  # noqa: BLE001 -- whatever it is, the job stops, the others go on
                if is_connection_lost(error):
                    # nothing more can be written; the cron's own transaction, which cleared its
                    # trigger, is lost as well, so the cron runs again and resumes the job
                    _logger.warning("%s: lost the database connection; the next run resumes it", job)
                    raise
                _logger.warning("%s stopped", job, exc_info=not isinstance(error, UserError))
                job._fail(error)
            Cron._commit_progress()

    def _run_batch(self):
        """Does the next batch in a savepoint; a batch that meets a concurrent transaction is
        rolled back and tried again, up to BATCH_TRIES times. Returns what the batch returns, or
        None when every try met another transaction."""
        for attempt in range(1, BATCH_TRIES + 1):
            try:
                with self.env.cr.savepoint():
                    return self._next_batch()
            except (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, ConcurrencyError) as error:
                # The savepoint keeps the transaction's snapshot, in which the conflict would
                # happen again. Nothing is left in the transaction since the last batch's commit:
                # committing ends it, and the next try sees what the other transaction did.
                self.env['ir.cron']._commit_progress()
                if attempt == BATCH_TRIES:
                    _logger.warning("%s: the batch met concurrent changes %s times (%s); the job waits "
                                    "for the next run", self, attempt, error)
                    return None
                wait = random.uniform(0.5, 1.0) * RETRY_WAIT * 2 ** (attempt - 1)
                _logger.info("%s: the batch met concurrent changes (%s); trying again in %.2f s",
                             self, error, wait)
                time.sleep(wait)
        return None

    def _next_batch(self):
        """Locks the job, then does its next batch if it is still to run: whatever stopped it
        meanwhile (e.g. an undo, which takes the same lock) is seen here, and no batch follows."""
        self.env.cr.execute(SQL("SELECT state FROM %s WHERE id = %s FOR NO KEY UPDATE",
                                SQL.identifier(self._table), self.id))
        row = self.env.cr.fetchone()
        if not row or row[0] not in ('queued', 'running'):
            return 0
        self.invalidate_recordset()
        return self._process_batch()

    def _fail(self, error):
        reason = error.args[0] if isinstance(error, UserError) else self.env._(
            "An unexpected error occurred; the server log has the details.")
        self.sudo().write({'state': 'failed', 'failure': reason})
        self.user_id._bus_send('simple_notification', {
            'type': 'danger', 'sticky': True, 'title': self.display_name, 'message': reason})

    def _process_batch(self):
        """Does the next batch of the job; returns how many records it processed (0: finished)."""
        raise NotImplementedError

    def _remaining(self):
        raise NotImplementedError

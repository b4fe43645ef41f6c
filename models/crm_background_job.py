import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class CrmBackgroundJob(models.AbstractModel):
    """Work for more records than a request can take, done by an ir.cron in batches.

    Each batch is committed with what it did and how far it got, so a worker killed mid-way
    leaves the job where its last commit put it, and the next run resumes there. The cron
    runs every job as its user, with that user's rights. A job that fails is marked so, with
    the reason, and its user is told; it does not hold up the jobs after it.
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
                    with self.env.cr.savepoint():  # a failing batch leaves nothing behind
                        processed = job._process_batch()
                    if not processed:
                        break
                    if not Cron._commit_progress(processed, remaining=job._remaining()):
                        self.env.ref(self._cron_xmlid)._trigger()
                        return
            except Exception as error:  # noqa: BLE001 -- whatever it is, the job stops, the others go on
                _logger.warning("%s stopped", job, exc_info=not isinstance(error, UserError))
                job._fail(error)
            Cron._commit_progress()

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

from odoo import api, models


class CrmBackgroundJob(models.AbstractModel):
    """Work for more records than a request can take, done by an ir.cron in batches.

    Each batch is committed with what it did and how far it got, so a worker killed mid-way
    leaves the job where its last commit put it, and the next run resumes there. The cron
    runs every job as its user, with that user's rights.
    """
    _name = 'crm.background.job'
    _description = 'Background Job'
    _cron_xmlid = None  # the ir.cron that works off the jobs of the model

    @api.model
    def _cron_process(self):
        Cron = self.env['ir.cron']
        for job in self.search([('state', 'in', ('queued', 'running'))], order='id'):
            job = job.with_user(job.user_id)
            while processed := job._process_batch():
                if not Cron._commit_progress(processed, remaining=job._remaining()):
                    self.env.ref(self._cron_xmlid)._trigger()
                    return
            Cron._commit_progress()

    def _process_batch(self):
        """Does the next batch of the job; returns how many records it processed (0: finished)."""
        raise NotImplementedError

    def _remaining(self):
        raise NotImplementedError

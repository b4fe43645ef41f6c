from odoo import api, fields, models
from odoo.fields import Domain

from ..tools import setting


class CrmEventInvitationRun(models.Model):
    """Invitations of a target group too big for one request: an ir.cron creates them in batches
    of members by id, each committed with the last member reached, so that a killed worker
    resumes after the last committed batch (an invitation is never made twice: the unique index
    on event and contact). The cron runs the job as the user who asked, with their reach of the
    group (crm.event.invite), batch by batch: who joins the group meanwhile is invited too.
    """
    _name = 'crm.event.invitation.run'
    _inherit = ['crm.background.job']
    _description = 'Invitations in the Background'
    _order = 'id desc'
    _cron_xmlid = 'crm_target_groups.crm_event_invitation_run_cron'

    name = fields.Char(required=True, readonly=True)
    event_id = fields.Many2one('event.event', string='Event', required=True, readonly=True, ondelete='cascade')
    target_group_id = fields.Many2one('crm.target.group', string='Target Group', required=True, readonly=True,
                                      ondelete='cascade')
    campaign_id = fields.Many2one('utm.campaign', string='Campaign', readonly=True, ondelete='set null')
    user_id = fields.Many2one('res.users', string='By', required=True, default=lambda self: self.env.user,
                              readonly=True)
    state = fields.Selection([('queued', 'Waiting'), ('running', 'Inviting'), ('done', 'Done'), ('failed', 'Failed')],
                             required=True, default='queued', readonly=True)
    member_total = fields.Integer('Members', readonly=True)
    member_done = fields.Integer('Members processed', readonly=True)
    invitation_count = fields.Integer('Invitations created', readonly=True)
    last_partner_id = fields.Integer(readonly=True)
    progress = fields.Float(compute='_compute_progress')

    @api.depends('member_total', 'member_done')
    def _compute_progress(self):
        for run in self:
            run.progress = min(100.0 * run.member_done / run.member_total, 100.0) if run.member_total else 100.0

    @api.model_create_multi
    def create(self, vals_list):
        runs = super().create(vals_list)
        self.env.ref(self._cron_xmlid)._trigger()
        return runs

    def action_open_invitations(self):
        self.ensure_one()
        return self.event_id.action_crm_open_invitations()

    # ------------------------------------------------------------
    # BACKGROUND JOB
    # ------------------------------------------------------------

    def _remaining(self):
        return max(self.member_total - self.member_done, 0)

    def _process_batch(self):
        """Invites the next members by id, as the job's user reaches them now."""
        self.ensure_one()
        size = setting(self.env, 'invitations_per_batch', 5000)
        Registration = self.env['event.registration']
        domain = Registration._crm_invitee_domain(self.target_group_id) & Domain('id', '>', self.last_partner_id)
        ids = self.env['res.partner'].search(domain, order='id', limit=size).ids
        if not ids:
            self.sudo().write({'state': 'done'})
            self.user_id._bus_send('simple_notification', {
                'type': 'success', 'sticky': True, 'title': self.env._("Invitations created"),
                'message': self.env._("%(event)s: %(count)s invitations.", event=self.event_id.name,
                                      count=self.invitation_count)})
            return 0
        count = Registration._crm_insert_invitations(self.event_id, ids, self.target_group_id, self.campaign_id)
        self.sudo().write({'state': 'running', 'last_partner_id': ids[-1], 'member_done': self.member_done + len(ids),
                           'invitation_count': self.invitation_count + count})
        return len(ids)

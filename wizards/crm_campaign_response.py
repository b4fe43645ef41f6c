from odoo import api, fields, models

from ..models.crm_campaign_touch import RESPONSE_CHANNELS


class CrmCampaignResponse(models.TransientModel):
    """Logs a personal response of a contact (a call, an email, a visit) in one click from the
    contact or a campaign member: it counts as success for the campaign and becomes a To-Do for
    who follows the contact up (crm.campaign.touch._log_response, also used by the phone system)."""
    _name = 'crm.campaign.response'
    _description = 'Log a Personal Response'

    partner_id = fields.Many2one('res.partner', string='Contact', required=True)
    campaign_id = fields.Many2one(
        'utm.campaign', string='Campaign', compute='_compute_campaign_id', store=True, readonly=False,
        compute_sudo=False,  # as the history shows it to the user: not from contacts it hides from them
        help="By default the campaign that last reached the contact, while its response window is open.")
    response_channel = fields.Selection(RESPONSE_CHANNELS, string='Response through', required=True,
                                        default='call_in')
    note = fields.Text()

    @api.depends('partner_id')
    def _compute_campaign_id(self):
        Touch = self.env['crm.campaign.touch']
        for wizard in self:
            wizard.campaign_id = Touch._campaign_in_window(wizard.partner_id) if wizard.partner_id else False

    def action_log(self):
        self.ensure_one()
        _touch, activity = self.env['crm.campaign.touch']._log_response(
            self.partner_id, self.campaign_id, self.response_channel, self.note)
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'success',
                'message': self.env._("Response of %(partner)s logged; %(user)s follows it up.",
                                      partner=self.partner_id.display_name, user=activity.user_id.name),
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }

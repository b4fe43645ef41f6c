from odoo import fields, models

from .crm_call_outcome import OUTCOMES


class CrmCallOutcomeRule(models.Model):
    """Which profiles a call outcome sets, for all target groups or for one."""
    _name = 'crm.call.outcome.rule'
    _description = 'Call Outcome Profile'
    _order = 'outcome, id'

    outcome = fields.Selection(OUTCOMES, required=True)
    profile_id = fields.Many2one('res.partner.category', string='Profile', required=True, ondelete='cascade')
    target_group_id = fields.Many2one('crm.target.group', string='Only for',
                                      help="Leave empty for every target group.")

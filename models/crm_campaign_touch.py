from odoo import api, fields, models

KINDS = [
    ('letter', 'Letter sent'),
    ('call', 'Call made'),
    ('response', 'Personal response'),
]
RESPONSE_CHANNELS = [
    ('call_in', 'Inbound call'),
    ('call_out', 'Outbound call'),
    ('email', 'Email'),
    ('visit', 'Visit'),
    ('reply', 'Reply'),
]
# the channel of a touch when nobody chose one: Odoo's own mediums, and this module's letter
KIND_MEDIUMS = {'letter': 'crm_target_groups.utm_medium_letter', 'call': 'utm.utm_medium_phone'}
RESPONSE_MEDIUMS = {
    'call_in': 'utm.utm_medium_phone',
    'call_out': 'utm.utm_medium_phone',
    'email': 'utm.utm_medium_email',
    'reply': 'utm.utm_medium_email',
    'visit': 'utm.utm_medium_direct',
}


class CrmCampaignTouch(models.Model):
    """A contact touched by a campaign where Odoo records nothing: a letter that went out, a call
    made, a personal response (inbound call, email, visit). Mail events stay in Odoo's traces,
    leads and orders in their own models; the campaign history shows all of them as one.

    Touches are facts about a contact: a contact's deletion takes its touches along (its data is
    gone), a campaign's deletion does not (the letter was still sent), hence `set null` there as
    on Odoo's leads and orders. Server code of the channels creates them (letter runs, call
    outcomes); a user may log a personal response, nothing else (record rule).
    """
    _name = 'crm.campaign.touch'
    _description = 'Campaign Touch'
    _order = 'date desc, id desc'
    _rec_name = 'kind'

    # looked up by contact through (partner_id, date): no index of its own
    partner_id = fields.Many2one('res.partner', string='Contact', required=True, ondelete='cascade')
    campaign_id = fields.Many2one('utm.campaign', string='Campaign', ondelete='set null')
    medium_id = fields.Many2one('utm.medium', string='Channel', compute='_compute_medium_id', store=True,
                                readonly=False, ondelete='set null')
    kind = fields.Selection(KINDS, required=True)
    response_channel = fields.Selection(RESPONSE_CHANNELS, string='Response through')
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    user_id = fields.Many2one('res.users', string='Responsible', default=lambda self: self.env.user)
    note = fields.Text()
    letter_run_id = fields.Many2one('crm.letter.run', string='Printed Letters', index='btree_not_null',
                                    ondelete='set null')
    call_outcome_id = fields.Many2one('crm.call.outcome', string='Call Outcome', index='btree_not_null',
                                      ondelete='set null')
    mailing_id = fields.Many2one('mailing.mailing', string='Mailing', index='btree_not_null', ondelete='set null',
                                 groups='mass_mailing.group_mass_mailing_user')
    partner_visible = fields.Boolean(
        'Contact visible', compute='_compute_partner_visible', search='_search_partner_visible',
        help="The contact carries no profile hidden from you (see crm.campaign.history).")

    _partner_date_idx = models.Index('(partner_id, date)')
    _campaign_kind_idx = models.Index('(campaign_id, kind)')

    @api.depends('kind', 'response_channel')
    def _compute_medium_id(self):
        for touch in self:
            xmlid = RESPONSE_MEDIUMS.get(touch.response_channel) if touch.kind == 'response' \
                else KIND_MEDIUMS.get(touch.kind)
            if xmlid and not touch.medium_id:
                touch.medium_id = self.env.ref(xmlid, raise_if_not_found=False)

    def _compute_partner_visible(self):
        self.env['crm.campaign.history']._compute_partner_visible_of(self)

    def _search_partner_visible(self, operator, value):
        return self.env['crm.campaign.history']._search_partner_visible(operator, value)

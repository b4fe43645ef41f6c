from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command, Domain

OUTCOMES = [
    ('reached', 'Reached'),
    ('not_reached', 'Not reached'),
    ('interested', 'Interested'),
    ('not_interested', 'Not interested'),
    ('callback', 'Call back'),
]


class CrmCallOutcome(models.Model):
    """The result of one call of a call centre to a member of a target group.

    Posted back through the JSON-2 API or imported from the hand-over file. Each outcome sets
    the profiles a manager mapped to it (so the result lands in the profile history and can
    feed the next target group), notes the call on the contact, and a callback becomes an
    activity for the group's owner. Each outcome belongs to a campaign (named by the poster, else
    the campaign that uses the target group) and leaves a 'call made' touch in its history.
    """
    _name = 'crm.call.outcome'
    _description = 'Call Outcome'
    _order = 'id desc'

    partner_id = fields.Many2one('res.partner', string='Contact', required=True, index=True, ondelete='cascade')
    target_group_id = fields.Many2one('crm.target.group', string='Target Group', required=True, index=True,
                                      ondelete='cascade')
    outcome = fields.Selection(OUTCOMES, required=True)
    callback_at = fields.Datetime('Call back at')
    note = fields.Text()
    user_id = fields.Many2one('res.users', string='Posted by', default=lambda self: self.env.user, readonly=True)
    profile_ids = fields.Many2many('res.partner.category', string='Profiles set', readonly=True)
    campaign_id = fields.Many2one(
        'utm.campaign', string='Campaign', compute='_compute_campaign_id', store=True, readonly=False,
        precompute=True, index='btree_not_null', ondelete='set null',
        help="By default the campaign started last among those using the target group.")

    @api.depends('target_group_id')
    def _compute_campaign_id(self):
        self.env['utm.campaign']._stamp_campaign_of_target_group(self)

    @api.constrains('outcome', 'callback_at')
    def _check_callback_at(self):
        if any(call.outcome == 'callback' and not call.callback_at for call in self):
            raise ValidationError(self.env._("A call back needs the date and time to call back."))

    @api.model_create_multi
    def create(self, vals_list):
        calls = super().create(vals_list)
        calls._check_members()
        calls._apply()
        calls._log_touches()
        return calls

    def _check_members(self):
        """Only members of the group: the call centre's API user posts for the members it
        received (as the group's definer reaches them), staff for those they reach themselves;
        nobody learns membership from the refusal."""
        call_centre = not self.env.user.has_group('crm_target_groups.group_crm_target_groups_user')
        for group, calls in self.grouped('target_group_id').items():
            domain = group._call_centre_domain() if call_centre else group._member_domain()
            members = self.env['res.partner'].search(Domain('id', 'in', calls.partner_id.ids) & domain)
            if strangers := calls.partner_id - members:
                # ids only: the poster may not even see the names
                raise ValidationError(self.env._(
                    "Contacts %(ids)s are not members of the target group %(group)s.",
                    ids=", ".join(map(str, strangers.ids)), group=group.display_name))

    def _apply(self):
        all_rules = self.env['crm.call.outcome.rule'].sudo().search([('outcome', 'in', self.mapped('outcome'))])
        for call in self:
            rules = all_rules.filtered(lambda rule: rule.outcome == call.outcome and (
                not rule.target_group_id or rule.target_group_id == call.target_group_id))
            partner = call.partner_id.sudo()  # the history still names the poster and its path (API, import)
            if rules:
                partner.write({'category_id': [Command.link(profile.id) for profile in rules.profile_id]})
                call.sudo().profile_ids = rules.profile_id
            outcome = dict(self._fields['outcome']._description_selection(self.env))[call.outcome]
            partner.message_post(
                body=self.env._("Call centre (%(group)s): %(outcome)s. %(note)s",
                                group=call.target_group_id.name, outcome=outcome, note=call.note or ''),
                author_id=self.env.user.partner_id.id, subtype_xmlid='mail.mt_note')
            if call.outcome == 'callback':
                partner.activity_schedule(
                    'mail.mail_activity_data_call', date_deadline=call.callback_at.date(),
                    summary=self.env._("Call back (%(group)s)", group=call.target_group_id.name),
                    note=call.note or '', user_id=call.target_group_id.user_id.id)


    def _log_touches(self):
        """A 'call made' touch per outcome, in one create; the call centre's user may not write
        the history, its server code does."""
        labels = dict(self._fields['outcome']._description_selection(self.env))
        self.env['crm.campaign.touch'].sudo().create([{
            'partner_id': call.partner_id.id, 'campaign_id': call.campaign_id.id, 'kind': 'call',
            'call_outcome_id': call.id, 'user_id': call.user_id.id,
            'note': "\n".join(filter(None, [labels[call.outcome], call.note])),
        } for call in self])

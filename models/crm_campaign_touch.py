import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import int_array
from .event_registration import CHANNEL_MEDIUMS

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
# an answer to an invitation (event.registration._crm_answer): the server logs it, nobody by hand
INVITATION_CHANNEL = ('invitation', 'Invitation answer')
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
    response_channel = fields.Selection(RESPONSE_CHANNELS + [INVITATION_CHANNEL], string='Response through')
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    user_id = fields.Many2one('res.users', string='Responsible', default=lambda self: self.env.user)
    note = fields.Text()
    letter_run_id = fields.Many2one('crm.letter.run', string='Printed Letters', index='btree_not_null',
                                    ondelete='set null')
    call_outcome_id = fields.Many2one('crm.call.outcome', string='Call Outcome', index='btree_not_null',
                                      ondelete='set null')
    mailing_id = fields.Many2one('mailing.mailing', string='Mailing', index='btree_not_null', ondelete='set null',
                                 groups='mass_mailing.group_mass_mailing_user')
    registration_id = fields.Many2one('event.registration', string='Invitation', index='btree_not_null',
                                      ondelete='set null')
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

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_log_response(self):
        """Another response of this touch's contact, to its campaign."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.crm_campaign_response_action')
        action['context'] = {'default_partner_id': self.partner_id.id, 'default_campaign_id': self.campaign_id.id}
        return action

    # ------------------------------------------------------------
    # PHONE SYSTEM API
    # ------------------------------------------------------------

    @api.model
    def report_inbound_call(self, caller, dialled=None):
        """Logs an inbound call that a phone system reports, as a personal response, and assigns it.

        Called over JSON-2 with the API key of a Target Groups user (the key's user's rights apply)::

            POST /json/2/crm.campaign.touch/report_inbound_call
            {"caller": "+49 89 1234567", "dialled": "0800 5550100"}

        The contact is the one contact visible to the key's user whose phone is the caller's number,
        however it is written (in a German company +49 89 1234567, 0049 89 1234567 and 089/1234567
        are one number). The campaign is the one whose Dialled Number is `dialled`; else the campaign
        that last reached the contact (mail sent, letter, call) and whose response window is still
        open. A call that no campaign claims is logged all the same, as a response without campaign
        (the contact did call), and the answer says so. The response becomes a To-Do for the
        contact's salesperson, else the campaign's responsible, else the key's user.

        :param str caller: the caller's number, as the phone system reports it
        :param str dialled: the number dialled, if the phone system knows it
        :return: dict with `partner_id`, `partner_name`, `campaign_id`, `campaign_name` (both False
            without campaign), `touch_id`, `activity_id`, `user_id`, `user_name` (who was assigned)
            and `message`, a sentence for the phone system's log
        :raises UserError: the caller's number is missing, no contact has it, or several do
        """
        if not isinstance(caller, str) or not caller.strip():
            raise UserError(self.env._("Which number called? The caller's number is missing."))
        partners = self.env['res.partner'].search(self._phone_domain(caller), limit=100)
        if not partners:
            raise UserError(self.env._("No contact has the number %(number)s.", number=caller))
        if len(partners) > 1:
            raise UserError(self.env._("%(count)s contacts share the number %(number)s; log the call by hand.",
                                       count=len(partners), number=caller))
        campaign = (isinstance(dialled, str) and self._campaign_of_number(dialled)) \
            or self._campaign_in_window(partners)
        touch, activity = self._log_response(partners, campaign, 'call_in', self.env._(
            "Inbound call from %(number)s", number=caller))
        values = {'partner': partners.display_name, 'user': activity.user_id.name}
        if campaign:
            message = self.env._("Call of %(partner)s logged for %(campaign)s and assigned to %(user)s.",
                                 campaign=campaign.display_name, **values)
        else:
            message = self.env._("Call of %(partner)s logged without campaign (no campaign reached them "
                                 "recently) and assigned to %(user)s.", **values)
        return {
            'partner_id': partners.id, 'partner_name': partners.display_name,
            'campaign_id': campaign.id, 'campaign_name': campaign.display_name or False,
            'touch_id': touch.id, 'activity_id': activity.id,
            'user_id': activity.user_id.id, 'user_name': activity.user_id.name, 'message': message,
        }

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    @api.model
    def _log_response(self, partner, campaign, channel, note):
        """A personal response of partner to campaign (may be empty) through channel, and a To-Do
        about it for who follows the contact up: the one way responses are logged (the response
        wizard, the phone system). Touches are server records (users may not create them, so that
        nobody logs one in another's name or of another kind): a Target Groups user logs responses
        of contacts and campaigns they may read, here, as themselves; the activity too, since
        logging a response on a contact needs no right to edit the contact.

        :return: (touch, activity)
        """
        partner.ensure_one()
        partner.check_access('read')
        if campaign:
            campaign.check_access('read')
        if not self.env.user.has_group('crm_target_groups.group_crm_target_groups_user'):
            raise AccessError(self.env._("Logging a response needs the Target Groups user right."))
        touch = self.sudo().create({'partner_id': partner.id, 'campaign_id': campaign.id, 'kind': 'response',
                                    'response_channel': channel, 'note': note, 'user_id': self.env.uid}).sudo(False)
        label = dict(self._fields['response_channel']._description_selection(self.env))[channel]
        summary = self.env._("%(channel)s: %(campaign)s", channel=label, campaign=campaign.display_name) \
            if campaign else self.env._("%(channel)s (no campaign)", channel=label)
        activity = partner.sudo().activity_schedule(
            'mail.mail_activity_data_todo', summary=summary, note=note or '',
            user_id=self._response_assignee(partner, campaign).id)
        return touch, activity.sudo(False)

    @api.model
    def _log_invitation_answer(self, registration):
        """An invitee's answer (or change of answer) as a personal response to the invitation's
        campaign, a sibling of _log_response for event.registration._crm_answer only: the server
        logs it for whoever answered (the invitee on the public page, staff), with the answer's
        channel as medium. No To-Do: an answer is no lead to follow up, the invitations list and
        its counts are; only a comment of the invitee becomes a To-Do of the event's responsible.

        :return: the touch
        """
        registration = registration.sudo()
        partner, event = registration.partner_id, registration.event_id
        if not partner:
            return self.browse()
        labels = dict(registration._fields['crm_invitation_state']._description_selection(self.env))
        channels = dict(registration._fields['crm_answer_channel']._description_selection(self.env))
        note = self.env._("%(event)s: %(answer)s (%(channel)s)", event=event.name,
                          answer=labels[registration.crm_invitation_state],
                          channel=channels[registration.crm_answer_channel])
        if registration.crm_companions:
            note += "\n" + self.env._("Companions: %(count)s", count=registration.crm_companions)
        if registration.crm_comment:
            note += "\n" + registration.crm_comment
        medium = self.env.ref(CHANNEL_MEDIUMS[registration.crm_answer_channel], raise_if_not_found=False)
        user = self.env.user if self.env.user._is_internal() else event.user_id
        touch = self.sudo().create({
            'partner_id': partner.id, 'campaign_id': registration.utm_campaign_id.id, 'kind': 'response',
            'response_channel': INVITATION_CHANNEL[0], 'medium_id': medium.id if medium else False,
            'note': note, 'user_id': user.id, 'date': registration.crm_answer_date,
            'registration_id': registration.id})
        follower = event.user_id or registration.utm_campaign_id.user_id
        if registration.crm_comment and registration.crm_answer_channel not in ('phone', 'staff') and follower:
            registration.activity_schedule(
                'mail.mail_activity_data_todo', summary=self.env._("Comment on the invitation"),
                note=registration.crm_comment, user_id=follower.id)
        return touch.sudo(False)

    @api.model
    def _response_assignee(self, partner, campaign):
        """Who follows a response up: the contact's salesperson (or its company's), else the
        campaign's responsible, else the current user; only active internal users."""
        partner = partner.sudo()
        candidates = partner.user_id | partner.commercial_partner_id.user_id | campaign.sudo().user_id
        return next((user for user in candidates if user.active and not user.share), self.env.user)

    @api.model
    def _campaign_in_window(self, partner, when=None):
        """The campaign that last touched partner's company (any of its contacts) with its
        response window still open at `when` (now), as the campaign history shows it to the user
        (crm.campaign.history._latest_campaign_touches); empty if none."""
        found = self.env['crm.campaign.history']._latest_campaign_touches(
            {partner.id: (partner.commercial_partner_id.id, when or fields.Datetime.now())})
        return self.env['utm.campaign'].browse(found[partner.id][0] if partner.id in found else [])

    @api.model
    def _campaign_of_number(self, number):
        """The campaign whose Dialled Number is number, however written; of several, the one
        started last; empty if none."""
        key = self._phone_key(number)
        campaigns = self.env['utm.campaign'].search([('campaign_phone', '!=', False)],
                                                    order='campaign_date_start desc nulls last, id desc')
        return next((campaign for campaign in campaigns if self._phone_key(campaign.campaign_phone) == key),
                    self.env['utm.campaign'])

    @api.model
    def _phone_key(self, number):
        """number in international form (+49891234567), whatever its spaces, dashes, brackets, a
        "(0)" or a leading 00; a national number (089 1234567) is of the company's country."""
        digits = re.sub(r'[^\d+]', '', (number or '').replace('(0)', ''))
        if digits.startswith('00'):
            return '+' + digits[2:]
        code = self.env.company.country_id.phone_code
        if code and digits.startswith('0'):
            return f'+{code}{digits[1:]}'
        return digits

    @api.model
    def _phone_domain(self, number):
        """Contacts whose phone is number, through Odoo's phone search: the sanitized number
        (E.164, when Odoo formats numbers) or the stored number without its punctuation, in its
        international (+49..., 0049...) or national form (089...)."""
        key = self._phone_key(number)
        forms = {key}
        code = self.env.company.country_id.phone_code
        if code and key.startswith(f'+{code}'):
            forms.add('0' + key[len(str(code)) + 1:])
        forms = sorted(form for form in forms if len(form) > 3)
        if not forms:
            raise UserError(self.env._("%(number)s is no phone number.", number=number))
        return ['|', ('phone_sanitized', '=', key), ('phone_mobile_search', 'in', forms)]

    @api.model
    def _log_letters(self, partner_ids, campaign, run=None):
        """One 'letter sent' touch per contact of partner_ids (those who still exist), in one
        statement: a letter run may have a hundred thousand recipients."""
        if not partner_ids:
            return
        self.env['res.partner'].flush_model()
        medium = self.env.ref(KIND_MEDIUMS['letter'], raise_if_not_found=False)
        self.env.execute_query(SQL("""
            INSERT INTO crm_campaign_touch (partner_id, campaign_id, medium_id, kind, date, user_id,
                                            letter_run_id, create_uid, create_date, write_uid, write_date)
            SELECT p.id, %(campaign)s, %(medium)s, 'letter', %(now)s, %(uid)s, %(run)s,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM res_partner p
             WHERE p.id = ANY(%(ids)s)
        """, campaign=campaign.id or None, medium=medium.id if medium else None, now=fields.Datetime.now(),
            uid=(run.user_id.id if run else None) or self.env.uid, run=run.id if run else None,
            ids=int_array(partner_ids)))
        self.invalidate_model()

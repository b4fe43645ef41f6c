import base64
import re
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, consteq, hmac

INVITATION_STATES = [
    ('invited', 'No answer yet'),
    ('attending', 'Attending'),
    ('declined', 'Declined'),
]
# an answer's registration state: unanswered and declined invitations take no seat and get no
# mail (Odoo counts seats and runs its mail schedulers for 'open' and 'done' only); attending is
# Odoo's ordinary confirmed registration, with its seat and its confirmation mail
ANSWER_STATES = {'invited': 'draft', 'attending': 'open', 'declined': 'cancel'}
ANSWER_CHANNELS = [
    ('mail', 'Mail link'),
    ('letter', 'Letter QR code'),
    ('phone', 'Phone'),
    ('staff', 'Entered by staff'),
]
# the invitee's own channels: they answer until the reply deadline; staff enter answers any time
PUBLIC_CHANNELS = ('mail', 'letter')
# the channels' mediums in the campaign history
CHANNEL_MEDIUMS = {
    'mail': 'utm.utm_medium_email',
    'letter': 'crm_target_groups.utm_medium_letter',
    'phone': 'utm.utm_medium_phone',
    'staff': 'utm.utm_medium_direct',
}
# what only the server writes (through _crm_answer, the invitation wizard, the token's renewal)
SERVER_FIELDS = {'crm_invitation_state', 'crm_answer_date', 'crm_answer_channel', 'crm_companions', 'crm_comment',
                 'crm_invitation_token', 'crm_target_group_id'}
EVENT_USER = 'event.group_event_user'
# the short answer link of a printed invitation: /i/<invitation id>-<12 base32 letters>
SHORT_LINK = '/i'
SHORT_CODE = re.compile(r'(\d{1,10})-([a-z2-7]{12})')


def new_token():
    """A per-invitation secret: 256 random bits, as 64 hex digits (the SQL of the wizard makes
    the same kind)."""
    return secrets.token_hex(32)


class EventRegistration(models.Model):
    """An invitation is an Odoo registration with an invitation state: "invited, no answer yet"
    and "declined" are registrations Odoo leaves alone (draft and cancelled: no seat, no mail),
    "attending" is Odoo's confirmed registration (a seat, Odoo's confirmation mail and lead rules).

    Answers change the registration only through `_crm_answer`, whoever gives them: the invitee
    on the public page (behind a per-invitation token), staff with the list's buttons. Each
    change of answer is a personal response in the contact's campaign history. The invitation
    fields are the server's: users write none of them, and the token is for event users only.
    Invitations of contacts who carry a profile hidden from the user are hidden from them
    (record rule on `crm_partner_visible`), as the campaign history hides them.
    """
    _inherit = 'event.registration'

    crm_invitation_state = fields.Selection(
        INVITATION_STATES, string='Invitation', readonly=True, copy=False, index='btree_not_null',
        help="Empty for ordinary registrations.")
    crm_answer_date = fields.Datetime('Answered on', readonly=True, copy=False)
    crm_answer_channel = fields.Selection(ANSWER_CHANNELS, string='Answered through', readonly=True, copy=False)
    crm_companions = fields.Integer('Companions', readonly=True, copy=False,
                                    help="How many people the invitee brings along (they take no seat of their own).")
    crm_comment = fields.Text('Comment of the invitee', readonly=True, copy=False)
    crm_target_group_id = fields.Many2one(
        'crm.target.group', string='Invited from', readonly=True, copy=False, ondelete='set null',
        groups='crm_target_groups.group_crm_target_groups_user')
    crm_invitation_token = fields.Char('Invitation Token', readonly=True, copy=False, groups=EVENT_USER)
    crm_invitation_url = fields.Char('Answer Link', compute='_compute_crm_invitation_url', groups=EVENT_USER,
                                     help="The invitee's personal link to the answer page.")
    crm_invitation_short_url = fields.Char(
        'Short Answer Link', compute='_compute_crm_invitation_url', groups=EVENT_USER,
        help="The answer link of the printed invitation: short enough to type, and its QR code.")
    crm_partner_visible = fields.Boolean(
        'Contact visible', compute='_compute_crm_partner_visible', search='_search_crm_partner_visible',
        help="The contact carries no profile hidden from you.")

    _crm_companions_positive = models.Constraint('CHECK(crm_companions >= 0)',
                                                 "The number of companions cannot be negative.")
    # one invitation per contact and event: two invitations of a group at once add each member once
    _crm_invitation_unique = models.UniqueIndex('(event_id, partner_id) WHERE crm_invitation_state IS NOT NULL')

    @api.depends('crm_invitation_token')
    def _compute_crm_invitation_url(self):
        for registration in self:
            base = registration.get_base_url()
            token = registration.crm_invitation_token
            registration.crm_invitation_url = token and f"{base}{registration._crm_invitation_path()}"
            registration.crm_invitation_short_url = token and \
                f"{base}{SHORT_LINK}/{registration.id}-{registration._crm_short_code(token)}"

    @api.depends_context('uid')
    def _compute_crm_partner_visible(self):
        """The same answer as the rule's search (the real user's hidden profiles decide)."""
        visible = set(self.sudo().with_context(active_test=False)._search(
            [('id', 'in', self.ids), ('crm_partner_visible', '=', True)]))
        for registration in self:
            registration.crm_partner_visible = registration.id in visible

    def _search_crm_partner_visible(self, operator, value):
        """The record rule of invitations, the campaign history's own rule: whom it leaves out,
        invitations leave out. Only internal users see profiles at all."""
        if operator not in ('in', 'not in'):
            return NotImplemented
        if not self.env.user._is_internal():
            return Domain.TRUE if (operator == 'in') == (True in value) else Domain.FALSE
        return self.env['crm.campaign.history']._search_partner_visible(operator, value)

    @api.constrains('crm_invitation_state', 'event_slot_id')
    def _check_crm_invitation_slot(self):
        if any(registration.crm_invitation_state and registration.is_multi_slots for registration in self):
            raise ValidationError(self.env._("Invitations are for events without time slots."))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._crm_check_server_fields(vals)
        for vals in vals_list:
            if vals.get('crm_invitation_state'):
                vals.setdefault('crm_invitation_token', new_token())
                vals.setdefault('state', ANSWER_STATES[vals['crm_invitation_state']])
        return super().create(vals_list)

    def write(self, vals):
        """Users write no invitation field, nor the state of an invitation (its answer decides
        it, through _crm_answer); an attending invitee may still be checked in (Attended)."""
        if not self.env.su:
            self._crm_check_server_fields(vals)
            if 'state' in vals and (invitations := self.filtered('crm_invitation_state')) and not (
                    vals['state'] == 'done'
                    and all(state == 'attending' for state in invitations.mapped('crm_invitation_state'))):
                raise UserError(self.env._(
                    "The state of an invitation follows its answer: use Attends or Declines."))
        return super().write(vals)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_crm_attend(self, channel='staff'):
        """Staff button: the invitee attends, told in person ('staff') or by phone ('phone')."""
        self._crm_answer_by_staff('attending', channel)

    def action_crm_decline(self, channel='staff'):
        """Staff button: the invitee declines."""
        self._crm_answer_by_staff('declined', channel)

    def action_crm_renew_token(self):
        """A new answer link, e.g. after an invitation was forwarded: the old one stops working."""
        self.check_access('write')
        if not self.env.user.has_group(EVENT_USER):
            raise AccessError(self.env._("Only event users may renew answer links."))
        for registration in self.filtered('crm_invitation_state'):
            registration.sudo().crm_invitation_token = new_token()

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _crm_answer_by_staff(self, answer, channel):
        """Staff answer for invitees they may change, through the staff channels only."""
        self.check_access('write')
        if channel not in ('phone', 'staff'):
            raise UserError(self.env._("Staff enter answers in person or by phone."))
        for registration in self:
            registration._crm_answer(answer, channel)

    @api.private
    def _crm_answer(self, answer, channel, companions=None, comment=None):
        """The one way an invitation is answered, by the invitee (public page: channel 'mail' or
        'letter', as superuser after the token check) or by staff ('phone', 'staff', as themselves
        after their access check).

        The registration follows the answer (ANSWER_STATES): attending confirms it, in Odoo's way
        (seat check, confirmation mail, lead rules); declining cancels it. A change of answer is a
        personal response of the contact to the invitation's campaign, in the campaign history;
        the same answer again changes nothing but the companions and the comment, and logs
        nothing. Invitees answer until the reply deadline (crm_reply_deadline, else the start);
        staff may enter a late answer.

        The row is locked first: a second request with the same answer (a double click, a mail
        client's retry) waits, then sees the answer given and logs nothing.

        :param str answer: 'attending' or 'declined'
        :param str channel: one of ANSWER_CHANNELS
        :param int companions: people the invitee brings along (attending only)
        :param str comment: the invitee's comment
        :return: True if the answer changed
        :raises UserError: no invitation, the deadline passed, the event is full
        """
        self.ensure_one()
        if answer not in ('attending', 'declined') or channel not in dict(ANSWER_CHANNELS):
            raise UserError(self.env._("This is no answer to an invitation."))
        registration = self.sudo()
        self.env.cr.execute(SQL("SELECT crm_invitation_state FROM event_registration WHERE id = %s FOR NO KEY UPDATE",
                                self.id))
        registration.invalidate_recordset()
        if not registration.crm_invitation_state or not registration.active:
            raise UserError(self.env._("This registration is no invitation."))
        event = registration.event_id
        if channel in PUBLIC_CHANNELS and not event._crm_replies_open():
            raise UserError(self.env._("Answers to %(event)s are closed.", event=event.name))
        companions = max(int(companions or 0), 0) if answer == 'attending' else 0
        vals = {'crm_companions': companions}
        if comment is not None:
            vals['crm_comment'] = comment.strip() or False
        if registration.crm_invitation_state == answer:
            registration.write(vals)
            return False
        if answer == 'attending' and event._crm_is_full():
            raise UserError(self.env._("%(event)s is fully booked.", event=event.name))
        # the campaign history is the answer's history (one per contact, across channels): no
        # second copy of it in the registration's chatter, which Odoo's tracking of state would add
        registration.with_context(mail_notrack=True).write(dict(
            vals, crm_invitation_state=answer, crm_answer_date=fields.Datetime.now(), crm_answer_channel=channel,
            state=ANSWER_STATES[answer]))
        self.env['crm.campaign.touch']._log_invitation_answer(registration)
        return True

    def _update_mail_schedulers(self):
        """Confirmed invitations get Odoo's confirmation mail the asynchronous way (Odoo's own
        event.event_mail_async): the event mail cron is woken, creates the missing mail
        registrations itself and queues the mails, which the mail queue sends a minute later.
        Run in the answer's request instead, Odoo's scheduler commits (outside tests) in the middle
        of the answer, which ends its savepoint and row lock, and renders the ticket PDF while the
        invitee waits. Ordinary registrations keep Odoo's way."""
        invitations = self.filtered('crm_invitation_state')
        super(EventRegistration, self - invitations)._update_mail_schedulers()
        attending = invitations.filtered(lambda registration: registration.state == 'open')
        if attending and self.env['event.mail'].sudo().search_count([
                ('event_id', 'in', attending.event_id.ids), ('interval_type', '=', 'after_sub')], limit=1):
            self.env.ref('event.event_mail_scheduler').sudo()._trigger()
            self.env.ref('mail.ir_cron_mail_scheduler_action').sudo()._trigger(
                fields.Datetime.now() + timedelta(minutes=1))

    @api.model
    def _crm_invitee_domain(self, group):
        """The members of group to invite, as the current user and the group's definer both reach
        them (the call centre's rule): nobody is invited whom either may not reach through the
        group. UserError where the group is refused to the user (crm.target.group._refusal)."""
        return Domain(group._member_domain()) & group._call_centre_domain()

    @api.model
    def _crm_insert_invitations(self, event, members, group, campaign):
        """One invitation ("no answer yet") to event per contact of members (a Query of
        res.partner, or a list of ids) who has no registration for it yet, in one INSERT ... SELECT: a target group
        of 100,000 members is invited in one statement. Written as the server (callers check the
        user's rights): no seat, no mail, no lead rule (Odoo's create is bypassed; these are
        registrations Odoo leaves alone until the invitee attends). The contact's name, email,
        phone and company are copied as Odoo's registrations copy them. The unique index on
        (event, contact) of invitations makes two invitations at once add each contact once.

        :return: how many invitations were created
        """
        for model, fnames in (('res.partner', ['name', 'email', 'phone', 'company_name', 'parent_id',
                                               'commercial_company_name']),
                              ('event.registration', ['event_id', 'partner_id', 'crm_invitation_state'])):
            self.env[model].flush_model(fnames)
        now = self.env.cr.now()  # as Odoo's create dates its records: the transaction's time
        self.env.cr.execute(SQL("""
            WITH new AS (
                INSERT INTO event_registration (
                       event_id, partner_id, name, email, phone, company_name, company_id, state, active, barcode,
                       utm_campaign_id, crm_invitation_state, crm_invitation_token, crm_companions,
                       crm_target_group_id, create_uid, create_date, write_uid, write_date)
                SELECT %(event)s, p.id, p.name, p.email, p.phone,
                       coalesce(p.company_name, CASE WHEN p.parent_id IS NOT NULL THEN p.commercial_company_name END),
                       %(company)s, 'draft', TRUE,
                       -- Odoo's barcode: a random 8-byte number in decimal (63 bits here)
                       (('x' || left(md5(gen_random_uuid()::text), 16))::bit(64)::bigint
                        & 9223372036854775807)::text,
                       %(campaign)s, 'invited',
                       -- 244 random bits, as 64 hex digits (new_token makes 256)
                       replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
                       0, %(group)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM res_partner p
                 WHERE p.id IN (%(members)s)
                   AND NOT EXISTS (SELECT FROM event_registration r WHERE r.event_id = %(event)s AND r.partner_id = p.id)
              ORDER BY p.id
                    ON CONFLICT (event_id, partner_id) WHERE crm_invitation_state IS NOT NULL DO NOTHING
             RETURNING id)
            SELECT count(*) FROM new
        """, event=event.id, company=event.company_id.id or None, campaign=campaign.id or None,
            group=group.id or None, uid=self.env.uid, now=now,
            members=SQL("SELECT unnest(%s::int4[])", list(members)) if isinstance(members, list) else members.select()))
        count = self.env.cr.fetchone()[0]
        self.invalidate_model()
        event.invalidate_recordset(['registration_ids'])
        return count

    def _crm_invitation_path(self):
        self.ensure_one()
        return f"/crm_target_groups/invitation/{self.id}/{self.sudo().crm_invitation_token}"

    @api.model
    def _crm_invitation_of_token(self, registration_id, token):
        """The invitation whose token is token, as superuser, or an empty recordset: the token is
        the only secret, compared in constant time; nothing else is read before it matched."""
        if not isinstance(token, str) or not token or not isinstance(registration_id, int):
            return self.browse()
        stored = self._crm_stored_token(registration_id)
        # always one comparison, also for an unknown id: no timing tells whether it exists
        if not consteq(stored or new_token(), token) or not stored:
            return self.browse()
        return self.sudo().browse(registration_id)

    @api.model
    def _crm_invitation_of_short_code(self, code):
        """The invitation of a printed short link's code ('<id>-<12 letters>'), as superuser, or an
        empty recordset, checked as the full link's token is: the letters are derived from the
        token (_crm_short_code), compared in constant time, also for an unknown id. A renewed token
        makes the short link invalid too."""
        match = SHORT_CODE.fullmatch(code) if isinstance(code, str) else None
        if not match:
            return self.browse()
        registration_id = int(match[1])
        stored = self._crm_stored_token(registration_id)
        if not consteq(self._crm_short_code(stored or new_token()), match[2]) or not stored:
            return self.browse()
        return self.sudo().browse(registration_id)

    @api.model
    def _crm_stored_token(self, registration_id):
        """The token of an answerable invitation (active, an invitation), else None: the one
        definition of which invitations a public link may open."""
        if registration_id > 2 ** 31 - 1:
            return None
        self.env.cr.execute(SQL("""
            SELECT crm_invitation_token FROM event_registration
             WHERE id = %s AND active AND crm_invitation_state IS NOT NULL
        """, registration_id))
        row = self.env.cr.fetchone()
        return row[0] if row and row[0] else None

    @api.model
    def _crm_short_code(self, token):
        """The secret part of the short link: 60 bits of an HMAC of the token under the database
        secret, in lower-case base32 (no 0/1/8/9 to misread on paper). Derived, not stored: it
        needs no column and no second secret to keep in step, and it changes with the token. 60
        bits per invitation id are beyond guessing over HTTP; the full link keeps its 256."""
        digest = bytes.fromhex(hmac(self.env(su=True), 'crm_invitation_short_link', token))
        return base64.b32encode(digest[:8]).decode().lower()[:12]

    def _crm_check_server_fields(self, vals):
        if fnames := SERVER_FIELDS & vals.keys():
            raise AccessError(self.env._("%(fields)s of an invitation are set by the server, not by users.",
                                         fields=", ".join(sorted(fnames))))


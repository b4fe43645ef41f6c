import re
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import TargetGroupsCommon

CSRF = re.compile(r'csrf_token: "([^"]+)"')


@tagged('post_install', '-at_install')
class TestInvitations(HttpCase, TargetGroupsCommon):
    """Invitations of a target group to an event and their answers.

    "Football fans" (Football, defined by the event user Uwe) reaches Anna (with an email address)
    and Dora (without one), who also carries City council, a profile of the Politics team: Uwe's
    colleague Olga is outside it and must not learn from invitations who carries it. The event
    has Odoo's default communication (a confirmation mail after registration).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        base = 'crm_target_groups.group_crm_target_groups_user,event.group_event_user,base.group_partner_manager'
        cls.user_staff = new_test_user(cls.env, login='tg_event_staff', name='Uwe Eventteam', groups=base)
        cls.user_outsider = new_test_user(cls.env, login='tg_event_outsider', name='Olga Outsider', groups=base)
        cls.user_politics = new_test_user(cls.env, login='tg_event_insider', name='Ines Eventteam', groups=base)
        cls.user_politics.group_ids |= cls.group_politics
        cls.user_desk = new_test_user(cls.env, login='tg_event_desk', name='Dirk Desk',
                                      groups='event.group_event_registration_desk')
        cls.partner_anna.write({'email': 'anna@example.com', 'lang': 'en_US'})
        cls.partner_bernd.email = 'bernd@example.com'
        cls.partner_clara.email = 'clara@example.com'
        cls.group = cls.env['crm.target.group'].with_user(cls.user_staff).create({
            'name': 'Football fans', 'include_profile_ids': [Command.set(cls.tag_football.ids)], 'shared': True})
        cls.campaign = cls.env['utm.campaign'].create({
            'title': 'Sommerfest 2027', 'campaign_target_group_ids': [Command.set(cls.group.ids)]})
        cls.event = cls.env['event.event'].create({
            'name': 'Sommerfest 2027', 'date_begin': datetime.now() + timedelta(days=30),
            'date_end': datetime.now() + timedelta(days=30, hours=5), 'seats_limited': True, 'seats_max': 10,
            'user_id': cls.user_staff.id,
        })

    def _invite(self, user=None, group=None):
        wizard = self.env['crm.event.invite'].with_user(user or self.user_staff).create({
            'event_id': self.event.id, 'target_group_id': (group or self.group).id})
        return wizard, wizard.action_invite()

    def _invitation(self, partner):
        return self.env['event.registration'].search([('event_id', '=', self.event.id), ('partner_id', '=', partner.id)])

    def _touches(self, partner):
        return self.env['crm.campaign.touch'].search([('partner_id', '=', partner.id),
                                                      ('response_channel', '=', 'invitation')])

    def _url(self, registration, token=None, suffix=''):
        return f"/crm_target_groups/invitation/{registration.id}/{token or registration.crm_invitation_token}{suffix}"

    def _post(self, registration, answer, token=None, **values):
        """Answers as the invitee does: the page first (session and CSRF token), then the form."""
        page = self.url_open(self._url(registration, token))
        csrf = CSRF.search(page.text).group(1)
        return self.url_open(self._url(registration, token),
                             data=dict(values, answer=answer, csrf_token=csrf, channel=values.get('channel', 'mail')))

    # ------------------------------------------------------------
    # INVITING
    # ------------------------------------------------------------

    def test_invite_takes_no_seat_and_sends_no_mail(self):
        mails_before = self.env['mail.mail'].search_count([])
        wizard, action = self._invite()
        self.assertEqual((wizard.member_count, wizard.without_email_count), (2, 1))
        self.assertEqual(wizard.campaign_id, self.campaign, "the campaign of the group is proposed")
        self.assertEqual(action['params']['next']['res_model'], 'event.registration')
        invitations = self.env['event.registration'].search([('event_id', '=', self.event.id)])
        self.assertEqual(invitations.partner_id, self.partner_anna | self.partner_dora)
        self.assertEqual(set(invitations.mapped('state')), {'draft'})
        self.assertEqual(set(invitations.mapped('crm_invitation_state')), {'invited'})
        self.assertEqual(invitations.utm_campaign_id, self.campaign)
        self.assertEqual(invitations.sudo().crm_target_group_id, self.group)
        self.assertEqual(self._invitation(self.partner_anna).email, 'anna@example.com')
        tokens = invitations.sudo().mapped('crm_invitation_token')
        self.assertTrue(all(re.fullmatch(r'[0-9a-f]{64}', token) for token in tokens))
        self.assertEqual(len(set(tokens)), 2)
        self.assertEqual(len(set(invitations.mapped('barcode'))), 2)
        self.event.invalidate_recordset()
        self.assertEqual((self.event.seats_taken, self.event.seats_available), (0, 10), "no seat taken")
        self.assertEqual(self.env['mail.mail'].search_count([]), mails_before, "no mail sent")
        self.assertTrue(self.event.event_mail_ids, "Odoo's default confirmation mail is there")
        self.assertFalse(invitations.mail_registration_ids, "Odoo's schedulers leave invitations alone")
        self.assertEqual((self.event.crm_invitation_count, self.event.crm_invited_count), (2, 2))
        missing = wizard.action_open_without_email()
        self.assertEqual(self.env['res.partner'].search(missing['domain']), self.partner_dora)

    def test_invite_again_adds_only_new_members(self):
        self._invite()
        self.partner_bernd.category_id |= self.tag_football
        clara = self.env['event.registration'].create({'event_id': self.event.id, 'partner_id': self.partner_clara.id})
        self.partner_clara.category_id |= self.tag_football  # registered already: not invited
        wizard = self.env['crm.event.invite'].with_user(self.user_staff).create({
            'event_id': self.event.id, 'target_group_id': self.group.id})
        self.assertEqual((wizard.member_count, wizard.new_count), (4, 1), "Bernd is new, Clara is registered")
        self.assertIn('1 invitations', wizard.action_invite()['params']['message'])
        invitations = self.env['event.registration'].search([('event_id', '=', self.event.id)])
        self.assertEqual(len(invitations), 4)
        self.assertEqual(invitations.filtered('crm_invitation_state').partner_id,
                         self.partner_anna | self.partner_bernd | self.partner_dora)
        self.assertEqual((clara.state, clara.crm_invitation_state), ('open', False))
        _wizard, action = self._invite()
        self.assertIn('already', action['params']['message'])
        self.assertEqual(len(self.env['event.registration'].search([('event_id', '=', self.event.id)])), 4)

    def test_invite_big_group_in_the_background(self):
        """Beyond the sync threshold a job invites the members in batches, as the user who asked."""
        ICP = self.env['ir.config_parameter']
        ICP.set_param('crm_target_groups.sync_threshold', '1')
        ICP.set_param('crm_target_groups.invitations_per_batch', '1')
        self.partner_bernd.category_id |= self.tag_football
        wizard = self.env['crm.event.invite'].with_user(self.user_staff).create({
            'event_id': self.event.id, 'target_group_id': self.group.id})
        self.assertTrue(wizard.in_background)
        action = wizard.action_invite()
        run = self.env['crm.event.invitation.run'].browse(action['res_id'])
        self.assertEqual((run.user_id, run.state, run.member_total), (self.user_staff, 'queued', 3))
        self.assertFalse(self.env['event.registration'].search([('event_id', '=', self.event.id)]))
        with patch.object(type(self.env['ir.cron']), '_commit_progress', lambda *args, **kwargs: 1.0):
            run._cron_process()
        self.assertEqual((run.state, run.invitation_count, run.member_done), ('done', 3, 3))
        invitations = self.env['event.registration'].search([('event_id', '=', self.event.id)])
        self.assertEqual(invitations.partner_id, self.partner_anna | self.partner_bernd | self.partner_dora)
        self.assertEqual(invitations.create_uid, self.user_staff)
        self.assertEqual(set(invitations.mapped('state')), {'draft'})

    # ------------------------------------------------------------
    # ANSWERS
    # ------------------------------------------------------------

    def test_answers_are_history_and_set_the_registration(self):
        self._invite()
        anna = self._invitation(self.partner_anna)
        cron_triggers = self.env['ir.cron.trigger'].search
        waking = [('cron_id', '=', self.env.ref('event.event_mail_scheduler').id)]
        triggers = cron_triggers(waking)
        self.assertTrue(anna._crm_answer('attending', 'mail', companions=2, comment="Gern!"))
        self.assertEqual((anna.state, anna.crm_invitation_state, anna.crm_companions, anna.crm_answer_channel),
                         ('open', 'attending', 2, 'mail'))
        self.event.invalidate_recordset()
        self.assertEqual(self.event.seats_taken, 1, "attending takes a seat")
        self.assertFalse(anna.message_ids.tracking_value_ids,
                         "the answer's history is the campaign history, not a second copy in the chatter")
        # Odoo's confirmation, sent by the event mail cron the answer wakes (not in the answer's request)
        self.assertFalse(anna.mail_registration_ids)
        self.assertTrue(cron_triggers(waking) - triggers, "the answer wakes the cron")
        self.env['event.mail'].schedule_communications()
        self.assertTrue(anna.mail_registration_ids.mail_sent, "attending gets Odoo's confirmation")
        self.assertFalse(anna._crm_answer('attending', 'mail', companions=3), "the same answer changes nothing")
        self.assertEqual(anna.crm_companions, 3)
        touch = self._touches(self.partner_anna)
        self.assertEqual(len(touch), 1, "the same answer twice is one entry")
        self.assertEqual((touch.kind, touch.campaign_id, touch.registration_id), ('response', self.campaign, anna))
        self.assertEqual(touch.medium_id, self.env.ref('utm.utm_medium_email'))
        self.assertIn('Sommerfest 2027', touch.note)
        history = self.env['crm.campaign.history'].search([('partner_id', '=', self.partner_anna.id)])
        self.assertEqual(history.mapped('event'), ['response'])
        self.assertEqual(self.campaign.campaign_response_count, 1, "a personal response of the campaign")
        # the invitee's comment is for the event's responsible
        activity = anna.activity_ids
        self.assertEqual(activity.user_id, self.user_staff)
        self.assertIn('Gern!', activity.note)

        anna._crm_answer('declined', 'phone')
        self.assertEqual((anna.state, anna.crm_invitation_state, anna.crm_companions), ('cancel', 'declined', 0))
        self.event.invalidate_recordset()
        self.assertEqual(self.event.seats_taken, 0, "declining frees the seat")
        self.assertEqual(len(self._touches(self.partner_anna)), 2, "a change of answer is a new entry")
        self.assertEqual(self.campaign.campaign_response_count, 1, "still one contact who responded")
        with self.assertRaises(UserError):
            anna._crm_answer('maybe', 'mail')

    def test_deadline_and_full_event(self):
        self._invite()
        anna, dora = self._invitation(self.partner_anna), self._invitation(self.partner_dora)
        self.event.crm_reply_deadline = datetime.now() - timedelta(hours=1)
        with self.assertRaises(UserError):
            anna._crm_answer('attending', 'mail')
        anna._crm_answer('attending', 'phone')  # staff enter a late answer
        self.event.write({'crm_reply_deadline': False, 'seats_max': 1})
        with self.assertRaises(UserError):
            dora._crm_answer('attending', 'mail')
        dora._crm_answer('declined', 'mail')
        self.assertEqual(dora.crm_invitation_state, 'declined')

    def test_staff_buttons_and_server_fields(self):
        self._invite()
        anna = self._invitation(self.partner_anna).with_user(self.user_staff)
        anna.action_crm_attend()
        self.assertEqual((anna.crm_invitation_state, anna.crm_answer_channel), ('attending', 'staff'))
        anna.action_crm_decline('phone')
        self.assertEqual((anna.crm_invitation_state, anna.crm_answer_channel), ('declined', 'phone'))
        touches = self._touches(self.partner_anna)
        self.assertEqual(touches.user_id, self.user_staff)
        self.assertEqual(touches.medium_id, self.env.ref('utm.utm_medium_phone') | self.env.ref('utm.utm_medium_direct'))
        with self.assertRaises(AccessError):
            anna.write({'crm_invitation_state': 'attending'})
        with self.assertRaises(AccessError):
            anna.write({'crm_companions': 4})
        with self.assertRaises(UserError):
            anna.action_confirm()  # the state follows the answer
        with self.assertRaises(AccessError):
            self.env['event.registration'].with_user(self.user_staff).create({
                'event_id': self.event.id, 'partner_id': self.partner_clara.id, 'crm_invitation_state': 'attending'})
        old = anna.sudo().crm_invitation_token
        anna.action_crm_renew_token()
        self.assertNotEqual(anna.sudo().crm_invitation_token, old)
        self.assertIn(anna.sudo().crm_invitation_token, anna.crm_invitation_url)
        # the registration desk checks people in, it does not read answer links
        desk = anna.with_user(self.user_desk)
        self.assertEqual(desk.crm_invitation_state, 'declined')
        with self.assertRaises(AccessError):
            desk.read(['crm_invitation_token'])

    def test_outsider_learns_nothing_of_hidden_profiles(self):
        """A group through City council gives Olga nobody to invite; the invitations Ines makes
        of its carriers (Dora) are not in Olga's lists or counts."""
        council = self.env['crm.target.group'].with_user(self.user_politics).create({
            'name': 'Council', 'include_profile_ids': [Command.set(self.tag_council.ids)], 'shared': True})
        wizard, _action = self._invite(self.user_outsider, council)
        self.assertEqual((wizard.member_count, wizard.new_count), (0, 0))
        self.assertFalse(self.env['event.registration'].search([('event_id', '=', self.event.id)]))
        self._invite(self.user_politics, council)
        self._invite(self.user_staff)  # Football fans: Anna, and Dora is invited already
        Registration = self.env['event.registration']
        self.assertEqual(Registration.search([('event_id', '=', self.event.id)]).partner_id,
                         self.partner_anna | self.partner_dora)
        outsider = Registration.with_user(self.user_outsider).search([('event_id', '=', self.event.id)])
        self.assertEqual(outsider.partner_id, self.partner_anna)
        self.assertEqual(self.event.with_user(self.user_outsider).crm_invitation_count, 1)
        self.assertEqual(self.event.with_user(self.user_politics).crm_invitation_count, 2)
        dora = self._invitation(self.partner_dora)
        with self.assertRaises(AccessError):
            dora.with_user(self.user_outsider).action_crm_attend()
        dora._crm_answer('attending', 'mail')
        self.assertFalse(self.env['crm.campaign.touch'].with_user(self.user_outsider).search(
            [('partner_id', '=', self.partner_dora.id)]), "nor in the campaign history")

    def test_campaign_counts_its_invitations(self):
        """The campaign's Invitations button counts those of its sub-campaigns too, as each user may
        see them; a Target Groups user without event rights counts none and still opens the form."""
        child = self.env['utm.campaign'].create({'title': 'Sommerfest 2027 Rat', 'parent_id': self.campaign.id})
        Registration = self.env['event.registration']
        Registration._crm_insert_invitations(self.event, [self.partner_anna.id], self.group, self.campaign)
        Registration._crm_insert_invitations(self.event, [self.partner_dora.id], self.group, child)
        user_plain = new_test_user(self.env, login='tg_event_none', groups='crm_target_groups.group_crm_target_groups_user')
        counts = {user.login: (self.campaign.with_user(user).campaign_invitation_count,
                               child.with_user(user).campaign_invitation_count)
                  for user in (self.user_politics, self.user_outsider, self.user_desk, user_plain)}
        self.assertEqual(counts, {'tg_event_insider': (2, 1), 'tg_event_outsider': (1, 0), 'tg_event_desk': (1, 0),
                                  'tg_event_none': (0, 0)})
        action = self.campaign.with_user(self.user_outsider).action_crm_open_invitations()
        self.assertEqual(Registration.with_user(self.user_outsider).search(action['domain']).partner_id,
                         self.partner_anna)
        self.assertEqual(Registration.with_user(self.user_politics).search(action['domain']).partner_id,
                         self.partner_anna | self.partner_dora)
        self.assertNotIn('campaign_invitation_count', str(
            self.env['utm.campaign'].with_user(user_plain).get_views([(False, 'form')])['views']['form']['arch']))
        self.assertIn('campaign_invitation_count', str(
            self.env['utm.campaign'].with_user(self.user_desk).get_views([(False, 'form')])['views']['form']['arch']))

    # ------------------------------------------------------------
    # PUBLIC PAGE
    # ------------------------------------------------------------

    def test_page_tokens(self):
        self._invite()
        anna, dora = self._invitation(self.partner_anna), self._invitation(self.partner_dora)
        page = self.url_open(self._url(anna))
        self.assertEqual(page.status_code, 200)
        self.assertIn('Sommerfest 2027', page.text)
        self.assertIn('Anna Fußballfan', page.text)
        self.assertNotIn('Dora', page.text, "nothing of other invitees")
        self.assertNotIn('anna@example.com', page.text, "only the invitee's name")
        self.assertIn('name="csrf_token"', page.text)
        token = anna.sudo().crm_invitation_token
        for url in (self._url(anna, 'f' * 64), self._url(anna, dora.sudo().crm_invitation_token),
                    self._url(anna, token[:-1] + ('0' if token[-1] != '0' else '1')),
                    f"/crm_target_groups/invitation/{dora.id + 1000}/{token}", self._url(anna, token + '0')):
            bad = self.url_open(url)
            self.assertEqual(bad.status_code, 404, url)
            self.assertIn('o_crm_invitation_invalid', bad.text)
            self.assertNotIn('Sommerfest', bad.text)
        # a POST with another invitation's token answers nothing
        self.assertEqual(self._post(anna, 'attending', token=dora.sudo().crm_invitation_token).status_code, 404)
        self.assertEqual(anna.crm_invitation_state, 'invited')
        # GET never answers, not even the one-click links a mail scanner opens
        self.assertEqual(self.url_open(self._url(anna, suffix='/attend')).status_code, 200)
        self.assertEqual(anna.crm_invitation_state, 'invited')

    def test_page_answers(self):
        self._invite()
        anna = self._invitation(self.partner_anna)
        response = self._post(anna, 'attending', companions='2', comment='Bis bald')
        self.assertEqual(response.status_code, 200)
        self.assertIn('o_crm_invitation_saved', response.text)
        self.assertEqual((anna.crm_invitation_state, anna.state, anna.crm_companions, anna.crm_comment,
                          anna.crm_answer_channel), ('attending', 'open', 2, 'Bis bald', 'mail'))
        self._post(anna, 'attending', companions='2', comment='Bis bald')
        self.assertEqual(len(self._touches(self.partner_anna)), 1, "the same answer twice is one entry")
        self._post(anna, 'declined', channel='letter')
        self.assertEqual((anna.crm_invitation_state, anna.crm_answer_channel), ('declined', 'letter'))
        self.assertEqual(len(self._touches(self.partner_anna)), 2)
        # without the CSRF token, nothing happens
        with mute_logger('odoo.http'):
            self.url_open(self._url(anna), data={'answer': 'attending'})
        self.assertEqual(anna.crm_invitation_state, 'declined')

    def test_page_after_deadline_and_when_full(self):
        self._invite()
        anna, dora = self._invitation(self.partner_anna), self._invitation(self.partner_dora)
        self.event.crm_reply_deadline = datetime.now() - timedelta(minutes=5)
        page = self.url_open(self._url(anna))
        self.assertIn('o_crm_invitation_closed', page.text)
        self.assertNotIn('o_crm_invitation_attend', page.text)
        response = self._post(anna, 'attending')
        self.assertIn('o_crm_invitation_error', response.text)
        self.assertEqual(anna.crm_invitation_state, 'invited')
        self.event.write({'crm_reply_deadline': False, 'seats_max': 1})
        anna._crm_answer('attending', 'phone')
        page = self.url_open(self._url(dora))
        self.assertIn('o_crm_invitation_full', page.text)
        self.assertNotIn('o_crm_invitation_attend', page.text)
        response = self._post(dora, 'attending')
        self.assertIn('o_crm_invitation_error', response.text)
        self.assertEqual(dora.crm_invitation_state, 'invited')
        self.assertFalse(self._touches(self.partner_dora), "a refused answer leaves no trace")
        self.assertIn('o_crm_invitation_attend', self.url_open(self._url(anna)).text, "Anna keeps her seat")

    def test_profile_through_automation(self):
        """An automation rule gives who attends a profile: the answer is a target group of its own,
        also when the answer comes from the public page (the rule runs as the server)."""
        automation = self.env['base.automation'].create({
            'name': 'Attends the summer party', 'model_id': self.env['ir.model']._get_id('event.registration'),
            'trigger': 'on_create_or_write',
            'trigger_field_ids': [Command.set(
                self.env['ir.model.fields']._get('event.registration', 'crm_invitation_state').ids)],
            'filter_domain': repr([('crm_invitation_state', '=', 'attending'), ('event_id', '=', self.event.id)]),
        })
        self.env['ir.actions.server'].create({
            'name': 'Profile Culture', 'model_id': self.env['ir.model']._get_id('event.registration'),
            'state': 'object_write', 'update_path': 'partner_id.category_id', 'update_m2m_operation': 'add',
            'value': str(self.tag_culture.id), 'base_automation_id': automation.id})
        self._invite()
        anna, dora = self._invitation(self.partner_anna), self._invitation(self.partner_dora)
        self._post(dora, 'declined')
        self.assertNotIn(self.tag_culture, self.partner_dora.category_id)
        self._post(anna, 'attending')
        self.assertIn(self.tag_culture, self.partner_anna.category_id)
        history = self.env['crm.profile.history'].search([('partner_id', '=', self.partner_anna.id),
                                                          ('profile_id', '=', self.tag_culture.id)])
        self.assertEqual(len(history), 1, "the one profile-change method recorded it")

    def test_tour_answer_in_german(self):
        self.env['res.lang']._activate_lang('de_DE')
        self.partner_anna.lang = 'de_DE'
        self._invite()
        anna = self._invitation(self.partner_anna)
        self.start_tour(self._url(anna, suffix='/attend'), 'crm_invitation_answer')
        self.assertEqual((anna.crm_invitation_state, anna.crm_companions, anna.crm_comment, anna.crm_answer_channel),
                         ('attending', 2, 'Wir bringen Kuchen mit.', 'mail'))

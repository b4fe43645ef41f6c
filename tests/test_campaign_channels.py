import json
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestCampaignChannels(HttpCase, TargetGroupsCommon):
    """Every channel stamped with its campaign (mailing, letters, call centre) and personal
    responses (the wizard, the phone system's API).

    Frühjahr 2027 uses the target groups 'A Outdoor' (Anna, Bernd, Dora) and 'B Culture' (Clara);
    Sven Sales is Anna's salesperson, Carla Campaign the campaign's responsible. The company is
    German: 089 1234567 is +49 89 1234567.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.last_touch_id = cls.env['crm.campaign.touch'].search([], limit=1, order='id desc').id or 0
        cls.env.company.country_id = cls.env.ref('base.de')
        cls.user_sales = new_test_user(cls.env, login='tg_sales', name='Sven Sales',
                                       groups='sales_team.group_sale_salesman')
        cls.user_campaign = new_test_user(cls.env, login='tg_campaign_owner', name='Carla Campaign',
                                          groups='crm_target_groups.group_crm_target_groups_user')
        cls.user_phone = new_test_user(cls.env, login='tg_phone', name='Phone System',
                                       groups='crm_target_groups.group_crm_target_groups_user')
        cls.user_mailer = new_test_user(
            cls.env, login='tg_channel_mailer', name='Mona Mailer',
            groups='crm_target_groups.group_crm_target_groups_user,mass_mailing.group_mass_mailing_user')
        cls.user_outsider = new_test_user(
            cls.env, login='tg_channel_outsider', name='Olaf Outsider',
            groups='crm_target_groups.group_crm_target_groups_user')
        Group = cls.env['crm.target.group']
        cls.group_outdoor = Group.create({'name': 'A Outdoor', 'include_profile_ids': [Command.set(cls.tag_sport.ids)],
                                          'shared': True, 'call_centre': True})
        cls.group_culture = Group.create({'name': 'B Culture', 'shared': True,
                                          'include_profile_ids': [Command.set(cls.tag_culture.ids)]})
        cls.campaign = cls.env['utm.campaign'].create({
            'title': 'Frühjahr 2027', 'user_id': cls.user_campaign.id, 'campaign_date_start': '2027-03-01',
            'campaign_target_group_ids': [Command.set((cls.group_culture | cls.group_outdoor).ids)]})
        cls.partner_anna.write({'user_id': cls.user_sales.id, 'phone': '0891234567'})
        cls.key = cls.env['res.users.apikeys'].with_user(cls.user_phone)._generate(
            'rpc', 'phone system', datetime.now() + timedelta(days=1))

    def _touches(self, **values):
        """This test's touches (the demo data has its own)."""
        return self.env['crm.campaign.touch'].search([('id', '>', self.last_touch_id)] + [
            (name, '=', value) for name, value in values.items()])

    def _letter_touch(self, partner, campaign, days_ago):
        return self.env['crm.campaign.touch'].create({
            'partner_id': partner.id, 'campaign_id': campaign.id, 'kind': 'letter',
            'date': datetime.now() - timedelta(days=days_ago)})

    # 1. channels

    def test_create_mailing_prefills_campaign_and_target_group(self):
        action = self.campaign.with_user(self.user_mailer).action_create_mailing()
        Mailing = self.env['mailing.mailing'].with_user(self.user_mailer).with_context(action['context'])
        with Form(Mailing) as form:
            self.assertEqual(form.crm_target_group_id, self.group_outdoor, "the first of the campaign's groups")
            self.assertEqual(form.mailing_model_real, 'res.partner')
            form.crm_target_group_id = self.group_culture  # the user picks another one
        mailing = form.record
        self.assertEqual((mailing.subject, mailing.campaign_id, mailing.crm_recipients_uid),
                         ('Frühjahr 2027', self.campaign, self.user_mailer))
        self.assertEqual(mailing._get_recipients(), self.partner_clara.ids)
        # Odoo's traces carry the mailing's campaign: the history shows them
        self.env['mailing.trace'].create({'model': 'res.partner', 'res_id': self.partner_clara.id,
                                          'mass_mailing_id': mailing.id, 'trace_status': 'sent',
                                          'sent_datetime': datetime.now()})
        self.env.flush_all()  # the trace's campaign is a stored related field, written at flush
        row = self.env['crm.campaign.history'].with_user(self.user_mailer).search(
            [('partner_id', '=', self.partner_clara.id), ('event', '=', 'sent')])
        self.assertEqual(row.campaign_id, self.campaign)
        self.campaign.invalidate_recordset()
        self.assertEqual(self.campaign.with_user(self.user_mailer).campaign_mailed_count, 1)
        # without target groups: a mailing of the campaign all the same
        bare = self.env['utm.campaign'].create({'title': 'Ohne Gruppen'})
        context = bare.with_user(self.user_mailer).action_create_mailing()['context']
        self.assertEqual(context['default_campaign_id'], bare.id)
        self.assertNotIn('default_crm_target_group_id', context)

    def test_tour_plan_a_campaign_and_create_its_mailing(self):
        """A Target Groups user with Email Marketing plans a campaign for 'A Outdoor' and writes its
        mailing from the campaign form. Mona does not manage mailing campaigns (the mailing form
        hides its campaign from her): the campaign comes from the button all the same."""
        for partner in self.partner_anna | self.partner_bernd | self.partner_clara | self.partner_dora:
            partner.email = f'{partner.name.split()[0].lower()}@example.com'
        self.assertFalse(self.user_mailer.has_group('mass_mailing.group_mass_mailing_campaign'))
        self.start_tour('/odoo/action-crm_target_groups.utm_campaign_action', 'crm_campaign_create_mailing',
                        login='tg_channel_mailer')
        campaign = self.env['utm.campaign'].search([('title', '=', 'Sommerfest 2027')])
        self.assertEqual((campaign.campaign_target_group_ids, campaign.create_uid), (self.group_outdoor, self.user_mailer))
        mailing = self.env['mailing.mailing'].search([('campaign_id', '=', campaign.id)])
        self.assertEqual(len(mailing), 1)
        self.assertEqual((mailing.subject, mailing.crm_target_group_id, mailing.mailing_model_real,
                          mailing.crm_recipients_uid, mailing.state),
                         ('Einladung zum Sommerfest', self.group_outdoor, 'res.partner', self.user_mailer, 'draft'))
        self.assertIn('herzlich zu unserem Sommerfest', mailing.body_arch)
        self.assertIn('herzlich zu unserem Sommerfest', mailing.body_html)
        members = self.partner_anna | self.partner_bernd | self.partner_dora
        self.assertEqual(self.env['res.partner'].search(self.group_outdoor._member_domain()), members)
        self.assertEqual(self.env['res.partner'].search(mailing._get_recipients_domain()), members)
        self.assertEqual(set(mailing.with_user(self.user_mailer)._get_recipients()), set(members.ids))

    def test_printed_letters_leave_one_touch_per_recipient(self):
        """In the background (a run) and at once; Dora has no address and gets no letter."""
        (self.partner_anna | self.partner_bernd).write({'street': 'Hauptstr. 1', 'zip': '80331', 'city': 'München'})
        self.partner_clara.write({'street': 'Ring 3', 'zip': '10115', 'city': 'Berlin'})
        template = self.env['crm.letter.template'].create({'name': 'Einladung', 'body': '<p>Hallo</p>'})
        ICP = self.env['ir.config_parameter']
        ICP.set_param('crm_target_groups.letters_in_request', '1')

        def wizard(group):
            action = group.with_user(self.user_plain).action_print_letters()
            return self.env['crm.letter.print'].with_user(self.user_plain).with_context(action['context']).create(
                {'template_id': template.id})

        letters = wizard(self.group_outdoor)
        self.assertEqual(letters.campaign_id, self.campaign, "the campaign that uses the target group")
        run = self.env['crm.letter.run'].browse(letters.action_print()['res_id'])
        self.assertEqual((run.campaign_id, run.letter_total), (self.campaign, 2))
        self.assertFalse(self._touches(letter_run_id=run.id), "nothing went out before the PDF is complete")
        with patch.object(type(self.env['ir.cron']), '_commit_progress', lambda *args, **kwargs: 1.0):
            run.with_context(force_report_rendering=True)._cron_process()
        self.assertEqual(run.state, 'done')
        touches = self._touches(letter_run_id=run.id)
        self.assertEqual(sorted(touches.partner_id.ids), sorted((self.partner_anna | self.partner_bernd).ids),
                         "exactly one letter per recipient")
        self.assertEqual(set(touches.mapped('kind')), {'letter'})
        self.assertEqual(touches.campaign_id, self.campaign)
        self.assertEqual(touches.medium_id, self.env.ref('crm_target_groups.utm_medium_letter'))
        self.assertEqual(touches.user_id, self.user_plain)
        self.assertEqual(self.env['crm.campaign.touch'].search(run.action_open_touches()['domain']), touches)

        ICP.set_param('crm_target_groups.letters_in_request', '100')
        at_once = wizard(self.group_culture)
        at_once.action_print()
        self.assertEqual(self._touches(campaign_id=self.campaign.id, kind='letter',
                                       partner_id=self.partner_clara.id).letter_run_id, run.browse())

        History = self.env['crm.campaign.history'].with_user(self.user_plain)
        rows = History.search([('campaign_id', '=', self.campaign.id), ('event', '=', 'letter')])
        self.assertEqual(sorted(rows.partner_id.ids),
                         sorted((self.partner_anna | self.partner_bernd | self.partner_clara).ids))
        campaign = self.campaign.with_user(self.user_plain)
        self.assertEqual((campaign.campaign_letter_count, campaign.campaign_reached_count), (3, 3))
        self.assertEqual([(row['name'], row['reached']) for row in campaign._campaign_report_channels()], [('Letter', 3)])
        action = campaign.action_open_statistic('campaign_letter_count')
        self.assertEqual(len(self.env['res.partner'].search(action['domain'])), 3)

    def test_call_outcomes_leave_call_touches(self):
        other = self.env['utm.campaign'].create({'title': 'Herbst 2027'})
        Outcome = self.env['crm.call.outcome'].with_user(self.user_manager)
        calls = Outcome.create([
            {'partner_id': self.partner_anna.id, 'target_group_id': self.group_outdoor.id, 'outcome': 'interested',
             'note': 'Will ein Angebot'},
            {'partner_id': self.partner_bernd.id, 'target_group_id': self.group_outdoor.id,
             'outcome': 'not_reached'},
            {'partner_id': self.partner_dora.id, 'target_group_id': self.group_outdoor.id, 'outcome': 'reached',
             'campaign_id': other.id},
        ])
        self.assertEqual(calls.mapped('campaign_id'), self.campaign | other)
        self.assertEqual(calls[2].campaign_id, other, "a campaign named by the poster wins")
        touches = self._touches(kind='call')
        self.assertEqual(len(touches), 3)
        by_call = {touch.call_outcome_id: touch for touch in touches}
        self.assertEqual([(by_call[call].partner_id, by_call[call].campaign_id) for call in calls],
                         [(call.partner_id, call.campaign_id) for call in calls])
        self.assertEqual(by_call[calls[0]].note, 'Interested\nWill ein Angebot')
        self.assertEqual(by_call[calls[1]].note, 'Not reached')
        self.assertEqual(by_call[calls[0]].medium_id, self.env.ref('utm.utm_medium_phone'))
        campaign = self.campaign.with_user(self.user_manager)
        self.assertEqual((campaign.campaign_called_count, campaign.campaign_reached_count), (2, 2))

        # the call centre's API user stamps its outcomes the same way
        call_centre = new_test_user(self.env, login='tg_channel_cc',
                                    groups='crm_target_groups.group_crm_target_groups_call_centre')
        call = self.env['crm.call.outcome'].with_user(call_centre).create({
            'partner_id': self.partner_bernd.id, 'target_group_id': self.group_outdoor.id, 'outcome': 'reached'})
        self.assertEqual(call.campaign_id, self.campaign)
        self.assertEqual(self._touches(call_outcome_id=call.id).campaign_id, self.campaign)

    # 2. personal responses

    def _respond(self, user, partner, **values):
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.crm_campaign_response_action')
        Wizard = self.env[action['res_model']].with_user(user).with_context(default_partner_id=partner.id)
        with Form(Wizard) as form:
            defaults = {'campaign_id': form.campaign_id, 'response_channel': form.response_channel}
            for name, value in values.items():
                setattr(form, name, value)
        form.record.action_log()
        touch = self.env['crm.campaign.touch'].search([('partner_id', '=', partner.id), ('kind', '=', 'response')],
                                                      limit=1)
        activity = self.env['mail.activity'].search([('res_model', '=', 'res.partner'), ('res_id', '=', partner.id)],
                                                    order='id desc', limit=1)
        return defaults, touch, activity

    def test_response_wizard_touch_and_activity(self):
        self._letter_touch(self.partner_anna, self.campaign, days_ago=10)
        defaults, touch, activity = self._respond(self.user_plain, self.partner_anna, response_channel='email',
                                                  note='Fragt nach Preisen')
        self.assertEqual(defaults, {'campaign_id': self.campaign, 'response_channel': 'call_in'},
                         "the campaign that last reached Anna, within its window")
        self.assertEqual((touch.campaign_id, touch.response_channel, touch.note, touch.user_id),
                         (self.campaign, 'email', 'Fragt nach Preisen', self.user_plain))
        self.assertEqual(activity.user_id, self.user_sales, "Anna's salesperson")
        self.assertEqual(activity.activity_type_id, self.env.ref('mail.mail_activity_data_todo'))
        self.assertEqual(activity.summary, 'Email: Frühjahr 2027')
        self.assertIn('Fragt nach Preisen', str(activity.note))
        self.assertEqual(self.campaign.with_user(self.user_plain).campaign_response_count, 1)

        # Bernd has no salesperson: the campaign's responsible; his company's salesperson comes first
        _defaults, _touch, activity = self._respond(self.user_plain, self.partner_bernd, campaign_id=self.campaign)
        self.assertEqual(activity.user_id, self.user_campaign)
        company = self.env['res.partner'].create({'name': 'Tennis GmbH', 'is_company': True,
                                                  'user_id': self.user_sales.id})
        self.partner_bernd.parent_id = company
        _defaults, _touch, activity = self._respond(self.user_plain, self.partner_bernd, campaign_id=self.campaign)
        self.assertEqual(activity.user_id, self.user_sales)
        # no salesperson, no campaign: who logged it
        defaults, touch, activity = self._respond(self.user_plain, self.partner_clara)
        self.assertFalse(defaults['campaign_id'])
        self.assertEqual((touch.campaign_id, activity.user_id, activity.summary),
                         (self.env['utm.campaign'], self.user_plain, 'Inbound call (no campaign)'))

    def test_response_window_decides_the_default_campaign(self):
        """The latest touch whose campaign's window is still open: a campaign with a short window
        that reached Anna later does not count any more."""
        short = self.env['utm.campaign'].create({'title': 'Blitzaktion', 'campaign_response_days': 5})
        self._letter_touch(self.partner_anna, self.campaign, days_ago=30)
        self._letter_touch(self.partner_anna, short, days_ago=10)
        Touch = self.env['crm.campaign.touch'].with_user(self.user_plain)
        self.assertEqual(Touch._campaign_in_window(self.partner_anna), self.campaign)
        self.assertEqual(Touch._campaign_in_window(self.partner_anna, datetime.now() - timedelta(days=7)), short)
        self.assertFalse(Touch._campaign_in_window(self.partner_anna, datetime.now() + timedelta(days=61)))

    def test_tour_log_response(self):
        self._letter_touch(self.partner_anna, self.campaign, days_ago=3)
        self.start_tour(f'/odoo/res.partner/{self.partner_anna.id}', 'crm_campaign_log_response', login='tg_user')
        touch = self._touches(partner_id=self.partner_anna.id, kind='response')
        self.assertEqual((touch.campaign_id, touch.response_channel, touch.note, touch.user_id),
                         (self.campaign, 'visit', 'Möchte ein Angebot für 20 Plätze', self.user_plain))

    def test_outsider_logs_a_response_of_a_contact_with_a_hidden_profile(self):
        """Dora carries City council, hidden from the outsider: she is a contact the outsider may
        open, so the outsider logs her response; the history still hides her from them, so no
        campaign is proposed to them either (it would tell that a campaign reached her)."""
        self._letter_touch(self.partner_dora, self.campaign, days_ago=5)
        defaults, touch, activity = self._respond(self.user_outsider, self.partner_dora, campaign_id=self.campaign,
                                                  response_channel='visit')
        self.assertFalse(defaults['campaign_id'])
        insider = Form(self.env['crm.campaign.response'].with_user(self.user_insider).with_context(
            default_partner_id=self.partner_dora.id))
        self.assertEqual(insider.campaign_id, self.campaign)
        self.assertEqual((touch.campaign_id, activity.user_id), (self.campaign, self.user_campaign))
        dora = [('partner_id', '=', self.partner_dora.id)]
        for model in ('crm.campaign.touch', 'crm.campaign.history'):
            self.assertFalse(self.env[model].with_user(self.user_outsider).search(dora), model)
            self.assertEqual(self.env[model].with_user(self.user_insider).search_count(dora), 2, model)
        self.assertEqual(self.campaign.with_user(self.user_outsider).campaign_response_count, 0)
        self.campaign.invalidate_recordset()  # statistics are cached per transaction, not per user
        self.assertEqual(self.campaign.with_user(self.user_insider).campaign_response_count, 1)

    # 3. the phone system

    def _call(self, payload, status=200, key=None):
        response = self.url_open('/json/2/crm.campaign.touch/report_inbound_call', data=json.dumps(payload),
                                 headers={'Authorization': f'Bearer {key or self.key}', 'Content-Type': 'application/json'})
        self.assertEqual(response.status_code, status, response.text)
        return response.json()

    def test_phone_system_matches_the_caller_and_the_dialled_number(self):
        hotline = self.env['utm.campaign'].create({'title': 'Hotline-Aktion', 'campaign_phone': '0800 555 01 00'})
        result = self._call({'caller': '+49 89 1234567', 'dialled': '+49 (0)800 5550100'})
        touch = self.env['crm.campaign.touch'].browse(result['touch_id'])
        activity = self.env['mail.activity'].browse(result['activity_id'])
        self.assertEqual(result, {
            'partner_id': self.partner_anna.id, 'partner_name': 'Anna Fußballfan', 'campaign_id': hotline.id,
            'campaign_name': 'Hotline-Aktion', 'touch_id': touch.id, 'activity_id': activity.id,
            'user_id': self.user_sales.id, 'user_name': 'Sven Sales',
            'message': 'Call of Anna Fußballfan logged for Hotline-Aktion and assigned to Sven Sales.'})
        self.assertEqual((touch.partner_id, touch.kind, touch.response_channel, touch.user_id, touch.note),
                         (self.partner_anna, 'response', 'call_in', self.user_phone,
                          'Inbound call from +49 89 1234567'))
        self.assertEqual((activity.res_model, activity.res_id, activity.summary),
                         ('res.partner', self.partner_anna.id, 'Inbound call: Hotline-Aktion'))

        # a dialled number of no campaign: the campaign that last touched the contact within its
        # window, and the hotline call just logged is such a touch
        self._letter_touch(self.partner_anna, self.campaign, days_ago=20)
        result = self._call({'caller': '0049 89 123-45-67', 'dialled': '0800 999'})
        self.assertEqual((result['partner_id'], result['campaign_id']), (self.partner_anna.id, hotline.id))
        # once the hotline's window has closed, the campaign of the letter
        self._touches(campaign_id=hotline.id).date = datetime.now() - timedelta(days=100)
        result = self._call({'caller': '089/1234567'})
        self.assertEqual(result['campaign_id'], self.campaign.id)

        # no campaign reached the caller: logged without one, and said so
        erik = self.env['res.partner'].create({'name': 'Erik Ohnekampagne', 'phone': '+49 30 1111111'})
        result = self._call({'caller': '030 1111111'})
        self.assertEqual((result['partner_id'], result['campaign_id'], result['campaign_name'], result['user_id']),
                         (erik.id, False, False, self.user_phone.id))
        self.assertIn('without campaign', result['message'])
        self.assertEqual(self._touches(partner_id=erik.id, kind='response').campaign_id.ids, [])

    @mute_logger('odoo.http')
    def test_phone_system_unknown_and_ambiguous_numbers(self):
        self.partner_bernd.phone = '089 7654321'
        self.partner_clara.phone = '+49 (89) 765 43 21'
        error = self._call({'caller': '+49 30 9999999'}, status=422)
        self.assertEqual(error['message'], 'No contact has the number +49 30 9999999.')
        error = self._call({'caller': '0897654321'}, status=422)
        self.assertEqual(error['message'], '2 contacts share the number 0897654321; log the call by hand.')
        error = self._call({'caller': ''}, status=422)
        self.assertIn('missing', error['message'])
        # a contact the key's user may not see is unknown to it
        other_company = self.env['res.company'].create({'name': 'Andere GmbH'})
        self.env['res.partner'].create({'name': 'Fremd', 'phone': '+49 40 2222222', 'company_id': other_company.id})
        error = self._call({'caller': '040 2222222'}, status=422)
        self.assertEqual(error['message'], 'No contact has the number 040 2222222.')
        self.assertFalse(self._touches(kind='response'), "nothing logged")
        # a user without Target Groups logs nothing
        stranger = new_test_user(self.env, login='tg_channel_stranger', groups='base.group_user')
        key = self.env['res.users.apikeys'].with_user(stranger)._generate('rpc', 'x', datetime.now() + timedelta(days=1))
        self._call({'caller': '089 1234567'}, status=403, key=key)

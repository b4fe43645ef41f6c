import json
from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..models.crm_campaign_contact import COLUMNS as CONTACT_COLUMNS
from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestCampaign(HttpCase, TargetGroupsCommon):
    """Campaign statistics against hand-made data, one contact per channel and outcome.

    Frühjahr 2027 (parent, cost 300) has the letter, the call, the response, two leads (one won),
    a confirmed order of two lines (3 x 100 + 2 x 50) and a draft quotation; its sub-campaign
    Messe-Nachfassaktion (cost 100) has a mailing: sent only, opened, clicked, replied, bounced.
    Dora carries the restricted profile City council: her mail was sent and opened and she
    ordered 1 x 1000; an outsider (not in the Politics team) must not count her anywhere.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_outsider = new_test_user(
            cls.env, login='tg_campaign_outsider', name='Olga Outsider',
            groups='crm_target_groups.group_crm_target_groups_user,mass_mailing.group_mass_mailing_user')
        Campaign = cls.env['utm.campaign']
        cls.parent = Campaign.create({'title': 'Frühjahr 2027'})
        cls.child = Campaign.create({'title': 'Messe-Nachfassaktion', 'parent_id': cls.parent.id})
        cls.empty = Campaign.create({'title': 'Ohne Kosten'})
        Partner = cls.env['res.partner']
        names = ['sent', 'opened', 'clicked', 'replied', 'bounced', 'letter', 'call', 'response', 'lead', 'won',
                 'order', 'quotation']
        cls.contacts = {name: Partner.create({'name': f'Kontakt {name}', 'email': f'{name}@example.com'})
                        for name in names}
        c = cls.contacts
        now = datetime(2027, 3, 1, 10, 0)
        cls.mailing = cls.env['mailing.mailing'].create({
            'subject': 'Frühjahr', 'body_html': '<p>Hallo</p>', 'campaign_id': cls.child.id,
            'mailing_model_id': cls.env['ir.model']._get_id('res.partner')})
        Trace = cls.env['mailing.trace']
        Trace.create([{'model': 'res.partner', 'res_id': partner.id, 'mass_mailing_id': cls.mailing.id, **values}
                      for partner, values in [
            (c['sent'], {'trace_status': 'sent', 'sent_datetime': now}),
            (c['opened'], {'trace_status': 'open', 'sent_datetime': now, 'open_datetime': now}),
            (c['clicked'], {'trace_status': 'open', 'sent_datetime': now, 'open_datetime': now,
                            'links_click_datetime': now}),
            (c['replied'], {'trace_status': 'reply', 'sent_datetime': now, 'reply_datetime': now}),
            (c['bounced'], {'trace_status': 'bounce', 'failure_type': 'mail_bounce'}),
            (cls.partner_dora, {'trace_status': 'open', 'sent_datetime': now, 'open_datetime': now}),
        ]])
        Touch = cls.env['crm.campaign.touch']
        cls.touches = Touch.create([
            {'partner_id': c['letter'].id, 'campaign_id': cls.parent.id, 'kind': 'letter'},
            {'partner_id': c['call'].id, 'campaign_id': cls.parent.id, 'kind': 'call'},
            {'partner_id': c['response'].id, 'campaign_id': cls.parent.id, 'kind': 'response',
             'response_channel': 'call_in', 'note': 'Ruft zurück'},
        ])
        Lead = cls.env['crm.lead']
        Lead.create({'name': 'Anfrage', 'partner_id': c['lead'].id, 'campaign_id': cls.parent.id})
        won = Lead.create({'name': 'Auftrag', 'partner_id': c['won'].id, 'campaign_id': cls.parent.id,
                           'type': 'opportunity'})
        won.action_set_won()
        product = cls.env['product.product'].create({'name': 'Software', 'list_price': 100})

        def order(partner, lines, confirm=True):
            order = cls.env['sale.order'].create({
                'partner_id': partner.id, 'campaign_id': cls.parent.id,
                'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': qty,
                                               'price_unit': price, 'tax_ids': []}) for qty, price in lines]})
            if confirm:
                order.action_confirm()
            return order

        order(c['order'], [(3, 100), (2, 50)])
        order(c['quotation'], [(7, 100)], confirm=False)
        order(cls.partner_dora, [(1, 1000)])
        cls.env['crm.campaign.cost'].create([
            {'campaign_id': cls.parent.id, 'name': 'Druckerei', 'amount': 300,
             'medium_id': cls.env.ref('crm_target_groups.utm_medium_letter').id},
            {'campaign_id': cls.child.id, 'name': 'Versand', 'amount': 100,
             'medium_id': cls.env.ref('utm.utm_medium_email').id},
        ])

    def _statistics(self, campaign, user=None):
        campaign = campaign.with_user(user or self.user_manager)
        campaign.invalidate_recordset()
        names = ['reached_count', 'mailed_count', 'opened_count', 'clicked_count', 'open_rate', 'click_rate',
                 'replied_count', 'response_count', 'responding_count', 'response_rate', 'lead_count', 'won_count',
                 'order_count', 'product_qty', 'revenue', 'invoiced', 'cost', 'cost_per_response', 'cost_per_order',
                 'roi', 'has_roi']
        return {name: campaign[f'campaign_{name}'] for name in names}

    def test_statistics_roll_up_over_sub_campaigns(self):
        self.assertEqual(self.child.display_name, 'Frühjahr 2027 / Messe-Nachfassaktion')
        stats = self._statistics(self.parent)
        # reached: 5 mailed (not the bounce), the letter, the call
        self.assertEqual(stats, dict(stats, reached_count=7, mailed_count=5, opened_count=3, clicked_count=1,
                                     open_rate=60.0, click_rate=20.0, replied_count=1, response_count=1,
                                     responding_count=2, lead_count=2, won_count=1, order_count=2, product_qty=6.0,
                                     revenue=1400.0, invoiced=0.0, cost=400.0, cost_per_response=200.0,
                                     cost_per_order=200.0, roi=250.0, has_roi=True))
        self.assertAlmostEqual(stats['response_rate'], 200 / 7)
        child = self._statistics(self.child)
        self.assertEqual(child, dict(child, reached_count=5, mailed_count=5, opened_count=3, responding_count=1,
                                     lead_count=0, order_count=0, revenue=0.0, cost=100.0, cost_per_response=100.0,
                                     cost_per_order=0.0, roi=-100.0, has_roi=True, response_rate=20.0))
        channels = self.parent.with_user(self.user_manager)._campaign_report_channels()
        self.assertEqual([(row['name'], row['reached']) for row in channels], [('Email', 5), ('Letter', 1), ('Phone', 1)])

    def _assert_campaign_contacts_follow_the_sources(self, step):
        """The rows the triggers kept equal the rows rebuilt from the sources (rows summed to zero aside)."""
        Contact = self.env['crm.campaign.contact']
        rebuilt = [tuple(row) for row in Contact._rebuilt()]
        kept = self.env.execute_query(SQL(
            "SELECT campaign_id, partner_id, %(columns)s FROM crm_campaign_contact WHERE %(nonzero)s ORDER BY 1, 2",
            columns=SQL(", ").join(SQL.identifier(name) for name in CONTACT_COLUMNS),
            nonzero=SQL(" OR ").join(SQL("%s <> 0", SQL.identifier(name)) for name in CONTACT_COLUMNS)))
        self.assertEqual([tuple(row) for row in kept], rebuilt, step)
        self.assertTrue(rebuilt, step)

    def test_campaign_contacts_follow_every_change(self):
        """The statistics' rows (crm.campaign.contact) are kept by PostgreSQL triggers on every
        source; after each kind of change they equal a rebuild from the sources."""
        check = self._assert_campaign_contacts_follow_the_sources
        c = self.contacts
        check("as created")
        self.mailing.mailing_trace_ids.filtered(lambda trace: trace.res_id == c['sent'].id).set_opened()
        check("a mail opened")
        self.touches[0].campaign_id = self.child
        self.touches[1].unlink()
        check("a touch moved to the sub-campaign, another deleted")
        lead = self.env['crm.lead'].search([('partner_id', '=', c['won'].id)])
        lead.stage_id = self.env['crm.stage'].search([('is_won', '=', False)], limit=1)
        lead.partner_id = c['lead']
        check("a won opportunity reopened, given to another contact")
        order = self.env['sale.order'].search([('partner_id', '=', c['order'].id)])
        order.order_line[0].product_uom_qty = 5
        check("an order line's quantity changed")
        order._action_cancel()
        check("an order cancelled")
        self.env['sale.order'].search([('partner_id', '=', c['quotation'].id)]).unlink()
        check("a quotation deleted")
        self.child.parent_id = self.empty
        check("the sub-campaign moved below another campaign")
        self.assertEqual(self._statistics(self.empty)['mailed_count'], 5)
        self.assertEqual(self._statistics(self.parent)['mailed_count'], 0)
        self.mailing.unlink()
        check("a mailing deleted, its traces with it")
        self.child.unlink()
        check("a sub-campaign deleted")
        self.assertEqual(self._statistics(self.empty)['reached_count'], 0)

    def test_mails_to_registrations_count_for_their_contacts(self):
        """A mailing to event registrations (an invitation mail, Odoo's mails to attendees) reached
        the registrations' contacts: in their history and the statistics, kept by the triggers when
        a registration is given another contact or deleted, and hidden from the outsider where the
        contact carries a restricted profile."""
        check = self._assert_campaign_contacts_follow_the_sources
        event = self.env['event.event'].create({
            'name': 'Hausmesse 2027', 'date_begin': datetime(2099, 5, 1, 9), 'date_end': datetime(2099, 5, 1, 17)})
        anna, bernd, dora = self.env['event.registration'].create([
            {'event_id': event.id, 'partner_id': partner.id}
            for partner in (self.partner_anna, self.partner_bernd, self.partner_dora)])
        mailing = self.env['mailing.mailing'].create({
            'subject': 'Einladung', 'body_html': '<p>Hallo</p>', 'campaign_id': self.empty.id,
            'mailing_model_id': self.env['ir.model']._get_id('event.registration')})
        now = datetime(2027, 3, 1, 10, 0)
        self.env['mailing.trace'].create([
            {'model': 'event.registration', 'res_id': registration.id, 'mass_mailing_id': mailing.id,
             'trace_status': 'open', 'sent_datetime': now, 'open_datetime': now}
            for registration in (anna, bernd, dora)])
        check("mails to registrations")
        stats = self._statistics(self.empty)
        self.assertEqual((stats['reached_count'], stats['mailed_count'], stats['opened_count']), (3, 3, 3))
        outsider = self._statistics(self.empty, self.user_outsider)
        self.assertEqual((outsider['reached_count'], outsider['opened_count']), (2, 2), "Dora is not counted")
        History = self.env['crm.campaign.history']
        history = History.search([('partner_id', '=', self.partner_anna.id), ('campaign_id', '=', self.empty.id)])
        self.assertEqual(sorted(history.mapped('event')), ['opened', 'sent'])
        self.assertEqual(history.mailing_id, mailing)
        self.assertFalse(History.with_user(self.user_outsider).search_count([('partner_id', '=', self.partner_dora.id),
                                                                             ('campaign_id', '=', self.empty.id)]))
        bernd.partner_id = self.contacts['sent']
        check("a registration given another contact")
        self.assertEqual(History.search_count([('partner_id', '=', self.contacts['sent'].id),
                                               ('campaign_id', '=', self.empty.id)]), 2)
        anna.unlink()
        check("a registration deleted")
        self.assertEqual(self._statistics(self.empty)['reached_count'], 2)

    def test_roi_without_cost_is_empty(self):
        stats = self._statistics(self.empty)
        self.assertFalse(stats['has_roi'])
        self.assertFalse(stats['roi'])
        self.assertEqual(stats['reached_count'], 0)

    def test_history_rows_and_contacts_behind_numbers(self):
        History = self.env['crm.campaign.history'].with_user(self.user_manager)
        c = self.contacts
        events = {(row.partner_id, row.event) for row in History.search([('campaign_id', 'child_of', self.parent.id)])}
        for name, expected in [('sent', {'sent'}), ('opened', {'sent', 'opened'}),
                               ('clicked', {'sent', 'opened', 'clicked'}), ('replied', {'sent', 'replied'}),
                               ('bounced', {'bounced'}), ('letter', {'letter'}), ('call', {'call'}),
                               ('response', {'response'}), ('lead', {'lead'}), ('won', {'lead', 'won'}),
                               ('order', {'order'}), ('quotation', {'quotation'})]:
            self.assertEqual({event for partner, event in events if partner == c[name]}, expected, name)
        # a row read back by its id is found through its source (see ID_STEP)
        row = History.search([('partner_id', '=', c['response'].id)])
        self.assertEqual((row.event, row.response_channel, row.note, row.touch_id), (
            'response', 'call_in', 'Ruft zurück', self.touches[2]))
        History.invalidate_model()
        self.assertEqual(History.browse(row.id).event, 'response')
        order = History.search([('partner_id', '=', c['order'].id)])
        self.assertEqual((order.amount, order.quantity), (400.0, 5.0))
        action = self.parent.with_user(self.user_manager).action_open_statistic('campaign_responding_count')
        self.assertEqual(set(self.env['res.partner'].search(action['domain'])), {c['replied'], c['response']})
        action = self.parent.with_user(self.user_manager).action_open_statistic('campaign_order_count')
        self.assertEqual(set(self.env['res.partner'].search(action['domain'])), {c['order'], self.partner_dora})
        with self.assertRaises(UserError):
            self.parent.with_user(self.user_manager).action_open_statistic('campaign_cost')

    def test_outsider_sees_no_carrier_of_a_restricted_profile(self):
        manager, outsider = self._statistics(self.parent), self._statistics(self.parent, self.user_outsider)
        self.assertEqual(outsider, dict(manager, reached_count=6, mailed_count=4, opened_count=2, open_rate=50.0,
                                        click_rate=25.0, order_count=1, product_qty=5.0, revenue=400.0,
                                        cost_per_order=400.0, roi=0.0, response_rate=100 * 2 / 6))
        domain = [('campaign_id', 'child_of', self.parent.id)]
        dora = [('partner_id', '=', self.partner_dora.id)]
        History = self.env['crm.campaign.history']
        self.assertEqual(History.with_user(self.user_manager).search_count(dora), 3)
        self.assertEqual(History.with_user(self.user_outsider).search_count(dora), 0)
        self.assertEqual(History.with_user(self.user_outsider).search_count(domain),
                         History.with_user(self.user_manager).search_count(domain) - 3)
        groups = History.with_user(self.user_outsider).formatted_read_group(
            domain, ['event'], ['__count', 'amount:sum'])
        by_event = {group['event']: (group['__count'], group['amount:sum']) for group in groups}
        self.assertEqual(by_event['order'], (1, 400.0))
        self.assertEqual(by_event['opened'][0], 2)
        action = self.parent.with_user(self.user_outsider).action_open_statistic('campaign_order_count')
        self.assertEqual(self.env['res.partner'].search(action['domain']), self.contacts['order'])
        # a row of Dora's read by its id: refused
        row = History.with_user(self.user_manager).search(dora, limit=1)
        with self.assertRaises(AccessError):
            History.with_user(self.user_outsider).browse(row.id).read(['event'])
        # an insider of the Politics team sees her
        self.assertEqual(History.with_user(self.user_insider).search_count(dora), 3)

        # the same over JSON-2 with the outsider's API key
        key = self.env['res.users.apikeys'].with_user(self.user_outsider)._generate(
            'rpc', 'probe', datetime.now() + timedelta(days=1))

        def call(model, method, payload):
            response = self.url_open(f'/json/2/{model}/{method}', data=json.dumps(payload), headers={
                'Authorization': f'Bearer {key}', 'Content-Type': 'application/json'})
            self.assertEqual(response.status_code, 200, response.text)
            return response.json()

        self.assertEqual(call('crm.campaign.history', 'search_count', {'domain': dora}), 0)
        groups = call('crm.campaign.history', 'formatted_read_group', {
            'domain': domain, 'groupby': ['partner_id'], 'aggregates': ['__count']})
        self.assertNotIn(self.partner_dora.id, [group['partner_id'][0] for group in groups])
        [read] = call('utm.campaign', 'read', {'ids': self.parent.ids, 'fields': [
            'campaign_reached_count', 'campaign_revenue', 'campaign_opened_count']})
        self.assertEqual((read['campaign_reached_count'], read['campaign_revenue'], read['campaign_opened_count']),
                         (6, 400.0, 2))
        # the campaign contacts, which the statistics count: no row of Dora, no sum with her order,
        # not even by probing her counts; and they are read-only to everyone
        contact_rows = [('campaign_id', '=', self.parent.id)]
        Contact = self.env['crm.campaign.contact']
        self.assertEqual(Contact.with_user(self.user_manager).search_count(contact_rows + dora), 1)
        self.assertEqual(call('crm.campaign.contact', 'search_count', {'domain': contact_rows + dora}), 0)
        self.assertEqual(call('crm.campaign.contact', 'search_count', {
            'domain': contact_rows + [('order_amount', '=', 1000)]}), 0)
        [totals] = call('crm.campaign.contact', 'formatted_read_group', {
            'domain': contact_rows, 'groupby': [], 'aggregates': ['order_amount:sum', '__count']})
        self.assertEqual((totals['order_amount:sum'], totals['__count']),
                         (400.0, Contact.with_user(self.user_manager).search_count(contact_rows) - 1))
        with self.assertRaises(AccessError):
            Contact.with_user(self.user_manager).search(contact_rows, limit=1).write({'order_count': 7})
        touches = [('campaign_id', 'child_of', self.parent.ids)]
        self.assertEqual(call('crm.campaign.touch', 'search_count', {'domain': touches}),
                         self.env['crm.campaign.touch'].search_count(touches), "Dora has no touch")

    def test_hierarchy_refuses_cycles(self):
        grandchild = self.env['utm.campaign'].create({'title': 'Nachfass Süd', 'parent_id': self.child.id})
        self.assertEqual(grandchild.display_name, 'Frühjahr 2027 / Messe-Nachfassaktion / Nachfass Süd')
        with self.assertRaises(ValidationError):
            self.parent.parent_id = grandchild
        with self.assertRaises(ValidationError):
            self.child.parent_id = self.child
        self.assertEqual(self.env['utm.campaign'].search([('id', 'child_of', self.parent.id)]),
                         self.parent | self.child | grandchild)

    @mute_logger('odoo.sql_db')
    def test_response_window_must_be_positive(self):
        with self.assertRaises(Exception):
            with self.env.cr.savepoint():
                self.empty.campaign_response_days = 0
                self.empty.flush_recordset()
        self.assertEqual(self.env['utm.campaign'].create({'title': 'Neu'}).campaign_response_days, 90)

    def test_rights_costs_and_touches(self):
        cost = self.env['crm.campaign.cost'].search([('campaign_id', '=', self.parent.id)])
        as_user = cost.with_user(self.user_plain)
        self.assertEqual(as_user.amount, 300.0)
        with self.assertRaises(AccessError):
            as_user.amount = 1
        with self.assertRaises(AccessError):
            as_user.create({'campaign_id': self.parent.id, 'name': 'Porto', 'amount': 5})
        with self.assertRaises(AccessError):
            as_user.unlink()
        as_manager = cost.with_user(self.user_manager)
        as_manager.amount = 350
        self.assertEqual(self._statistics(self.parent)['cost'], 450.0)
        as_manager.create({'campaign_id': self.parent.id, 'name': 'Porto', 'amount': 50}).unlink()

        # touches are server records: a user logs a response through the one method, as themselves
        Touch = self.env['crm.campaign.touch'].with_user(self.user_plain)
        response, _activity = Touch._log_response(self.partner_anna, self.parent, 'email', "Schreibt zurück")
        self.assertEqual((response.medium_id, response.user_id), (self.env.ref('utm.utm_medium_email'), self.user_plain))
        for kind in ('letter', 'response'):
            with self.assertRaises(AccessError):
                Touch.create({'partner_id': self.partner_anna.id, 'campaign_id': self.parent.id, 'kind': kind,
                              'response_channel': 'email', 'user_id': self.user_manager.id})
        with self.assertRaises(AccessError):
            response.note = 'geändert'
        self.env['crm.campaign.touch'].with_user(self.user_manager).create(
            {'partner_id': self.partner_anna.id, 'kind': 'letter'})
        # a response of a contact one may open but who carries a hidden profile: logged, and then
        # left out like every other row of hers
        Outsider = self.env['crm.campaign.touch'].with_user(self.user_outsider)
        Outsider._log_response(self.partner_dora, self.env['utm.campaign'], 'visit', "")
        self.assertFalse(Outsider.search([('partner_id', '=', self.partner_dora.id)]))

    def test_campaign_form_for_each_role(self):
        """Odoo's campaign form, with the plan and statistics, opens for a Target Groups user and
        for an Email Marketing user without Target Groups (who sees none of it)."""
        mailer = new_test_user(self.env, login='tg_mailer', name='Mia Mailer',
                               groups='mass_mailing.group_mass_mailing_user')
        with Form(self.parent.with_user(self.user_plain)) as form:
            self.assertEqual(form.campaign_reached_count, 6)  # not Dora
            self.assertEqual(form.campaign_cost, 400.0)
            form.campaign_budget = 1000
        with Form(self.child.with_user(mailer)) as form:
            self.assertEqual(form.parent_id, self.parent)
            self.assertNotIn('campaign_reached_count', form._view['fields'])

    def test_timeline_is_an_index_look_up(self):
        """A contact's timeline and a row by id use the sources' indexes, whatever the table size
        (with sequential scans disabled, a branch without a usable index would still scan)."""
        History = self.env['crm.campaign.history'].with_user(self.user_manager)
        row = History.search([('partner_id', '=', self.contacts['order'].id)])
        self.env.cr.execute(SQL("SET LOCAL enable_seqscan = off"))
        for domain in ([('partner_id', '=', self.contacts['order'].id)], [('id', 'in', row.ids)]):
            query = History._search(domain)
            self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
            plan = "\n".join(line for line, in self.env.cr.fetchall())
            for table in ('mailing_trace', 'crm_campaign_touch', 'crm_lead', 'sale_order'):
                self.assertNotIn(f'Seq Scan on {table} ', plan, domain)
        self.env.cr.execute(SQL("RESET enable_seqscan"))

    def test_tour_plan_a_campaign_and_open_the_contacts_behind_a_number(self):
        """As a manager: plan a sub-campaign, read the parent's numbers, open its reached contacts."""
        spring = self.env['utm.campaign'].create({'title': 'Tour-Frühjahr'})
        anna, bruno = self.env['res.partner'].create([{'name': 'Tour Anna'}, {'name': 'Tour Bruno'}])
        Touch = self.env['crm.campaign.touch']
        Touch.create([{'partner_id': partner.id, 'campaign_id': spring.id, 'kind': 'letter'} for partner in anna | bruno])
        Touch.create({'partner_id': anna.id, 'campaign_id': spring.id, 'kind': 'response', 'response_channel': 'visit'})
        self.start_tour('/odoo/action-crm_target_groups.utm_campaign_action', 'crm_campaign_plan_and_statistics',
                        login='tg_manager')
        self.assertEqual(self.env['utm.campaign'].search([('title', '=', 'Herbstaktion Nachfass')]).parent_id, spring)

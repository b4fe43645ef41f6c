from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged, users

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestCampaignSales(TargetGroupsCommon):
    """Orders attributed to the campaign that last touched the customer within its response
    window, overrides that stick, revenue in the statistics, and A/B winners by responses.

    Müller GmbH orders; its employee Hans Müller is the one the campaigns touch. Frühjahr has a
    90-day window, Messe a 30-day one.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_sales = new_test_user(cls.env, login='tg_sales', name='Sven Sales',
                                       groups='sales_team.group_sale_salesman_all_leads')
        Campaign = cls.env['utm.campaign']
        cls.spring = Campaign.create({'title': 'Frühjahr', 'campaign_response_days': 90})
        cls.fair = Campaign.create({'title': 'Messe', 'campaign_response_days': 30})
        cls.other = Campaign.create({'title': 'Herbst'})
        cls.company = cls.env['res.partner'].create({'name': 'Müller GmbH', 'is_company': True})
        cls.hans = cls.env['res.partner'].create({'name': 'Hans Müller', 'parent_id': cls.company.id})
        cls.product = cls.env['product.product'].create({
            'name': 'Lizenz', 'list_price': 100, 'type': 'service', 'invoice_policy': 'order'})

    def _touch(self, campaign, days_ago, partner=None, kind='letter'):
        return self.env['crm.campaign.touch'].sudo().create({
            'partner_id': (partner or self.hans).id, 'campaign_id': campaign.id, 'kind': kind,
            'date': fields.Datetime.now() - timedelta(days=days_ago)})

    def _order(self, partner=None, **values):
        return self.env['sale.order'].create({
            'partner_id': (partner or self.company).id,
            'order_line': [Command.create({'product_id': self.product.id, 'product_uom_qty': 2, 'price_unit': 100,
                                           'tax_ids': []})],
            **values})

    def test_attributed_inside_the_window_to_the_company_order(self):
        touch = self._touch(self.spring, 10)
        order = self._order()
        self.assertEqual((order.campaign_id, order.campaign_attributed), (self.spring, True))
        self.assertEqual(order.campaign_attributed_touch, touch.date)
        self.assertIn("Attributed to campaign Frühjahr", order.campaign_attribution_note)
        self.assertIn("90-day response window", order.campaign_attribution_note)
        order.action_confirm()
        self.assertEqual((order.campaign_id, order.campaign_attributed), (self.spring, True))
        # the person's own order counts the same
        own = self._order(self.hans)
        self.assertEqual(own.campaign_id, self.spring)

    def test_not_attributed_outside_the_window(self):
        self._touch(self.spring, 100)
        self._touch(self.fair, 31)
        order = self._order()
        order.action_confirm()
        self.assertFalse(order.campaign_id)
        self.assertFalse(order.campaign_attributed)
        self.assertFalse(order.campaign_attribution_note)
        # a touch of another customer does not count
        self._touch(self.spring, 1, partner=self.partner_anna)
        self.assertFalse(self._order().campaign_id)

    def test_carrier_of_a_restricted_profile_drives_no_attribution(self):
        """The order's campaign is seen by whoever sees the order: a campaign that touched only a
        carrier of a restricted profile (say, one aimed at city councillors) must not tell a
        salesperson outside that category who at the customer carries it."""
        self.hans.category_id = self.tag_council
        self._touch(self.spring, 10)
        order = self._order().with_user(self.user_sales)
        self.assertEqual((order.campaign_id, order.campaign_attributed), (self.env['utm.campaign'], False))
        # another contact of the company, touched by the same campaign, counts as before
        colleague = self.env['res.partner'].create({'name': 'Greta Müller', 'parent_id': self.company.id})
        self._touch(self.spring, 5, partner=colleague)
        order.action_confirm()
        self.assertEqual((order.campaign_id, order.campaign_attributed), (self.spring, True))

    def test_latest_campaign_in_its_window_wins(self):
        self._touch(self.spring, 20)
        self._touch(self.fair, 5, kind='call')
        self.assertEqual(self._order().campaign_id, self.fair)
        # a campaign's latest touch counts: Frühjahr touched again, after Messe
        self._touch(self.spring, 3, kind='response')
        self.assertEqual(self._order().campaign_id, self.spring)

    def test_window_closed_after_the_latest_touch(self):
        self._touch(self.spring, 50)
        self._touch(self.fair, 40)
        self.assertEqual(self._order().campaign_id, self.spring)

    def test_order_with_a_campaign_is_untouched(self):
        self._touch(self.spring, 1)
        order = self._order(campaign_id=self.other.id)
        order.action_confirm()
        self.assertEqual((order.campaign_id, order.campaign_attributed, order.campaign_manual),
                         (self.other, False, False))

    def test_attribution_re_evaluated_at_confirmation(self):
        """A quotation of five days ago, the customer touched yesterday: counts once confirmed."""
        self._touch(self.fair, 1)
        order = self._order(date_order=fields.Datetime.now() - timedelta(days=5))
        self.assertFalse(order.campaign_id)
        order.action_confirm()
        self.assertEqual((order.campaign_id, order.campaign_attributed), (self.fair, True))

    def test_manual_override_sticks(self):
        self._touch(self.spring, 10)
        cleared, chosen = self._order(), self._order()
        self.assertEqual((cleared | chosen).campaign_id, self.spring)
        cleared.with_user(self.user_sales).campaign_id = False
        chosen.with_user(self.user_sales).campaign_id = self.other
        for order, campaign in ((cleared, self.env['utm.campaign']), (chosen, self.other)):
            self.assertEqual((order.campaign_id, order.campaign_attributed, order.campaign_manual),
                             (campaign, False, True))
            order.action_confirm()
            order._action_cancel()
            order.action_draft()
            order.action_confirm()
            self.assertEqual((order.campaign_id, order.campaign_attributed), (campaign, False))
        # the attribution is the server's to record
        with self.assertRaises(AccessError):
            cleared.with_user(self.user_sales).campaign_manual = False
        with self.assertRaises(AccessError):
            self.env['sale.order'].with_user(self.user_sales).create(
                {'partner_id': self.company.id, 'campaign_id': self.other.id, 'campaign_attributed': True})

    @users('tg_sales')
    def test_salesperson_form_shows_the_rule(self):
        """A salesperson who cannot see the campaign history gets the same attribution; clearing
        the campaign in the form overrides it."""
        self._touch(self.spring, 10)
        with Form(self.env['sale.order']) as form:
            form.partner_id = self.company
            with form.order_line.new() as line:
                line.product_id = self.product
        order = form.record
        self.assertEqual((order.campaign_id, order.campaign_attributed), (self.spring, True))
        with Form(order) as form:
            form.campaign_id = self.env['utm.campaign']
        self.assertEqual((order.campaign_id, order.campaign_manual), (self.env['utm.campaign'], True))

    def test_many_orders_in_one_pass(self):
        people = self.env['res.partner'].create([{'name': f'Kunde {i}'} for i in range(4)])
        self._touch(self.spring, 10, partner=people[0])
        self._touch(self.fair, 10, partner=people[1])
        self._touch(self.fair, 40, partner=people[2])
        orders = self.env['sale.order'].create([{'partner_id': partner.id} for partner in people])
        self.assertEqual([order.campaign_id for order in orders],
                         [self.spring, self.fair, self.env['utm.campaign'], self.env['utm.campaign']])

    def test_revenue_and_invoiced_in_the_statistics(self):
        self._touch(self.spring, 10)
        self.spring.campaign_cost_ids = [Command.create({'name': 'Druck', 'amount': 100})]
        invoiced, confirmed, quotation = self._order(), self._order(), self._order()
        (invoiced | confirmed).action_confirm()
        invoice = invoiced._create_invoices()
        invoice.action_post()
        spring = self.spring.with_user(self.user_manager)
        spring.invalidate_recordset()
        self.assertEqual((spring.campaign_order_count, spring.campaign_revenue, spring.campaign_invoiced,
                          spring.campaign_product_qty, spring.campaign_roi), (2, 400.0, 200.0, 4.0, 300.0))
        self.assertEqual(quotation.campaign_id, self.spring)  # counts once confirmed

    def _ab_test(self, selection):
        """Two A/B mailings of one campaign, sent two days ago to four contacts each. A: 3 opened,
        1 responded; B: 1 opened, 3 responded after it (a fourth response came before it and does
        not count). Returns the campaign's winner mailing once Odoo picked it."""
        recipients = self.env['res.partner'].create([{'name': f'Empfänger {i}', 'email': f'e{i}@example.com'}
                                                     for i in range(8)])
        campaign = self.env['utm.campaign'].create({'title': 'A/B'})
        # chosen on the mailing's form, as a user does (Odoo's related field writes it to the campaign)
        a, b = mailings = self.env['mailing.mailing'].create([{
            'subject': subject, 'body_html': '<p>Hallo</p>', 'campaign_id': campaign.id, 'ab_testing_enabled': True,
            'ab_testing_pc': 50, 'ab_testing_winner_selection': selection, 'mailing_model_id': self.env['ir.model']._get_id('res.partner'),
            'mailing_domain': repr([('id', 'in', recipients.ids)]),
        } for subject in ('Variante A', 'Variante B')])
        sent = fields.Datetime.now() - timedelta(days=2)
        self.env['mailing.trace'].create([{
            'model': 'res.partner', 'res_id': partner.id, 'mass_mailing_id': mailing.id, 'sent_datetime': sent,
            'trace_status': 'open' if index < opened else 'sent', 'open_datetime': sent if index < opened else False,
        } for mailing, partners, opened in ((a, recipients[:4], 3), (b, recipients[4:], 1))
            for index, partner in enumerate(partners)])
        mailings.write({'state': 'done'})
        for partner, days_ago in ((recipients[0], 1), (recipients[4], 1), (recipients[5], 1), (recipients[6], 1),
                                  (recipients[7], 5)):
            self._touch(campaign, days_ago, partner=partner, kind='response')
        self.assertEqual((a.crm_response_ratio, b.crm_response_ratio), (25.0, 75.0))
        self.assertEqual(campaign.ab_testing_winner_selection, selection)
        b.action_send_winner_mailing()
        winner = campaign.ab_testing_winner_mailing_id
        self.assertEqual((winner.ab_testing_pc, winner.campaign_id, winner.state), (100, campaign, 'in_queue'))
        return winner

    def test_ab_testing_winner_by_open_rate_still_works(self):
        self.assertEqual(self._ab_test('opened_ratio').subject, 'Variante A')

    def test_ab_testing_winner_by_personal_responses(self):
        self.assertEqual(self._ab_test('crm_response_ratio').subject, 'Variante B')
        selection = dict(self.env['mailing.mailing']._fields['ab_testing_winner_selection']._description_selection(
            self.env))
        self.assertEqual(selection['crm_response_ratio'], 'Highest Personal Response Rate')
        self.assertIn('sale_invoiced_amount', selection)  # by revenue: Odoo's (mass_mailing_sale)

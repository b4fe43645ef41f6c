from odoo.fields import Command
from odoo.tests import tagged, users

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestHistory(TargetGroupsCommon):

    def setUp(self):
        super().setUp()
        self.last_serial = self.env['crm.profile.history'].sudo().search([], limit=1).serial

    def _history(self, partner, since_setup=True):
        domain = [('partner_id', '=', partner.id)] + ([('serial', '>', self.last_serial)] if since_setup else [])
        return {(h.profile_id.name, h.change, h.user_id.login, h.source)
                for h in self.env['crm.profile.history'].sudo().search(domain)}

    def test_creation_logged(self):
        self.assertEqual(self._history(self.partner_clara, since_setup=False), {
            ('Culture', 'add', '__system__', 'other'), ('single', 'add', '__system__', 'other')})

    @users('tg_user')
    def test_exclusive_replacement_logged(self):
        self.partner_clara.with_env(self.env).write({'category_id': [Command.link(self.tag_married.id)]})
        self.assertEqual(self._history(self.partner_clara),
                         {('married', 'add', 'tg_user', 'other'), ('single', 'remove', 'tg_user', 'other')})

    @users('tg_user')
    def test_import_logged_and_hidden_profile_kept_silently(self):
        self._import_contacts([[self._xmlid(self.partner_dora), 'Dora', self._xmlid(self.tag_culture)]])
        self.assertEqual(self._history(self.partner_dora),
                         {('Culture', 'add', 'tg_user', 'import'), ('Football', 'remove', 'tg_user', 'import')})

    @users('tg_manager')
    def test_merge_logged(self):
        self.env['crm.profile.merge'].create({
            'profile_ids': self.tag_tennis.ids, 'target_id': self.tag_culture.id}).action_merge()
        self.assertEqual(self._history(self.partner_bernd), {('Culture', 'add', 'tg_manager', 'merge')})

    @users('tg_user')
    def test_outsider_does_not_see_history_of_restricted(self):
        visible = self.env['crm.profile.history'].search([('partner_id', '=', self.partner_dora.id)])
        self.assertEqual(visible.profile_id, self.tag_football)
        self.assertEqual(self.partner_dora.with_env(self.env).profile_history_ids, visible)

    def test_assignment_changes_read_per_contact(self):
        """An assignment keeps its changes as sets; each contact still has its own history row,
        found by contact and by id."""
        partners = self.partner_anna | self.partner_bernd
        operation = self.env['crm.profile.operation'].create({
            'name': 'Culture for two', 'profile_ids': self.tag_culture.ids,
            'domain': repr([('id', 'in', partners.ids)]), 'partner_total': 2})
        operation._run_now()
        rows = self.partner_anna.profile_history_ids.filtered(lambda h: h.source == 'wizard')
        self.assertEqual([(h.profile_id, h.change, h.operation_id) for h in rows],
                         [(self.tag_culture, 'add', operation)])
        self.assertEqual(operation.history_ids.partner_id, partners)
        self.env.invalidate_all()
        History = self.env['crm.profile.history']
        self.assertEqual(History.search([('id', 'in', rows.ids)]), rows)
        self.assertEqual(History.search([('partner_id', 'ilike', 'Anna Fuß'), ('source', '=', 'wizard')]), rows)
        self.assertFalse(History.search([('partner_id', 'ilike', 'nobody of that name')]))
        self.assertEqual(History.browse(rows.ids).read(['partner_id'])[0]['partner_id'][0], self.partner_anna.id)
        self.assertEqual(History.search([('serial', '>', self.last_serial)], limit=1).serial,
                         max(History.search([('serial', '>', self.last_serial)]).mapped('serial')),
                         "newest first, assignments and single changes alike")

    def test_deleted_and_merged_contacts_leave_the_sets(self):
        Partner = self.env['res.partner']
        stays, duplicate, gone = Partner.create([{'name': 'Stays'}, {'name': 'Duplicate'}, {'name': 'Gone'}])
        operation = self.env['crm.profile.operation'].create({
            'name': 'Culture for three', 'profile_ids': self.tag_culture.ids,
            'domain': repr([('id', 'in', (stays | duplicate | gone).ids)]), 'partner_total': 3})
        operation._run_now()
        alone = self.env['crm.profile.operation'].create({
            'name': 'Football for one', 'profile_ids': self.tag_football.ids,
            'domain': repr([('id', '=', gone.id)]), 'partner_total': 1})
        alone._run_now()
        self.assertEqual(alone.change_count, 1)
        Partner.browse().unlink()
        gone.unlink()
        self.env['base.partner.merge.automatic.wizard']._merge((stays | duplicate).ids, dst_partner=stays)
        self.env.invalidate_all()
        self.assertEqual([h.partner_id.name for h in operation.history_ids], ['Stays', 'Stays'],
                         "the merged contact's change now reads on the contact that stays")
        self.assertFalse(alone.history_ids)
        self.env.cr.execute("SELECT count(*) FROM crm_profile_history_set WHERE operation_id = %s", [alone.id])
        self.assertEqual(self.env.cr.fetchone()[0], 0, "a set left empty goes")

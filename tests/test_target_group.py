from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestTargetGroup(TargetGroupsCommon):
    """Rules of a target group: which contacts it holds, for whom, and what stays when saved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ours = cls.partner_anna | cls.partner_bernd | cls.partner_clara | cls.partner_dora
        cls.partner_anna.email = 'anna@example.com'

    def _group(self, **values):
        return self.env['crm.target.group'].create(dict({'name': 'Test group'}, **values))

    def _members(self, group):
        return self.env['res.partner'].with_env(group.env).search(group._member_domain())

    def test_any_all_exclude_with_sub_profiles(self):
        any_outdoor = self._group(include_profile_ids=[Command.set(self.tag_sport.ids)])
        self.assertEqual(self._members(any_outdoor), self.partner_anna | self.partner_bernd | self.partner_dora,
                         "a parent profile stands for its sub-profiles (Football, Tennis)")
        all_of = self._group(include_profile_ids=[Command.set((self.tag_sport | self.tag_football).ids)],
                             include_mode='all')
        self.assertEqual(self._members(all_of), self.partner_anna | self.partner_dora)
        excluded = self._group(include_profile_ids=[Command.set((self.tag_culture | self.tag_football).ids)],
                               exclude_profile_ids=[Command.set(self.tag_sport.ids)])
        self.assertEqual(self._members(excluded), self.partner_clara,
                         "excluding a parent excludes the contacts of its sub-profiles")
        self.assertEqual(excluded.member_count, 1)

    def test_switches_and_further_conditions(self):
        group = self._group(include_profile_ids=[Command.set(self.tag_sport.ids)], require_email=True)
        self.assertEqual(self._members(group), self.partner_anna)
        self.env['mail.blacklist'].create({'email': 'anna@example.com'})
        group.invalidate_recordset()
        self.assertFalse(self._members(group), "blacklisted contacts are left out")
        group.exclude_blacklisted = False
        self.assertEqual(self._members(group), self.partner_anna)

        group = self._group(include_profile_ids=[Command.set(self.tag_sport.ids)],
                            filter_domain="[('name', 'ilike', 'Tennis')]")
        self.assertEqual(self._members(group), self.partner_bernd)
        self.partner_bernd.write({'street': 'Hauptstr. 1', 'zip': '80331', 'city': 'München'})
        group.write({'filter_domain': '[]', 'require_address': True})
        self.assertEqual(self._members(group), self.partner_bernd)
        with self.assertRaises(UserError):
            group.filter_domain = "[('no_such_field', '=', 1)]"

    def test_open_contacts_shows_exactly_the_members(self):
        group = self._group(include_profile_ids=[Command.set(self.tag_sport.ids)],
                            exclude_profile_ids=[Command.set(self.tag_tennis.ids)])
        action = group.action_open_members()
        self.assertEqual(self.env['res.partner'].search(action['domain']), self.partner_anna | self.partner_dora)

    def test_freeze_refresh_shows_who_came_and_went(self):
        group = self._group(include_profile_ids=[Command.set(self.tag_sport.ids)])
        group.action_freeze()
        self.assertEqual(group.state, 'frozen')
        self.assertEqual(group.member_ids, self.partner_anna | self.partner_bernd | self.partner_dora)
        self.assertTrue(group.frozen_date)

        self.partner_clara.category_id = [Command.link(self.tag_tennis.id)]
        self.partner_anna.category_id = [Command.clear()]
        self.assertEqual(self._members(group), self.partner_anna | self.partner_bernd | self.partner_dora,
                         "a frozen group keeps its members until refreshed")
        group.action_freeze()
        self.assertEqual(self._members(group), self.partner_bernd | self.partner_clara | self.partner_dora)
        self.assertEqual((group.joined_ids, group.left_ids), (self.partner_clara, self.partner_anna))
        self.assertEqual((group.joined_count, group.left_count), (1, 1))

        group.action_unfreeze()
        self.assertEqual((group.state, group.member_ids), ('dynamic', self.env['res.partner']))

    def test_group_in_the_conditions_of_another(self):
        invited = self._group(name='Invited', include_profile_ids=[Command.set(self.tag_tennis.ids)])
        group = self._group(include_profile_ids=[Command.set(self.tag_sport.ids)],
                            filter_domain=f"[('crm_target_group_ids', 'not in', [{invited.id}])]")
        self.assertEqual(self._members(group), self.partner_anna | self.partner_dora)
        with self.assertRaisesRegex(UserError, "itself"):
            invited.filter_domain = f"[('crm_target_group_ids', 'in', [{group.id}])]"

    def test_rights_own_shared_and_managers(self):
        Group = self.env['crm.target.group']
        private = Group.with_user(self.user_insider).create({'name': 'Private'})
        shared = Group.with_user(self.user_insider).create({'name': 'Shared', 'shared': True})
        self.assertEqual(Group.with_user(self.user_plain).search([('id', 'in', (private | shared).ids)]), shared)
        with self.assertRaises(AccessError):
            shared.with_user(self.user_plain).write({'name': 'Mine now'})
        with self.assertRaises(AccessError):
            private.with_user(self.user_plain).read(['name'])
        private.with_user(self.user_manager).write({'name': 'Seen by the manager'})

        copy = shared.with_user(self.user_plain).copy()
        self.assertEqual((copy.name, copy.user_id), ('Shared (copy)', self.user_plain))

    def test_restricted_profile_reaches_no_one_outside_its_groups(self):
        group = self.env['crm.target.group'].with_user(self.user_insider).create({
            'name': 'Council or culture', 'shared': True,
            'include_profile_ids': [Command.set((self.tag_council | self.tag_culture).ids)]})
        self.assertEqual(self._members(group), self.partner_clara | self.partner_dora)
        as_outsider = group.with_user(self.user_plain)
        group.invalidate_recordset()  # as the outsider's own request reads it
        self.assertEqual(as_outsider.include_profile_ids, self.tag_culture, "the restricted profile is not shown")
        self.assertEqual(self._members(as_outsider), self.partner_clara)
        self.assertEqual(as_outsider.member_count, 1)

        group.with_user(self.user_insider).action_freeze()
        self.assertEqual(group.frozen_by_id, self.user_insider)
        with self.assertRaisesRegex(UserError, "frozen by a user who sees profiles you may not see"):
            self._members(as_outsider)
        self.assertEqual(self._members(group.with_user(self.user_insider)), self.partner_clara | self.partner_dora)
        self.assertEqual(self._members(group.with_user(self.user_manager)), self.partner_clara | self.partner_dora)

    def test_restricted_exclusion_is_refused_not_dropped(self):
        group = self._group(include_profile_ids=[Command.set(self.tag_football.ids)],
                            exclude_profile_ids=[Command.set(self.tag_council.ids)], user_id=self.user_plain.id)
        with self.assertRaisesRegex(UserError, "excludes profiles you may not see"):
            self._members(group.with_user(self.user_plain))
        self.assertEqual(group.with_user(self.user_plain).member_count, 0)
        self.assertEqual(self._members(group.with_user(self.user_insider)), self.partner_anna)

    def test_membership_compute_agrees_with_search(self):
        group = self._group(include_profile_ids=[Command.set(self.tag_sport.ids)],
                            exclude_profile_ids=[Command.set(self.tag_tennis.ids)])
        members = self.env['res.partner'].search([('crm_target_group_ids', 'in', group.ids)])
        self.assertEqual(members, self.partner_anna | self.partner_dora)
        self.ours.invalidate_recordset(['crm_target_group_ids'])
        self.assertEqual(self.ours.filtered(lambda partner: group in partner.crm_target_group_ids), members,
                         "a sub-profile (Football below Outdoor) makes a member in the compute too")

    def test_postal_address_means_the_same_everywhere(self):
        company = self.env['res.partner'].create({'name': 'Firma', 'is_company': True, 'street': 'Weg 1',
                                                  'zip': '10115', 'city': 'Berlin'})
        self.partner_anna.parent_id = company
        group = self._group(include_profile_ids=[Command.set(self.tag_sport.ids)], require_address=True)
        self.assertEqual(self._members(group), self.partner_anna, "a contact person gets the company's address")
        self.assertFalse(self.env['crm.postal.address']._without_address([('id', '=', self.partner_anna.id)]))
        self.assertEqual(self.env['crm.postal.address']._without_address([('id', 'in', self.ours.ids)]),
                         self.ours - self.partner_anna)

    def test_a_broken_group_does_not_break_the_others(self):
        """Further conditions that are no valid filter any more (a field gone with a module): the
        group says why, the list, the contact's groups and the call centre still work."""
        broken = self._group(call_centre=True, user_id=self.user_plain.id)
        fine = self._group(include_profile_ids=[Command.set(self.tag_sport.ids)], user_id=self.user_plain.id)
        self.env.cr.execute("UPDATE crm_target_group SET filter_domain = %s WHERE id = %s",
                            ["[('no_such_field', '=', 1)]", broken.id])
        self.env.invalidate_all()
        groups = (broken | fine).with_user(self.user_plain)
        self.assertEqual(groups.mapped('member_count'), [0, 3])
        self.assertIn('not a valid filter', groups[0].refusal)
        self.assertEqual(self.partner_anna.with_user(self.user_plain).crm_target_group_ids, fine)
        self.assertTrue(self.env['res.partner'].search([('crm_call_centre_member', '=', False)], limit=1))

    def test_server_fields_are_not_for_users(self):
        group = self._group(user_id=self.user_plain.id).with_user(self.user_plain)
        for vals in ({'state': 'frozen'}, {'definer_id': self.user_manager.id}, {'frozen_by_id': self.user_manager.id},
                     {'frozen_date': '2026-01-01 00:00:00'}):
            with self.assertRaises(AccessError):
                group.write(vals)
        group.write({'filter_domain': "[('name', 'ilike', 'a')]"})
        self.assertEqual(group.definer_id, self.user_plain)

    def test_outsider_saving_keeps_restricted_profiles(self):
        group = self._group(include_profile_ids=[Command.set((self.tag_council | self.tag_culture).ids)],
                            user_id=self.user_plain.id)
        group.with_user(self.user_plain).write({
            'include_profile_ids': [Command.set((self.tag_culture | self.tag_tennis).ids)]})
        self.assertEqual(group.include_profile_ids, self.tag_council | self.tag_culture | self.tag_tennis)
        with self.assertRaises(AccessError):
            self.env['crm.target.group'].with_user(self.user_plain).create({
                'name': 'Sneaky', 'exclude_profile_ids': [Command.set(self.tag_council.ids)]})
        with self.assertRaises(AccessError):
            group.with_user(self.user_plain).write({'exclude_profile_ids': [Command.link(self.tag_council.id)]})

        excluding = self._group(exclude_profile_ids=[Command.set(self.tag_council.ids)], user_id=self.user_plain.id)
        excluding.with_user(self.user_plain).write({'include_profile_ids': [Command.set(self.tag_sport.ids)]})
        self.assertEqual(excluding.exclude_profile_ids, self.tag_council, "editing one rule keeps the other's")

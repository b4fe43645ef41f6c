from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestProfileTree(TargetGroupsCommon):

    @users('tg_user')
    def test_parent_profile_finds_descendants(self):
        Partner = self.env['res.partner']
        sport_fans = self.partner_anna | self.partner_bernd | self.partner_dora
        self.assertEqual(Partner.search([('profile_ids', 'in', self.tag_sport.ids)]), sport_fans)
        self.assertEqual(Partner.search([('profile_ids', 'in', self.tag_football.ids)]),
                         self.partner_anna | self.partner_dora)
        mine = self.partner_anna | self.partner_clara
        self.assertEqual(Partner.search([('profile_ids', 'not in', self.tag_sport.ids), ('id', 'in', mine.ids)]),
                         self.partner_clara)
        # the stock filter of the contacts search view ('Profile' field) does the same
        self.assertEqual(Partner.search([('category_id', 'child_of', self.tag_sport.ids)]), sport_fans)

    @users('tg_user')
    def test_search_panel_counts_include_descendants(self):
        values = self.env['res.partner'].search_panel_select_multi_range(
            'profile_ids', expand=True, enable_counters=True, group_by='profile_category_id',
            search_domain=[('id', 'in', (self.partner_anna | self.partner_bernd | self.partner_clara).ids)],
        )['values']
        counts = {value['id']: value['__count'] for value in values}
        self.assertEqual(counts[self.tag_sport.id], 2)
        self.assertEqual(counts[self.tag_tennis.id], 1)
        groups = {value['id']: value['group_name'] for value in values}
        self.assertEqual(groups[self.tag_football.id], 'Test Interests')
        self.assertNotIn(self.tag_council.id, counts, "restricted profiles are not offered to outsiders")

    def test_category_inherited_by_subprofiles(self):
        self.assertEqual(self.tag_football.profile_category_id, self.cat_interests)
        cat_hobbies = self.env['crm.profile.category'].create({'name': 'Hobbies'})
        self.tag_sport.profile_category_id = cat_hobbies
        self.assertEqual(self.tag_football.profile_category_id, cat_hobbies)
        self.tag_tennis.parent_id = self.tag_culture
        self.assertEqual(self.tag_tennis.profile_category_id, self.cat_interests)

    @mute_logger('odoo.sql_db')
    def test_cycle_refused(self):
        with self.assertRaisesRegex(ValidationError, "below itself"):
            self.tag_sport.parent_id = self.tag_football
        with self.assertRaisesRegex(ValidationError, "below itself"):
            self.tag_sport.parent_id = self.tag_sport

    def test_unlimited_nesting_and_full_path(self):
        Tag = self.env['res.partner.category']
        parent = self.tag_football
        for level in range(8):
            parent = Tag.create({'name': f'Level {level}', 'parent_id': parent.id})
        self.assertEqual(parent.display_name,
                         'Outdoor / Football / ' + ' / '.join(f'Level {i}' for i in range(8)))
        self.partner_clara.category_id |= parent
        self.assertIn(self.partner_clara, self.env['res.partner'].search([('profile_ids', 'in', self.tag_sport.ids)]))

    def test_counts_direct_and_with_subprofiles(self):
        self.env.invalidate_all()
        self.assertEqual(self.tag_sport.partner_count, 1)  # Bernd
        self.assertEqual(self.tag_sport.partner_count_total, 3, "Bernd counts once though he has Sport and Tennis")
        self.assertEqual(self.tag_football.partner_count, 2)
        action = self.tag_sport.action_open_partners()
        self.assertEqual(self.env['res.partner'].search(action['domain']),
                         self.partner_anna | self.partner_bernd | self.partner_dora)
        action = self.tag_sport.action_open_partners_direct()
        self.assertEqual(self.env['res.partner'].search(action['domain']), self.partner_bernd)

    @users('tg_user')
    def test_counts_hide_restricted_contacts_paths(self):
        """Counts are what the user may see: the restricted tag itself is not readable."""
        tag = self.tag_football.with_user(self.env.user)
        self.assertEqual(tag.partner_count, 2)
        self.assertEqual(self.tag_sport.with_user(self.env.user).partner_count_total, 3)
        self.tag_tennis.sudo().active = False
        self.env.invalidate_all()
        self.assertEqual(self.tag_sport.with_user(self.env.user).partner_count_total, 3,
                         "Bernd still counts through Outdoor itself")
        self.partner_bernd.sudo().category_id -= self.tag_sport
        self.env.invalidate_all()
        self.assertEqual(self.tag_sport.with_user(self.env.user).partner_count_total, 2,
                         "an archived sub-profile's contacts are not counted, as in a child_of filter")

    def test_rename_shows_on_every_contact(self):
        self.tag_football.with_user(self.user_manager).name = 'Fußball'
        self.assertEqual(self.partner_anna.category_id.display_name, 'Outdoor / Fußball')
        self.assertEqual(self.partner_dora.with_user(self.user_plain).category_id.mapped('display_name'),
                         ['Outdoor / Fußball'])

    def test_profile_form_requires_category_on_top_level(self):
        with Form(self.env['res.partner.category'].with_user(self.user_manager),
                  view='crm_target_groups.res_partner_category_view_form') as form:
            form.name = 'Top without parent'
            with self.assertRaises(AssertionError):
                form.save()
            form.profile_category_id = self.cat_interests
        self.assertEqual(form.record.profile_category_id, self.cat_interests)
        with Form(self.env['res.partner.category'].with_user(self.user_manager),
                  view='crm_target_groups.res_partner_category_view_form') as form:
            form.name = 'Handball'
            form.parent_id = self.tag_sport
            self.assertEqual(form.profile_category_id, self.cat_interests)
        self.assertEqual(form.record.display_name, 'Outdoor / Handball')

    def test_tag_from_before_install_stays_editable(self):
        """Tags without category (created before the module) can still be saved, merged, deleted."""
        old_tag = self.env['res.partner.category'].create({'name': 'Legacy tag'})
        with Form(old_tag.with_user(self.user_manager),
                  view='crm_target_groups.res_partner_category_view_form') as form:
            form.color = 3
        self.assertEqual(old_tag.color, 3)
        self.assertFalse(old_tag.profile_category_id)

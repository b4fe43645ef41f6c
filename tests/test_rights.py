from odoo.exceptions import AccessError
from odoo.fields import Command, Domain
from odoo.tests import Form, new_test_user, tagged, users
from odoo.tools import OrderedSet, mute_logger

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestRights(TargetGroupsCommon):

    @users('tg_manager')
    def test_manager_maintains_profiles_and_categories(self):
        category = self.env['crm.profile.category'].create({'name': 'Managed'})
        tag = self.env['res.partner.category'].create({'name': 'New', 'profile_category_id': category.id})
        tag.write({'name': 'Renamed', 'parent_id': self.tag_sport.id})
        self.assertEqual(tag.profile_category_id, self.cat_interests)
        tag.action_archive()
        tag.unlink()
        category.write({'exclusive': True})
        category.unlink()

    @users('tg_user')
    @mute_logger('odoo.addons.base.models.ir_model', 'odoo.models')
    def test_user_only_assigns(self):
        Tag = self.env['res.partner.category']
        with self.assertRaisesRegex(AccessError, "Only Target Groups managers"):
            Tag.create({'name': 'Sneaky', 'profile_category_id': self.cat_interests.id})
        with self.assertRaisesRegex(AccessError, "Only Target Groups managers"):
            Tag.name_create('Sneaky from a tag field')
        tag = self.tag_tennis.with_env(self.env)
        with self.assertRaisesRegex(AccessError, "Only Target Groups managers"):
            tag.name = 'Renamed'
        with self.assertRaisesRegex(AccessError, "Only Target Groups managers"):
            tag.parent_id = self.tag_culture
        with self.assertRaisesRegex(AccessError, "Only Target Groups managers"):
            tag.unlink()
        with self.assertRaises(AccessError):
            self.env['crm.profile.category'].create({'name': 'Sneaky category'})
        with self.assertRaises(AccessError):
            self.cat_interests.with_env(self.env).name = 'Renamed'
        # assigning existing profiles is what users do
        self.partner_clara.with_env(self.env).category_id |= self.tag_tennis
        self.assertIn(self.tag_tennis, self.partner_clara.category_id)

    def test_contact_form_offers_no_tag_creation(self):
        arch = self.env['res.partner'].get_view(self.env.ref('base.view_partner_form').id)['arch']
        self.assertIn("'no_create': True", arch)

    @users('tg_user')
    def test_outsider_does_not_see_restricted(self):
        self.assertFalse(self.env['res.partner.category'].search([('id', '=', self.tag_council.id)]))
        self.assertFalse(self.env['crm.profile.category'].search([('id', '=', self.cat_politics.id)]))
        dora = self.partner_dora.with_env(self.env)
        self.assertEqual(dora.category_id, self.tag_football)
        self.assertFalse(self.env['res.partner'].search([('profile_ids', 'in', self.tag_council.ids)]))

    @users('tg_user')
    def test_outsider_cannot_find_carriers_by_profile_id(self):
        """The stock tag filter compares ids without the tags' record rules: a restricted profile's
        id must not tell an outsider who carries it, nor who does not."""
        Partner = self.env['res.partner']
        mine = [('id', 'in', (self.partner_anna | self.partner_dora).ids)]
        for domain in ([('category_id', 'in', self.tag_council.ids)], [('category_id', '=', self.tag_council.id)],
                       Domain('category_id', 'in', OrderedSet(self.tag_council.ids)),
                       ['|', ('name', '=', 'nobody'), ('category_id', 'in', [self.tag_council.id, 2 ** 31 - 1])]):
            self.assertFalse(Partner.search(domain), domain)
            self.assertEqual(Partner.search_count(domain), 0, domain)
        for domain in ([('category_id', 'not in', self.tag_council.ids)], [('category_id', '!=', self.tag_council.id)]):
            self.assertEqual(Partner.search(mine + domain), self.partner_anna | self.partner_dora, domain)
        self.assertEqual(Partner.search(mine + [('category_id', 'in', (self.tag_council | self.tag_football).ids)]),
                         self.partner_anna | self.partner_dora, "visible profiles filter as before")
        self.assertEqual(Partner.search(mine + [('category_id', 'in', [False, self.tag_council.id])]),
                         Partner, "both carry a profile the user sees")

    @users('tg_insider', 'tg_manager')
    def test_insider_and_manager_see_restricted(self):
        self.assertEqual(self.partner_dora.with_env(self.env).category_id, self.tag_council | self.tag_football)
        self.assertEqual(self.env['res.partner'].search([('category_id', 'in', self.tag_council.ids)]),
                         self.partner_dora)
        self.assertEqual(self.env['res.partner'].search([('category_id', '=', self.tag_council.id)]), self.partner_dora)

    @users('tg_user')
    @mute_logger('odoo.addons.base.models.ir_rule')
    def test_outsider_cannot_assign_restricted(self):
        with self.assertRaises(AccessError):
            self.partner_anna.with_env(self.env).write({'category_id': [Command.link(self.tag_council.id)]})
        with self.assertRaises(AccessError):
            self.env['res.partner'].create({'name': 'X', 'category_id': [Command.set(self.tag_council.ids)]})

    @users('tg_user')
    def test_outsider_save_keeps_restricted(self):
        dora = self.partner_dora.with_env(self.env)
        with Form(dora) as form:
            form.name = 'Dora Rat-Müller'
            form.category_id.remove(id=self.tag_football.id)
            form.category_id.add(self.tag_tennis)
        self.assertEqual(self.partner_dora.sudo().category_id, self.tag_council | self.tag_tennis)
        dora.write({'category_id': [Command.set(self.tag_culture.ids)]})
        dora.write({'category_id': [Command.unlink(self.tag_council.id)]})
        dora.write({'category_id': [Command.clear()]})
        self.assertEqual(self.partner_dora.sudo().category_id, self.tag_council)
        self.env.invalidate_all()  # as in the next request: the sudo read above filled the shared cache
        self.assertEqual(dora.category_id.ids, [])

    @users('tg_user')
    def test_outsider_import_keeps_restricted(self):
        self._import_contacts([[self._xmlid(self.partner_dora), 'Dora', self._xmlid(self.tag_culture)]])
        self.assertEqual(self.partner_dora.sudo().category_id, self.tag_council | self.tag_culture)

    def test_app_menu_for_its_users_only(self):
        menu = self.env.ref('crm_target_groups.crm_target_groups_menu_root')
        outsider = new_test_user(self.env, login='tg_nobody', groups='base.group_user')
        Menu = self.env['ir.ui.menu']
        self.assertNotIn(menu.id, Menu.with_user(outsider)._visible_menu_ids())
        self.assertIn(menu.id, Menu.with_user(self.user_plain)._visible_menu_ids())
        config = self.env.ref('crm_target_groups.crm_target_groups_menu_config')
        self.assertNotIn(config.id, Menu.with_user(self.user_plain)._visible_menu_ids())
        self.assertIn(config.id, Menu.with_user(self.user_manager)._visible_menu_ids())
        self.assertTrue(self.env.ref('base.user_admin').has_group('crm_target_groups.group_crm_target_groups_manager'))

from lxml import etree

from odoo.tests import TransactionCase, tagged

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestContactViews(TargetGroupsCommon):
    """The Target Groups contacts: one line per row, the profiles of the search panel as a tree."""

    def _arch(self, view, view_type):
        return etree.fromstring(self.env['res.partner'].get_view(view.id, view_type)['arch'])

    def test_profiles_on_one_line_in_the_list(self):
        """However many profiles a contact has, its row stays one line high ("+N" for the rest)."""
        arch = self._arch(self.env.ref('crm_target_groups.res_partner_view_list'), 'list')
        self.assertEqual(arch.get('js_class'), 'crm_profile_assignment_list')
        [profiles] = arch.xpath("//field[@name='category_id']")
        self.assertEqual(profiles.get('widget'), 'crm_profile_tags')

    def test_search_panel_shows_the_profile_tree(self):
        """Both views of the action draw the search panel's profiles as a tree (ProfileSearchPanel)."""
        action = self.env.ref('crm_target_groups.res_partner_action')
        views = {view.view_mode: view.view_id for view in action.view_ids}
        self.assertEqual(self._arch(views['kanban'], 'kanban').get('js_class'), 'crm_profile_kanban')
        self.assertEqual(self._arch(views['list'], 'list').get('js_class'), 'crm_profile_assignment_list')
        search = self._arch(action.search_view_id, 'search')
        [panel] = search.xpath("//searchpanel/field")
        self.assertEqual((panel.get('name'), panel.get('select')), ('profile_ids', 'multi'))


@tagged('post_install', '-at_install')
class TestDemo(TransactionCase):
    """The demo's first example: the invitations to the company party."""

    def test_company_party_demo(self):
        if not self.env['ir.module.module'].search([('name', '=', 'crm_target_groups')]).demo:
            self.skipTest("installed without demo data")
        invited = self.env.ref('crm_target_groups.res_partner_category_events_firmenfeier_einladung_firmenfeier_2026_demo')
        self.assertEqual(invited.display_name, 'Firmenfeier / Einladung Firmenfeier 2026')
        self.assertEqual(invited.profile_category_id, self.env.ref('crm_target_groups.crm_profile_category_events'))

        group = self.env.ref('crm_target_groups.crm_target_group_company_party_demo')
        self.assertEqual((group.name, group.include_profile_ids), ('Einladung Firmenfeier', invited))
        members = self.env['res.partner'].search(group._member_domain())
        guest = self.env.ref('crm_target_groups.res_partner_party_guest_03_demo')
        not_invited = self.env.ref('crm_target_groups.res_partner_party_guest_06_demo')  # 2025 only
        self.assertIn(guest, members)
        self.assertNotIn(not_invited, members)
        self.assertGreaterEqual(len(members), 6)
        self.assertTrue(self.env.ref('crm_target_groups.crm_letter_template_company_party_demo').active)

        # the invitation mail reached every invitee with an email address; four answered
        campaign = self.env.ref('crm_target_groups.utm_campaign_company_party_2026_demo')
        event = self.env.ref('crm_target_groups.event_event_company_party_2026_demo')
        mailed = self.env['event.registration'].search([('event_id', '=', event.id), ('email', '!=', False)])
        self.assertTrue(mailed)
        self.assertEqual((campaign.campaign_mailed_count, campaign.campaign_responding_count), (len(mailed), 4))
        self.assertEqual(campaign.campaign_opened_count, 2, "who answered through the mail's links opened it")

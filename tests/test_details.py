from lxml import etree

from odoo.tests import tagged

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

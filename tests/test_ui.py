from odoo.tests import HttpCase, tagged

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestUi(HttpCase, TargetGroupsCommon):

    def test_tour_nested_profile_then_filter(self):
        """A manager adds 'Sport / Handball', a user filters contacts by Sport and finds its contact."""
        self.start_tour('/odoo/action-crm_target_groups.res_partner_category_action',
                        'crm_target_groups_profile_create', login='tg_manager')
        handball = self.env['res.partner.category'].search([('name', '=', 'Handball')])
        self.assertEqual(handball.parent_id, self.tag_sport)
        self.partner_clara.category_id |= handball
        self.start_tour('/odoo/action-crm_target_groups.res_partner_action',
                        'crm_target_groups_filter_by_parent', login='tg_user')

    def test_tour_assign_wizard_and_undo(self):
        crowd = self.env['res.partner'].create([{'name': f'Crowd {i}'} for i in range(6)])
        self.start_tour('/odoo/action-crm_target_groups.res_partner_action',
                        'crm_target_groups_assign_wizard', login='tg_user')
        operation = self.env['crm.profile.operation'].search([('user_id', '=', self.user_plain.id)])
        self.assertEqual((operation.state, operation.partner_total, operation.change_count), ('undone', 6, 6))
        self.assertFalse(crowd.category_id)

    def test_tour_assignment_mode(self):
        """Start, click the red plus, keyboard, 'without profile', end: as a plain user."""
        crowd = self.env['res.partner'].create([{'name': f'Crowd {i}'} for i in range(6)])
        self.start_tour('/odoo/action-crm_target_groups.res_partner_action',
                        'crm_target_groups_assignment_mode', login='tg_user')
        self.assertEqual(crowd.filtered(lambda p: self.tag_culture in p.category_id), crowd[:3])
        history = self.env['crm.profile.history'].search([('partner_id', 'in', crowd.ids)])
        self.assertEqual(set(history.mapped('source')), {'click'})
        self.assertEqual(history.user_id, self.user_plain)

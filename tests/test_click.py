from odoo.exceptions import UserError
from odoo.tests import tagged, users

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestClick(TargetGroupsCommon):
    """The assignment mode's click, as the list saves it: web_save of the mark."""

    def _click(self, partner, profile, value):
        return partner.with_env(self.env).with_context(crm_assign_profile_id=profile.id).web_save(
            {'crm_profile_assigned': value}, {'crm_profile_assigned': {}, 'category_id': {}})

    @users('tg_user')
    def test_click_assigns_and_removes_with_history(self):
        result = self._click(self.partner_clara, self.tag_married, True)
        self.assertTrue(result[0]['crm_profile_assigned'])
        self.assertEqual(set(result[0]['category_id']), {self.tag_culture.id, self.tag_married.id},
                         "the row shows the exclusive replacement at once")
        self._click(self.partner_clara, self.tag_married, False)
        self.assertEqual(self.partner_clara.category_id, self.tag_culture)
        history = self.env['crm.profile.history'].search([('partner_id', '=', self.partner_clara.id),
                                                          ('source', '=', 'click')])
        self.assertEqual(sorted(history.mapped('change')), ['add', 'remove', 'remove'])

    @users('tg_user')
    def test_same_click_twice_is_harmless(self):
        self._click(self.partner_anna, self.tag_culture, True)
        self._click(self.partner_anna, self.tag_culture, True)
        self.assertEqual(self.partner_anna.category_id, self.tag_football | self.tag_culture)

    @users('tg_user')
    def test_archived_deleted_or_restricted_profile_refused(self):
        self.tag_culture.sudo().active = False
        with self.assertRaisesRegex(UserError, "archived meanwhile"):
            self._click(self.partner_anna, self.tag_culture, True)
        with self.assertRaisesRegex(UserError, "deleted, or you may not use it"):
            self._click(self.partner_anna, self.tag_council, True)
        deleted = self.tag_tennis.sudo()
        deleted.unlink()
        with self.assertRaisesRegex(UserError, "deleted, or you may not use it"):
            self._click(self.partner_anna, deleted, True)
        self.assertEqual(self.partner_anna.category_id, self.tag_football)

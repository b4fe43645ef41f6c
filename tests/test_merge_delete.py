from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestMergeDelete(TargetGroupsCommon):

    @users('tg_manager')
    def test_merge_moves_contacts_and_children(self):
        ball = self.env['res.partner.category'].create({'name': 'Ball games', 'parent_id': self.tag_sport.id})
        sub = self.env['res.partner.category'].create({'name': 'Five-a-side', 'parent_id': self.tag_football.id})
        wizard = Form(self.env['crm.profile.merge'].with_context(default_profile_ids=self.tag_football.ids))
        wizard.target_id = ball
        self.assertEqual(wizard.partner_count, 2)
        wizard.save().action_merge()
        self.assertFalse(self.tag_football.exists())
        self.assertEqual(self.partner_anna.category_id, ball)
        self.assertEqual(self.partner_dora.sudo().category_id, ball | self.tag_council)
        self.assertEqual(sub.parent_id, ball)

    @users('tg_manager')
    def test_merge_into_own_child_refused(self):
        wizard = self.env['crm.profile.merge'].create({
            'profile_ids': self.tag_sport.ids, 'target_id': self.tag_football.id})
        with self.assertRaisesRegex(UserError, "lies below a profile being merged"):
            wizard.action_merge()

    @users('tg_user')
    @mute_logger('odoo.addons.base.models.ir_model')
    def test_user_cannot_merge_or_delete(self):
        with self.assertRaises(AccessError):
            self.env['crm.profile.merge'].create({'profile_ids': self.tag_sport.ids, 'target_id': self.tag_culture.id})
        with self.assertRaises(AccessError):
            self.env['crm.profile.delete'].create({'profile_ids': self.tag_sport.ids})

    @users('tg_manager')
    def test_delete_says_how_many_lose_it(self):
        action = self.tag_sport.with_env(self.env).action_delete()
        wizard = Form(self.env[action['res_model']].with_context(action['context'])).save()
        self.assertEqual(wizard.partner_count, 3)
        self.assertEqual(wizard.child_count, 2)
        self.assertIn("3 contacts lose the profile(s) Outdoor", wizard.summary)
        wizard.action_delete()
        self.assertFalse((self.tag_sport | self.tag_football | self.tag_tennis).exists())
        self.assertFalse(self.partner_anna.category_id)
        self.assertEqual(self.partner_dora.sudo().category_id, self.tag_council)

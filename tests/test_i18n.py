from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestGerman(TargetGroupsCommon):
    """A German-speaking user sees the module in German."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_german()
        cls.user_plain.lang = 'de_DE'

    def test_menus_categories_and_messages_in_german(self):
        env = self.env(user=self.user_plain, context={'lang': 'de_DE'})
        self.assertEqual(env.ref('crm_target_groups.crm_target_groups_menu_root').name, 'Zielgruppen')
        self.assertEqual(env.ref('crm_target_groups.crm_profile_category_price_sensitivity').name,
                         'Preissensibilität')
        self.assertEqual(env['res.partner.category']._fields['partner_count_total'].get_description(env)['string'],
                         'Kontakte (inkl. Unterprofile)')
        wizard = env['crm.profile.assign'].with_context(active_ids=self.partner_anna.ids).create(
            {'profile_ids': self.tag_culture.ids})
        self.assertEqual(dict(wizard._fields['mode']._description_selection(env))['add'], 'Hinzufügen')
        wizard.action_apply()
        self.assertEqual(env['crm.profile.operation'].search([], limit=1).name, 'Hinzufügen: Culture')
        with mute_logger('odoo.models'), self.assertRaisesRegex(AccessError, "Nur Zielgruppen-Manager"):
            env['res.partner.category'].create({'name': 'X', 'profile_category_id': self.cat_interests.id})

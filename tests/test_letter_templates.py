from odoo.exceptions import AccessError
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestLetterTemplates(TargetGroupsCommon):
    """Letter templates: users change the ones they wrote, managers all; saving one needs no
    template-editor right."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's default: internal users are no template editors (Settings > Restrict Template Rendering)
        cls.env['ir.config_parameter'].set_param('mail.restrict.template.rendering', True)
        Template = cls.env['crm.letter.template']
        # written by each user (the server records who), whatever the rights being tested
        cls.template_uwe = Template.with_user(cls.user_plain).sudo().create(
            {'name': "Uwe's letter", 'body': '<p>Hallo</p>'}).with_env(cls.env)
        cls.template_ines = Template.with_user(cls.user_insider).sudo().create(
            {'name': "Ines' letter", 'body': '<p>Guten Tag</p>'}).with_env(cls.env)

    # ------------------------------------------------------------
    # RIGHTS
    # ------------------------------------------------------------

    @users('tg_user')
    @mute_logger('odoo.addons.base.models.ir_rule')
    def test_user_changes_own_templates_only(self):
        own, other = self.template_uwe.with_env(self.env), self.template_ines.with_env(self.env)
        own.write({'subject': 'Einladung'})
        self.assertEqual(own.subject, 'Einladung')
        with self.assertRaises(AccessError):
            other.write({'subject': 'Changed by Uwe'})
        with self.assertRaises(AccessError):
            other.unlink()
        self.assertEqual(self.env['crm.letter.template'].search([('id', 'in', (own | other).ids)]), own | other,
                         "every user prints with any letter")
        own.unlink()

    @users('tg_manager')
    def test_manager_changes_all_templates(self):
        templates = (self.template_uwe | self.template_ines).with_env(self.env)
        templates.write({'subject': 'Einladung'})
        self.assertEqual(templates.mapped('subject'), ['Einladung', 'Einladung'])
        templates.unlink()

    @users('tg_user')
    @mute_logger('odoo.addons.base.models.ir_rule')
    def test_user_without_template_editor_saves_a_template(self):
        """The default language (each contact's own) is no code: a user saves a template without
        Odoo's template-editor right. Code stays refused, in the language as in the body."""
        self.assertFalse(self.env.user.has_group('mail.group_mail_template_editor'))
        with Form(self.env['crm.letter.template']) as form:
            form.name = 'Einladung'
            form.subject = 'Einladung für {{ object.name }}'
            form.body = '<p>Hallo <t t-out="object.name"/>,</p><p>wir laden Sie ein.</p>'
        template = form.record
        self.assertEqual((template.lang, template.create_uid), ('{{ object.lang }}', self.env.user))
        self.partner_anna.lang = 'en_US'
        self.assertEqual(template._render_lang(self.partner_anna.ids), {self.partner_anna.id: 'en_US'})
        template.write({'body': '<p>Sehr geehrte Damen und Herren,</p>'})
        with self.assertRaises(AccessError):
            template.write({'lang': "{{ object.env['res.users'].search([])[0].lang }}"})
        with self.assertRaises(AccessError):
            template.write({'body': '<p><t t-out="object.env[\'res.users\'].search([])"/></p>'})

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged, users
from odoo.tools import SQL, mute_logger

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestLetterTemplates(TargetGroupsCommon):
    """Letter templates: users change the ones they wrote, managers all; saving one needs no
    template-editor right; Print Letters proposes the letter the user printed last."""

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

    def _backdate(self, record, fname, days):
        record.flush_recordset()
        self.env.cr.execute(SQL("UPDATE %s SET %s = %s - make_interval(days => %s) WHERE id = %s",
                                SQL.identifier(record._table), SQL.identifier(fname), SQL.identifier(fname),
                                days, record.id))
        record.invalidate_recordset()

    def _proposed(self, user):
        return Form(self.env['crm.letter.print'].with_user(user)).template_id

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
        # the letter's own placeholders (the /field command inserts them) are no code either
        template.write({'body': '<p><t t-out="object.crm_letter_salutation"/></p><p><t t-out="object.crm_department"/></p>'})
        with self.assertRaises(AccessError):
            template.write({'lang': "{{ object.env['res.users'].search([])[0].lang }}"})
        with self.assertRaises(AccessError):
            template.write({'body': '<p><t t-out="object.env[\'res.users\'].search([])"/></p>'})

    # ------------------------------------------------------------
    # PRINT LETTERS
    # ------------------------------------------------------------

    def test_print_letters_proposes_the_latest_letter(self):
        """Who has printed nothing yet gets the letter written last."""
        self._backdate(self.template_ines, 'write_date', 1)
        self.assertEqual(self._proposed(self.user_plain), self.template_uwe)
        self.template_uwe.with_user(self.user_manager).action_archive()
        self._backdate(self.template_ines, 'write_date', -2)  # newer than any other letter, demo ones too
        self.assertEqual(self._proposed(self.user_plain), self.template_ines)

    def test_print_letters_proposes_the_users_last_letter(self):
        """The letter of the user's newest print: at once (its wizard), or in the background (its
        run, which stays when the wizard is gone)."""
        self._backdate(self.template_ines, 'write_date', 1)  # Uwe's letter is the one written last
        self.env['ir.config_parameter'].set_param('crm_target_groups.letters_in_request', '0')
        self.partner_anna.write({'street': 'Hauptstr. 1', 'zip': '80331', 'city': 'München',
                                 'country_id': self.env.ref('base.de').id})
        Print = self.env['crm.letter.print'].with_user(self.user_plain)
        domain = repr([('id', '=', self.partner_anna.id)])

        printed = Print.create({'template_id': self.template_ines.id, 'partner_domain': domain})
        run = self.env['crm.letter.run'].browse(printed.action_print()['res_id'])
        self.assertEqual(run.template_id, self.template_ines)
        self.assertEqual(self._proposed(self.user_plain), self.template_ines)
        self.assertEqual(self._proposed(self.user_insider), self.template_uwe, "another user's prints do not count")
        self._backdate(run, 'create_date', 3)
        printed.unlink()  # as the transient records' cleanup does
        self.assertEqual(self._proposed(self.user_plain), self.template_ines, "the run remembers")

        printed = Print.create({'template_id': self.template_uwe.id, 'partner_domain': domain})
        self.assertEqual(self._proposed(self.user_plain), self.template_uwe, "printed after the run")
        self._backdate(printed, 'create_date', 4)
        self.assertEqual(self._proposed(self.user_plain), self.template_ines, "printed before the run")

        self.template_ines.with_user(self.user_manager).action_archive()
        self.assertEqual(self._proposed(self.user_plain), self.template_uwe, "an archived letter is not proposed")

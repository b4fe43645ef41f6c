import base64
import io
import json
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestLetters(HttpCase, TargetGroupsCommon):
    """Mail-merge letters for a target group: one PDF, one page per contact with an address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_german()
        germany, austria = cls.env.ref('base.de'), cls.env.ref('base.at')
        cls.env.company.write({'name': 'Beispiel AG', 'street': 'Marktplatz 1', 'zip': '10115', 'city': 'Berlin',
                               'country_id': germany.id, 'logo': False})
        cls.partner_anna.write({'name': 'Anna Müller', 'crm_salutation': 'ms', 'crm_academic_title': 'Dr.',
                                'lang': 'de_DE', 'street': 'Hauptstr. 1', 'zip': '80331', 'city': 'München',
                                'country_id': germany.id})
        cls.partner_bernd.write({'name': 'Bernd Huber', 'crm_salutation': 'mr', 'lang': 'de_DE',
                                 'street': 'Ring 3', 'zip': '1010', 'city': 'Wien', 'country_id': austria.id})
        cls.template = cls.env['crm.letter.template'].create({
            'name': 'Invitation', 'subject': 'Einladung für {{ object.name }}',
            'body': '<p><t t-out="object.crm_letter_salutation"/></p><p>wir laden Sie ein.</p>'})
        cls.group = cls.env['crm.target.group'].create({
            'name': 'Outdoor', 'include_profile_ids': [Command.set(cls.tag_sport.ids)], 'user_id': cls.user_plain.id})

    def _wizard(self):
        action = self.group.with_user(self.user_plain).action_print_letters()
        return self.env['crm.letter.print'].with_user(self.user_plain).with_context(action['context']).create(
            {'template_id': self.template.id})

    def test_letters_of_a_target_group(self):
        wizard = self._wizard()
        self.assertEqual((wizard.partner_count, wizard.missing_count), (2, 1), "Dora has no address")
        missing = self.env['res.partner'].search(wizard.action_open_missing()['domain'])
        self.assertEqual(missing, self.partner_dora)

        report = self.env.ref('crm_target_groups.crm_letter_print_report').with_user(self.user_plain)
        html = report._render_qweb_html(report, wizard.ids)[0].decode()
        self.assertIn('>Frau Dr. Anna Müller<br/>Hauptstr. 1<br/>80331 München<br/>', html,
                      "the address in the contact's language, no country for a domestic one")
        self.assertIn('>Herr Bernd Huber<br/>Ring 3<br/>1010 Wien<br/>AUSTRIA<br/>', html,
                      "a foreign address ends with the country in capitals")
        self.assertIn('Sehr geehrte Frau Dr. Müller,', html)
        self.assertIn('Einladung für Anna Müller', html)
        self.assertLess(html.index('1010 Wien'), html.index('80331 München'), "sorted by postcode")
        self.assertNotIn('Dora', html)

        pdf, _format = report.with_context(force_report_rendering=True)._render_qweb_pdf(report, wizard.ids)
        pages = PdfFileReader(io.BytesIO(pdf)).pages
        self.assertEqual(len(pages), 2, "one page per letter")
        texts = [" ".join(page.extract_text().split()) for page in pages]
        self.assertIn('Herr Bernd Huber Ring 3 1010 Wien AUSTRIA', texts[0])
        self.assertIn('Sehr geehrte Frau Dr. Müller,', texts[1])

    def test_long_letter_continues_on_the_next_page(self):
        paragraphs = "".join(f"<p>Absatz {i}: wir freuen uns auf Ihren Besuch.</p>" for i in range(35))
        template = self.env['crm.letter.template'].create({'name': 'Long', 'body': paragraphs + '<p>ENDE</p>'})
        wizard = self.env['crm.letter.print'].create({
            'template_id': template.id, 'partner_domain': repr([('id', '=', self.partner_anna.id)])})
        report = self.env.ref('crm_target_groups.crm_letter_print_report')
        pdf, _format = report.with_context(force_report_rendering=True)._render_qweb_pdf(report, wizard.ids)
        pages = PdfFileReader(io.BytesIO(pdf)).pages
        self.assertEqual(len(pages), 2, "nothing is cut off")
        self.assertIn('ENDE', pages[1].extract_text())

    def test_template_code_only_from_template_editors(self):
        with self.assertRaises(Exception):
            self.env['crm.letter.template'].with_user(self.user_plain).create({
                'name': 'Sneaky', 'body': '<p><t t-out="object.env[\'res.users\'].search([])"/></p>'})

    def test_many_letters_are_printed_in_the_background(self):
        """Above the limit of a request, a cron job prints parts and merges them; a worker killed
        between two parts leaves no part printed twice."""
        ICP = self.env['ir.config_parameter']
        ICP.set_param('crm_target_groups.letters_in_request', '1')
        ICP.set_param('crm_target_groups.letters_per_part', '1')
        wizard = self._wizard()
        action = wizard.action_print()
        run = self.env['crm.letter.run'].browse(action['res_id'])
        self.assertEqual((action['res_model'], run.state, run.letter_total), ('crm.letter.run', 'queued', 2))
        self.assertEqual(run.user_id, self.user_plain)
        self.assertFalse(run.with_user(self.user_insider).search([('id', '=', run.id)]), "one's own runs only")

        self.partner_bernd.city = 'Salzburg'  # after the click: the run prints who was chosen then
        Cron = type(self.env['ir.cron'])
        run = run.with_context(force_report_rendering=True)
        with patch.object(Cron, '_commit_progress', lambda *args, **kwargs: 1.0):
            self.assertEqual(run.with_user(self.user_plain)._process_batch(), 1)
            with self.assertRaises(RuntimeError), self.env.cr.savepoint():
                run.with_user(self.user_plain)._process_batch()
                raise RuntimeError("worker killed before its commit")
            self.env.invalidate_all()
            self.assertEqual((run.state, run.letter_done, run.progress), ('running', 1, 50.0))
            run.env['crm.letter.run']._cron_process()
        self.assertEqual(run.state, 'done')
        self.assertFalse(run._parts(), "the parts are merged and removed")
        pages = PdfFileReader(io.BytesIO(base64.b64decode(run.pdf))).pages
        texts = [" ".join(page.extract_text().split()) for page in pages]
        self.assertEqual(len(texts), 2, "each letter once")
        self.assertIn('Herr Bernd Huber Ring 3 1010 Salzburg AUSTRIA', texts[0])
        self.assertIn('Sehr geehrte Frau Dr. Müller,', texts[1])
        self.assertEqual(run.pdf_name, 'Invitation - Outdoor.pdf')
        self.env.cr.precommit.run()  # the bus sends its notifications on commit
        notice = self.env['bus.bus'].sudo().search([('message', 'like', 'Letters printed')], order='id desc', limit=1)
        self.assertEqual(json.loads(notice.channel)[1:], ['res.partner', self.user_plain.partner_id.id],
                         "the user who asked is told")

    @mute_logger('odoo.addons.crm_target_groups.models.crm_background_job')
    def test_a_failing_run_stops_alone(self):
        """A run whose letter cannot be rendered is marked failed with the reason, and the user is
        told; the runs after it are printed all the same."""
        self.env['ir.config_parameter'].set_param('crm_target_groups.letters_in_request', '0')
        broken = self.env['crm.letter.template'].create({
            'name': 'Broken', 'body': '<p><t t-out="object.no_such_field"/></p>'})
        runs = self.env['crm.letter.run']
        for template in (broken, self.template):
            wizard = self._wizard()
            wizard.template_id = template.with_user(self.user_plain)
            runs |= runs.browse(wizard.action_print()['res_id'])
        with patch.object(type(self.env['ir.cron']), '_commit_progress', lambda *args, **kwargs: 1.0):
            runs.with_context(force_report_rendering=True)._cron_process()
        self.assertEqual(runs.mapped('state'), ['failed', 'done'])
        self.assertIn('no_such_field', runs[0].failure, "the reason, for the user")
        self.env.cr.precommit.run()  # the bus sends its notifications on commit
        notice = self.env['bus.bus'].sudo().search([('message', 'like', 'no_such_field')])
        self.assertEqual(json.loads(notice.channel)[1:], ['res.partner', self.user_plain.partner_id.id])
        self.assertEqual(runs[1].letter_done, 2)

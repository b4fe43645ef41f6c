import io
import re
import zipfile
from datetime import datetime, timedelta

import openpyxl
from lxml import html as lxml_html

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.pdf import PdfFileReader

from .common import TargetGroupsCommon

REPORT = 'crm_target_groups.event_event_report_participants'


@tagged('post_install', '-at_install')
class TestInvitationReport(HttpCase, TargetGroupsCommon):
    """The participant report, the invitation mail and the reminder against hand-made answers.

    Tour-Sommerfest 2027 invited five: Emil Zander (invited first) and Anna Fußballfan (FC Nord,
    two companions) attend, Bernd Tennis (company "=1+1", a text and no formula) declined, Clara
    Kultur and Dora Rat have not answered. Dora carries City council, a profile of the Politics
    team: Ines is in it and sees five invitations; Uwe of the events team is not, and sees four,
    with no trace of Dora in lists, totals, files or mailings.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = ('crm_target_groups.group_crm_target_groups_user,event.group_event_user,'
                  'mass_mailing.group_mass_mailing_user,base.group_partner_manager')
        cls.user_staff = new_test_user(cls.env, login='tg_report_staff', name='Uwe Eventteam', groups=groups)
        cls.user_politics = new_test_user(cls.env, login='tg_report_politics', name='Ines Eventteam', groups=groups)
        cls.user_politics.group_ids |= cls.group_politics
        cls.user_stranger = new_test_user(cls.env, login='tg_report_stranger', name='Sven Sales',
                                          groups='crm_target_groups.group_crm_target_groups_user')
        cls.partner_emil = cls.env['res.partner'].create({'name': 'Emil Zander'})
        cls.campaign = cls.env['utm.campaign'].create({'title': 'Sommerfest-Einladung'})
        cls.event = cls.env['event.event'].create({
            'name': 'Tour-Sommerfest 2027', 'date_begin': datetime.now() + timedelta(days=30),
            'date_end': datetime.now() + timedelta(days=30, hours=5), 'user_id': cls.user_staff.id,
            'crm_reply_deadline': datetime.now() + timedelta(days=20),
        })
        cls.other_event = cls.env['event.event'].create({
            'name': 'Winterfest 2027', 'date_begin': datetime.now() + timedelta(days=60),
            'date_end': datetime.now() + timedelta(days=60, hours=5)})
        Registration = cls.env['event.registration'].sudo()
        invitations = {}
        for partner, company, phone in ((cls.partner_emil, 'Zander GmbH', '+49 40 555'),
                                        (cls.partner_anna, 'FC Nord', '+49 30 111'),
                                        (cls.partner_bernd, '=1+1', '+49 89 222'),
                                        (cls.partner_clara, 'Theater Süd', '+49 69 333'),
                                        (cls.partner_dora, 'Rathaus', '+49 221 444')):
            invitations[partner] = Registration.create({
                'event_id': cls.event.id, 'partner_id': partner.id, 'name': partner.name,
                'email': f'{partner.name.split()[0].lower()}@example.com', 'phone': phone, 'company_name': company,
                'crm_invitation_state': 'invited', 'utm_campaign_id': cls.campaign.id})
        cls.emil, cls.anna, cls.bernd, cls.clara, cls.dora = invitations.values()
        cls.anna._crm_answer('attending', 'phone', companions=2)
        cls.emil._crm_answer('attending', 'mail')
        cls.bernd._crm_answer('declined', 'mail')

    def _html(self, user):
        self.env.invalidate_all()  # the invitations are the reader's: none cached from another user
        return self.env['ir.actions.report'].with_user(user)._render_qweb_html(REPORT, self.event.ids)[0].decode()

    def _totals(self, html):
        tree = lxml_html.fromstring(html)
        return {name: int(tree.xpath(f'//*[@class="crm_{name}"]')[0].text_content())
                for name in ('invited', 'attending', 'companions', 'persons', 'declined', 'no_answer')}

    def _sections(self, html):
        """The names of each section, as printed (first cell of each row)."""
        tree = lxml_html.fromstring(html)
        return {state: [' '.join(row.xpath('./td')[0].text_content().split())
                        for row in tree.xpath(f'//table[@name="participants_{state}"]/tbody/tr')]
                for state in ('attending', 'declined', 'invited')}

    def _pdf_text(self, pdf):
        """The PDF's text, its white space as single blanks ('( 2 )' as '(2)')."""
        text = ' '.join(' '.join(page.extract_text().split()) for page in PdfFileReader(io.BytesIO(pdf)).pages)
        return re.sub(r'\( (\d+) \)', r'(\1)', text)

    def _xlsx(self, user):
        self.authenticate(user.login, user.login)
        return self.url_open(f'/crm_target_groups/participants/{self.event.id}')

    def _rows(self, response):
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
        totals = {row[0]: row[1] for row in values[2:8]}
        header = values[9]
        return totals, [dict(zip(header, row)) for row in values[10:]]

    # ------------------------------------------------------------
    # PARTICIPANT REPORT
    # ------------------------------------------------------------

    def test_report_sections_and_totals(self):
        html = self._html(self.user_politics)
        self.assertEqual(self._totals(html), {'invited': 5, 'attending': 2, 'companions': 2, 'persons': 4,
                                              'declined': 1, 'no_answer': 2})
        self.assertEqual(self._sections(html), {'attending': ['Anna Fußballfan', 'Emil Zander'],
                                                'declined': ['Bernd Tennis'],
                                                'invited': ['Clara Kultur', 'Dora Rat']})
        tree = lxml_html.fromstring(html)
        anna = [' '.join(cell.text_content().split())
                for cell in tree.xpath('//table[@name="participants_attending"]/tbody/tr')[0].xpath('./td')]
        self.assertEqual(anna[:4], ['Anna Fußballfan', 'FC Nord', '+49 30 111', '2'], "company, phone, companions")

        outsider = self._html(self.user_staff)
        self.assertEqual(self._totals(outsider), {'invited': 4, 'attending': 2, 'companions': 2, 'persons': 4,
                                                  'declined': 1, 'no_answer': 1})
        self.assertEqual(self._sections(outsider)['invited'], ['Clara Kultur'])
        for secret in ('Dora', 'Rathaus', '+49 221 444'):
            self.assertNotIn(secret, outsider)

    def test_report_pdf_text(self):
        Report = self.env['ir.actions.report'].with_context(force_report_rendering=True)
        pdf, report_format = Report.with_user(self.user_politics)._render_qweb_pdf(REPORT, self.event.ids)
        self.assertEqual(report_format, 'pdf')
        text = self._pdf_text(pdf)
        self.assertIn('Invited: 5', text)
        self.assertIn('Attending: 2 (+ 2 companions = 4 persons)', text)
        self.assertIn('No answer yet: 2', text)
        order = ['Attending (2)', 'Anna Fußballfan FC Nord +49 30 111 2', 'Emil Zander Zander GmbH', 'Declined (1)',
                 'Bernd Tennis =1+1', 'No answer yet (2)', 'Clara Kultur Theater Süd', 'Dora Rat Rathaus']
        positions = [text.find(part) for part in order]
        self.assertNotIn(-1, positions, text)
        self.assertEqual(positions, sorted(positions), "three sections, each sorted by name")

        pdf, _format = Report.with_user(self.user_staff)._render_qweb_pdf(REPORT, self.event.ids)
        text = self._pdf_text(pdf)
        self.assertIn('No answer yet (1)', text)
        self.assertNotIn('Dora', text)

        # several events: one document, a page each
        pdf, _format = Report.with_user(self.user_staff)._render_qweb_pdf(REPORT, (self.event | self.other_event).ids)
        self.assertGreaterEqual(len(PdfFileReader(io.BytesIO(pdf)).pages), 2)
        report = self.env.ref(REPORT)
        self.assertIn(report, self.env['ir.actions.report'].search([('binding_model_id.model', '=', 'event.event')]))

    def test_report_xlsx(self):
        response = self._xlsx(self.user_politics)
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.assertIn('participants.xlsx', response.headers['Content-Disposition'])
        totals, rows = self._rows(response)
        self.assertEqual(totals, {'Invited': 5, 'Attending': 2, 'Companions': 2, 'Persons': 4, 'Declined': 1,
                                  'No answer yet': 2})
        self.assertEqual([(row['Answer'], row['Name'], row['Company'], row['Phone'], row['Companions'])
                          for row in rows], [
            ('Attending', 'Anna Fußballfan', 'FC Nord', '+49 30 111', 2),
            ('Attending', 'Emil Zander', 'Zander GmbH', '+49 40 555', 0),
            ('Declined', 'Bernd Tennis', '=1+1', '+49 89 222', 0),
            ('No answer yet', 'Clara Kultur', 'Theater Süd', '+49 69 333', 0),
            ('No answer yet', 'Dora Rat', 'Rathaus', '+49 221 444', 0),
        ])
        self.assertNotIn(b'<f>', self._zip_sheet(response), "a company '=1+1' is a text, not a formula")

        totals, rows = self._rows(self._xlsx(self.user_staff))
        self.assertEqual((totals['Invited'], totals['No answer yet']), (4, 1))
        self.assertNotIn('Dora Rat', [row['Name'] for row in rows])
        # a user without access to events gets no file
        self.assertEqual(self._xlsx(self.user_stranger).status_code, 404)

    def _zip_sheet(self, response):
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return archive.read('xl/worksheets/sheet1.xml')

    def test_answers_over_time(self):
        action = self.event.with_user(self.user_staff).action_crm_open_answers()
        self.assertEqual(action['res_model'], 'event.registration')
        self.assertEqual([mode for _view, mode in action['views']][:2], ['graph', 'pivot'])
        groups = self.env['event.registration'].with_user(self.user_staff).formatted_read_group(
            action['domain'], ['crm_answer_date:day', 'crm_invitation_state'], ['__count'])
        answered = {row['crm_invitation_state']: row['__count'] for row in groups if row['crm_answer_date:day']}
        self.assertEqual(answered, {'attending': 2, 'declined': 1})

    # ------------------------------------------------------------
    # INVITATION MAIL AND REMINDER
    # ------------------------------------------------------------

    def test_invitation_mail_has_each_recipients_own_links(self):
        event = self.event.with_user(self.user_staff)
        action = event.action_crm_invitation_mailing()
        mailing = self.env['mailing.mailing'].browse(action['res_id'])
        self.assertEqual((mailing.state, mailing.mailing_model_real, mailing.campaign_id),
                         ('draft', 'event.registration', self.campaign), "opened, not sent")
        self.assertIn('Ich komme nicht', mailing.body_html)
        self.assertEqual(set(mailing.with_user(self.user_staff)._get_recipients()),
                         set((self.emil | self.anna | self.bernd | self.clara).ids),
                         "the invitations Uwe may see: not Dora's")
        mailing.with_user(self.user_staff).action_send_mail()
        mails = self.env['mail.mail'].sudo().search([('mailing_id', '=', mailing.id)])
        self.assertEqual(len(mails), 4)
        tokens = {registration.id: registration.sudo().crm_invitation_token
                  for registration in self.emil | self.anna | self.bernd | self.clara | self.dora}
        for mail in mails:
            registration = self.env['event.registration'].browse(mail.res_id)
            url = registration.sudo().crm_invitation_url
            self.assertIn(f'Guten Tag {registration.name},', mail.body_html)
            for token in tokens.values():
                self.assertNotIn(token, mail.body_html, "the mail kept in the database holds no token")
            [email] = mail._prepare_outgoing_list()
            self.assertIn(f'href="{url}/attend"', email['body'])
            self.assertIn(f'href="{url}/decline"', email['body'])
            for other, token in tokens.items():
                if other != registration.id:
                    self.assertNotIn(token, email['body'], "no one else's link")
        self.assertFalse(self.env['link.tracker'].search([('url', 'like', '/crm_target_groups/invitation/')]),
                         "no personal link in a link tracker every internal user reads")
        # the links show the page with the answer chosen; the click there answers
        page = self.url_open(f"/crm_target_groups/invitation/{self.clara.id}/{tokens[self.clara.id]}/attend")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(self.clara.crm_invitation_state, 'invited')

        insider = self.event.with_user(self.user_politics).action_crm_invitation_mailing()
        self.assertIn(self.dora.id, self.env['mailing.mailing'].browse(insider['res_id'])
                      .with_user(self.user_politics)._get_recipients())

    def test_reminder_reaches_exactly_those_without_an_answer(self):
        action = self.event.with_user(self.user_politics).action_crm_invitation_reminder()
        mailing = self.env['mailing.mailing'].browse(action['res_id']).with_user(self.user_politics)
        self.assertEqual((mailing.state, mailing.campaign_id), ('draft', self.campaign))
        self.assertIn('Erinnerung', mailing.subject)
        self.assertIn('/crm_target_groups/invitation/attend', mailing.body_html)
        self.assertEqual(sorted(mailing._get_recipients()), sorted((self.clara | self.dora).ids))
        staff = self.env['mailing.mailing'].browse(
            self.event.with_user(self.user_staff).action_crm_invitation_reminder()['res_id'])
        self.assertEqual(staff.with_user(self.user_staff)._get_recipients(), self.clara.ids, "not Dora")
        # who answers before the reminder is sent is not reminded
        self.clara._crm_answer('declined', 'mail')
        self.assertEqual(mailing._get_recipients(), self.dora.ids)
        self.assertFalse(staff.with_user(self.user_staff)._get_recipients())
        with self.assertRaises(UserError):
            self.event.with_user(self.user_staff).action_crm_invitation_reminder()

    # ------------------------------------------------------------
    # TOUR
    # ------------------------------------------------------------

    def test_tour_staff_answers_from_the_campaign(self):
        self.start_tour(f'/odoo/action-utm.utm_campaign_action/{self.campaign.id}', 'crm_campaign_invitations',
                        login=self.user_staff.login)
        self.assertEqual((self.clara.crm_invitation_state, self.clara.crm_answer_channel), ('attending', 'staff'))
        self.assertEqual(self.dora.crm_invitation_state, 'invited')

    def test_tour_staff_prints_the_participant_report(self):
        self.start_tour('/odoo', 'crm_invitation_report', login=self.user_staff.login)
        # what the print menu item prints for Uwe
        html = self._html(self.user_staff)
        self.assertEqual(self._sections(html)['attending'], ['Anna Fußballfan', 'Emil Zander'])

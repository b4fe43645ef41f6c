import io
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader

from .common import TargetGroupsCommon

CSRF = re.compile(r'csrf_token: "([^"]+)"')


@tagged('post_install', '-at_install')
class TestInvitationLetters(HttpCase, TargetGroupsCommon):
    """Printed invitation cards: the placeholder [[answer link]] prints each invitee's own short
    answer link and its QR code; the short link leads to the answer page as the letter channel.

    Anna and Bernd are invited to the summer party, Clara (with an address too) is not. Uwe, an
    event user, prints the cards.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_staff = new_test_user(
            cls.env, login='tg_letter_staff', name='Uwe Eventteam',
            groups='crm_target_groups.group_crm_target_groups_user,event.group_event_user,base.group_partner_manager')
        germany = cls.env.ref('base.de')
        for partner, street, zip_code in ((cls.partner_anna, 'Hauptstr. 1', '80331'),
                                          (cls.partner_bernd, 'Ring 3', '10115'),
                                          (cls.partner_clara, 'Weg 5', '50667')):
            partner.write({'street': street, 'zip': zip_code, 'city': 'Stadt', 'country_id': germany.id,
                           'lang': 'en_US'})
        cls.event = cls.env['event.event'].create({
            'name': 'Sommerfest 2027', 'date_begin': datetime.now() + timedelta(days=30),
            'date_end': datetime.now() + timedelta(days=30, hours=5), 'user_id': cls.user_staff.id})
        Registration = cls.env['event.registration']
        cls.anna = Registration.create({'event_id': cls.event.id, 'partner_id': cls.partner_anna.id,
                                        'crm_invitation_state': 'invited'})
        cls.bernd = Registration.create({'event_id': cls.event.id, 'partner_id': cls.partner_bernd.id,
                                         'crm_invitation_state': 'invited'})
        cls.template = cls.env['crm.letter.template'].create({
            'name': 'Einladungskarte', 'crm_event_id': cls.event.id,
            'body': '<p>Hallo <t t-out="object.name"/>,</p><p>Ihre Antwort: [[answer link]]</p><p>Bis bald</p>'})
        cls.recipients = cls.partner_anna | cls.partner_bernd | cls.partner_clara

    def _wizard(self, user=None):
        return self.env['crm.letter.print'].with_user(user or self.user_staff).create({
            'template_id': self.template.id, 'partner_domain': repr([('id', 'in', self.recipients.ids)])})

    def _path(self, registration):
        return urlsplit(registration.crm_invitation_short_url).path

    # ------------------------------------------------------------
    # THE LETTER
    # ------------------------------------------------------------

    def test_each_letter_prints_its_own_link(self):
        wizard = self._wizard()
        report = self.env.ref('crm_target_groups.crm_letter_print_report').with_user(self.user_staff)
        html = report._render_qweb_html(report, wizard.ids)[0].decode()
        letters = {name: part for part in html.split('class="crm_letter"')[1:]
                   for name in ('Anna', 'Bernd', 'Clara') if f'Hallo {name}' in part}
        self.assertEqual(len(letters), 3)
        anna_url, bernd_url = self.anna.crm_invitation_short_url, self.bernd.crm_invitation_short_url
        self.assertRegex(anna_url, r'/i/\d+-[a-z2-7]{12}$')
        self.assertIn(anna_url, letters['Anna'])
        self.assertIn('src="data:image/png;base64,', letters['Anna'], "the QR code, drawn into the letter")
        self.assertNotIn(bernd_url, letters['Anna'], "only the contact's own link")
        self.assertIn(bernd_url, letters['Bernd'])
        self.assertNotIn(anna_url, letters['Bernd'])
        self.assertNotIn('/i/', letters['Clara'], "not invited: the letter without a link")
        self.assertNotIn('crm_answer_link', letters['Clara'])
        self.assertNotIn('[[answer link]]', html)
        for registration in (self.anna, self.bernd):
            self.assertNotIn(registration.crm_invitation_token, html, "the short link only, not the token")

    def test_links_only_for_event_users(self):
        """The answer link is the invitee's key: only event users print it (the token's rule)."""
        self.template.crm_event_id = False
        self.assertFalse(self._wizard(self.user_plain)._letters()[0]['body'].count('/i/'),
                         "a letter without an event prints no link, for anyone")
        self.template.crm_event_id = self.event
        with mute_logger('odoo.addons.base.models.ir_model'), self.assertRaises(AccessError):
            self._wizard(self.user_plain)._letters()

    def test_pdf_with_qr_code(self):
        wizard = self._wizard()
        report = self.env.ref('crm_target_groups.crm_letter_print_report').with_user(self.user_staff)
        pdf, _format = report.with_context(force_report_rendering=True)._render_qweb_pdf(report, wizard.ids)
        pages = PdfFileReader(io.BytesIO(pdf)).pages
        self.assertEqual(len(pages), 3)
        texts = {}
        for page in pages:
            text = "".join(page.extract_text().split())
            texts[next(name for name in ('Anna', 'Bernd', 'Clara') if f'Hallo{name}' in text)] = (
                text, self._images(page['/Resources']))
        self.assertIn(self.anna.crm_invitation_short_url, texts['Anna'][0])
        self.assertIn(self.bernd.crm_invitation_short_url, texts['Bernd'][0])
        self.assertNotIn('/i/', texts['Clara'][0])
        for name in ('Anna', 'Bernd'):
            self.assertEqual(texts[name][1], texts['Clara'][1] + 1, f"{name}'s page carries the QR image")

    def _images(self, resources):
        """The images a PDF page draws, also inside the form objects wkhtmltopdf may wrap them in."""
        count = 0
        for obj in resources.get_object().get('/XObject', {}).values():
            obj = obj.get_object()
            if obj['/Subtype'] == '/Image':
                count += 1
            elif obj['/Subtype'] == '/Form' and '/Resources' in obj:
                count += self._images(obj['/Resources'])
        return count

    # ------------------------------------------------------------
    # THE SHORT LINK
    # ------------------------------------------------------------

    def test_short_link_redirects_to_the_answer_page(self):
        response = self.url_open(self._path(self.anna), allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers['Location'])._replace(scheme='', netloc='').geturl(),
                         f"{self.anna._crm_invitation_path()}?via=letter")
        self.assertEqual(self.anna.crm_invitation_state, 'invited', "opening the link answers nothing")

        code = self._path(self.anna).rsplit('-', 1)[1]
        other = 'a' if code[0] != 'a' else 'b'
        wrong = [f"/i/{self.anna.id}-{other}{code[1:]}",                            # tampered
                 f"/i/{self.anna.id}-{self._path(self.bernd).rsplit('-', 1)[1]}",   # another invitation's
                 f"/i/{self.bernd.id + 1000}-{code}",                               # unknown invitation
                 f"/i/99999999999-{code}", f"/i/{self.anna.id}-{code}0", "/i/nothing"]
        for url in wrong:
            bad = self.url_open(url, allow_redirects=False)
            self.assertEqual(bad.status_code, 404, url)
            self.assertIn('o_crm_invitation_invalid', bad.text)
            self.assertNotIn('Sommerfest', bad.text)

        old = self._path(self.anna)
        self.anna.with_user(self.user_staff).action_crm_renew_token()
        self.anna.invalidate_recordset()
        self.assertEqual(self.url_open(old, allow_redirects=False).status_code, 404, "renewed: the old card is void")
        self.assertNotEqual(self._path(self.anna), old)
        self.assertEqual(self.url_open(self._path(self.anna), allow_redirects=False).status_code, 303)

    def test_answer_through_the_short_link(self):
        page = self.url_open(self._path(self.bernd))
        self.assertEqual(page.status_code, 200)
        self.assertIn('Sommerfest 2027', page.text)
        self.assertRegex(page.text, r'name="channel" value="letter"')
        response = self.url_open(self.bernd._crm_invitation_path(), data={
            'answer': 'attending', 'channel': 'letter', 'csrf_token': CSRF.search(page.text).group(1)})
        self.assertEqual(response.status_code, 200)
        self.assertEqual((self.bernd.crm_invitation_state, self.bernd.crm_answer_channel), ('attending', 'letter'))
        self.assertEqual(self.anna.crm_invitation_state, 'invited')

import io
import tempfile

import pytz
import xlsxwriter

from odoo.exceptions import UserError, ValidationError
from odoo.http import Controller, content_disposition, request, route
from odoo.tools import format_date, format_time

from ..models.event_registration import SHORT_LINK

XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


class TargetGroupsController(Controller):

    @route('/crm_target_groups/address_export/<int:export_id>', type='http', auth='user', methods=['GET'])
    def address_export(self, export_id):
        """The workbook of an address export wizard, for its creator only (Odoo lets any user
        read another's wizard records)."""
        export = request.env['crm.address.export'].browse(export_id).exists()
        if not export or export.create_uid != request.env.user:
            raise request.not_found()
        with tempfile.TemporaryFile() as fileobj:
            export._write_xlsx(fileobj)
            fileobj.seek(0)
            data = fileobj.read()
        return request.make_response(data, headers=[
            ('Content-Type', XLSX), ('Content-Disposition', content_disposition(export._filename()))])

    @route('/crm_target_groups/call_centre/<int:group_id>', type='http', auth='user', methods=['GET'])
    def call_centre_file(self, group_id):
        """The hand-over file for a call centre without the API: fill in the outcome columns and
        import the file under Target Groups > Call Outcomes."""
        group = request.env['crm.target.group'].browse(group_id).exists()
        if not group:
            raise request.not_found()
        header, rows = group._call_centre_rows()
        output = io.BytesIO()
        # a contact's texts stay texts: a name '=HYPERLINK(...)' is no formula, an 'http://' no link
        workbook = xlsxwriter.Workbook(output, {'in_memory': True, 'strings_to_formulas': False,
                                                'strings_to_urls': False})
        sheet = workbook.add_worksheet(request.env._("Calls"))
        sheet.write_row(0, 0, header, workbook.add_format({'bold': True, 'bg_color': '#E9ECEF'}))
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, row)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(rows), len(header) - 1)
        sheet.set_column(0, len(header) - 1, 18)
        workbook.close()
        filename = request.env._("%(name)s - call centre.xlsx", name=group.name)
        return request.make_response(output.getvalue(), headers=[
            ('Content-Type', XLSX), ('Content-Disposition', content_disposition(filename))])

    @route('/crm_target_groups/participants/<int:event_id>', type='http', auth='user', methods=['GET'])
    def participants_file(self, event_id):
        """The participant report of an event as a workbook: the invitations the user may see."""
        event = request.env['event.event'].browse(event_id).exists()
        if not event or not event.has_access('read'):
            raise request.not_found()
        filename = request.env._("%(name)s - participants.xlsx", name=event.name)
        return request.make_response(event._crm_participant_xlsx(), headers=[
            ('Content-Type', XLSX), ('Content-Disposition', content_disposition(filename))])


INVITATION = '/crm_target_groups/invitation/<int:registration_id>/<string:token>'
# what a visitor sends: a companion count and a comment of a sensible size
MAX_COMPANIONS = 20
MAX_COMMENT = 2000


class InvitationController(Controller):
    """The invitee's answer page, reached without login through the personal link of the
    invitation mail or of a printed invitation (its short link /i/... redirects with ?via=letter).

    GET only shows the page: mail scanners and link previews open every link of a mail, so a GET
    that answered would answer for the invitee. The one-click links of the mail (.../attend,
    .../decline) show the page with that answer chosen, to be confirmed with one click (POST,
    with Odoo's CSRF token). A wrong, tampered, renewed or unknown link gets one and the same
    "not valid" page and status: nothing tells whether the invitation exists.
    """

    @route([INVITATION, f'{INVITATION}/<any(attend,decline):choice>'], type='http', auth='public',
           methods=['GET'], sitemap=False)
    def invitation_page(self, registration_id, token, choice=None, via=None, saved=None, **_kwargs):
        registration = request.env['event.registration']._crm_invitation_of_token(registration_id, token)
        if not registration:
            return self._invitation_invalid()
        registration = self._in_invitee_language(registration)
        return self._invitation_render(registration, choice={'attend': 'attending', 'decline': 'declined'}.get(choice),
                                       channel='letter' if via == 'letter' else 'mail', saved=bool(saved))

    @route(f'{SHORT_LINK}/<string:code>', type='http', auth='public', methods=['GET'], sitemap=False)
    def invitation_short_link(self, code, **_kwargs):
        """The short link of a printed invitation (typed in, or its QR code scanned) leads to the
        answer page as the letter's channel; it answers nothing itself. A wrong code gets the
        answer page's own "not valid" page."""
        registration = request.env['event.registration']._crm_invitation_of_short_code(code)
        if not registration:
            return self._invitation_invalid()
        return request.redirect(f"{registration._crm_invitation_path()}?via=letter", code=303, local=True)

    @route(INVITATION, type='http', auth='public', methods=['POST'], sitemap=False)
    def invitation_answer(self, registration_id, token, answer=None, channel=None, companions=None, comment=None,
                          **_kwargs):
        registration = request.env['event.registration']._crm_invitation_of_token(registration_id, token)
        if not registration:
            return self._invitation_invalid()
        registration = self._in_invitee_language(registration)
        channel = 'letter' if channel == 'letter' else 'mail'
        try:
            companions = min(max(int(companions or 0), 0), MAX_COMPANIONS)
        except ValueError:
            companions = 0
        comment = (comment or '')[:MAX_COMMENT]
        try:
            # a savepoint: a refused answer (full, closed) leaves no trace of the attempt
            with request.env.cr.savepoint():
                registration._crm_answer(answer, channel, companions=companions, comment=comment)
        except (UserError, ValidationError) as error:
            return self._invitation_render(registration, channel=channel, error=error.args[0])
        suffix = '?via=letter&saved=1' if channel == 'letter' else '?saved=1'
        return request.redirect(f"{registration._crm_invitation_path()}{suffix}", code=303, local=True)

    def _in_invitee_language(self, registration):
        """The page speaks the invitee's language (else the event's, else the visitor's)."""
        installed = dict(request.env['res.lang'].get_installed())
        lang = next((code for code in (registration.partner_id.lang, registration.event_id.lang) if code in installed),
                    None)
        if lang:
            request.update_context(lang=lang)
        return registration.with_env(registration.env(context=dict(registration.env.context, lang=request.env.lang)))

    def _invitation_render(self, registration, choice=None, channel='mail', saved=False, error=None):
        event = registration.event_id
        env = registration.env
        begin = pytz.utc.localize(event.date_begin).astimezone(pytz.timezone(event.date_tz or 'UTC'))
        deadline = event._crm_reply_deadline()
        deadline_local = pytz.utc.localize(deadline).astimezone(pytz.timezone(event.date_tz or 'UTC'))
        attending = registration.crm_invitation_state == 'attending'
        return request.render('crm_target_groups.invitation_page', {
            'registration': registration,
            'event': event,
            'invitee': registration.name or registration.partner_id.name,
            'when': env._("%(date)s at %(time)s", date=format_date(env, begin.date(), date_format='full'),
                          time=format_time(env, begin.time(), time_format='short')),
            'where': event.address_inline or env._("Online"),
            'deadline': format_date(env, deadline_local.date(), date_format='long'),
            'answer': registration.crm_invitation_state,
            'choice': choice,
            'channel': channel,
            'closed': not event._crm_replies_open(),
            'full': not attending and event._crm_is_full(),
            'saved': saved,
            'error': error,
            'action': registration._crm_invitation_path(),
            'lang_code': (env.lang or 'en_US').replace('_', '-'),
            'max_companions': MAX_COMPANIONS,
        })

    def _invitation_invalid(self):
        return request.render('crm_target_groups.invitation_invalid', {}, status=404)

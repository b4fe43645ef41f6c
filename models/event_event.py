import io

import pytz
import xlsxwriter
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, format_time

from .event_registration import INVITATION_STATES
from .mail_mail import ANSWER_LINKS

# the participant report's sections, in their order
REPORT_SECTIONS = ('attending', 'declined', 'invited')


class EventEvent(models.Model):
    """Events invite target groups (crm.event.invite): the invitations' counts, and a reply
    deadline until which invitees answer on their page (none: until the event starts)."""
    _inherit = 'event.event'

    crm_reply_deadline = fields.Datetime(
        'Reply Deadline', help="Invitees answer (and change their answer) until then; empty: until the event starts.")
    crm_invitation_count = fields.Integer('Invitations', compute='_compute_crm_invitation_counts')
    crm_invited_count = fields.Integer('No answer yet', compute='_compute_crm_invitation_counts')
    crm_attending_count = fields.Integer('Attending', compute='_compute_crm_invitation_counts')
    crm_declined_count = fields.Integer('Declined', compute='_compute_crm_invitation_counts')
    crm_companion_count = fields.Integer('Companions', compute='_compute_crm_invitation_counts',
                                         help="People the attending invitees bring along.")

    @api.depends_context('uid')
    def _compute_crm_invitation_counts(self):
        """Counts of the invitations the user may see (their record rules apply)."""
        rows = self.env['event.registration']._read_group(
            [('event_id', 'in', self.ids), ('crm_invitation_state', '!=', False)],
            ['event_id', 'crm_invitation_state'], ['__count', 'crm_companions:sum'])
        counts = {(event.id, state): (count, companions) for event, state, count, companions in rows}
        for event in self:
            for state, _label in INVITATION_STATES:
                event[f'crm_{state}_count'] = counts.get((event.id, state), (0, 0))[0]
            event.crm_invitation_count = event.crm_invited_count + event.crm_attending_count + event.crm_declined_count
            event.crm_companion_count = counts.get((event.id, 'attending'), (0, 0))[1]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_crm_open_invitations(self, state=None):
        """The event's invitations with their answer buttons; a count's smart button names the
        answer (args)."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.event_registration_action_invitations')
        context = {'default_event_id': self.id, 'create': False}
        if state in dict(INVITATION_STATES):
            context[f'search_default_crm_{state}'] = True
        action.update(domain=[('event_id', '=', self.id), ('crm_invitation_state', '!=', False)], context=context,
                      display_name=self.env._("Invitations to %(event)s", event=self.name))
        return action

    def action_crm_invite(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.crm_event_invite_action')
        action['context'] = {'default_event_id': self.id}
        return action

    def action_crm_invitation_mailing(self):
        """A mass mailing to the event's invitations with an email address, ready to be read
        and sent: each recipient's mail carries their own "Ich komme" / "Ich komme nicht" links.
        The recipients are a domain (invitations made later, e.g. by a background run still going,
        are included at sending), evaluated with the rights of the user who created the mailing."""
        self.ensure_one()
        domain = [('event_id', '=', self.id), ('crm_invitation_state', '!=', False), ('email', '!=', False)]
        return self._crm_create_invitation_mailing(
            domain, subject=f"Einladung / Invitation: {self.name}", reminder=False)

    def action_crm_invitation_reminder(self):
        """One click: a mailing to exactly the invitations the user sees without an answer now
        (and still without one when it is sent: who answers in between is not reminded)."""
        self.ensure_one()
        waiting = self.env['event.registration'].search([
            ('event_id', '=', self.id), ('crm_invitation_state', '=', 'invited'), ('email', '!=', False)])
        if not waiting:
            raise UserError(self.env._("Every invitee of %(event)s with an email address has answered.",
                                       event=self.name))
        domain = [('id', 'in', waiting.ids), ('crm_invitation_state', '=', 'invited')]
        return self._crm_create_invitation_mailing(
            domain, subject=f"Erinnerung / Reminder: {self.name}", reminder=True)

    def action_crm_open_answers(self):
        """Answers over time (answer date x answer), as graph and pivot."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.event_registration_action_crm_answers')
        action.update(domain=[('event_id', '=', self.id), ('crm_invitation_state', '!=', False)],
                      display_name=self.env._("Answers to %(event)s", event=self.name))
        return action

    def action_crm_participant_xlsx(self):
        """The participant report as a workbook, through an authenticated route (as the user)."""
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'target': 'download',
                'url': f'/crm_target_groups/participants/{self.id}'}

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _crm_reply_deadline(self):
        self.ensure_one()
        return self.crm_reply_deadline or self.date_begin

    def _crm_replies_open(self):
        """Whether invitees may still answer: before the deadline, the event not cancelled."""
        self.ensure_one()
        return fields.Datetime.now() < self._crm_reply_deadline() and self.kanban_state != 'cancel'

    def _crm_is_full(self):
        """No seat left for one more attendee, as Odoo counts seats (Odoo 19 events have no
        waiting list)."""
        self.ensure_one()
        return bool(self.seats_limited and self.seats_max and self.seats_available <= 0)

    def _crm_participant_report(self):
        """The participant report's content: the invitations the user may see (their record
        rules apply, so an invitation of a contact carrying a profile hidden from them is neither
        listed nor counted), by answer, each sorted by name. The PDF and the workbook print this.

        :return: {'sections': [(state, label, registrations)], 'totals': {...}}
        """
        self.ensure_one()
        invitations = self.env['event.registration'].search(
            [('event_id', '=', self.id), ('crm_invitation_state', '!=', False)], order='name, id')
        labels = dict(self.env['event.registration']._fields['crm_invitation_state']._description_selection(self.env))
        sections = [(state, labels[state], invitations.filtered(lambda r, state=state: r.crm_invitation_state == state))
                    for state in REPORT_SECTIONS]
        attending = sections[0][2]
        companions = sum(attending.mapped('crm_companions'))
        return {
            'sections': sections,
            'totals': {
                'invited': len(invitations),
                'attending': len(attending),
                'companions': companions,
                'persons': len(attending) + companions,
                'declined': len(sections[1][2]),
                'no_answer': len(sections[2][2]),
            },
        }

    def _crm_participant_xlsx(self):
        """The participant report as xlsx bytes: a sheet with the totals, then a row per
        invitation with its answer, in the report's order. A contact's texts stay texts."""
        self.ensure_one()
        report = self._crm_participant_report()
        totals = report['totals']
        _ = self.env._
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True, 'strings_to_formulas': False,
                                                'strings_to_urls': False})
        bold = workbook.add_format({'bold': True})
        header = workbook.add_format({'bold': True, 'bg_color': '#E9ECEF'})
        sheet = workbook.add_worksheet(_("Participants"))
        sheet.write(0, 0, self.name, bold)
        for row, (label, value) in enumerate((
                (_("Invited"), totals['invited']), (_("Attending"), totals['attending']),
                (_("Companions"), totals['companions']), (_("Persons"), totals['persons']),
                (_("Declined"), totals['declined']), (_("No answer yet"), totals['no_answer'])), start=2):
            sheet.write(row, 0, label)
            sheet.write_number(row, 1, value)
        columns = [_("Answer"), _("Name"), _("Company"), _("Phone"), _("Email"), _("Companions"), _("Answered on"),
                   _("Comment")]
        start = 9
        sheet.write_row(start, 0, columns, header)
        row = start
        for _state, label, registrations in report['sections']:
            for registration in registrations:
                row += 1
                sheet.write_row(row, 0, [label, registration.name or '', registration.company_name or '',
                                         registration.phone or '', registration.email or ''])
                sheet.write_number(row, 5, registration.crm_companions)
                sheet.write(row, 6, fields.Datetime.to_string(registration.crm_answer_date) or '')
                sheet.write(row, 7, registration.crm_comment or '')
        sheet.autofilter(start, 0, row, len(columns) - 1)
        sheet.set_column(0, len(columns) - 1, 20)
        workbook.close()
        return output.getvalue()

    def _crm_create_invitation_mailing(self, domain, subject, reminder):
        """A draft mass mailing on invitations (Odoo's mass_mailing_event makes registrations
        mailable), in the campaign of the invitations, opened in its form, not sent."""
        self.ensure_one()
        campaigns = self.env['event.registration']._read_group(
            [('event_id', '=', self.id), ('crm_invitation_state', '!=', False), ('utm_campaign_id', '!=', False)],
            ['utm_campaign_id'], ['__count'], order='__count desc')
        body = self._crm_invitation_mail_body(reminder)
        mailing = self.env['mailing.mailing'].create({
            'subject': subject,
            'mailing_model_id': self.env['ir.model']._get_id('event.registration'),
            'mailing_domain': repr(domain),
            'campaign_id': campaigns[0][0].id if campaigns else False,
            'body_arch': body,
            'body_html': body,
        })
        return mailing._get_records_action()

    def _crm_invitation_mail_body(self, reminder):
        """A ready invitation in German and English. The event's facts are written in once (the
        organiser may edit them); the salutation is each recipient's name (a placeholder any
        mailing user may use). The two answer links are generic, as Odoo's unsubscribe link is:
        each mail gets its invitee's own links when it goes out (mail.mail), so no token is
        stored in a mailing or a mail, and no user needs the right to write code in mails. The
        links open the answer page with the answer chosen; only the invitee's click there
        answers (mail scanners open every link of a mail)."""
        self.ensure_one()
        tz = pytz.timezone(self.date_tz or 'UTC')
        begin = pytz.utc.localize(self.date_begin).astimezone(tz)
        deadline = pytz.utc.localize(self._crm_reply_deadline()).astimezone(tz)

        def when(lang):
            env = self.with_context(lang=lang).env
            return (format_date(env, begin.date(), date_format='full', lang_code=lang),
                    format_time(env, begin.time(), time_format='short', lang_code=lang),
                    format_date(env, deadline.date(), date_format='long', lang_code=lang))

        (de_date, de_time, de_deadline), (en_date, en_time, en_deadline) = when('de_DE'), when('en_US')
        where = self.address_inline or ''
        if reminder:
            de_intro = Markup("wir haben noch keine Antwort von Ihnen auf unsere Einladung zu <strong>%s</strong> "
                              "am %s um %s%s.") % (self.name, de_date, de_time, Markup(", %s") % where if where else '')
            en_intro = Markup("we have not yet heard from you about our invitation to <strong>%s</strong> "
                              "on %s at %s%s.") % (self.name, en_date, en_time, Markup(", %s") % where if where else '')
        else:
            de_intro = Markup("wir laden Sie herzlich ein zu <strong>%s</strong> am %s um %s%s.") % (
                self.name, de_date, de_time, Markup(", %s") % where if where else '')
            en_intro = Markup("we cordially invite you to <strong>%s</strong> on %s at %s%s.") % (
                self.name, en_date, en_time, Markup(", %s") % where if where else '')
        button = ('display:inline-block;padding:10px 20px;margin:4px;border-radius:4px;'
                  'text-decoration:none;font-weight:bold;color:#FFFFFF;background-color:%s;')
        return Markup("""<div class="o_layout oe_unremovable oe_unmovable o_empty_theme" data-name="Mailing">
<div class="container o_mail_wrapper o_mail_regular oe_unremovable">
<div class="row"><div class="col o_mail_no_options o_mail_wrapper_td bg-white oe_structure o_editable">
<div class="s_text_block o_mail_snippet_general pt16 pb16" data-snippet="s_text_block" data-name="Text">
<div class="container s_allow_columns">
<p>Guten Tag <t t-out="object.name"/>,</p>
<p>%(de_intro)s</p>
<p>Bitte sagen Sie uns bis %(de_deadline)s mit einem Klick, ob Sie kommen.</p>
<p style="font-size:small;color:#6C757D;">Dear <t t-out="object.name"/>, %(en_intro)s
Please let us know by %(en_deadline)s with one click whether you will attend.</p>
<p style="text-align:center;">
<a class="o_crm_invitation_attend" href="%(attend)s" style="%(green)s">Ich komme / I will attend</a>
<a class="o_crm_invitation_decline" href="%(decline)s" style="%(grey)s">Ich komme nicht / I cannot attend</a>
</p>
<p style="font-size:small;color:#6C757D;">Der Link gilt nur für Ihre Einladung; auf der Seite können Sie Begleitpersonen angeben und Ihre Antwort bis zum %(de_deadline)s ändern. /
The link is for your invitation only; on its page you can add companions and change your answer until %(en_deadline)s.</p>
</div></div></div></div></div></div>""") % {
            'de_intro': de_intro, 'en_intro': en_intro, 'de_deadline': de_deadline, 'en_deadline': en_deadline,
            'green': button % '#28A745', 'grey': button % '#6C757D',
            'attend': ANSWER_LINKS['attend'], 'decline': ANSWER_LINKS['decline'],
        }

import base64

from odoo import api, fields, models
from odoo.tools.image import image_data_uri

# Each contact's own language: the template's default, which every user may save (see below).
DEFAULT_LANG = '{{ object.lang }}'
# Where the body prints the invitee's answer link and its QR code: plain text, no code, so every
# user may write it, in every translation of the body.
ANSWER_LINK = '[[answer link]]'


class CrmLetterTemplate(models.Model):
    """A mail-merge letter (Serienbrief): subject and body with the contact's fields as placeholders.

    Rendering is Odoo's own (`mail.render.mixin`, as for email templates): users insert simple
    field placeholders with the editor's /field command; only template editors may write code.
    Subject and body are translatable, and each contact gets the version in their language.
    Users change the templates they wrote, managers all of them (record rules).
    """
    _name = 'crm.letter.template'
    _description = 'Letter Template'
    _inherit = ['mail.render.mixin']
    _order = 'name, id'
    _unrestricted_rendering = True  # as mail.template: code only saved by template editors

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    subject = fields.Char(translate=True, render_engine='inline_template',
                          help="The subject line, in bold above the salutation; placeholders allowed.")
    body = fields.Html(render_engine='qweb', render_options={'post_process': True}, translate=True,
                       sanitize='email_outgoing', prefetch=True)
    lang = fields.Char(default=DEFAULT_LANG)
    crm_event_id = fields.Many2one(
        'event.event', string='Invitation to', ondelete='set null', groups='event.group_event_user',
        help="An invitation card: " + ANSWER_LINK + " in the body prints each contact's personal answer link "
             "to this event, as a short link and a QR code. Contacts not invited get the letter without it.")

    def _compute_render_model(self):
        self.render_model = 'res.partner'

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _answer_links(self, partner_ids):
        """The answer link block of each contact invited to the template's event, by contact id.

        The letter is the template's, printed per contact; the event is the template's too (an
        invitation card is written for one event), so a print or background run needs no event
        of its own. Each contact's block holds that contact's own short link, read as the
        printing user: only event users hold answer links (the token's field group), and only of
        the invitations they may see (record rules). A contact without an invitation gets the
        letter without a link (the placeholder prints nothing), not skipped: the card may still
        reach them, and nobody's letter carries someone else's link.

        The QR code is drawn here and embedded as a data URI, not fetched by wkhtmltopdf from
        /report/barcode: the personal link then appears in no request URL or server log, and
        the PDF needs no HTTP round trip per letter.
        """
        self.ensure_one()
        event = self.sudo().crm_event_id
        if not event or not partner_ids:
            return {}
        invitations = self.env['event.registration'].search([
            ('event_id', '=', event.id), ('partner_id', 'in', list(partner_ids)), ('crm_invitation_state', '!=', False)])
        Report, QWeb = self.env['ir.actions.report'], self.env['ir.qweb']
        blocks = {}
        for invitation in invitations:
            url = invitation.crm_invitation_short_url
            qr = Report.barcode('QR', url, width=300, height=300, barBorder=0)
            blocks[invitation.partner_id.id] = QWeb._render('crm_target_groups.crm_letter_answer_link', {
                'url': url, 'qr': image_data_uri(base64.b64encode(qr))})
        return blocks

    # ------------------------------------------------------------
    # SECURITY
    # ------------------------------------------------------------

    @api.model
    def _has_unsafe_expression_template_inline_template(self, template_txt, model, fname=None):
        """The default language is ours, not code a user wrote: saving it needs no template editor,
        as mail.template allows its models' own defaults (`_expression_is_default`). Any other
        expression in the language still does."""
        if fname == 'lang' and template_txt == DEFAULT_LANG:
            return False
        return super()._has_unsafe_expression_template_inline_template(template_txt, model, fname=fname)

from odoo import api, fields, models
from odoo.addons.base.models.ir_actions_report import _wkhtml
from odoo.tools import format_date

from ..models.crm_letter_template import ANSWER_LINK
from ..tools import setting


class CrmLetterPrint(models.TransientModel):
    """Prints a letter template for many contacts: one PDF, one page per contact, sorted by
    postcode (as the post wants bulk mail), the address in the window of a DIN 5008 form B
    envelope. Contacts without a usable address are counted and listed, not printed."""
    _name = 'crm.letter.print'
    _inherit = ['crm.contact.selection']
    _description = 'Print Letters'

    template_id = fields.Many2one('crm.letter.template', string='Letter', required=True,
                                  default=lambda self: self._default_template())
    target_group_id = fields.Many2one('crm.target.group', string='Target Group', readonly=True)
    campaign_id = fields.Many2one('utm.campaign', string='Campaign', compute='_compute_campaign_id', store=True,
                                  readonly=False, help="The letters count for this campaign: each recipient's "
                                                       "campaign history shows the letter.")
    letter_date = fields.Date('Date', required=True, default=fields.Date.context_today)
    partner_count = fields.Integer('Letters', compute='_compute_counts')
    missing_count = fields.Integer('Without address', compute='_compute_counts')
    in_background = fields.Boolean(compute='_compute_counts',
                                   help="More letters than one request prints in time: a background job prints them.")

    @api.depends('target_group_id')
    def _compute_campaign_id(self):
        self.env['utm.campaign']._stamp_campaign_of_target_group(self)

    @api.depends('partner_domain')
    def _compute_counts(self):
        Partner = self.env['res.partner']
        for wizard in self:
            missing = len(self.env['crm.postal.address']._without_address(wizard._domain()))
            wizard.missing_count = missing
            wizard.partner_count = Partner.search_count(wizard._domain()) - missing
            wizard.in_background = wizard.partner_count > self._letters_in_request()

    def action_print(self):
        """A few hundred letters come out at once; more are printed in the background."""
        self.ensure_one()
        if self.campaign_id:
            self.campaign_id.check_access('read')
        if not self.in_background:
            action = self.env.ref('crm_target_groups.crm_letter_print_report').report_action(self)
            self.env['crm.campaign.touch']._log_letters(
                self.env['crm.letter.run']._recipient_ids(self._domain()), self.campaign_id)
            return dict(action, close_on_report_download=True)
        # letter runs are read-only to users: the server records who asked (the run prints as them)
        self.template_id.check_access('read')
        self.target_group_id.check_access('read')
        run = self.env['crm.letter.run'].sudo().create({
            'name': self.env._("%(letter)s - %(recipients)s", letter=self.template_id.name,
                               recipients=self.target_group_id.name or self.letter_date),
            'template_id': self.template_id.id, 'target_group_id': self.target_group_id.id,
            'letter_date': self.letter_date, 'partner_domain': self.partner_domain, 'user_id': self.env.uid,
            'campaign_id': self.campaign_id.id})
        return {
            'type': 'ir.actions.act_window', 'res_model': 'crm.letter.run', 'res_id': run.id,
            'view_mode': 'form', 'views': [(False, 'form')], 'target': 'current',
        }

    def action_open_missing(self):
        self.ensure_one()
        Partner = self.env['res.partner']
        missing = self.env['crm.postal.address']._without_address(self._domain())
        return Partner._crm_action_contacts([('id', 'in', missing.ids)],
                                            self.env._("Contacts without a postal address"), {'create': False})

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _default_template(self):
        """The letter this user printed last (their newest print, or background run once the
        print's wizard is gone), else the most recently edited letter."""
        used = [self.search([('create_uid', '=', self.env.uid), ('template_id.active', '=', True)],
                            order='id desc', limit=1),
                self.env['crm.letter.run'].search([('user_id', '=', self.env.uid), ('template_id.active', '=', True)],
                                                  order='id desc', limit=1)]
        used = [record for record in used if record]
        if used:
            return max(used, key=lambda record: record.create_date).template_id  # the print on a tie
        return self.env['crm.letter.template'].search([], order='write_date desc, id desc', limit=1)

    def _letters_in_request(self):
        return setting(self.env, 'letters_in_request', 500)

    def _page_zoom(self):
        """Letters are laid out in millimetres. wkhtmltopdf without its patched Qt lays pages out
        1024 px wide and shrinks them to the sheet (210 mm = 794 px); zooming by the inverse
        keeps the address in the envelope window there too."""
        return 1.0 if _wkhtml().is_patched_qt else 1024 / (210 / 25.4 * 96)

    def _letters(self):
        """What the report prints, per contact with an address: address lines, date, subject, body
        (its answer link placeholder replaced by the contact's own link, see _answer_links)."""
        self.ensure_one()
        Partner, Address = self.env['res.partner'], self.env['crm.postal.address']
        template = self.template_id
        salutation, labels = Partner._fields['crm_salutation'], {}  # labels per language
        home = self.env.company.country_id
        letters = []
        for chunk in Address._addresses(self._domain()):
            chunk = [a for a in chunk if a.complete]
            ids = [a.id for a in chunk]
            subjects = template._render_field('subject', ids, compute_lang=True)
            bodies = template._render_field('body', ids, engine='qweb', compute_lang=True)
            answer_links = template._answer_links(ids) if any(ANSWER_LINK in body for body in bodies.values()) else {}
            for a in chunk:
                lang = Address._lang(a.lang)
                if lang not in labels:
                    labels[lang] = dict(salutation._description_selection(self.with_context(lang=lang).env))
                person = '' if a.is_company else " ".join(filter(None, [
                    labels[lang].get(a.salutation), a.title, a.name]))
                lines = [a.company, a.department if person else '', person, a.street, a.street2,
                         f"{a.zip} {a.city}", (a.country or '').upper() if a.country_id != home.id else '']
                letters.append({
                    'address': [line for line in lines if line],
                    'date': format_date(self.env, self.letter_date, lang_code=lang, date_format='long'),
                    'subject': subjects[a.id],
                    'body': bodies[a.id].replace(ANSWER_LINK, answer_links.get(a.id, '')),
                })
        return letters

import base64

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.pdf import merge_pdf

from ..tools import read_domain, setting


class CrmLetterRun(models.Model):
    """Letters for more contacts than one request can print in time (wkhtmltopdf makes some
    fifty letters a second): an ir.cron prints them in parts of a few hundred letters, each part
    committed as an attachment, and merges the parts into one PDF at the end.

    Who gets a letter, and in which order, is fixed when the run is queued: the run prints the
    target group as it was when the user asked for the letters. When the PDF is complete, each
    recipient's history gets a 'letter sent' touch of the run's campaign.
    """
    _name = 'crm.letter.run'
    _inherit = ['crm.background.job']
    _description = 'Letter Printing'
    _order = 'id desc'
    _cron_xmlid = 'crm_target_groups.crm_letter_run_cron'

    name = fields.Char(required=True, readonly=True)
    template_id = fields.Many2one('crm.letter.template', string='Letter', required=True, readonly=True,
                                  ondelete='cascade')
    target_group_id = fields.Many2one('crm.target.group', string='Target Group', readonly=True,
                                      ondelete='set null')
    campaign_id = fields.Many2one('utm.campaign', string='Campaign', readonly=True, index='btree_not_null',
                                  ondelete='set null')
    letter_date = fields.Date('Date', required=True, readonly=True)
    partner_domain = fields.Char(required=True, readonly=True)
    user_id = fields.Many2one('res.users', string='By', required=True, default=lambda self: self.env.user,
                              readonly=True)
    state = fields.Selection([('queued', 'Waiting'), ('running', 'Printing'), ('done', 'Done'), ('failed', 'Failed')],
                             required=True, default='queued', readonly=True)
    partner_order = fields.Json('Recipients', readonly=True, help="Ids of the contacts to write to, in print order.")
    letter_total = fields.Integer('Letters', readonly=True)
    letter_done = fields.Integer('Letters printed', readonly=True)
    progress = fields.Float(compute='_compute_progress')
    pdf = fields.Binary('PDF', attachment=True, readonly=True)
    pdf_name = fields.Char('File Name', readonly=True)

    @api.depends('letter_total', 'letter_done')
    def _compute_progress(self):
        for run in self:
            run.progress = 100.0 * run.letter_done / run.letter_total if run.letter_total else 100.0

    @api.model_create_multi
    def create(self, vals_list):
        runs = super().create(vals_list)
        for run in runs:
            run.with_user(run.user_id)._fix_order()  # whom its user may write to, even when created as superuser
        self.env.ref(self._cron_xmlid)._trigger()
        return runs

    def _fix_order(self):
        ids = self._recipient_ids(Domain(read_domain(self.partner_domain)))
        self.sudo().write({'partner_order': ids, 'letter_total': len(ids)})

    @api.model
    def _recipient_ids(self, domain):
        """Who gets a letter, in the order of the PDF: contacts of domain with a postal address, by
        postcode (also the letters printed at once, crm.letter.print)."""
        Address = self.env['crm.postal.address']
        self.env.cr.execute(SQL("SELECT a.id FROM (%s) a WHERE a.complete ORDER BY %s",
                                Address._query(domain), Address._sort(SQL("a"))))
        return [row[0] for row in self.env.cr.fetchall()]

    def action_open_touches(self):
        """The 'letter sent' entries of this run in the recipients' histories."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.crm_campaign_touch_action')
        action.update(domain=[('letter_run_id', '=', self.id)], context={'create': False})
        return action

    # ------------------------------------------------------------
    # BACKGROUND JOB
    # ------------------------------------------------------------

    def _remaining(self):
        return self.letter_total - self.letter_done

    def _process_batch(self):
        """Prints the next part of the letters; after the last one, merges the parts."""
        self.ensure_one()
        size = setting(self.env, 'letters_per_part', 200)
        ids = self.partner_order[self.letter_done:self.letter_done + size]
        if not ids:
            self._merge_parts()
            return 0
        letters = self.env['crm.letter.print'].create({
            'template_id': self.template_id.id, 'target_group_id': self.target_group_id.id,
            'letter_date': self.letter_date, 'partner_domain': repr([('id', 'in', ids)])})
        report = self.env.ref('crm_target_groups.crm_letter_print_report')
        pdf, _format = report._render_qweb_pdf(report, letters.ids)
        self.env['ir.attachment'].sudo().create({
            'name': f'part-{self.letter_done:09d}.pdf', 'raw': pdf, 'mimetype': 'application/pdf',
            'res_model': self._name, 'res_id': self.id})
        self.sudo().write({'state': 'running', 'letter_done': self.letter_done + len(ids)})
        return len(ids)

    def _parts(self):
        return self.env['ir.attachment'].search([
            ('res_model', '=', self._name), ('res_id', '=', self.id), ('name', '=like', 'part-%.pdf')], order='name')

    def _merge_parts(self):
        parts = self._parts()
        self.sudo().write({
            'state': 'done',
            'pdf': base64.b64encode(merge_pdf([part.raw for part in parts])) if parts else False,
            'pdf_name': f'{self.name}.pdf',
        })
        parts.sudo().unlink()
        self.env['crm.campaign.touch']._log_letters(self.partner_order, self.campaign_id, self)
        self.user_id._bus_send('simple_notification', {
            'type': 'success', 'sticky': True, 'title': self.env._("Letters printed"),
            'message': self.env._("%(name)s: %(count)s letters, under Target Groups > Printed Letters.",
                                  name=self.name, count=self.letter_total),
        })

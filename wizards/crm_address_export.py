from ast import literal_eval

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain


class CrmAddressExport(models.TransientModel):
    """An address list for a print shop: one row per contact, sorted by postcode.

    Rows come from SQL in chunks of ids (already sorted), and go to xlsxwriter in its
    constant-memory mode, so a list of 100,000 contacts never sits in memory at once.
    A contact person without an address of their own gets the address of their company;
    contacts without a usable address go to a second sheet instead of disappearing.
    """
    _name = 'crm.address.export'
    _description = 'Export Addresses'

    target_group_id = fields.Many2one('crm.target.group', string='Target Group', readonly=True)
    partner_domain = fields.Char(required=True,
                                 default=lambda self: repr(self.env['res.partner']._crm_selection_domain()))
    partner_count = fields.Integer('Contacts', compute='_compute_partner_count')
    export_template_id = fields.Many2one(
        'ir.exports', string='Further Columns', domain=[('resource', '=', 'res.partner')],
        help="The fields of an export template saved in the contacts' Export dialog, added after the "
             "address columns.")

    @api.depends('partner_domain')
    def _compute_partner_count(self):
        for wizard in self:
            wizard.partner_count = self.env['res.partner'].search_count(wizard._domain())

    def action_export(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'url': f'/crm_target_groups/address_export/{self.id}',
                'target': 'new', 'close': True}

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _domain(self):
        return Domain(literal_eval(self.partner_domain or '[]'))

    def _filename(self):
        name = self.target_group_id.name or self.env._("Contacts")
        return self.env._("%(name)s - addresses.xlsx", name=name)

    def _columns(self):
        """Header labels, in the user's language."""
        _ = self.env._
        return [_("Salutation"), _("Title"), _("Name"), _("Company"), _("Department"), _("Street"), _("Street 2"),
                _("Zip"), _("City"), _("Country"), _("Email"), _("Phone"), _("Letter salutation")] + [
            self._path_label(path) for path in self._extra_paths()]

    def _extra_paths(self):
        return [line.name.split('/') for line in self.export_template_id.export_fields if line.name]

    def _path_label(self, path):
        model, labels = self.env['res.partner'], []
        for fname in path:
            field = model._fields.get(fname) if fname != '.id' else None
            labels.append(field.get_description(self.env)['string'] if field else fname)
            model = self.env[field.comodel_name] if field and field.relational else model
        return " / ".join(labels)

    def _write_xlsx(self, fileobj):
        """Writes the workbook into fileobj."""
        self.ensure_one()
        if not self.env.user.has_group('base.group_allow_export'):
            raise AccessError(self.env._("Exporting addresses needs the right to export data "
                                         "(user settings: Export, Allowed)."))
        workbook = xlsxwriter.Workbook(fileobj, {'constant_memory': True, 'in_memory': False})
        header = workbook.add_format({'bold': True, 'bg_color': '#E9ECEF', 'bottom': 1})
        sheets = [workbook.add_worksheet(self.env._("Addresses")), workbook.add_worksheet(self.env._("Without address"))]
        columns = self._columns()
        widths = [len(label) for label in columns]
        rows = [0, 0]
        for sheet in sheets:
            sheet.write_row(0, 0, columns, header)
            sheet.freeze_panes(1, 0)
        for with_address, values in self._rows():
            index = 0 if with_address else 1
            rows[index] += 1
            sheet, row = sheets[index], rows[index]
            for col, value in enumerate(values):
                # xlsxwriter spends as much on an empty cell as on a filled one, and guesses types
                if isinstance(value, str):
                    if value:
                        sheet.write_string(row, col, value)
                        widths[col] = max(widths[col], len(value))
                elif value is not None:
                    sheet.write(row, col, value)
                    widths[col] = max(widths[col], len(str(value)))
        for sheet, last_row in zip(sheets, rows):
            sheet.autofilter(0, 0, last_row, len(columns) - 1)
            for col, width in enumerate(widths):
                sheet.set_column(col, col, min(width, 50) + 2)
        workbook.close()

    def _rows(self):
        """(has an address, cell values) per contact, sorted by postcode and name."""
        Partner = self.env['res.partner']
        salutations = dict(Partner._fields['crm_salutation']._description_selection(self.env))
        extra = self._extra_paths()
        for chunk in Partner._crm_postal_addresses(self._domain()):
            extra_values = {partner.id: [value if value is not False else '' for value in partner._export_rows(extra)[0]]
                            for partner in Partner.browse(a.id for a in chunk)} if extra else {}
            for a in chunk:
                values = [
                    '' if a.is_company else salutations.get(a.salutation, ''), a.title or '',
                    '' if a.is_company else a.name, a.company or '', a.department or '', a.street or '',
                    a.street2 or '', a.zip or '', a.city or '', a.country or '', a.email or '', a.phone or '',
                    Partner._crm_letter_salutation(a.lang, a.salutation, a.title, a.name, a.is_company),
                ]
                yield a.complete, values + extra_values.get(a.id, [])

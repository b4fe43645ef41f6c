import re
from ast import literal_eval
from xml.sax.saxutils import escape

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from odoo import api, fields, models
from odoo.fields import Domain

XML_ILLEGAL = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f]')
XML_SPECIAL = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f&<>]')


class TextRowWorksheet(Worksheet):
    """An xlsxwriter worksheet (constant-memory mode) that writes a row of texts in one go.

    xlsxwriter's generic cell writer costs ~5 µs a cell, and an address list has hundreds of
    thousands of cells; this writes the same inline-string XML for a whole row at once.
    """

    def __init__(self):
        super().__init__()
        self.column_names = []

    def write_text_row(self, row, texts):
        self._write_single_row(row)  # what xlsxwriter still holds (the header) goes out first
        if self._check_dimensions(row, len(texts) - 1):
            raise ValueError(f"row {row} cannot be written after row {self.previous_row}")
        names = self.column_names
        names += [xl_col_to_name(col) for col in range(len(names), len(texts))]
        if XML_SPECIAL.search("".join(texts)):
            texts = [escape(XML_ILLEGAL.sub('', text)) for text in texts]
        cells = "".join(
            '<c r="%s%d" t="inlineStr"><is><t%s>%s</t></is></c>' % (
                names[col], row + 1, ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else '', text)
            for col, text in enumerate(texts) if text)
        self.fh.write(f'<row r="{row + 1}">{cells}</row>')


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
        self.env['res.partner']._crm_check_export_allowed()
        workbook = xlsxwriter.Workbook(fileobj, {'constant_memory': True, 'in_memory': False})
        header = workbook.add_format({'bold': True, 'bg_color': '#E9ECEF', 'bottom': 1})
        sheets = [workbook.add_worksheet(name, worksheet_class=TextRowWorksheet)
                  for name in (self.env._("Addresses"), self.env._("Without address"))]
        columns = self._columns()
        widths = [len(label) for label in columns]
        rows = [0, 0]
        for sheet in sheets:
            sheet.write_row(0, 0, columns, header)
            sheet.freeze_panes(1, 0)
        for chunk in self._rows():
            for with_address, values in chunk:
                index = 0 if with_address else 1
                rows[index] += 1
                sheet, row = sheets[index], rows[index]
                if all(isinstance(value, str) for value in values):
                    sheet.write_text_row(row, values)
                else:  # numbers and dates of further columns: xlsxwriter's own typed cells
                    sheet.write_row(row, 0, values)
            widths = [max(width, max(map(len, map(str, column)), default=0))
                      for width, column in zip(widths, zip(*(values for _address, values in chunk)))]
        for sheet, last_row in zip(sheets, rows):
            sheet.autofilter(0, 0, last_row, len(columns) - 1)
            for col, width in enumerate(widths):
                sheet.set_column(col, col, min(width, 50) + 2)
        workbook.close()

    def _rows(self):
        """Chunks of (has an address, cell values) per contact, sorted by postcode and name."""
        Partner = self.env['res.partner']
        salutations = dict(Partner._fields['crm_salutation']._description_selection(self.env))
        extra = self._extra_paths()
        for chunk in Partner._crm_postal_addresses(self._domain()):
            extra_values = {partner.id: [value if value is not False else '' for value in partner._export_rows(extra)[0]]
                            for partner in Partner.browse(a.id for a in chunk)} if extra else {}
            yield [(a.complete, [
                '' if a.is_company else salutations.get(a.salutation, ''), a.title or '',
                '' if a.is_company else a.name, a.company or '', a.department or '', a.street or '',
                a.street2 or '', a.zip or '', a.city or '', a.country or '', a.email or '', a.phone or '',
                Partner._crm_letter_salutation(a.lang, a.salutation, a.title, a.name, a.is_company),
                *extra_values.get(a.id, []),
            ]) for a in chunk]

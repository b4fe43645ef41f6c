import io
import tempfile

import xlsxwriter

from odoo.http import Controller, content_disposition, request, route

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

import tempfile

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

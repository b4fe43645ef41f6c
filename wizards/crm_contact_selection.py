from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..tools import read_domain


class CrmContactSelection(models.AbstractModel):
    """"These contacts", as the wizards of a contacts list get them (assign profiles, export
    addresses, print letters): the selected ones, or the whole filter when the list's "select all"
    went beyond the ids the client sends, or a target group's members. Kept as a domain, so that
    a selection of any size costs nothing until it is used, and evaluated as the user who uses it."""
    _name = 'crm.contact.selection'
    _description = 'Contacts to act on'

    partner_domain = fields.Char(required=True, default=lambda self: repr(self._default_partner_domain()))

    @api.model
    def _default_partner_domain(self):
        context = self.env.context
        ids = context.get('active_ids') or []
        limit = int(self.env['ir.config_parameter'].sudo().get_param('web.active_ids_limit', '20000'))
        if context.get('active_model') == 'res.partner' and 'active_domain' in context and len(ids) >= limit:
            return list(Domain(context['active_domain']))
        return [('id', 'in', ids)]

    def _domain(self):
        self.ensure_one()
        try:
            return Domain(read_domain(self.partner_domain))
        except (ValueError, SyntaxError) as error:
            raise UserError(self.env._("The contacts to act on are not a valid filter: %(error)s",
                                       error=error)) from error

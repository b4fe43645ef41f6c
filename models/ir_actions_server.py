from odoo import api, fields, models
from odoo.exceptions import ValidationError


class IrActionsServer(models.Model):
    """A server action (and so an automation rule) that subscribes contacts to a mailing list."""
    _inherit = 'ir.actions.server'

    state = fields.Selection(selection_add=[('crm_mailing_list', 'Add to Mailing List')],
                             ondelete={'crm_mailing_list': 'cascade'})
    crm_mailing_list_id = fields.Many2one('mailing.list', string='Mailing List', ondelete='cascade')

    @api.constrains('state', 'model_id')
    def _check_crm_mailing_list_model(self):
        for action in self.filtered(lambda action: action.state == 'crm_mailing_list'):
            if action.model_id.model != 'res.partner':
                raise ValidationError(self.env._("Only contacts can be added to a mailing list."))

    def _run_action_crm_mailing_list_multi(self, eval_context=None):
        """Subscribes the contacts with an email address; an earlier opt-out stays as it is."""
        partners = self.env['res.partner'].browse(self.env.context.get('active_ids', self.env.context.get('active_id')))
        partners = partners.filtered('email_normalized')
        Contact = self.env['mailing.contact'].sudo()
        existing = {contact.email_normalized: contact
                    for contact in Contact.search([('email_normalized', 'in', partners.mapped('email_normalized'))])}
        new = [partner for partner in partners if partner.email_normalized not in existing]
        created = Contact.create([{'name': partner.name, 'email': partner.email} for partner in new])
        contacts = Contact.browse([contact.id for contact in existing.values()]) | created
        subscribed = self.env['mailing.subscription'].sudo().search([
            ('contact_id', 'in', contacts.ids), ('list_id', '=', self.crm_mailing_list_id.id)]).contact_id
        self.env['mailing.subscription'].sudo().create([
            {'contact_id': contact.id, 'list_id': self.crm_mailing_list_id.id} for contact in contacts - subscribed])
        return False

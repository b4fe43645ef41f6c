from odoo import api, models


class BaseAutomation(models.Model):
    """Odoo's "Tag is added" trigger for contacts, whose tags (the profiles) are `category_id`.

    Odoo looks for a field named `tag_ids`; contacts get theirs here, so that a rule "profile
    Gratis-Angebot is added" fires on every write path (form, assignment mode, import, API).
    Changes made in SQL (the assignment wizard, undo, a contact merge) get theirs from
    res.partner._crm_profiles_changed, through `_crm_profiles_added`.
    """
    _inherit = 'base.automation'

    def _get_trigger_specific_field(self):
        if self.trigger == 'on_tag_set' and self.model_id.model == 'res.partner':
            return self.env['ir.model.fields']._get('res.partner', 'category_id')
        return super()._get_trigger_specific_field()

    @api.model
    def _crm_profiles_added(self, added):
        """Runs the "Tag is added" rules of contacts for {profile id: [partner ids]} added by SQL."""
        Partner = self.env['res.partner']
        for automation in self._get_actions(Partner, ['on_tag_set']):
            if partner_ids := added.get(automation.sudo().trg_field_ref):
                automation._process(automation._filter_post(Partner.browse(partner_ids)))

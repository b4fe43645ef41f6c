from odoo import api, fields, models


class CrmProfileDelete(models.TransientModel):
    """Asks before deleting profiles, saying what contacts lose: the tag disappears from all of them."""
    _name = 'crm.profile.delete'
    _description = 'Delete Profiles'

    profile_ids = fields.Many2many('res.partner.category', string='Profiles', required=True)
    partner_count = fields.Integer(compute='_compute_summary', string='Contacts losing a profile')
    child_count = fields.Integer(compute='_compute_summary', string='Sub-profiles deleted with them')
    summary = fields.Text(compute='_compute_summary')

    @api.depends('profile_ids')
    def _compute_summary(self):
        Partner = self.env['res.partner'].sudo().with_context(active_test=False)
        Tag = self.env['res.partner.category'].sudo().with_context(active_test=False)
        for wizard in self:
            profiles = wizard.profile_ids
            wizard.partner_count = profiles and Partner.search_count([('category_id', 'child_of', profiles.ids)])
            wizard.child_count = profiles and Tag.search_count(
                [('id', 'child_of', profiles.ids), ('id', 'not in', profiles.ids)])
            wizard.summary = self.env._(
                "%(count)s contacts lose the profile(s) %(profiles)s. "
                "%(children)s sub-profiles are deleted with them. This cannot be undone.",
                count=wizard.partner_count, children=wizard.child_count,
                profiles=", ".join(profiles.mapped('display_name')))

    def action_delete(self):
        self.ensure_one()
        message = self.env._("Deleted: %(profiles)s. %(count)s contacts lost them.",
                             profiles=", ".join(self.profile_ids.mapped('display_name')),
                             count=self.partner_count)
        self.profile_ids.unlink()
        return self.env['res.partner.category']._action_done(message)

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class CrmProfileMerge(models.TransientModel):
    """Merges duplicate profiles: their contacts get the target profile, then they go."""
    _name = 'crm.profile.merge'
    _description = 'Merge Profiles'

    profile_ids = fields.Many2many('res.partner.category', string='Merge', required=True)
    target_id = fields.Many2one('res.partner.category', string='Into', required=True)
    partner_count = fields.Integer(compute='_compute_partner_count', string='Contacts concerned')

    @api.depends('profile_ids', 'target_id')
    def _compute_partner_count(self):
        Partner = self.env['res.partner'].sudo().with_context(active_test=False)
        for wizard in self:
            sources = wizard._sources()
            wizard.partner_count = sources and Partner.search_count([('category_id', 'in', sources.ids)])

    def action_merge(self):
        self.ensure_one()
        sources = self._sources()
        if not sources:
            raise UserError(self.env._("Choose at least one profile other than the target."))
        if self.target_id.parent_path.startswith(tuple(sources.mapped('parent_path'))):
            raise UserError(self.env._(
                "%(target)s lies below a profile being merged; choose a target outside of them.",
                target=self.target_id.display_name))
        partners = self.env['res.partner'].sudo().with_context(active_test=False).search(
            [('category_id', 'in', sources.ids)])
        partners._crm_write_profiles([Command.link(self.target_id.id)], 'merge')
        sources.child_ids.write({'parent_id': self.target_id.id})
        message = self.env._(
            "%(count)s contacts now carry %(target)s; %(profiles)s merged into it.",
            count=len(partners), target=self.target_id.display_name,
            profiles=", ".join(sources.mapped('display_name')))
        sources.unlink()
        return self.env['res.partner.category']._action_done(message)

    def _sources(self):
        return self.profile_ids - self.target_id

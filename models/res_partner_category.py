from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL


class ResPartnerCategory(models.Model):
    """Contact tags are the profiles: same records, same tree, with a category on top.

    The category is chosen on a top-level profile and inherited by every profile below it,
    so that exclusivity and restrictions hold for a whole branch.
    """
    _inherit = 'res.partner.category'

    profile_category_id = fields.Many2one(
        'crm.profile.category', string='Profile Category', index=True, ondelete='restrict',
        compute='_compute_profile_category_id', store=True, readonly=False, recursive=True,
        help="Set on a top-level profile; sub-profiles belong to the category of their parent.")
    exclusive = fields.Boolean(related='profile_category_id.exclusive')
    partner_count = fields.Integer(
        'Contacts', compute='_compute_partner_count',
        help="Contacts that carry exactly this profile.")
    partner_count_total = fields.Integer(
        'Contacts (incl. sub-profiles)', compute='_compute_partner_count',
        help="Contacts that carry this profile or one of its sub-profiles.")

    automation_count = fields.Integer(
        'Automations', compute='_compute_automation_count', groups='base.group_system',
        help="Automation rules that run when a contact gets this profile.")

    @api.depends('parent_id.profile_category_id')
    def _compute_profile_category_id(self):
        for tag in self:
            if tag.parent_id:
                tag.profile_category_id = tag.parent_id.profile_category_id

    def _compute_partner_count(self):
        """One query for the whole list: contacts and sub-profiles as the user may see them."""
        tags = self.filtered('id')
        Partner = self.env['res.partner'].with_context(active_test=True)
        direct = dict(Partner._read_group([('category_id', 'in', tags.ids)], ['category_id'], ['__count']))
        total = {}
        if tags:
            self.env['res.partner'].flush_model(['category_id'])
            self.flush_model(['parent_path'])
            self.env.cr.execute(SQL("""
                SELECT tag.id, count(DISTINCT rel.partner_id)
                  FROM res_partner_category tag
                  JOIN res_partner_category sub ON sub.parent_path LIKE tag.parent_path || '%%'
                  JOIN res_partner_res_partner_category_rel rel ON rel.category_id = sub.id
                 WHERE tag.id IN %s AND sub.id IN %s AND rel.partner_id IN %s
              GROUP BY tag.id
            """, tuple(tags.ids), self.with_context(active_test=True)._search([]).subselect(),
                Partner._search([]).subselect()))
            total = dict(self.env.cr.fetchall())
        for tag in self:
            tag.partner_count = direct.get(tag, 0)
            tag.partner_count_total = total.get(tag.id, 0)

    def _compute_automation_count(self):
        counts = dict(self.env['base.automation']._read_group(
            self._automation_domain(), ['trg_field_ref'], ['__count']))
        for tag in self:
            tag.automation_count = counts.get(tag.id, 0)

    @api.constrains('profile_category_id', 'parent_id')
    def _check_profile_category_exclusive(self):
        self.profile_category_id.filtered('exclusive')._check_exclusive_conflicts()

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._check_profile_manager()
        return super().create(vals_list)

    def write(self, vals):
        self._check_profile_manager()
        if vals.get('parent_id'):
            self._check_no_cycle(self.browse(vals['parent_id']))
        return super().write(vals)

    def unlink(self):
        self._check_profile_manager()
        return super().unlink()

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_partners(self):
        """Contacts carrying the profile or any sub-profile (what a target group would use)."""
        return self._action_partners([('category_id', 'child_of', self.ids)])

    def action_open_partners_direct(self):
        return self._action_partners([('category_id', 'in', self.ids)])

    def action_open_automations(self):
        """Odoo's automation rules of this profile; a new one starts as "profile is added"."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('base_automation.base_automation_act')
        action.update(domain=self._automation_domain(), context={
            'default_model_id': self.env['ir.model']._get_id('res.partner'),
            'default_trigger': 'on_tag_set',
            'default_trg_field_ref': self.id,
            'default_name': self.env._("When a contact gets %(profile)s", profile=self.display_name),
        })
        return action

    def action_merge(self):
        return self._action_wizard('crm.profile.merge', self.env._("Merge Profiles"))

    def action_delete(self):
        return self._action_wizard('crm.profile.delete', self.env._("Delete Profiles"))

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    @api.model
    def _crm_hidden_ids(self):
        """Ids of the profiles the current user may not see (the tags' record rules decide)."""
        if self.env.su:
            return set()
        everything = self.sudo().with_context(active_test=False).search([]).ids
        return set(everything) - set(self.with_context(active_test=False).search([]).ids)

    def _crm_siblings(self):
        """The other profiles of this profile's category, archived ones too: what a new profile
        of an exclusive category replaces (or the wizard's "replace within category"), on every
        path: contact form, import, API, click, wizard."""
        self.ensure_one()
        return self.sudo().with_context(active_test=False).profile_category_id.profile_ids - self

    def _automation_domain(self):
        return [('model_name', '=', 'res.partner'), ('trigger', '=', 'on_tag_set'), ('trg_field_ref', 'in', self.ids)]

    def _check_profile_manager(self):
        if self.env.su or self.env.user.has_group('crm_target_groups.group_crm_target_groups_manager'):
            return
        raise AccessError(self.env._(
            "Only Target Groups managers may create, change or delete profiles. "
            "Ask a manager, or assign an existing profile."))

    def _check_no_cycle(self, parent):
        """Refuse a move below oneself early: the parent_path update would only say 'Recursion'."""
        if any(parent.parent_path.startswith(tag.parent_path) for tag in self):
            raise ValidationError(self.env._(
                "%(profile)s cannot be placed below itself or one of its own sub-profiles.",
                profile=self[0].display_name))

    def _action_partners(self, domain):
        return self.env['res.partner']._crm_action_contacts(domain, self.env._(
            "Contacts with %(profiles)s", profiles=", ".join(self.mapped('display_name'))))

    @api.model
    def _action_done(self, message):
        """End of the merge and delete wizards: say what happened, back on the profile list."""
        profiles = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.res_partner_category_action')
        profiles['target'] = 'main'
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {'type': 'success', 'message': message, 'next': profiles},
        }

    def _action_wizard(self, model, name):
        return {
            'type': 'ir.actions.act_window',
            'name': name,
            'res_model': model,
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_profile_ids': self.ids},
        }

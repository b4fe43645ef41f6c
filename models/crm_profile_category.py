from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class CrmProfileCategory(models.Model):
    """Groups profiles (contact tags) by what they describe: demographics, interests, ...

    A category decides two rules for all profiles below it: whether a contact may hold
    only one of them (exclusive) and which user groups may see and assign them at all.
    """
    _name = 'crm.profile.category'
    _description = 'Profile Category'
    _order = 'sequence, name, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    exclusive = fields.Boolean(
        help="A contact holds at most one profile of this category: assigning one replaces the other.")
    group_ids = fields.Many2many(
        'res.groups', string='Restricted to',
        help="Only members of these groups see and assign the profiles of this category. "
             "Leave empty for all users.")
    profile_ids = fields.One2many('res.partner.category', 'profile_category_id', string='Profiles')
    profile_count = fields.Integer(compute='_compute_profile_count')

    _name_uniq = models.UniqueIndex('(name)', "A profile category with this name already exists.")

    @api.depends('profile_ids')
    def _compute_profile_count(self):
        counts = dict(self.env['res.partner.category']._read_group(
            [('profile_category_id', 'in', self.ids)], ['profile_category_id'], ['__count']))
        for category in self:
            category.profile_count = counts.get(category, 0)

    @api.constrains('exclusive')
    def _check_exclusive(self):
        self.filtered('exclusive')._check_exclusive_conflicts()

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_profiles(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.res_partner_category_action')
        action['domain'] = [('profile_category_id', '=', self.id)]
        action['context'] = {'default_profile_category_id': self.id}
        return action

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _check_exclusive_conflicts(self):
        """Refuse to make a category exclusive while contacts hold several of its profiles."""
        if not self:
            return
        self.env['res.partner'].flush_model(['category_id'])
        self.env['res.partner.category'].flush_model(['profile_category_id'])
        self.env.cr.execute(SQL("""
            SELECT tag.profile_category_id, count(*)
              FROM (SELECT rel.partner_id, tag.profile_category_id
                      FROM res_partner_res_partner_category_rel rel
                      JOIN res_partner_category tag ON tag.id = rel.category_id
                     WHERE tag.profile_category_id IN %s
                  GROUP BY rel.partner_id, tag.profile_category_id
                    HAVING count(*) > 1) AS tag
          GROUP BY tag.profile_category_id
        """, tuple(self.ids)))
        conflicts = self.env.cr.fetchall()
        if conflicts:
            category_id, count = conflicts[0]
            raise ValidationError(self.env._(
                "The category %(category)s cannot be exclusive: %(count)s contacts hold more than "
                "one of its profiles. Remove the extra profiles first.",
                category=self.browse(category_id).sudo().display_name, count=count))

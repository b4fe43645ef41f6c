from collections import Counter

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..models.crm_profile_operation import MODES
from ..tools import setting


class CrmProfileAssign(models.TransientModel):
    """Tags many contacts at once: the selected ones, or every contact of the filter."""
    _name = 'crm.profile.assign'
    _inherit = ['crm.contact.selection']
    _description = 'Assign Profiles'

    mode = fields.Selection(MODES, default='add', required=True)
    profile_ids = fields.Many2many('res.partner.category', string='Profiles', required=True)
    partner_count = fields.Integer('Contacts', compute='_compute_preview')
    preview = fields.Text(compute='_compute_preview')

    @api.depends('mode', 'profile_ids', 'partner_domain')
    def _compute_preview(self):
        Partner = self.env['res.partner']
        for wizard in self:
            domain = wizard._domain()
            wizard.partner_count = Partner.search_count(domain)
            lines = []
            for profile in wizard.profile_ids:
                has_it = Domain('category_id', 'in', profile._origin.ids)
                if wizard.mode == 'remove':
                    lines.append(self.env._("%(count)s contacts lose %(profile)s",
                                            count=Partner.search_count(domain & has_it), profile=profile.display_name))
                    continue
                lines.append(self.env._("%(count)s contacts get %(profile)s",
                                        count=Partner.search_count(domain & ~has_it), profile=profile.display_name))
                siblings = profile._origin._crm_siblings()
                if siblings and (profile.exclusive or wizard.mode == 'replace'):
                    lines.append(self.env._(
                        "%(count)s contacts lose another profile of %(category)s",
                        count=Partner.search_count(domain & Domain('category_id', 'in', siblings.ids)),
                        category=profile.profile_category_id.display_name))
            wizard.preview = "\n".join(lines)

    def action_apply(self):
        self.ensure_one()
        self.profile_ids.check_access('read')
        categories = Counter(profile.profile_category_id for profile in self.profile_ids if profile.exclusive)
        if self.mode != 'remove' and any(count > 1 for count in categories.values()):
            raise UserError(self.env._("Choose at most one profile per exclusive category."))
        names = ", ".join(self.profile_ids.mapped('display_name'))
        # assignments are read-only to users: the server records who asked, after the checks above
        operation = self.env['crm.profile.operation'].sudo().create({
            'name': f"{dict(self._fields['mode']._description_selection(self.env))[self.mode]}: {names}",
            'mode': self.mode,
            'profile_ids': self.profile_ids.ids,
            'domain': self.partner_domain,
            'partner_total': self.partner_count,
            'user_id': self.env.uid,
        }).sudo(False)
        threshold = setting(self.env, 'sync_threshold', 2000)
        if self.partner_count <= threshold:
            operation._run_now()
            message = self.env._("%(name)s: %(count)s changes on %(total)s contacts.",
                                 name=operation.name, count=operation.change_count, total=self.partner_count)
        else:
            self.env.ref('crm_target_groups.crm_profile_operation_cron')._trigger()
            message = self.env._("%(name)s: %(total)s contacts are being processed in the background; "
                                 "follow it under Target Groups › Assignments.",
                                 name=operation.name, total=self.partner_count)
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {'type': 'success', 'message': message, 'sticky': False,
                       'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'}},
        }

from ast import literal_eval

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command, Domain
from odoo.tools import SQL


class CrmTargetGroup(models.Model):
    """A saved selection of contacts: profiles to include (any/all) and exclude, plus any filter.

    A parent profile always stands for its whole branch. Members are computed when used
    (dynamic) or stored with a date (frozen). Inclusion goes through the profiles the current
    user may see, so nobody reaches contacts through a restricted profile outside their
    groups; exclusion always applies in full, so a hidden profile never lets contacts in.
    """
    _name = 'crm.target.group'
    _description = 'Target Group'
    _order = 'name, id'

    name = fields.Char(required=True, translate=False)
    description = fields.Text()
    active = fields.Boolean(default=True)
    user_id = fields.Many2one('res.users', string='Owner', required=True, copy=False,
                              default=lambda self: self.env.user, domain="[('share', '=', False)]")
    shared = fields.Boolean('Shared', help="Other users may see and use this target group; only its owner "
                                           "and managers change it.")
    include_profile_ids = fields.Many2many(
        'res.partner.category', 'crm_target_group_include_rel', 'group_id', 'profile_id',
        string='Include Profiles', help="A profile stands for itself and all its sub-profiles.")
    include_mode = fields.Selection(
        [('any', 'Any of them'), ('all', 'All of them')], string='Contacts must have', required=True,
        default='any')
    exclude_profile_ids = fields.Many2many(
        'res.partner.category', 'crm_target_group_exclude_rel', 'group_id', 'profile_id',
        string='Exclude Profiles', help="Contacts with one of these profiles (or sub-profiles) are left out.")
    filter_domain = fields.Char('Further Conditions', default='[]',
                                help="Any condition on the contacts' fields, combined with the profiles.")
    require_email = fields.Boolean('Has an email address')
    require_address = fields.Boolean('Has a postal address', help="Street, postcode and city are filled in.")
    exclude_blacklisted = fields.Boolean('Not blacklisted', default=True,
                                         help="Leave out contacts whose email address is on the blacklist.")
    state = fields.Selection([('dynamic', 'Dynamic'), ('frozen', 'Frozen')], required=True, default='dynamic',
                             help="Dynamic: members are computed each time the group is used. "
                                  "Frozen: the members stored at the date of freezing, until refreshed.")
    member_ids = fields.Many2many('res.partner', 'crm_target_group_member_rel', 'group_id', 'partner_id',
                                  string='Frozen Members', readonly=True)
    frozen_date = fields.Datetime('Frozen on', readonly=True, copy=False)
    joined_ids = fields.Many2many('res.partner', 'crm_target_group_joined_rel', 'group_id', 'partner_id',
                                  string='Came at the last refresh', readonly=True, copy=False)
    left_ids = fields.Many2many('res.partner', 'crm_target_group_left_rel', 'group_id', 'partner_id',
                                string='Went at the last refresh', readonly=True, copy=False)
    member_count = fields.Integer('Members', compute='_compute_member_count')
    joined_count = fields.Integer(compute='_compute_member_count')
    left_count = fields.Integer(compute='_compute_member_count')
    call_centre = fields.Boolean('Call Centre', help="Hand the members over to the call centre: its API user "
                                                     "reads them and posts the outcomes of its calls.")
    call_outcome_ids = fields.One2many('crm.call.outcome', 'target_group_id', string='Call Outcomes')
    call_outcome_count = fields.Integer(compute='_compute_call_outcome_count')
    # mailings are for users of Email Marketing; the others still open and use their groups
    mailing_ids = fields.One2many('mailing.mailing', 'crm_target_group_id', string='Mailings',
                                  groups='mass_mailing.group_mass_mailing_user')
    mailing_count = fields.Integer(compute='_compute_mailing_count', groups='mass_mailing.group_mass_mailing_user')

    @api.depends_context('uid')
    @api.depends('state', 'include_profile_ids', 'include_mode', 'exclude_profile_ids', 'filter_domain',
                 'require_email', 'require_address', 'exclude_blacklisted', 'member_ids', 'joined_ids', 'left_ids')
    def _compute_member_count(self):
        Partner = self.env['res.partner']
        for group in self:
            group.member_count = Partner.search_count(group._member_domain()) if group.id else 0
            group.joined_count = len(group.joined_ids)
            group.left_count = len(group.left_ids)

    def _compute_mailing_count(self):
        mailings = dict(self.env['mailing.mailing']._read_group(
            [('crm_target_group_id', 'in', self.ids)], ['crm_target_group_id'], ['__count']))
        for group in self:
            group.mailing_count = mailings.get(group, 0)

    def _compute_call_outcome_count(self):
        calls = dict(self.env['crm.call.outcome']._read_group(
            [('target_group_id', 'in', self.ids)], ['target_group_id'], ['__count']))
        for group in self:
            group.call_outcome_count = calls.get(group, 0)

    @api.constrains('filter_domain')
    def _check_filter_domain(self):
        for group in self:
            group._rule_filter_domain()

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        groups = super().create(vals_list)
        groups._check_profiles_usable({group: self.env['res.partner.category'].sudo() for group in groups})
        return groups

    def write(self, vals):
        """Saving never drops profiles the user cannot see, nor adds them."""
        fnames = [fname for fname in ('include_profile_ids', 'exclude_profile_ids') if fname in vals]
        if not fnames or self.env.su:
            return super().write(vals)
        before = {group: group._stored_profiles('include_profile_ids', 'exclude_profile_ids') for group in self}
        # read afresh as this user, Odoo's write leaves alone what the user cannot see
        self.invalidate_recordset(fnames)
        result = super().write(vals)
        self.invalidate_recordset(fnames)
        self._check_profiles_usable(before)
        return result

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [dict(vals, name=self.env._("%(name)s (copy)", name=group.name))
                for group, vals in zip(self, vals_list)]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_members(self):
        self.ensure_one()
        return self.env['res.partner']._crm_action_contacts(
            [('crm_target_group_ids', 'in', self.ids)], self.name, {'create': False})

    def action_open_joined(self):
        return self._action_open_partners(self.joined_ids, self.env._("%(name)s: came at the last refresh",
                                                                      name=self.name))

    def action_open_left(self):
        return self._action_open_partners(self.left_ids, self.env._("%(name)s: went at the last refresh",
                                                                    name=self.name))

    def action_freeze(self):
        """Stores the current members with the date; also used to refresh a frozen group."""
        for group in self:
            new = self.env['res.partner'].search(group._rule_domain())
            old = group.member_ids if group.state == 'frozen' else new
            group.write({
                'state': 'frozen',
                'member_ids': [Command.set(new.ids)],
                'joined_ids': [Command.set((new - old).ids)],
                'left_ids': [Command.set((old - new).ids)],
                'frozen_date': fields.Datetime.now(),
            })
        return True

    def action_unfreeze(self):
        self.write({'state': 'dynamic', 'member_ids': [Command.clear()], 'joined_ids': [Command.clear()],
                    'left_ids': [Command.clear()], 'frozen_date': False})
        return True

    def action_call_centre_file(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'url': f'/crm_target_groups/call_centre/{self.id}', 'target': 'new'}

    def action_open_call_outcomes(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.crm_call_outcome_action')
        action.update(domain=[('target_group_id', '=', self.id)], context={'default_target_group_id': self.id})
        return action

    @api.readonly
    def call_centre_members(self, offset=0, limit=100, fields=None):
        """JSON-2 API for a call centre: one page of the members with their phone and address.

        :param int offset: members to skip (they are ordered by name and id)
        :param int limit: members to return, at most 1,000
        :param list fields: further contact fields to return
        :return: {'total': all members, 'offset', 'limit', 'members': [{'id', 'name', ...}]}
        """
        self.ensure_one()
        limit = max(1, min(int(limit), 1000))
        Partner = self.env['res.partner']
        domain = self._member_domain()
        members = Partner.search(domain, offset=int(offset), limit=limit, order='name, id')
        names = ['name', 'phone', 'email', 'street', 'street2', 'zip', 'city', 'country_id', 'parent_id',
                 'crm_letter_salutation', *(fields or [])]
        return {
            'total': Partner.search_count(domain),
            'offset': int(offset),
            'limit': limit,
            'members': members.read(list(dict.fromkeys(names))),
        }

    def _call_centre_rows(self):
        """The hand-over file's header and rows: its first columns import back as call outcomes."""
        self.ensure_one()
        self.env['res.partner']._crm_check_export_allowed()
        header = ['partner_id/.id', 'target_group_id/.id', 'outcome', 'callback_at', 'note',
                  self.env._("Name"), self.env._("Company"), self.env._("Phone"), self.env._("Email"),
                  self.env._("Street"), self.env._("Zip"), self.env._("City")]
        rows = [[partner.id, self.id, '', '', '', partner.name, partner.commercial_company_name or '',
                 partner.phone or '', partner.email or '', partner.street or '', partner.zip or '', partner.city or '']
                for partner in self.env['res.partner'].search(self._member_domain(), order='name, id')]
        return header, rows

    def action_open_mailings(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('mass_mailing.mailing_mailing_action_mail')
        action['domain'] = [('crm_target_group_id', '=', self.id)]
        action['context'] = {'default_crm_target_group_id': self.id}
        return action

    def action_export_addresses(self):
        return self._action_members_wizard('crm_target_groups.crm_address_export_action')

    def action_print_letters(self):
        return self._action_members_wizard('crm_target_groups.crm_letter_print_action')

    def action_create_mailing(self):
        """A stock mass mailing on contacts whose recipients are this group's members at sending."""
        self.ensure_one()
        mailing = self.env['mailing.mailing'].create({
            'subject': self.name,
            'crm_target_group_id': self.id,
        })
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'mailing.mailing',
            'res_id': mailing.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
        }

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _member_domain(self):
        """Contacts that are members, as the current user may see them."""
        self.ensure_one()
        if self.state == 'dynamic':
            return self._rule_domain()
        domain = Domain('crm_target_group_frozen_ids', 'in', self.ids)
        included = self._stored_profiles('include_profile_ids')
        if included != self._visible(included):
            # stored by someone who sees more: only what this user could reach
            domain &= self._include_domain()
        return domain

    def _rule_domain(self):
        self.ensure_one()
        domain = self._include_domain() & self._rule_filter_domain()
        if excluded := self._stored_profiles('exclude_profile_ids'):
            # in full, also for users who may not see all of them: by SQL, as category_id would
            # drop the profiles they may not see (res.partner._search)
            branches = excluded.with_context(active_test=False).search([('id', 'child_of', excluded.ids)])
            domain &= Domain('id', 'not in', SQL(
                "SELECT partner_id FROM res_partner_res_partner_category_rel WHERE category_id = ANY(%s)",
                branches.ids))
        if self.require_email:
            domain &= Domain('email', '!=', False)
        if self.require_address:
            domain &= Domain('street', '!=', False) & Domain('zip', '!=', False) & Domain('city', '!=', False)
        if self.exclude_blacklisted:
            domain &= Domain('is_blacklisted', '=', False)
        return domain

    def _include_domain(self):
        included = self._stored_profiles('include_profile_ids')
        visible = self._visible(included)
        if not included:
            return Domain.TRUE
        if self.include_mode == 'any':
            return Domain('profile_ids', 'in', visible.ids) if visible else Domain.FALSE
        if visible != included:
            return Domain.FALSE
        return Domain.AND(Domain('profile_ids', 'in', profile.ids) for profile in visible)

    def _rule_filter_domain(self):
        # resolved now, so that a group using another one in its conditions cannot loop
        stack = self.env.context.get('crm_target_group_stack', ()) + (self.id,)
        try:
            domain = Domain(literal_eval(self.filter_domain or '[]')).optimize_full(
                self.env['res.partner'].with_context(crm_target_group_stack=stack))
        except (ValueError, SyntaxError, TypeError, KeyError) as error:
            raise UserError(self.env._("The further conditions of %(group)s are not a valid filter: %(error)s",
                                       group=self.name, error=error)) from error
        return domain

    def _check_profiles_usable(self, before):
        """Profiles of restricted categories can only be put into a rule by those who see them."""
        if self.env.su:
            return
        for group, old in before.items():
            added = group._stored_profiles('include_profile_ids', 'exclude_profile_ids') - old
            if added != self._visible(added):
                raise AccessError(self.env._("You are not allowed to use profiles of a restricted category."))

    def _stored_profiles(self, *fnames):
        """All profiles of the rules, whatever the user may see: read from the tables, because
        the cache holds what the last reader was allowed to see, for every user of the transaction."""
        self.ensure_one()
        self.flush_recordset(list(fnames))
        ids = []
        for field in map(self._fields.get, fnames):
            self.env.cr.execute(SQL("SELECT %s FROM %s WHERE %s = %s", SQL.identifier(field.column2),
                                    SQL.identifier(field.relation), SQL.identifier(field.column1), self.id))
            ids += [row[0] for row in self.env.cr.fetchall()]
        return self.env['res.partner.category'].sudo().browse(ids)

    def _visible(self, profiles):
        """The profiles the current user may see (the cache is shared between users)."""
        return profiles.with_env(self.env)._filtered_access('read')

    def _action_members_wizard(self, xmlid):
        """A wizard acting on the members (export, letters), as for contacts selected in a list."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(xmlid)
        action['context'] = {'default_target_group_id': self.id,
                             'default_partner_domain': repr([('crm_target_group_ids', 'in', self.ids)])}
        return action

    def _action_open_partners(self, partners, name):
        self.ensure_one()
        return self.env['res.partner']._crm_action_contacts([('id', 'in', partners.ids)], name, {'create': False})

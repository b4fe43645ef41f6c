from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, Query

from ..fields import ProfileTags
from ..tools import ids_of, read_domain

MANAGER = 'crm_target_groups.group_crm_target_groups_manager'
# the groups whose conditions are being resolved (res.partner._search_crm_target_group_ids)
STACK_KEY = 'crm_target_group_stack'
# what only the server writes: who defined the rules, and the frozen state
SERVER_FIELDS = {'state', 'definer_id', 'member_ids', 'joined_ids', 'left_ids', 'frozen_date', 'frozen_by_id'}
# what makes the user who writes them the definer of the rules
PROFILE_FIELDS = ('include_profile_ids', 'exclude_profile_ids')
RULE_FIELDS = {'include_profile_ids', 'include_mode', 'exclude_profile_ids', 'filter_domain', 'require_email',
               'require_address', 'exclude_blacklisted', 'call_centre'}
# what the call centre may read of its members, beside the address
CALL_CENTRE_FIELDS = {'function', 'crm_salutation', 'crm_academic_title', 'crm_department',
                      'lang', 'commercial_company_name', 'company_name', 'state_id', 'website'}


class CrmTargetGroup(models.Model):
    """A saved selection of contacts: profiles to include (any/all) and exclude, plus any filter.

    A parent profile always stands for its whole branch. Members are computed when used
    (dynamic) or stored with a date (frozen). Every condition on profiles goes through the
    contacts' choke point (ProfileTags, the contacts' tag field), as the user who asks: nobody
    reaches contacts through a restricted profile outside its groups. Where a group would
    change what a user sees through a profile they may not see (an exclusion, a condition of the
    further conditions, members frozen by someone who sees more), it is refused to that user
    (fail closed) instead of revealing or dropping it. Who defined the rules and who froze the
    members is recorded by the server: the call centre receives the members as its definer
    reaches them.
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
    include_profile_ids = ProfileTags(
        'res.partner.category', 'crm_target_group_include_rel', 'group_id', 'profile_id',
        string='Include Profiles', help="A profile stands for itself and all its sub-profiles.")
    include_mode = fields.Selection(
        [('any', 'Any of them'), ('all', 'All of them')], string='Contacts must have', required=True,
        default='any')
    exclude_profile_ids = ProfileTags(
        'res.partner.category', 'crm_target_group_exclude_rel', 'group_id', 'profile_id',
        string='Exclude Profiles', help="Contacts with one of these profiles (or sub-profiles) are left out.")
    filter_domain = fields.Char('Further Conditions', default='[]',
                                help="Any condition on the contacts' fields, combined with the profiles.")
    require_email = fields.Boolean('Has an email address')
    require_address = fields.Boolean('Has a postal address', help="Street, postcode and city are filled in.")
    exclude_blacklisted = fields.Boolean('Not blacklisted', default=True,
                                         help="Leave out contacts whose email address is on the blacklist.")
    state = fields.Selection([('dynamic', 'Dynamic'), ('frozen', 'Frozen')], required=True, default='dynamic',
                             readonly=True, copy=False,
                             help="Dynamic: members are computed each time the group is used. "
                                  "Frozen: the members stored at the date of freezing, until refreshed.")
    definer_id = fields.Many2one('res.users', string='Rules by', readonly=True, copy=False,
                                 help="Who last changed the rules, recorded by the server: the call centre "
                                      "receives the members as this user reaches them.")
    # the stored lists: for managers (who see every profile); users get them through _member_domain
    member_ids = fields.Many2many('res.partner', 'crm_target_group_member_rel', 'group_id', 'partner_id',
                                  string='Frozen Members', readonly=True, copy=False, groups=MANAGER)
    frozen_date = fields.Datetime('Frozen on', readonly=True, copy=False)
    frozen_by_id = fields.Many2one('res.users', string='Frozen by', readonly=True, copy=False)
    joined_ids = fields.Many2many('res.partner', 'crm_target_group_joined_rel', 'group_id', 'partner_id',
                                  string='Came at the last refresh', readonly=True, copy=False, groups=MANAGER)
    left_ids = fields.Many2many('res.partner', 'crm_target_group_left_rel', 'group_id', 'partner_id',
                                string='Went at the last refresh', readonly=True, copy=False, groups=MANAGER)
    member_count = fields.Integer('Members', compute='_compute_member_count')
    joined_count = fields.Integer(compute='_compute_member_count')
    left_count = fields.Integer(compute='_compute_member_count')
    refusal = fields.Char('Not available to you', compute='_compute_member_count',
                          help="Why this target group cannot be used by you, if it cannot.")
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
                 'require_email', 'require_address', 'exclude_blacklisted', 'frozen_date')
    def _compute_member_count(self):
        Partner = self.env['res.partner']
        for group in self:
            group.member_count = group.joined_count = group.left_count = 0
            group.refusal = False
            if not group.id:
                continue
            try:  # a list of groups stays readable whatever one of them says
                group.member_count = Partner.search_count(group._member_domain())
            except UserError as error:
                group.refusal = error.args[0]
                continue
            if group.state == 'frozen':
                group.joined_count = Partner.search_count(group._stored_domain('crm_target_group_joined_rel'))
                group.left_count = Partner.search_count(group._stored_domain('crm_target_group_left_rel'))

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
        if not self.env.su:
            for vals in vals_list:
                self._check_server_fields(vals)
            vals_list = [dict(vals, definer_id=self.env.uid) for vals in vals_list]
        groups = super().create(vals_list)
        groups._check_profiles_usable({group: self.env['res.partner.category'].sudo() for group in groups})
        groups._check_conditions_visible()
        return groups

    def write(self, vals):
        """Saving never drops profiles the user cannot see, nor adds them; the server notes who
        changed the rules."""
        if self.env.su:
            return super().write(vals)
        self._check_server_fields(vals)
        if RULE_FIELDS & vals.keys():
            vals = dict(vals, definer_id=self.env.uid)
        fnames = [fname for fname in PROFILE_FIELDS if fname in vals]
        before = {group: group._stored_profiles(*PROFILE_FIELDS) for group in self} if fnames else {}
        # read afresh as this user, Odoo's write leaves alone what the user cannot see
        self.invalidate_recordset(fnames)
        result = super().write(vals)
        self.invalidate_recordset(fnames)
        self._check_profiles_usable(before)
        if 'filter_domain' in vals:
            self._check_conditions_visible()
        return result

    def copy_data(self, default=None):
        """A copy holds every rule of the original, or there is none: a copy without the profiles
        the user may not see would reach the very contacts the original leaves out."""
        for group in self:
            stored = group._stored_profiles(*PROFILE_FIELDS)
            if stored != group._visible(stored):
                raise UserError(self.env._(
                    "%(group)s uses profiles you may not see; ask its owner or a manager to duplicate it.",
                    group=group.name))
        vals_list = super().copy_data(default=default)
        return [dict(vals, name=self.env._("%(name)s (copy)", name=group.name))
                for group, vals in zip(self, vals_list)]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_members(self):
        self.ensure_one()
        self._check_usable()
        return self.env['res.partner']._crm_action_contacts(
            [('crm_target_group_ids', 'in', self.ids)], self.name, {'create': False})

    def action_open_joined(self):
        return self._action_open_stored('crm_target_group_joined_rel', self.env._(
            "%(name)s: came at the last refresh", name=self.name))

    def action_open_left(self):
        return self._action_open_stored('crm_target_group_left_rel', self.env._(
            "%(name)s: went at the last refresh", name=self.name))

    def action_freeze(self):
        """Stores the current members, as this user reaches them, with the date and the user;
        also used to refresh a frozen group."""
        self.check_access('write')
        Partner = self.env['res.partner']
        for group in self:
            group._check_usable()
            new = Partner.search(group._rule_domain())
            old = Partner.search(group._member_domain()) if group.state == 'frozen' else new
            group.sudo().write({
                'state': 'frozen',
                'member_ids': [Command.set(new.ids)],
                'joined_ids': [Command.set((new - old).ids)],
                'left_ids': [Command.set((old - new).ids)],
                'frozen_date': fields.Datetime.now(),
                'frozen_by_id': self.env.uid,
            })
        return True

    def action_unfreeze(self):
        self.check_access('write')
        self.sudo().write({'state': 'dynamic', 'member_ids': [Command.clear()], 'joined_ids': [Command.clear()],
                           'left_ids': [Command.clear()], 'frozen_date': False, 'frozen_by_id': False})
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
        """JSON-2 API for a call centre: one page of the members with their phone and address,
        as the group's definer reaches them (the call centre's user sees no profile rules).

        :param int offset: members to skip (they are ordered by name and id)
        :param int limit: members to return, 1 to 1,000
        :param list fields: further contact fields to return, among CALL_CENTRE_FIELDS
        :return: {'total': all members, 'offset', 'limit', 'members': [{'id', 'name', ...}]}
        """
        self.ensure_one()
        offset, limit = self._paging(offset, limit)
        further = fields or []
        if not isinstance(further, list) or not all(isinstance(name, str) for name in further) \
                or set(further) - CALL_CENTRE_FIELDS:
            raise UserError(self.env._("The call centre may ask for these fields only: %(fields)s.",
                                       fields=", ".join(sorted(CALL_CENTRE_FIELDS))))
        Partner = self.env['res.partner']
        domain = self._call_centre_domain()
        members = Partner.search(domain, offset=offset, limit=limit, order='name, id')
        names = ['name', 'phone', 'email', 'street', 'street2', 'zip', 'city', 'country_id', 'parent_id',
                 'crm_letter_salutation', *further]
        return {
            'total': Partner.search_count(domain),
            'offset': offset,
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
        return mailing._get_records_action()

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _member_domain(self):
        """Contacts that are members, as the current user reaches them; refused (UserError) where
        the group would tell them something about profiles they may not see (see _refusal)."""
        self.ensure_one()
        self._check_usable()
        if self.state == 'dynamic':
            return self._rule_domain()
        return self._stored_domain('crm_target_group_member_rel')

    def _call_centre_domain(self):
        """The members as the group's definer reaches them (the server recorded who that is):
        what the call centre receives. Empty if the definer may not use the group (any more)."""
        self.ensure_one()
        definer = self.sudo().definer_id or self.sudo().user_id
        members = self.with_user(definer)._members_or_nobody()
        return Domain('id', 'any', self.env['res.partner'].with_user(definer)._search(members))

    def _stored_domain(self, relation):
        """The contacts of one of the frozen lists (members, came, went), by SQL: the lists are
        for managers as fields; others reach them only through a usable group."""
        return Domain('id', 'in', SQL("SELECT partner_id FROM %s WHERE group_id = %s",
                                      SQL.identifier(relation), self.id))

    def _members_or_nobody(self):
        """_member_domain, or nobody where the group is refused to the user or its further
        conditions are no valid filter (any more): for many groups at once, where one of them
        must not stop the others."""
        try:
            return self._member_domain()
        except UserError:
            return Domain.FALSE

    def _check_usable(self):
        if reason := self._refusal():
            raise UserError(reason)

    def _refusal(self):
        """Why the current user may not use this group, or False. Refused: an exclusion of a
        profile they may not see, further conditions that name such a profile, members frozen
        by a user who sees profiles they may not see. Each would show them which visible
        contacts carry a hidden profile, or make them drop an exclusion."""
        self.ensure_one()
        Tag = self.env['res.partner.category']
        hidden = Tag._crm_hidden_ids()
        if not hidden:
            return False
        if hidden & set(self._stored_profiles('exclude_profile_ids').ids):
            return self.env._("%(group)s excludes profiles you may not see.", group=self.name)
        if self._conditions_name_hidden(hidden):
            return self.env._("The further conditions of %(group)s name profiles you may not see.", group=self.name)
        if self.state == 'frozen':
            freezer = self.sudo().frozen_by_id
            if not freezer or hidden - Tag.with_user(freezer)._crm_hidden_ids():
                return self.env._("The members of %(group)s were frozen by a user who sees profiles you may not "
                                  "see; ask them or a manager to refresh it.", group=self.name)
        return False

    def _conditions_name_hidden(self, hidden):
        """Whether the further conditions name one of the hidden profiles, as anyone reads them:
        a user's own optimization of the conditions drops what they may not see."""
        return self._names_hidden_profiles(self.sudo()._rule_filter_domain(), hidden)

    def _names_hidden_profiles(self, domain, hidden):
        """Whether a condition of domain (or of a sub-domain on contacts) is on hidden profiles:
        the tags it names as the tag model's search finds them for anyone, against the hidden ones.
        "Has a profile" / "has none" name no profile: they count the visible ones."""
        if not hidden:
            return False
        Tag = self.env['res.partner.category'].sudo().with_context(active_test=False)
        Partner = self.env['res.partner']
        for condition in domain.iter_conditions():
            field = condition._field(Partner) if '.' not in condition.field_expr else None
            value = condition.value
            if condition.field_expr == 'category_id':
                if isinstance(value, Domain):
                    named = set() if value.is_true() else set(Tag.search(value).ids)
                elif isinstance(value, (Query, SQL)):
                    named = set(Tag.search(Domain('id', 'in', value)).ids)
                else:
                    named = set(ids_of(value))
                if named & hidden:
                    return True
            elif field and field.relational and field.comodel_name == 'res.partner' and isinstance(value, Domain) \
                    and self._names_hidden_profiles(value, hidden):
                return True
        return False

    def _rule_domain(self):
        """The members as the rules say, through the choke point as the current user; exclusions
        the user may not see were refused before (_refusal)."""
        self.ensure_one()
        domain = self._include_domain() & self._rule_filter_domain()
        if excluded := self._stored_profiles('exclude_profile_ids'):
            domain &= Domain('profile_ids', 'not in', excluded.ids)
        if self.require_email:
            domain &= Domain('email', '!=', False)
        if self.require_address:
            domain &= Domain('crm_has_postal_address', '=', True)
        if self.exclude_blacklisted:
            domain &= Domain('is_blacklisted', '=', False)
        return domain

    def _include_domain(self):
        """Contacts reached through the included profiles the user may see (all of them, for
        "all": a hidden one makes the group empty for them, it never lets contacts in)."""
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
        """The further conditions, optimized: resolved now, so that a group using another one in
        its conditions cannot loop (the groups being resolved are kept on the cursor, where no
        caller can put any)."""
        stack = self.env.cr.cache.setdefault(STACK_KEY, [])
        stack.append(self.id)
        try:
            return Domain(read_domain(self.filter_domain)).optimize_full(self.env['res.partner'])
        except (ValueError, SyntaxError, TypeError, KeyError, AttributeError) as error:
            raise UserError(self.env._("The further conditions of %(group)s are not a valid filter: %(error)s",
                                       group=self.name, error=error)) from error
        finally:
            stack.pop()

    def _check_conditions_visible(self):
        """Further conditions may name only profiles the user may see (constraints run as
        superuser, hence a check of its own)."""
        hidden = self.env['res.partner.category']._crm_hidden_ids()
        for group in self:
            if group._conditions_name_hidden(hidden):
                raise ValidationError(self.env._("The further conditions of %(group)s name profiles you may not see.",
                                                 group=group.name))

    def _check_profiles_usable(self, before):
        """Profiles of restricted categories can only be put into a rule by those who see them."""
        if self.env.su:
            return
        for group, old in before.items():
            added = group._stored_profiles(*PROFILE_FIELDS) - old
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
        self._check_usable()
        action = self.env['ir.actions.act_window']._for_xml_id(xmlid)
        action['context'] = {'default_target_group_id': self.id,
                             'default_partner_domain': repr([('crm_target_group_ids', 'in', self.ids)])}
        return action

    def _action_open_stored(self, relation, name):
        self.ensure_one()
        self._check_usable()
        partners = self.env['res.partner'].search(self._stored_domain(relation))
        return self.env['res.partner']._crm_action_contacts([('id', 'in', partners.ids)], name, {'create': False})

    def _check_server_fields(self, vals):
        if fnames := SERVER_FIELDS & vals.keys():
            raise AccessError(self.env._("%(fields)s of a target group are set by the server, not by users.",
                                         fields=", ".join(sorted(fnames))))

    @api.model
    def _paging(self, offset, limit):
        """offset and limit of an API call as numbers, or a clear error."""
        try:
            offset, limit = int(offset), int(limit)
        except (TypeError, ValueError) as error:
            raise UserError(self.env._("offset and limit must be whole numbers.")) from error
        if offset < 0 or not 1 <= limit <= 1000:
            raise UserError(self.env._("offset must be 0 or more, limit between 1 and 1000."))
        return offset, limit

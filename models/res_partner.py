from collections import defaultdict, namedtuple
from uuid import uuid4

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from ..tools import is_id

# name particles that belong to the surname in a letter's salutation ("Frau von der Leyen")
NAME_PARTICLES = {'von', 'vom', 'van', 'de', 'der', 'den', 'zu', 'zur', 'di', 'da', 'del', 'la', 'le', 'ten', 'ter'}

PostalAddress = namedtuple('PostalAddress', [
    'id', 'complete', 'salutation', 'title', 'name', 'is_company', 'lang', 'company', 'department',
    'street', 'street2', 'zip', 'city', 'country_id', 'country', 'email', 'phone'])


class ResPartner(models.Model):
    """Contacts keep their profiles in the stock `category_id`; this adds the profile rules.

    Every change of `category_id`, whatever the path (form, click, import, RPC), goes through
    `write`/`create`, where two rules are enforced after the fact, set-based: exclusive
    categories keep only the newly assigned profile, and profiles the user may not see can
    neither be assigned nor lost by that user. The net change then goes to the profile history.
    (The assignment wizard writes by SQL and applies the same rules itself.)
    """
    _inherit = 'res.partner'

    crm_salutation = fields.Selection([('ms', 'Ms'), ('mr', 'Mr')], string='Salutation',
                                      help="Used in letters and address lists; empty for a neutral salutation.")
    crm_academic_title = fields.Char('Academic Title', help="As written before the name, e.g. Dr. or Prof. Dr.")
    crm_department = fields.Char('Department')
    crm_letter_salutation = fields.Char(
        'Letter Salutation', compute='_compute_crm_letter_salutation',
        help="Opening of a letter in the contact's language, e.g. 'Sehr geehrte Frau Dr. Müller,'.")
    profile_history_ids = fields.One2many('crm.profile.history', 'partner_id', string='Profile History')
    profile_ids = fields.Many2many(
        'res.partner.category', string='Profiles (incl. sub-profiles)',
        compute='_compute_profile_ids', search='_search_profile_ids',
        help="Searching by a profile finds the contacts of its sub-profiles too.")

    crm_target_group_ids = fields.Many2many(
        'crm.target.group', string='Target Groups', compute='_compute_crm_target_group_ids',
        search='_search_crm_target_group_ids',
        help="The target groups this contact is a member of, as their rules say now.")
    crm_target_group_frozen_ids = fields.Many2many(
        'crm.target.group', 'crm_target_group_member_rel', 'partner_id', 'group_id',
        string='Frozen Target Groups', readonly=True, copy=False,
        groups='crm_target_groups.group_crm_target_groups_manager')
    crm_call_centre_member = fields.Boolean(
        'Handed to the call centre', compute='_compute_crm_call_centre_member',
        search='_search_crm_call_centre_member',
        help="A member of a target group handed over to the call centre, as the group's definer reaches it.")
    crm_has_postal_address = fields.Boolean(
        'Has a postal address', compute='_compute_crm_has_postal_address', search='_search_crm_has_postal_address',
        help="Street, postcode and city are filled in, on the contact or on its company.")
    crm_profile_assigned = fields.Boolean(
        'Has the profile', compute='_compute_crm_profile_assigned', inverse='_inverse_crm_profile_assigned',
        help="In assignment mode: whether the contact carries the profile being assigned.")

    @api.depends('category_id')
    @api.depends_context('crm_assign_profile_id')
    def _compute_crm_profile_assigned(self):
        profile_id = self.env.context.get('crm_assign_profile_id')
        for partner in self:
            partner.crm_profile_assigned = bool(profile_id) and profile_id in partner.category_id.ids

    def _inverse_crm_profile_assigned(self):
        """One click in assignment mode: the one entry point of profile changes, so every rule and
        the history apply."""
        profile = self.env['res.partner.category'].browse(self.env.context.get('crm_assign_profile_id')).exists()
        if not profile or not profile.has_access('read'):
            raise UserError(self.env._("The profile being assigned was deleted, or you may not use it. "
                                       "End the assignment and start it again."))
        if not profile.active:
            raise UserError(self.env._("The profile %(profile)s was archived meanwhile; it cannot be assigned.",
                                       profile=profile.display_name))
        to_add = self.filtered('crm_profile_assigned')
        to_add._crm_write_profiles([Command.link(profile.id)], 'click')
        (self - to_add)._crm_write_profiles([Command.unlink(profile.id)], 'click')

    def _compute_profile_ids(self):
        for partner in self:
            partner.profile_ids = partner.category_id

    def _search_profile_ids(self, operator, value):
        if operator in ('in', 'not in'):
            ids = [tag for tag in value if tag is not False]
            domain = Domain('category_id', 'child_of', ids) if ids else Domain.FALSE
            if False in value:
                domain |= Domain('category_id', '=', False)
            return domain if operator == 'in' else ~domain
        return Domain('category_id', operator, value)

    def _compute_crm_call_centre_member(self):
        handed = set(self.search([('id', 'in', self.ids), ('crm_call_centre_member', '=', True)]).ids)
        for partner in self:
            partner.crm_call_centre_member = partner.id in handed

    def _search_crm_call_centre_member(self, operator, value):
        """The call centre's record rule (evaluated as superuser): each group's members with the
        rights of the user who defined its rules, never more."""
        if operator not in ('in', 'not in'):
            return NotImplemented
        groups = self.env['crm.target.group'].sudo().search([('call_centre', '=', True)])
        domain = Domain.OR(group._call_centre_domain() for group in groups)
        return domain if (operator == 'in') == (True in value) else ~domain

    def _compute_crm_has_postal_address(self):
        with_address = set(self.search([('id', 'in', self.ids), ('crm_has_postal_address', '=', True)]).ids)
        for partner in self:
            partner.crm_has_postal_address = partner.id in with_address

    def _search_crm_has_postal_address(self, operator, value):
        if operator not in ('in', 'not in'):
            return NotImplemented
        self.flush_model(['street', 'zip', 'city', 'commercial_partner_id'])
        complete = SQL("SELECT p.id FROM res_partner p LEFT JOIN res_partner c ON c.id = p.commercial_partner_id "
                       "WHERE %s OR %s", self._crm_address_complete(SQL('p')), self._crm_address_complete(SQL('c')))
        positive = (operator == 'in') == (True in value)
        return Domain('id', 'in' if positive else 'not in', complete)

    @api.depends('name', 'is_company', 'lang', 'crm_salutation', 'crm_academic_title')
    def _compute_crm_letter_salutation(self):
        for partner in self:
            partner.crm_letter_salutation = self._crm_letter_salutation(
                partner.lang, partner.crm_salutation, partner.crm_academic_title, partner.name, partner.is_company)

    def _compute_crm_target_group_ids(self):
        """The same answer as the search below: each group's members among these contacts."""
        groups = self.env['crm.target.group'].search([])
        members = {group: set(self.search(Domain('id', 'in', self.ids) & group._member_domain()).ids)
                   for group in groups if group._usable()}
        for partner in self:
            partner.crm_target_group_ids = groups.filtered(lambda group: partner.id in members.get(group, ()))

    def _search_crm_target_group_ids(self, operator, value):
        """Membership by the groups' own rules; a group may use another one in its conditions."""
        if operator in ('any', 'not any'):  # e.g. a record rule on the groups handed to a call centre
            value, operator = self.env['crm.target.group'].search(value).ids, operator.replace('any', 'in')
        if operator not in ('in', 'not in'):
            return NotImplemented
        groups = self.env['crm.target.group'].browse(value)
        if set(self.env.context.get('crm_target_group_stack', ())) & set(groups.ids):
            raise UserError(self.env._("A target group cannot include itself through its conditions."))
        domain = Domain.OR(group._member_domain() for group in groups)
        return domain if operator == 'in' else ~domain

    @api.onchange('category_id')
    def _onchange_category_id_exclusive(self):
        """Show the replacement in exclusive categories before the contact is saved."""
        for partner in self:
            added = partner.category_id._origin - partner._origin.category_id
            for category in added.filtered('exclusive').profile_category_id:
                partner.category_id -= partner.category_id.filtered(
                    lambda tag: tag._origin.profile_category_id == category and tag._origin not in added)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model
    def _search(self, domain, *args, **kwargs):
        """The one choke point of conditions on profiles, see `_crm_profile_domain`."""
        if not self.env.su:
            domain = self._crm_profile_domain(domain)
        return super()._search(domain, *args, **kwargs)

    @api.model
    def _crm_profile_domain(self, domain):
        """domain, with every condition on the contacts' profiles evaluated by the tag model's own
        search, as this user: its record rules decide which profiles count.

        Odoo's many2many compares tag ids without the tags' rules (an outsider would find who
        carries a restricted profile by its id, as a float, through "has no profile", ...). Once
        the domain is optimized, every condition on `category_id` has one of a few shapes (ids,
        False, a sub-domain: `child_of`, paths, names and `profile_ids` all end there); each becomes
        `any` of the tags this user's search returns.
        """
        try:
            domain = Domain(domain).optimize_full(self)
        except (ValueError, TypeError) as error:
            raise UserError(self.env._("This filter on contacts is not valid: %(error)s", error=error)) from error
        return domain.map_conditions(self._crm_profile_condition)

    def _crm_profile_condition(self, condition):
        if condition.field_expr != 'category_id':
            return condition
        Tag = self.env['res.partner.category']
        operator, value = condition.operator, condition.value
        positive = operator in ('in', 'any', 'any!')
        if operator in ('any', 'not any', 'any!', 'not any!'):
            tags = Domain(value) if isinstance(value, Domain) else Domain('id', 'in', value)
            return Domain('category_id', 'any' if positive else 'not any', Tag._search(tags))
        if operator not in ('in', 'not in'):
            raise UserError(self.env._("Profiles cannot be compared with '%(operator)s'.", operator=operator))
        ids = [tag for tag in value if is_id(tag)]
        domain = Domain('category_id', 'any', Tag.with_context(active_test=False)._search([('id', 'in', ids)])) \
            if ids else Domain.FALSE
        if False in value or None in value:
            # "has no profile": none this user may see
            domain |= Domain('category_id', 'not any', Tag.with_context(active_test=False)._search([]))
        return domain if positive else ~domain

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._apply_profile_rules({})
        return partners

    def write(self, vals):
        if 'category_id' not in vals:
            return super().write(vals)
        vals = dict(vals)
        return self._crm_write_profiles(vals.pop('category_id'), vals=vals)

    def unlink(self):
        self.env['crm.profile.history']._move_partners(self.ids)
        return super().unlink()

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    @api.model
    def _crm_selection_domain(self):
        """The contacts a list action runs on: the selected ones, or the whole filter when the
        list's 'select all' went beyond the ids the client sends."""
        context = self.env.context
        ids = context.get('active_ids') or []
        limit = int(self.env['ir.config_parameter'].sudo().get_param('web.active_ids_limit', '20000'))
        if context.get('active_model') == 'res.partner' and 'active_domain' in context and len(ids) >= limit:
            return list(Domain(context['active_domain']))
        return [('id', 'in', ids)]

    @api.model
    def _crm_action_contacts(self, domain, name, context=None):
        """The Target Groups contacts list, narrowed to domain, titled name."""
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.res_partner_action')
        action.update(domain=domain, display_name=name, context=context or {})
        return action

    @api.model
    def _crm_check_export_allowed(self):
        """Address lists and hand-over files are exports of personal data: Odoo's export right."""
        if not self.env.user.has_group('base.group_allow_export'):
            raise AccessError(self.env._("Exporting addresses needs the right to export data "
                                         "(user settings: Export, Allowed)."))

    @api.model
    def _crm_postal_addresses(self, domain, chunk_size=10000):
        """The postal address that applies to each contact of domain (PostalAddress), in chunks,
        sorted by postcode and name, those without a usable address last."""
        query = SQL("SELECT %s FROM (%s) a ORDER BY %s",
                    SQL(", ").join(SQL.identifier('a', column) for column in PostalAddress._fields),
                    self._crm_postal_query(domain), self._crm_postal_order(SQL("a")))
        for rows in self._crm_fetch_chunks(query, chunk_size):
            yield [PostalAddress(*row) for row in rows]

    @api.model
    def _crm_without_postal_address(self, domain):
        """The contacts of domain that have no usable postal address, not even their company's."""
        self.env.cr.execute(SQL("SELECT id FROM (%s) a WHERE NOT complete", self._crm_postal_query(domain)))
        return self.browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _crm_postal_query(self, domain):
        """SQL of one row per contact of domain, with the columns of PostalAddress and sort_zip: the
        contact's own address if street, postcode and city are filled in, else their company's."""
        self.flush_model()
        self.env['res.country'].flush_model()
        own, company = self._crm_address_complete(SQL('p')), self._crm_address_complete(SQL('c'))
        address = {
            column: SQL("CASE WHEN %s OR NOT %s THEN p.%s ELSE c.%s END AS %s",
                        own, company, SQL.identifier(column), SQL.identifier(column), SQL.identifier(column))
            for column in ('street', 'street2', 'zip', 'city', 'country_id')
        }
        return SQL("""
            SELECT p.id, (%(own)s OR %(company)s) AS complete, p.crm_salutation AS salutation,
                   p.crm_academic_title AS title, p.name, p.is_company, p.lang,
                   CASE WHEN p.is_company THEN p.name
                        WHEN c.id != p.id THEN c.name ELSE p.company_name END AS company,
                   p.crm_department AS department, %(street)s, %(street2)s, %(zip)s, %(city)s, %(country_id)s,
                   COALESCE(country.name->>%(lang)s, country.name->>'en_US') AS country, p.email, p.phone,
                   COALESCE(NULLIF(CASE WHEN %(own)s OR NOT %(company)s THEN p.zip ELSE c.zip END, ''), 'zzz') AS sort_zip
              FROM res_partner p
              LEFT JOIN res_partner c ON c.id = p.commercial_partner_id
              LEFT JOIN res_country country
                     ON country.id = CASE WHEN %(own)s OR NOT %(company)s THEN p.country_id ELSE c.country_id END
             WHERE p.id IN %(ids)s
        """, own=own, company=company, lang=self.env.lang, ids=self._search(domain).subselect(), **address)

    @api.model
    def _crm_address_complete(self, alias):
        """SQL: whether the contact row alias has a usable postal address of its own. The one
        definition of "has a postal address" (target groups, address lists, letters)."""
        return SQL("(COALESCE(%s.street, '') != '' AND COALESCE(%s.zip, '') != '' AND COALESCE(%s.city, '') != '')",
                   alias, alias, alias)

    @api.model
    def _crm_postal_order(self, address):
        """ORDER BY for rows of _crm_postal_query (alias address): by postcode, then name; those
        without a usable address last."""
        return SQL("%s.complete DESC, %s.sort_zip, %s.name, %s.id", address, address, address, address)

    @api.model
    def _crm_fetch_chunks(self, query, chunk_size=10000):
        """The rows of query in chunks, through a server-side cursor: a sorted list of any size is
        one query, and never more than a chunk of it sits in memory."""
        cursor = SQL.identifier(f'crm_chunks_{uuid4().hex}')
        self.env.cr.execute(SQL("DECLARE %s NO SCROLL CURSOR FOR %s", cursor, query))
        while True:
            self.env.cr.execute(SQL("FETCH %s FROM %s", chunk_size, cursor))
            if not (rows := self.env.cr.fetchall()):
                break
            yield rows
        self.env.cr.execute(SQL("CLOSE %s", cursor))

    @api.model
    def _crm_letter_salutation(self, lang, salutation, title, name, is_company, formats=None):
        """'Sehr geehrte Frau Dr. Müller,' in the contact's language, neutral when unknown.
        formats: what _crm_salutation_formats(lang) returns, if the caller has it at hand (lists)."""
        neutral, female, male = formats or self._crm_salutation_formats(lang)
        tokens = (name or '').split()
        if is_company or not salutation or not tokens:
            return neutral
        start = len(tokens) - 1
        while start > 1 and tokens[start - 1].lower() in NAME_PARTICLES:
            start -= 1
        surname = " ".join(filter(None, [title, *tokens[start:]]))
        return (female if salutation == 'ms' else male) % {'name': surname}

    @tools.ormcache('lang', 'self.env.lang')
    def _crm_salutation_formats(self, lang):
        """The three openings for a contact's language, looked up once: a list makes thousands."""
        env = self.with_context(lang=self._crm_letter_lang(lang)).env
        return env._("Dear Sir or Madam,"), env._("Dear Ms %(name)s,"), env._("Dear Mr %(name)s,")

    @api.model
    def _crm_letter_lang(self, lang):
        """The contact's language if installed, else a variant of it (de_CH -> de_DE), else the user's."""
        installed = [code for code, _name in self.env['res.lang'].get_installed()]
        if lang in installed:
            return lang
        prefix = (lang or '').split('_')[0]
        return next((code for code in installed if prefix and code.split('_')[0] == prefix), self.env.lang)

    def _profile_snapshot(self):
        """Profile ids per contact as stored, whatever the user may see."""
        self.flush_recordset(['category_id'])
        self.env.cr.execute(SQL("""
            SELECT partner_id, array_agg(category_id)
              FROM res_partner_res_partner_category_rel
             WHERE partner_id IN %s
          GROUP BY partner_id
        """, tuple(self.ids) or (0,)))
        return {partner_id: set(tag_ids) for partner_id, tag_ids in self.env.cr.fetchall()}

    @api.private
    def _crm_write_profiles(self, commands, source=None, vals=None):
        """The one entry point of profile changes (form, click, import, API, wizard, merges,
        call outcomes): writes the commands (with the other vals, if any), then applies the rules:
        exclusive categories, hidden profiles kept, history with its source, automation (Odoo's
        own "Tag is added" trigger, on this write). source: where the change comes from, when the
        caller knows better than the request (see crm.profile.history._source)."""
        before = self._profile_snapshot()
        result = super().write(dict(vals or {}, category_id=commands))
        self._apply_profile_rules(before, source)
        return result

    def _crm_write_raw(self, commands):
        """A profile write that is itself the application of the rules (no rules, no history)."""
        return super().write({'category_id': commands})

    def _apply_profile_rules(self, before, source=None):
        after = self._profile_snapshot()
        if not after and not before:
            return
        added = {pid: tags - before.get(pid, set()) for pid, tags in after.items()}
        involved = set().union(*before.values(), *after.values())
        restored = not self.env.su and self._keep_hidden_profiles(before, after, added, involved)
        if self._replace_exclusive_siblings(after, added, involved) or restored:
            after = self._profile_snapshot()
        self.env['crm.profile.history']._log_changes(before, after, source)

    def _crm_merged_profiles(self, before):
        """After contacts were merged into this one (base.partner.merge.automatic.wizard): one
        profile per exclusive category, its own or else the newest merged contact's, and what it
        gained and lost in its history. before: the profile snapshot of all merged contacts."""
        self.ensure_one()
        own = before.get(self.id, set())
        after = self._profile_snapshot().get(self.id, set())
        by_category = defaultdict(set)
        for tag in self.env['res.partner.category'].sudo().browse(after).filtered('exclusive'):
            by_category[tag.profile_category_id].add(tag.id)
        newest_first = sorted(before.keys() - {self.id}, reverse=True)
        dropped = set()
        for tag_ids in by_category.values():
            if len(tag_ids) > 1:
                kept = tag_ids & own or next(filter(None, (tag_ids & before[pid] for pid in newest_first)))
                dropped |= tag_ids - {min(kept)}
        if dropped:
            self.sudo()._crm_write_raw([Command.unlink(tag_id) for tag_id in dropped])
        self.env['crm.profile.history']._log_changes({self.id: own}, {self.id: after - dropped}, 'contact_merge')

    def _keep_hidden_profiles(self, before, after, added, involved):
        Tag = self.env['res.partner.category'].with_context(active_test=False)
        hidden = involved - set(Tag.search([('id', 'in', list(involved))]).ids)
        if not hidden:
            return False
        if any(tags & hidden for tags in added.values()):
            raise AccessError(self.env._("You are not allowed to assign profiles of a restricted category."))
        lost = defaultdict(list)
        for pid, tags in before.items():
            if missing := (tags - after.get(pid, set())) & hidden:
                lost[frozenset(missing)].append(pid)
        for tag_ids, partner_ids in lost.items():
            self.browse(partner_ids).sudo()._crm_write_raw([Command.link(tag_id) for tag_id in tag_ids])
        # the restored value must not linger, unfiltered, in the user's cache
        self.invalidate_recordset(['category_id'])
        return bool(lost)

    def _replace_exclusive_siblings(self, after, added, involved):
        tags = self.env['res.partner.category'].sudo().browse(involved).filtered('exclusive')
        if not tags:
            return False
        category_of = {tag.id: tag.profile_category_id for tag in tags}
        to_remove = defaultdict(list)
        for pid, new_ids in added.items():
            new_by_category = defaultdict(set)
            for tag_id in new_ids & category_of.keys():
                new_by_category[category_of[tag_id]].add(tag_id)
            removed = set()
            for category, new_in_category in new_by_category.items():
                if len(new_in_category) > 1:
                    raise ValidationError(self.env._(
                        "%(contact)s: only one profile of the category %(category)s can be assigned, "
                        "not %(profiles)s.",
                        contact=self.browse(pid).display_name, category=category.display_name,
                        profiles=", ".join(tags.browse(new_in_category).mapped('display_name'))))
                removed |= {
                    tag_id for tag_id in after[pid] - new_in_category
                    if category_of.get(tag_id) == category
                }
            if removed:
                to_remove[frozenset(removed)].append(pid)
        for tag_ids, partner_ids in to_remove.items():
            self.browse(partner_ids)._crm_write_raw([Command.unlink(tag_id) for tag_id in tag_ids])
        return bool(to_remove)

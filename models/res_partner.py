from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from ..fields import ProfileTags
from ..tools import contact_set, ids_of, int_array
from .crm_profile_history import SOURCE_KEY
from .crm_target_group import STACK_KEY

class ResPartner(models.Model):
    """Contacts keep their profiles in the stock `category_id`; this adds the profile rules.

    Every change of `category_id`, whatever the path, goes through one method,
    `_crm_profiles_changed`, which applies the profile rules to it set-based: exclusive
    categories keep only the newly assigned profile, profiles the user may not see can neither
    be assigned nor lost by that user, the history records it and the automation rules run.
    Odoo's create and write hand it their changes; the assignment wizard, undo and a contact
    merge, which change the relation in SQL, hand it theirs.
    """
    _inherit = 'res.partner'

    crm_salutation = fields.Selection([('ms', 'Ms'), ('mr', 'Mr')], string='Salutation',
                                      help="Used in letters and address lists; empty for a neutral salutation.")
    crm_academic_title = fields.Char('Academic Title', help="As written before the name, e.g. Dr. or Prof. Dr.")
    crm_department = fields.Char('Department')
    crm_letter_salutation = fields.Char(
        'Letter Salutation', compute='_compute_crm_letter_salutation',
        help="Opening of a letter in the contact's language, e.g. 'Sehr geehrte Frau Dr. Müller,'.")
    category_id = ProfileTags()
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

    @api.model
    def mail_allowed_qweb_expressions(self):
        """Placeholders of a letter that users without Odoo's template-editor right may insert
        (the editor's /field): what the letters and address lists add to a contact."""
        return super().mail_allowed_qweb_expressions() + (
            'object.crm_letter_salutation', 'object.crm_academic_title', 'object.crm_department')

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
        Address = self.env['crm.postal.address']
        complete = SQL("SELECT p.id FROM res_partner p LEFT JOIN res_partner c ON c.id = p.commercial_partner_id "
                       "WHERE %s OR %s", Address._complete(SQL('p')), Address._complete(SQL('c')))
        positive = (operator == 'in') == (True in value)
        return Domain('id', 'in' if positive else 'not in', complete)

    @api.depends('name', 'is_company', 'lang', 'crm_salutation', 'crm_academic_title')
    def _compute_crm_letter_salutation(self):
        for partner in self:
            partner.crm_letter_salutation = self.env['crm.postal.address']._salutation(
                partner.lang, partner.crm_salutation, partner.crm_academic_title, partner.name, partner.is_company)

    def _compute_crm_target_group_ids(self):
        """The same answer as the search below: each group's members among these contacts."""
        groups = self.env['crm.target.group'].search([])
        members = {group: set(self.search(Domain('id', 'in', self.ids) & group._members_or_nobody()).ids)
                   for group in groups}
        for partner in self:
            partner.crm_target_group_ids = groups.filtered(lambda group: partner.id in members[group])

    def _search_crm_target_group_ids(self, operator, value):
        """Membership by the groups' own rules; a group may use another one in its conditions.
        A group named by id that the user may not use is refused (see crm.target.group._refusal);
        searched by its fields (any), such a group matches nobody."""
        Group = self.env['crm.target.group']
        if operator in ('any', 'not any'):
            groups = Group.search(value)
        elif operator in ('in', 'not in'):
            groups = Group.browse(ids_of(value)).exists()
        else:
            return NotImplemented
        if set(self.env.cr.cache.get(STACK_KEY, ())) & set(groups.ids):
            raise UserError(self.env._("A target group cannot include itself through its conditions."))
        domain = Domain.OR(group._members_or_nobody() if operator.endswith('any') else group._member_domain()
                           for group in groups)
        return domain if operator in ('in', 'any') else ~domain

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
        """A filter Odoo cannot read (from the API, a stored domain) gets a clear message."""
        if not self.env.su:
            try:
                domain = Domain(domain).optimize_full(self)
            except (ValueError, TypeError) as error:
                raise UserError(self.env._("This filter on contacts is not valid: %(error)s", error=error)) from error
        return super()._search(domain, *args, **kwargs)

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._apply_profile_rules({})
        return partners

    def write(self, vals):
        if 'category_id' not in vals:
            return super().write(vals)
        before = self._profile_snapshot()
        result = super().write(vals)
        self._apply_profile_rules(before)
        return result

    def unlink(self):
        self.env['crm.profile.history']._move_partners(self.ids)
        return super().unlink()

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

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
    def _crm_write_profiles(self, commands, source):
        """A profile change by server code that knows where it comes from (the click, a profile
        merge): the ordinary write, so that every rule, the history and Odoo's automation rules
        (which watch write) apply, with the source handed to the history on the cursor, where no
        caller can put one (see crm.profile.history._source)."""
        sources = self.env.cr.cache.setdefault(SOURCE_KEY, [])
        sources.append(source)
        try:
            return self.write({'category_id': commands})
        finally:
            sources.pop()

    def _apply_profile_rules(self, before):
        """After Odoo's own create or write: its changes take effect through the one method, which
        leaves the automation rules to Odoo's create and write (they watch `category_id`)."""
        after = self._profile_snapshot()
        self._crm_profiles_changed(self._crm_diff(before, after), run_automation=False)

    @api.model
    def _crm_diff(self, before, after):
        """The changes between two {partner id: {profile ids}} snapshots, as _crm_profiles_changed takes them."""
        changes = [(pid, tag_id, change)
                   for pid in before.keys() | after.keys()
                   for change, tag_ids in (('add', after.get(pid, set()) - before.get(pid, set())),
                                           ('remove', before.get(pid, set()) - after.get(pid, set())))
                   for tag_id in tag_ids]
        if not changes:
            return {}
        partner_ids, tag_ids, kinds = zip(*changes)
        return {'diff': SQL("""
            SELECT %s, category_id, change
              FROM unnest(%s, %s, %s::varchar[]) c(partner_id, category_id, change)
          GROUP BY category_id, change
        """, contact_set(SQL("partner_id")), int_array(partner_ids), int_array(tag_ids), list(kinds))}

    @api.model
    def _crm_profiles_changed(self, changes, source=None, operation=None, run_automation=True, report=None):
        """The one method every profile change goes through, however it is made: Odoo's create
        and write (form, click, import, API, profile merge, automation, call outcomes), the
        assignment wizard and its background job, undo, a contact merge. The change itself is
        made by the ORM or in SQL; here its rules take effect, in the same SQL statement, per
        profile for all its contacts at once (an assignment's batch of 5,000 contacts costs
        about what the change itself costs):
        - a profile the user may not see is neither assigned by them (AccessError) nor lost
          (put back: what they see of a contact is not all it carries);
        - a profile of an exclusive category replaces the others of that category (_crm_siblings);
          two new ones of such a category on one contact are refused;
        - the history records what changed, and through which path (source, else the request's);
        - Odoo's "profile is added" automation rules run, unless Odoo's own create or write does.

        changes: {name: SQL} of the statement's leading CTEs. Those whose name does not start with
        '_' are the change: rows (partner_ids, partner_span, category_id, change), the contacts
        that got ('add') or lost ('remove') a profile (tools.contact_set), made before the
        statement or by its other CTEs; such a CTE must read theirs, so that PostgreSQL runs them first. operation: the
        assignment whose batch this is (its history goes in its sets). report: an SQL
        expression over the CTEs whose value is returned (undo: how many contacts it left alone)."""
        if not changes:
            return None
        Tag = self.env['res.partner.category'].with_context(active_test=False)
        exclusive = Tag.sudo().search([('exclusive', '=', True)])
        pairs = [(tag.id, sibling) for tag in exclusive for sibling in tag._crm_siblings().ids]
        Automation = self.env['base.automation']
        triggered = run_automation and \
            Automation._get_actions(self.env['res.partner'], ['on_tag_set']).sudo().mapped('trg_field_ref')
        rel = SQL("res_partner_res_partner_category_rel")
        # each rule costs a pass over the changes: only those that can apply are in the statement
        ctes = [SQL("%s AS (%s)", SQL.identifier(name), cte) for name, cte in changes.items()]
        ctes.append(SQL("raw AS (%s)", SQL(" UNION ALL ").join(
            SQL("SELECT partner_ids, partner_span, category_id, change::varchar FROM %s", SQL.identifier(name))
            for name in changes if not name.startswith('_'))))
        done, refused, duplicate, added, partners = SQL("raw"), SQL("0"), SQL("NULL"), SQL("NULL"), SQL("NULL")
        if not self.env.su:
            # what the user sees is what the tags' own search returns them (their record rules)
            hidden = SQL("category_id NOT IN (%s)", Tag._search([]).select())
            ctes.append(SQL("""
                kept AS (INSERT INTO %s (partner_id, category_id)
                         SELECT unnest(partner_ids), category_id FROM raw WHERE change = 'remove' AND %s
                         ON CONFLICT DO NOTHING),
                visible AS (SELECT * FROM raw WHERE NOT %s)""", rel, hidden, hidden))
            done, refused = SQL("visible"), SQL("(SELECT count(*) FROM raw WHERE change = 'add' AND %s)", hidden)
        if pairs:
            ctes.append(SQL("""
                pairs AS (SELECT * FROM unnest(%s, %s) p(category_id, sibling_id)),
                replaced AS (DELETE FROM %s r USING raw a, pairs s
                              WHERE a.change = 'add' AND s.category_id = a.category_id
                                AND r.category_id = s.sibling_id AND r.partner_id = ANY(a.partner_ids)
                          RETURNING r.partner_id, r.category_id),
                done AS (SELECT * FROM %s UNION ALL
                         SELECT %s, category_id, 'remove' FROM replaced GROUP BY category_id)""",
                int_array(tag for tag, _sibling in pairs), int_array(sibling for _tag, sibling in pairs), rel, done,
                contact_set(SQL("partner_id"))))
            done, duplicate = SQL("done"), SQL("""(
                SELECT array[p, a.category_id, b.category_id]
                  FROM raw a JOIN pairs s ON s.category_id = a.category_id
                  JOIN raw b ON b.category_id = s.sibling_id AND b.change = 'add', unnest(a.partner_ids) p
                 WHERE a.change = 'add' AND p = ANY(b.partner_ids) LIMIT 1)""")
        History = self.env['crm.profile.history']
        ctes.append(History._record(done, source, operation))
        if triggered:
            added = SQL("""(SELECT json_object_agg(category_id, partner_ids) FROM (
                                SELECT category_id, array_agg(p) AS partner_ids FROM %s, unnest(partner_ids) p
                                 WHERE change = 'add' AND category_id = ANY(%s) GROUP BY category_id) t)""",
                        done, int_array(triggered))
        if self._crm_profiles_have_stored_dependents():
            partners = SQL("(SELECT array_agg(DISTINCT p) FROM %s, unnest(partner_ids) p)", done)
        self.env.cr.execute(SQL("WITH %s SELECT %s, %s, %s, %s, %s", SQL(", ").join(ctes),
                                refused, duplicate, added, partners, report or SQL("NULL")))
        refused, duplicate, added, partner_ids, result = self.env.cr.fetchone()
        if refused:
            raise AccessError(self.env._("You are not allowed to assign profiles of a restricted category."))
        if duplicate:
            partner, *tags = duplicate
            tags = Tag.sudo().browse(tags)
            raise ValidationError(self.env._(
                "%(contact)s: only one profile of the category %(category)s can be assigned, not %(profiles)s.",
                contact=self.sudo().browse(partner).display_name, category=tags[0].profile_category_id.display_name,
                profiles=", ".join(tags.mapped('display_name'))))
        Partner = self.env['res.partner']
        Partner.invalidate_model(['category_id', 'profile_history_ids'])
        Tag.invalidate_model(['partner_ids'])
        History.invalidate_model()
        if partner_ids:
            Partner.browse(partner_ids).modified(['category_id'])
        if added:
            Automation._crm_profiles_added({int(tag_id): ids for tag_id, ids in added.items()})
        return result

    @api.model
    def _crm_profiles_have_stored_dependents(self):
        """Whether a stored field depends on contacts' profiles (none in the modules this one
        extends; another module may add one): then a change in SQL must tell the ORM."""
        tree = self.pool.get_field_trigger_tree(self._fields['category_id'])
        return any(field.store for node in tree.depth_first() for field in node.root)

    def _crm_merged_profiles(self, before):
        """After contacts were merged into this one (base.partner.merge.automatic.wizard): one
        profile per exclusive category, its own or else the newest merged contact's; what it
        gained and lost goes through the one method, as superuser (the merged contacts' hidden
        profiles move with them) and without the automation rules (the merged contacts are the
        same person: the rules ran when they got the profiles, and Odoo moves what they did).
        before: the profile snapshot of all merged contacts."""
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
        self.env.cr.execute(SQL("""
            DELETE FROM res_partner_res_partner_category_rel WHERE partner_id = %s AND category_id = ANY(%s)
        """, self.id, int_array(dropped)))
        self.sudo()._crm_profiles_changed(self._crm_diff({self.id: own}, {self.id: after - dropped}),
                                          'contact_merge', run_automation=False)

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from ..fields import ProfileTags
from ..tools import ids_of
from .crm_profile_history import SOURCE_KEY
from .crm_target_group import STACK_KEY

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
        """Every profile change ends here: the rules are applied after the fact, set-based."""
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

    def _crm_write_raw(self, commands):
        """A profile write that is itself the application of the rules (no rules, no history)."""
        return super().write({'category_id': commands})

    def _apply_profile_rules(self, before):
        after = self._profile_snapshot()
        if not after and not before:
            return
        added = {pid: tags - before.get(pid, set()) for pid, tags in after.items()}
        involved = set().union(*before.values(), *after.values())
        restored = not self.env.su and self._keep_hidden_profiles(before, after, added, involved)
        if self._replace_exclusive_siblings(after, added, involved) or restored:
            after = self._profile_snapshot()
        self.env['crm.profile.history']._log_changes(before, after)

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
        siblings = {tag.id: set(tag._crm_siblings().ids) for tag in tags}
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
                removed |= after[pid] & siblings[next(iter(new_in_category))]
            if removed:
                to_remove[frozenset(removed)].append(pid)
        for tag_ids, partner_ids in to_remove.items():
            self.browse(partner_ids)._crm_write_raw([Command.unlink(tag_id) for tag_id in tag_ids])
        return bool(to_remove)

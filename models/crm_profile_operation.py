from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import contact_set, int_array, read_domain

BATCH_SIZE = 5000
# the wizard's too: a selection given as a list, so that its labels are translated
MODES = [('add', 'Add'), ('remove', 'Remove'), ('replace', 'Replace within category')]


class CrmProfileOperation(models.Model):
    """One run of the assignment wizard: what was done to which contacts, by whom, with undo.

    Contacts are processed in batches ordered by id; the id reached is stored with each batch in
    the same transaction, so a job killed mid-way resumes after the last committed batch: no
    contact is done twice, none forgotten. Exactly what changed is in the operation's profile
    history sets (one per batch and profile, see `crm.profile.history`), which is what undo reverses.
    """
    _name = 'crm.profile.operation'
    _inherit = ['crm.background.job']
    _description = 'Profile Assignment'
    _cron_xmlid = 'crm_target_groups.crm_profile_operation_cron'
    _order = 'id desc'

    name = fields.Char(required=True)
    mode = fields.Selection(MODES, required=True, default='add')
    profile_ids = fields.Many2many('res.partner.category', string='Profiles', required=True)
    domain = fields.Char(required=True, default='[]', help="The contacts the operation applies to.")
    user_id = fields.Many2one('res.users', string='By', required=True, default=lambda self: self.env.user,
                              readonly=True)
    state = fields.Selection([('queued', 'Waiting'), ('running', 'Running'), ('done', 'Done'),
                              ('undone', 'Undone'), ('failed', 'Failed')], required=True, default='queued', readonly=True)
    partner_total = fields.Integer('Contacts', readonly=True)
    partner_done = fields.Integer('Contacts processed', readonly=True)
    last_partner_id = fields.Integer(readonly=True)
    progress = fields.Float(compute='_compute_progress')
    history_ids = fields.One2many('crm.profile.history', 'operation_id', string='Changes')
    change_count = fields.Integer('Number of changes', compute='_compute_change_count')
    undo_report = fields.Text(readonly=True)
    unused_profile_ids = fields.Many2many(
        'res.partner.category', 'crm_profile_operation_unused_profile_rel', string='Unused profiles', readonly=True,
        help="Profiles no contact carried when the operation started: unless they changed since, "
             "its contacts are all that carry them, and undo takes them by profile.")

    @api.depends('partner_total', 'partner_done')
    def _compute_progress(self):
        for operation in self:
            total = operation.partner_total
            operation.progress = 100.0 * operation.partner_done / total if total else 100.0

    def _compute_change_count(self):
        counts = dict(self.env['crm.profile.history']._read_group(
            [('operation_id', 'in', self.ids)], ['operation_id'], ['__count']))
        for operation in self:
            operation.change_count = counts.get(operation, 0)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_undo(self):
        """Reverses the operation's changes, except where the contact's profile changed since.

        A failed or unfinished assignment is undone for the batches it did; one still running
        stops: the lock waits for a batch in progress, and the cron does no batch after it."""
        self.ensure_one()
        if self.user_id != self.env.user and not self.env.user.has_group(
                'crm_target_groups.group_crm_target_groups_manager'):
            raise AccessError(self.env._("Only its author or a manager can undo an assignment."))
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT FROM crm_profile_operation WHERE id = %s FOR NO KEY UPDATE", self.id))
        self.invalidate_recordset()
        if self.state == 'undone' or (self.state in ('queued', 'running') and not self.partner_done):
            raise UserError(self.env._("This assignment cannot be undone: it was undone already, "
                                       "or it has not changed any contact yet."))
        changes, report = self.env['crm.profile.history']._reverse_operation(self)
        # a profile that undo puts back was there before: its "is added" rules ran back then
        skipped = self.env['res.partner']._crm_profiles_changed(changes, 'undo', run_automation=False, report=report)
        self.sudo().write({
            'state': 'undone',
            'undo_report': self.env._(
                "%(count)s contacts had this profile changed again after the assignment; "
                "they were left as they are.", count=skipped) if skipped else False,
        })
        return True

    # ------------------------------------------------------------
    # BACKGROUND JOB
    # ------------------------------------------------------------

    def _remaining(self):
        return max(self.partner_total - self.partner_done, 0)

    def _run_now(self):
        """Small assignments run in the request, all batches at once."""
        while self._process_batch():
            pass

    def _process_batch(self):
        """Applies the operation to the next contacts; returns how many were processed."""
        self.ensure_one()
        domain = Domain(read_domain(self.domain)) & Domain('id', '>', self.last_partner_id)
        partners = self.env['res.partner'].search(domain, order='id', limit=BATCH_SIZE)
        if not partners:
            self.sudo().state = 'done'
            return 0
        if not self.partner_done:
            self._note_unused_profiles()
        self._apply(partners.ids)
        self.sudo().write({
            'state': 'running',
            'last_partner_id': partners[-1].id,
            'partner_done': self.partner_done + len(partners),
        })
        return len(partners)

    def _note_unused_profiles(self):
        """Before the first batch: which profiles no contact carries (see `unused_profile_ids`)."""
        self.env.flush_all()
        # waits for whoever is tagging these profiles right now (a tag's foreign key locks the
        # profile), so that the check sees their contacts
        self.env.cr.execute(SQL("SELECT FROM res_partner_category WHERE id = ANY(%s) FOR UPDATE",
                                self.profile_ids.ids))
        self.env.cr.execute(SQL("""
            SELECT p.id FROM unnest(%s::int4[]) p(id)
             WHERE NOT EXISTS (SELECT FROM res_partner_res_partner_category_rel WHERE category_id = p.id)
        """, self.profile_ids.ids))
        self.sudo().unused_profile_ids = [row[0] for row in self.env.cr.fetchall()]

    def _apply(self, partner_ids):
        """Set-based: one statement per profile makes the change for the whole batch, and,
        through res.partner._crm_profiles_changed, its rules (exclusive categories, the batch's
        history sets); then the "profile is added" automation rules run."""
        self.env.flush_all()
        batch = int_array(partner_ids)
        rel = SQL("res_partner_res_partner_category_rel")
        for profile in self.profile_ids.sudo().with_context(active_test=False):
            changes = {}
            if self.mode == 'remove':
                changes['_removed'] = SQL("""
                    DELETE FROM %s WHERE partner_id = ANY(%s) AND category_id = %s
                    RETURNING partner_id, category_id, 'remove' AS change""", rel, batch, profile.id)
            else:
                changes['_added'] = SQL("""
                    INSERT INTO %s (category_id, partner_id) SELECT %s, unnest(%s) ON CONFLICT DO NOTHING
                    RETURNING partner_id, category_id, 'add' AS change""", rel, profile.id, batch)
            if self.mode == 'replace':
                # the others of the category go from every contact of the batch, not only from
                # those that get the profile now
                changes['_removed'] = SQL("""
                    DELETE FROM %s WHERE category_id = ANY(%s) AND partner_id = ANY(%s)
                    RETURNING partner_id, category_id, 'remove' AS change""", rel, profile._crm_siblings().ids, batch)
            changes['batch'] = SQL(" UNION ALL ").join(
                SQL("SELECT %s, category_id, change FROM %s GROUP BY category_id, change",
                    contact_set(SQL("partner_id")), SQL.identifier(name)) for name in list(changes))
            self.env['res.partner']._crm_profiles_changed(changes, 'wizard', operation=self)

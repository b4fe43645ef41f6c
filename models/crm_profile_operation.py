from ast import literal_eval

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

BATCH_SIZE = 5000


class CrmProfileOperation(models.Model):
    """One run of the assignment wizard: what was done to which contacts, by whom, with undo.

    Contacts are processed in batches ordered by id; the id reached is stored with each batch in
    the same transaction, so a job killed mid-way resumes after the last committed batch: no
    contact is done twice, none forgotten. Exactly what changed is in the profile history rows
    of the operation, which is what undo reverses.
    """
    _name = 'crm.profile.operation'
    _inherit = ['crm.background.job']
    _description = 'Profile Assignment'
    _cron_xmlid = 'crm_target_groups.crm_profile_operation_cron'
    _order = 'id desc'

    name = fields.Char(required=True)
    mode = fields.Selection([('add', 'Add'), ('remove', 'Remove'), ('replace', 'Replace within category')],
                            required=True, default='add')
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
        """Reverses the operation's changes, except where the contact's profile changed since."""
        self.ensure_one()
        if self.state != 'done':
            raise UserError(self.env._("Only a finished assignment can be undone."))
        if self.user_id != self.env.user and not self.env.user.has_group(
                'crm_target_groups.group_crm_target_groups_manager'):
            raise AccessError(self.env._("Only its author or a manager can undo an assignment."))
        self.env.flush_all()
        later = SQL("""EXISTS (SELECT 1 FROM crm_profile_history l
                                WHERE l.partner_id = h.partner_id AND l.profile_id = h.profile_id AND l.id > h.id)""")
        self.env.cr.execute(SQL("""
            SELECT count(DISTINCT h.partner_id) FROM crm_profile_history h WHERE h.operation_id = %s AND %s
        """, self.id, later))
        skipped = self.env.cr.fetchone()[0]
        self.env.cr.execute(SQL("""
            WITH mine AS (SELECT h.partner_id, h.profile_id, h.change FROM crm_profile_history h
                           WHERE h.operation_id = %(op)s AND NOT %(later)s),
                 removed AS (DELETE FROM res_partner_res_partner_category_rel r USING mine
                              WHERE mine.change = 'add' AND r.partner_id = mine.partner_id
                                AND r.category_id = mine.profile_id
                          RETURNING r.partner_id, r.category_id AS profile_id, 'remove' AS change),
                 added AS (INSERT INTO res_partner_res_partner_category_rel (partner_id, category_id)
                           SELECT partner_id, profile_id FROM mine WHERE change = 'remove'
                           ON CONFLICT DO NOTHING
                        RETURNING partner_id, category_id AS profile_id, 'add' AS change)
            INSERT INTO crm_profile_history (partner_id, profile_id, change, date, user_id, source)
            SELECT partner_id, profile_id, change, %(now)s, %(uid)s, 'undo' FROM removed
             UNION ALL
            SELECT partner_id, profile_id, change, %(now)s, %(uid)s, 'undo' FROM added
        """, op=self.id, later=later, now=fields.Datetime.now(), uid=self.env.uid))
        self._invalidate_profile_caches()
        self.write({
            'state': 'undone',
            'undo_report': skipped and self.env._(
                "%(count)s contacts had this profile changed again after the assignment; "
                "they were left as they are.", count=skipped),
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
        domain = Domain(literal_eval(self.domain)) & Domain('id', '>', self.last_partner_id)
        partners = self.env['res.partner'].search(domain, order='id', limit=BATCH_SIZE)
        if not partners:
            self.state = 'done'
            return 0
        self._apply(partners.ids)
        self.write({
            'state': 'running',
            'last_partner_id': partners[-1].id,
            'partner_done': self.partner_done + len(partners),
        })
        return len(partners)

    def _apply(self, partner_ids):
        """Set-based: one statement per profile writes the relation and its history rows; then
        the "profile is added" automation rules run for the contacts that got one."""
        self.env.flush_all()
        now, uid = fields.Datetime.now(), self.env.uid
        Automation = self.env['base.automation']
        triggered = set(Automation._get_actions(self.env['res.partner'], ['on_tag_set']).sudo().mapped('trg_field_ref'))
        added = {}
        for profile in self.profile_ids.sudo().with_context(active_test=False):
            # archived siblings too, as the contact form's write path does
            siblings = (profile.profile_category_id.profile_ids - profile).ids \
                if profile.exclusive or self.mode == 'replace' else []
            if self.mode == 'remove':
                changed = SQL("""
                    removed AS (DELETE FROM res_partner_res_partner_category_rel
                                 WHERE partner_id = ANY(%s::int[]) AND category_id = %s
                             RETURNING partner_id, category_id AS profile_id, 'remove' AS change)
                """, partner_ids, profile.id)
                selects = SQL("SELECT * FROM removed")
            else:
                targets = SQL("SELECT partner_id FROM added") if self.mode == 'add' \
                    else SQL("SELECT unnest(%s::int[])", partner_ids)
                changed = SQL("""
                    added AS (INSERT INTO res_partner_res_partner_category_rel (category_id, partner_id)
                              SELECT %s, unnest(%s::int[]) ON CONFLICT DO NOTHING
                           RETURNING partner_id, category_id AS profile_id, 'add' AS change),
                    removed AS (DELETE FROM res_partner_res_partner_category_rel
                                 WHERE category_id = ANY(%s::int[]) AND partner_id IN (%s)
                             RETURNING partner_id, category_id AS profile_id, 'remove' AS change)
                """, profile.id, partner_ids, siblings, targets)
                selects = SQL("SELECT * FROM added UNION ALL SELECT * FROM removed")
            self.env.cr.execute(SQL("""
                WITH %s, changes AS (%s)
                INSERT INTO crm_profile_history (partner_id, profile_id, change, date, user_id, source, operation_id)
                SELECT partner_id, profile_id, change, %s, %s, 'wizard', %s FROM changes
                %s
            """, changed, selects, now, uid, self.id,
                SQL("RETURNING partner_id, change") if profile.id in triggered else SQL()))
            if profile.id in triggered:
                added[profile.id] = [pid for pid, change in self.env.cr.fetchall() if change == 'add']
        self._invalidate_profile_caches()
        if added:
            Automation._crm_profiles_added(added)

    def _invalidate_profile_caches(self):
        self.env['res.partner'].invalidate_model(['category_id', 'profile_history_ids'])
        self.env['res.partner.category'].invalidate_model(['partner_ids'])
        self.env['crm.profile.history'].invalidate_model()

from ast import literal_eval

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import int_array

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
        """Reverses the operation's changes, except where the contact's profile changed since."""
        self.ensure_one()
        if self.state != 'done':
            raise UserError(self.env._("Only a finished assignment can be undone."))
        if self.user_id != self.env.user and not self.env.user.has_group(
                'crm_target_groups.group_crm_target_groups_manager'):
            raise AccessError(self.env._("Only its author or a manager can undo an assignment."))
        self.env.flush_all()
        skipped = self._undo_changed_since() if self._changed_since() else self._undo_all()
        self._invalidate_profile_caches()
        self.write({
            'state': 'undone',
            'undo_report': self.env._(
                "%(count)s contacts had this profile changed again after the assignment; "
                "they were left as they are.", count=skipped) if skipped else False,
        })
        return True

    def _changed_since(self):
        """Whether any profile of the operation changed on any contact after its first batch."""
        self.env.cr.execute(SQL("""
            WITH mine AS (SELECT array_agg(DISTINCT profile_id) AS profile_ids, min(id) AS first
                            FROM crm_profile_history_set WHERE operation_id = %(op)s)
            SELECT EXISTS (SELECT FROM crm_profile_history_line l, mine
                            WHERE l.profile_id = ANY(mine.profile_ids) AND l.id > mine.first)
                OR EXISTS (SELECT FROM crm_profile_history_set s, mine
                            WHERE s.profile_id = ANY(mine.profile_ids) AND s.id > mine.first
                              AND s.operation_id IS DISTINCT FROM %(op)s)
        """, op=self.id))
        return self.env.cr.fetchone()[0]

    def _undo_all(self):
        """Nothing changed since: every change of the operation is reversed, set by set; a
        profile no contact carried before goes by profile, which spares looking each contact up."""
        rel = SQL("res_partner_res_partner_category_rel")
        self.env.cr.execute(SQL("""
            SELECT DISTINCT profile_id FROM crm_profile_history_set WHERE operation_id = %s AND change = 'add'
        """, self.id))
        for (profile_id,) in self.env.cr.fetchall():
            contacts = SQL()
            if profile_id not in self.unused_profile_ids.ids:
                # the ids as a constant, which PostgreSQL looks up in a hash table (a join would
                # rely on statistics that do not know the rows the assignment just wrote)
                self.env.cr.execute(SQL("""
                    SELECT partner_ids FROM crm_profile_history_set
                     WHERE operation_id = %s AND profile_id = %s AND change = 'add'
                """, self.id, profile_id))
                ids = [pid for (partner_ids,) in self.env.cr.fetchall() for pid in partner_ids]
                contacts = SQL("AND partner_id = ANY(%s)", int_array(ids))
            self.env.cr.execute(SQL("DELETE FROM %s WHERE category_id = %s %s", rel, profile_id, contacts))
        self.env.cr.execute(SQL("""
            INSERT INTO %s (category_id, partner_id)
            SELECT profile_id, unnest(partner_ids) FROM crm_profile_history_set
             WHERE operation_id = %s AND change = 'remove'
            ON CONFLICT DO NOTHING;
            INSERT INTO crm_profile_history_set (partner_ids, partner_span, profile_id, change, date, user_id, source)
            SELECT partner_ids, partner_span, profile_id, CASE change WHEN 'add' THEN 'remove' ELSE 'add' END,
                   %s, %s, 'undo'
              FROM crm_profile_history_set
             WHERE operation_id = %s
        """, rel, self.id, fields.Datetime.now(), self.env.uid, self.id))
        return 0

    def _undo_changed_since(self):
        """Reverses the changes of contacts whose profile did not change since, one by one;
        returns how many contacts were left as they are."""
        self.env.cr.execute(SQL("""
            WITH mine AS (SELECT s.id AS set_id, s.profile_id, s.change, c.partner_id
                            FROM crm_profile_history_set s, unnest(s.partner_ids) c(partner_id)
                           WHERE s.operation_id = %(op)s),
                 later AS (SELECT m.set_id, m.partner_id FROM mine m
                            WHERE EXISTS (SELECT FROM crm_profile_history_line l
                                           WHERE l.partner_id = m.partner_id AND l.profile_id = m.profile_id
                                             AND l.id > m.set_id)
                            UNION
                           SELECT m.set_id, m.partner_id
                             FROM mine m
                             JOIN (SELECT s.id, s.profile_id, unnest(s.partner_ids) AS partner_id
                                     FROM crm_profile_history_set s
                                    WHERE s.profile_id IN (SELECT profile_id FROM mine)
                                      AND s.id > (SELECT min(set_id) FROM mine)
                                      AND s.operation_id IS DISTINCT FROM %(op)s) o
                               ON o.partner_id = m.partner_id AND o.profile_id = m.profile_id AND o.id > m.set_id),
                 undo AS (SELECT m.* FROM mine m
                           WHERE NOT EXISTS (SELECT FROM later
                                              WHERE later.set_id = m.set_id AND later.partner_id = m.partner_id)),
                 removed AS (DELETE FROM res_partner_res_partner_category_rel r USING undo u
                              WHERE u.change = 'add' AND r.partner_id = u.partner_id AND r.category_id = u.profile_id
                          RETURNING u.set_id, u.profile_id, 'remove' AS change, u.partner_id),
                 restored AS (SELECT u.set_id, u.profile_id, 'add' AS change, u.partner_id FROM undo u
                               WHERE u.change = 'remove' AND NOT EXISTS (
                                     SELECT FROM res_partner_res_partner_category_rel r
                                      WHERE r.partner_id = u.partner_id AND r.category_id = u.profile_id)),
                 added AS (INSERT INTO res_partner_res_partner_category_rel (partner_id, category_id)
                           SELECT partner_id, profile_id FROM restored
                           ON CONFLICT DO NOTHING),
                 recorded AS (INSERT INTO crm_profile_history_set
                                     (partner_ids, partner_span, profile_id, change, date, user_id, source)
                              SELECT array_agg(partner_id), int4range(min(partner_id), max(partner_id), '[]'),
                                     profile_id, change, %(now)s, %(uid)s, 'undo'
                                FROM (SELECT * FROM removed UNION ALL SELECT * FROM restored) done
                            GROUP BY set_id, profile_id, change)
            SELECT count(DISTINCT partner_id) FROM later
        """, op=self.id, now=fields.Datetime.now(), uid=self.env.uid))
        return self.env.cr.fetchone()[0]

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
        if not self.partner_done:
            self._note_unused_profiles()
        self._apply(partners.ids)
        self.write({
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
        self.unused_profile_ids = [row[0] for row in self.env.cr.fetchall()]

    def _apply(self, partner_ids):
        """Set-based: one statement per profile writes the relation and the batch's history set;
        then the "profile is added" automation rules run for the contacts that got one."""
        self.env.flush_all()
        Automation = self.env['base.automation']
        triggered = set(Automation._get_actions(self.env['res.partner'], ['on_tag_set']).sudo().mapped('trg_field_ref'))
        batch = int_array(partner_ids)
        rel = SQL("res_partner_res_partner_category_rel")
        added = {}
        for profile in self.profile_ids.sudo().with_context(active_test=False):
            # archived siblings too, as the contact form's write path does
            siblings = (profile.profile_category_id.profile_ids - profile).ids \
                if profile.exclusive or self.mode == 'replace' else []
            changes = {}  # the statement's parts, by name
            if self.mode == 'remove':
                changes['removed'] = SQL("""
                    DELETE FROM %s WHERE partner_id = ANY(%s) AND category_id = %s
                    RETURNING partner_id, category_id, 'remove' AS change""", rel, batch, profile.id)
            else:
                changes['added'] = SQL("""
                    INSERT INTO %s (category_id, partner_id) SELECT %s, unnest(%s) ON CONFLICT DO NOTHING
                    RETURNING partner_id, category_id, 'add' AS change""", rel, profile.id, batch)
            if siblings and self.mode != 'remove':
                targets = SQL("SELECT partner_id FROM added") if self.mode == 'add' else SQL("SELECT unnest(%s)", batch)
                changes['removed'] = SQL("""
                    DELETE FROM %s WHERE category_id = ANY(%s) AND partner_id IN (%s)
                    RETURNING partner_id, category_id, 'remove' AS change""", rel, siblings, targets)
            self.env.cr.execute(SQL("""
                WITH %s
                INSERT INTO crm_profile_history_set
                       (partner_ids, partner_span, profile_id, change, date, user_id, source, operation_id)
                SELECT array_agg(partner_id), int4range(min(partner_id), max(partner_id), '[]'),
                       category_id, change, %s, %s, 'wizard', %s
                  FROM (%s) changes
              GROUP BY category_id, change
             RETURNING change, partner_ids
            """, SQL(", ").join(SQL("%s AS (%s)", SQL.identifier(name), change) for name, change in changes.items()),
                fields.Datetime.now(), self.env.uid, self.id,
                SQL(" UNION ALL ").join(SQL("SELECT * FROM %s", SQL.identifier(name)) for name in changes)))
            if profile.id in triggered:
                added[profile.id] = [pid for change, ids in self.env.cr.fetchall() if change == 'add' for pid in ids]
        self._invalidate_profile_caches()
        if added:
            Automation._crm_profiles_added(added)

    def _invalidate_profile_caches(self):
        self.env['res.partner'].invalidate_model(['category_id', 'profile_history_ids'])
        self.env['res.partner.category'].invalidate_model(['partner_ids'])
        self.env['crm.profile.history'].invalidate_model()

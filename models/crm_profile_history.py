import threading
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.http import request
from odoo.orm.domains import DomainAnd, DomainCondition
from odoo.tools import SQL, Query

from ..tools import contact_set, ids_of, int_array, span

IMPORT_PATH = '/web/dataset/call_kw/base_import.import/'
# where server code hands the source of a change to the history (res.partner._crm_write_profiles)
SOURCE_KEY = 'crm_profile_source'
SOURCES = [
    ('form', 'Contact form'),
    ('click', 'Assignment mode'),
    ('wizard', 'Assignment wizard'),
    ('import', 'Import'),
    ('api', 'API'),
    ('merge', 'Profile merge'),
    ('contact_merge', 'Contact merge'),
    ('automation', 'Automation'),
    ('undo', 'Undo'),
    ('other', 'Other'),
]
# a contact's row in a set has the id SET_ID_BASE + set id * SET_SIZE + its position in the set:
# above every single row's id, unique as long as a set holds fewer than SET_SIZE contacts (an
# assignment writes one set per batch), and below 2**53, the largest id the web client keeps exact
SET_ID_BASE = 10 ** 12
SET_SIZE = 10 ** 6
MAX_VIEW_ID = 2 ** 53
# more changes at once than this are recorded as sets (see the class)
LINES_AT_MOST = 1000


class CrmProfileHistory(models.Model):
    """One row per profile added to or taken from a contact: who, when, through which path.

    Meant to hold millions of rows, kept in two tables that this view shows as one:
    - `crm_profile_history_line`, a row per contact and profile, for the changes made one by one
      (form, click, import, API, automation);
    - `crm_profile_history_set`, a row per batch of an assignment (or its undo) and profile, the
      contacts' ids in an array: tagging 100,000 contacts writes 20 rows instead of 100,000 rows
      whose foreign keys PostgreSQL would check one by one (twice the cost of the tagging itself).
      A set is found by the span of its ids (a batch is a run of contacts in id order), through
      a GiST index: one entry per set, where an index of the ids themselves (GIN) would cost as
      much as the rows it spares.
    Both take their ids from one sequence (`serial`), which orders all changes. `_search` adds
    conditions on the tables' own columns, so that a contact's history or a fetch by id goes
    through their indexes instead of unnesting every set.
    """
    _name = 'crm.profile.history'
    _description = 'Profile History'
    _auto = False
    _order = 'serial desc'

    serial = fields.Integer('Order', readonly=True)
    partner_id = fields.Many2one('res.partner', string='Contact', readonly=True)
    profile_id = fields.Many2one('res.partner.category', string='Profile', readonly=True)
    profile_category_id = fields.Many2one(related='profile_id.profile_category_id')
    change = fields.Selection([('add', 'Added'), ('remove', 'Removed')], readonly=True)
    date = fields.Datetime(readonly=True)
    user_id = fields.Many2one('res.users', string='By', readonly=True)
    source = fields.Selection(SOURCES, string='Through', readonly=True)
    operation_id = fields.Many2one('crm.profile.operation', string='Assignment', readonly=True)

    def init(self):
        self.env.cr.execute(SQL("""
            CREATE TABLE IF NOT EXISTS crm_profile_history_line (
                id serial PRIMARY KEY,
                partner_id int NOT NULL REFERENCES res_partner ON DELETE CASCADE,
                profile_id int NOT NULL REFERENCES res_partner_category ON DELETE CASCADE,
                change varchar NOT NULL,
                date timestamp NOT NULL,
                user_id int NOT NULL REFERENCES res_users ON DELETE RESTRICT,
                source varchar NOT NULL
            );
            -- a contact's tab, and undo's "changed again since?"
            CREATE INDEX IF NOT EXISTS crm_profile_history_line_partner_idx
                ON crm_profile_history_line (partner_id, profile_id, id);
            CREATE INDEX IF NOT EXISTS crm_profile_history_line_profile_idx
                ON crm_profile_history_line (profile_id, id);
            CREATE TABLE IF NOT EXISTS crm_profile_history_set (
                id int PRIMARY KEY DEFAULT nextval('crm_profile_history_line_id_seq'),
                partner_ids int4[] NOT NULL,
                partner_span int4range NOT NULL,  -- from the least id to the greatest
                profile_id int NOT NULL REFERENCES res_partner_category ON DELETE CASCADE,
                change varchar NOT NULL,
                date timestamp NOT NULL,
                user_id int NOT NULL REFERENCES res_users ON DELETE RESTRICT,
                source varchar NOT NULL,
                operation_id int REFERENCES crm_profile_operation ON DELETE SET NULL
            );
            -- ids hardly compress: trying costs more than it saves
            ALTER TABLE crm_profile_history_set ALTER partner_ids SET STORAGE EXTERNAL;
            CREATE INDEX IF NOT EXISTS crm_profile_history_set_partner_idx
                ON crm_profile_history_set USING gist (partner_span);
            CREATE INDEX IF NOT EXISTS crm_profile_history_set_profile_idx
                ON crm_profile_history_set (profile_id, id);
            CREATE INDEX IF NOT EXISTS crm_profile_history_set_operation_idx
                ON crm_profile_history_set (operation_id) WHERE operation_id IS NOT NULL;
            CREATE OR REPLACE VIEW crm_profile_history AS (
                SELECT l.id::bigint AS id, l.id AS serial, l.partner_id, l.profile_id, l.change, l.date,
                       l.user_id, l.source, NULL::int AS operation_id,
                       int4range(l.partner_id, l.partner_id, '[]') AS partner_span
                  FROM crm_profile_history_line l
                 UNION ALL
                -- ordered, so that the newest changes come first without unnesting every set
                (SELECT %(base)s + s.id::bigint * %(size)s + c.position, s.id, c.partner_id, s.profile_id,
                        s.change, s.date, s.user_id, s.source, s.operation_id, s.partner_span
                   FROM crm_profile_history_set s,
                        unnest(s.partner_ids) WITH ORDINALITY c(partner_id, position)
               ORDER BY s.id DESC)
            )
        """, base=SET_ID_BASE, size=SET_SIZE))

    @api.model
    def _search(self, domain, *args, **kwargs):
        """Conditions on the contact or the id also go to the tables' own columns (see the class)."""
        query = super()._search(domain, *args, **kwargs)
        if query.is_empty():
            return query
        domain = Domain(domain).optimize_full(self)
        for condition in domain.children if isinstance(domain, DomainAnd) else [domain]:
            if not isinstance(condition, DomainCondition):
                continue
            if condition.field_expr == 'partner_id' and condition.operator in ('any', 'any!'):
                # by the contacts' name or any of their fields: the span of those that match, as
                # this user may search them (the same contacts the condition itself selects)
                partners = self.env['res.partner'].with_context(active_test=False)._search(condition.value)
                partner_id = SQL.identifier(partners.table, 'id')
                query.add_where(SQL("%s && (%s)", SQL.identifier(query.table, 'partner_span'), partners.select(
                    SQL("coalesce(int4range(min(%s), max(%s), '[]'), 'empty')", partner_id, partner_id))))
                continue
            if condition.operator != 'in' or isinstance(condition.value, (Domain, Query, SQL)):
                continue
            if condition.field_expr == 'partner_id' and (ids := ids_of(condition.value)):
                query.add_where(SQL("%s && %s", SQL.identifier(query.table, 'partner_span'), span(ids)))
            elif condition.field_expr == 'id' and (ids := ids_of(condition.value, MAX_VIEW_ID)):
                # lines and sets share one sequence: their own ids never meet
                serials = ids_of(value if value < SET_ID_BASE else (value - SET_ID_BASE) // SET_SIZE for value in ids)
                query.add_where(SQL("%s = ANY(%s)", SQL.identifier(query.table, 'serial'), int_array(serials)))
        return query

    @api.model
    def _record(self, changes, source=None, operation=None):
        """The CTEs that record changes, for res.partner._crm_profiles_changed's statement.
        changes: SQL of a relation (partner_ids, partner_span, category_id, change). An assignment's batch, or
        many changes at once (an undo), go in sets; a few (form, click, import, API) in lines.
        source: the path of the change where the caller knows it, else the request's (_source)."""
        many = SQL("TRUE") if operation else \
            SQL("(SELECT coalesce(sum(cardinality(partner_ids)), 0) > %s FROM %s)", LINES_AT_MOST, changes)
        # a set holds fewer than SET_SIZE contacts: a bigger one is split by ranges of ids
        return SQL("""
            recorded_sets AS (
                INSERT INTO crm_profile_history_set
                       (partner_ids, partner_span, profile_id, change, date, user_id, source, operation_id)
                SELECT partner_ids, partner_span, category_id, change, %(now)s, %(uid)s, %(source)s, %(operation)s
                  FROM (SELECT partner_ids, partner_span, category_id, change FROM %(changes)s
                         WHERE cardinality(partner_ids) < %(size)s
                         UNION ALL
                        SELECT %(set)s, category_id, change FROM %(changes)s, unnest(partner_ids) p
                         WHERE cardinality(partner_ids) >= %(size)s GROUP BY category_id, change, p / %(size)s) c
                 WHERE %(many)s AND cardinality(partner_ids) > 0),
            recorded_lines AS (
                INSERT INTO crm_profile_history_line (partner_id, profile_id, change, date, user_id, source)
                SELECT unnest(partner_ids), category_id, change, %(now)s, %(uid)s, %(source)s FROM %(changes)s
                 WHERE NOT %(many)s)
        """, now=fields.Datetime.now(), uid=self.env.uid, source=source or self._source(),
            operation=operation and operation.id, changes=changes, many=many, size=SET_SIZE,
            set=contact_set(SQL("p")))

    @api.model
    def _reverse_operation(self, operation):
        """Puts back the profiles an assignment changed, except on contacts whose profile changed
        again since: the statement's parts, for res.partner._crm_profiles_changed (which makes
        the change take effect and records it), and its report: how many contacts it leaves alone."""
        if self._changed_since(operation):
            return self._undo_changed_since(operation)
        return self._undo_all(operation), None

    @api.model
    def _changed_since(self, operation):
        """Whether any profile of the operation changed on any contact after its first batch."""
        self.env.cr.execute(SQL("""
            WITH mine AS (SELECT array_agg(DISTINCT profile_id) AS profile_ids, min(id) AS first
                            FROM crm_profile_history_set WHERE operation_id = %(op)s)
            SELECT EXISTS (SELECT FROM crm_profile_history_line l, mine
                            WHERE l.profile_id = ANY(mine.profile_ids) AND l.id > mine.first)
                OR EXISTS (SELECT FROM crm_profile_history_set s, mine
                            WHERE s.profile_id = ANY(mine.profile_ids) AND s.id > mine.first
                              AND s.operation_id IS DISTINCT FROM %(op)s)
        """, op=operation.id))
        return self.env.cr.fetchone()[0]

    @api.model
    def _undo_all(self, operation):
        """Nothing changed since: every change of the operation is reversed, set by set; a
        profile no contact carried before goes by profile, which spares looking each contact up."""
        rel = SQL("res_partner_res_partner_category_rel")
        self.env.cr.execute(SQL("""
            SELECT DISTINCT profile_id FROM crm_profile_history_set WHERE operation_id = %s AND change = 'add'
        """, operation.id))
        for (profile_id,) in self.env.cr.fetchall():
            contacts = SQL()
            if profile_id not in operation.sudo().unused_profile_ids.ids:
                # the ids as a constant, which PostgreSQL looks up in a hash table (a join would
                # rely on statistics that do not know the rows the assignment just wrote)
                self.env.cr.execute(SQL("""
                    SELECT partner_ids FROM crm_profile_history_set
                     WHERE operation_id = %s AND profile_id = %s AND change = 'add'
                """, operation.id, profile_id))
                ids = [pid for (partner_ids,) in self.env.cr.fetchall() for pid in partner_ids]
                contacts = SQL("AND partner_id = ANY(%s)", int_array(ids))
            self.env.cr.execute(SQL("DELETE FROM %s WHERE category_id = %s %s", rel, profile_id, contacts))
        self.env.cr.execute(SQL("""
            INSERT INTO %s (category_id, partner_id)
            SELECT profile_id, unnest(partner_ids) FROM crm_profile_history_set
             WHERE operation_id = %s AND change = 'remove'
            ON CONFLICT DO NOTHING
        """, rel, operation.id))
        # nothing changed since: what changed is the operation's sets, reversed
        changes = {'reversed': SQL("""
            SELECT partner_ids, partner_span, profile_id AS category_id,
                   CASE change WHEN 'add' THEN 'remove' ELSE 'add' END AS change
              FROM crm_profile_history_set
             WHERE operation_id = %s
        """, operation.id)}
        return changes

    @api.model
    def _undo_changed_since(self, operation):
        """Reverses the changes of contacts whose profile did not change since, one by one:
        the statement's parts and its report (see _reverse_operation)."""
        op = operation.id
        return {
            '_mine': SQL("""
                SELECT s.id AS set_id, s.profile_id, s.change, c.partner_id
                  FROM crm_profile_history_set s, unnest(s.partner_ids) c(partner_id)
                 WHERE s.operation_id = %s""", op),
            '_later': SQL("""
                SELECT m.set_id, m.partner_id FROM _mine m
                 WHERE EXISTS (SELECT FROM crm_profile_history_line l
                                WHERE l.partner_id = m.partner_id AND l.profile_id = m.profile_id AND l.id > m.set_id)
                 UNION
                SELECT m.set_id, m.partner_id
                  FROM _mine m
                  JOIN (SELECT s.id, s.profile_id, unnest(s.partner_ids) AS partner_id
                          FROM crm_profile_history_set s
                         WHERE s.profile_id IN (SELECT profile_id FROM _mine)
                           AND s.id > (SELECT min(set_id) FROM _mine)
                           AND s.operation_id IS DISTINCT FROM %s) o
                    ON o.partner_id = m.partner_id AND o.profile_id = m.profile_id AND o.id > m.set_id""", op),
            '_undo': SQL("""
                SELECT m.* FROM _mine m
                 WHERE NOT EXISTS (SELECT FROM _later l WHERE l.set_id = m.set_id AND l.partner_id = m.partner_id)"""),
            '_removed': SQL("""
                DELETE FROM res_partner_res_partner_category_rel r USING _undo u
                 WHERE u.change = 'add' AND r.partner_id = u.partner_id AND r.category_id = u.profile_id
             RETURNING u.set_id, u.partner_id, u.profile_id AS category_id, 'remove' AS change"""),
            '_restored': SQL("""
                INSERT INTO res_partner_res_partner_category_rel (partner_id, category_id)
                SELECT partner_id, profile_id FROM _undo u WHERE u.change = 'remove'
                ON CONFLICT DO NOTHING
             RETURNING partner_id, category_id, 'add' AS change"""),
            'reversed': SQL("""
                SELECT %s, category_id, change FROM _removed GROUP BY set_id, category_id, change
                 UNION ALL
                SELECT %s, category_id, change FROM _restored GROUP BY category_id, change""",
                contact_set(SQL("partner_id")), contact_set(SQL("partner_id"))),
        }, SQL("(SELECT count(DISTINCT partner_id) FROM _later)")

    @api.model
    def _move_partners(self, partner_ids, into=None):
        """The sets hold contact ids without foreign keys: a deleted contact leaves them, a merged
        one gives its place to the contact it was merged into (as Odoo moves the lines)."""
        if not partner_ids:
            return
        self.env.cr.execute(SQL("""
            UPDATE crm_profile_history_set s
               SET (partner_ids, partner_span) = (
                   SELECT coalesce(array_agg(p ORDER BY n), '{}'), coalesce(int4range(min(p), max(p), '[]'), 'empty')
                     FROM (SELECT CASE WHEN p = ANY(%(ids)s) THEN %(into)s ELSE p END, n
                             FROM unnest(s.partner_ids) WITH ORDINALITY u(p, n)) moved (p, n)
                    WHERE p IS NOT NULL)
             WHERE partner_span && %(span)s AND partner_ids && %(ids)s;
            DELETE FROM crm_profile_history_set WHERE partner_ids = '{}'
        """, ids=int_array(partner_ids), span=span(partner_ids), into=into))
        self.invalidate_model()

    @api.model
    def _source(self):
        """The path of a change, as the server sees it, never as a caller's context says: what
        server code handed over on the cursor (click, profile merge), else the request's path:
        the external APIs, an import through base_import, a save of the contact form; server
        code without a request (cron, shell) may say it is an import."""
        if sources := self.env.cr.cache.get(SOURCE_KEY):
            return sources[-1]
        # XML-RPC and JSON-RPC calls run with the request put aside; the thread keeps its URL
        path = request.httprequest.path if request else urlsplit(getattr(threading.current_thread(), 'url', '')).path
        if path.startswith(('/json/2/', '/xmlrpc', '/jsonrpc')):
            return 'api'
        if self.env.context.get('import_file') and (not path or path.startswith(IMPORT_PATH)):
            return 'import'
        if path.startswith('/web/dataset/call_kw/') and path.endswith('/web_save'):
            return 'form'
        return 'other'

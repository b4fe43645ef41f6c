from odoo import api, fields, models
from odoo.tools import SQL

from .crm_campaign_history import (
    EVENTS, LEAD_EVENTS, LEAD_ROWS, LINES_INVOICED, LINES_QUANTITY, ORDER_CONFIRMED, ORDER_ROWS,
    TRACE_CONTACTS, TRACE_EVENTS, TRACE_ROWS,
)
from .crm_campaign_touch import KINDS


def _counts(events):
    """A count column per event of TRACE_EVENTS or LEAD_EVENTS: the rows where it happened."""
    return {f'{event}_count': f"count({date})" for _code, event, date in events}


# a registration's contact and its alias, as the traces of mailings to registrations reach it
REGISTRATION_CONTACT, (_table, REGISTRATION_ALIAS) = TRACE_CONTACTS['event.registration']

# What each source adds to a campaign contact, per (campaign, contact): `rows` selects the rows
# that count (over `alias`), `columns` aggregates them. The lines of an order count through their order (`sale_order`); the
# `sale_order_line` entry is the change of a line alone, for its trigger.
SOURCES = {
    'mailing_trace': {
        'alias': 't', 'campaign': 't.campaign_id', 'rows': TRACE_ROWS, 'columns': _counts(TRACE_EVENTS),
        # the trace's contact, whichever model it mailed (TRACE_CONTACTS)
        'partner': "CASE t.model " + " ".join(f"WHEN '{model}' THEN {contact}"
                                              for model, (contact, _document) in TRACE_CONTACTS.items()) + " END",
        'join': " ".join(f"LEFT JOIN {document[0]} {document[1]} ON t.model = '{model}' AND {document[1]}.id = t.res_id"
                         for model, (_contact, document) in TRACE_CONTACTS.items() if document),
    },
    # a registration's mails are its contact's: a registration given another contact takes them
    # along, a deleted one takes them away (its traces stay, reaching nobody)
    'event_registration': {
        'alias': REGISTRATION_ALIAS, 'campaign': 't.campaign_id', 'partner': REGISTRATION_CONTACT,
        'rows': TRACE_ROWS, 'columns': _counts(TRACE_EVENTS),
        'join': f"JOIN mailing_trace t ON t.model = 'event.registration' AND t.res_id = {REGISTRATION_ALIAS}.id",
        'change_only': True, 'on': ('UPDATE', 'DELETE'), 'changed': ('partner_id',),
    },
    'crm_campaign_touch': {
        'alias': 'c', 'campaign': 'c.campaign_id', 'partner': 'c.partner_id', 'rows': 'TRUE',
        'columns': {f'{kind}_count': f"count(*) FILTER (WHERE c.kind = '{kind}')" for kind, _label in KINDS},
    },
    'crm_lead': {
        'alias': 'l', 'campaign': 'l.campaign_id', 'partner': 'l.partner_id', 'rows': LEAD_ROWS,
        'columns': _counts(LEAD_EVENTS),
    },
    'sale_order': {
        'alias': 'o', 'campaign': 'o.campaign_id', 'partner': 'o.partner_id', 'rows': ORDER_ROWS,
        'join': f"""LEFT JOIN LATERAL (
                        SELECT {LINES_QUANTITY} AS quantity, {LINES_INVOICED} AS invoiced
                          FROM sale_order_line line WHERE line.order_id = o.id AND {ORDER_CONFIRMED}
                    ) lines ON TRUE""",
        'columns': {
            'quotation_count': f"count(*) FILTER (WHERE NOT ({ORDER_CONFIRMED}))",
            'order_count': f"count(*) FILTER (WHERE {ORDER_CONFIRMED})",
            'order_amount': f"sum(o.amount_untaxed) FILTER (WHERE {ORDER_CONFIRMED})",
            'order_quantity': "sum(lines.quantity)",
            'order_invoiced': "sum(lines.invoiced)",
        },
    },
    'sale_order_line': {
        'alias': 'line', 'campaign': 'o.campaign_id', 'partner': 'o.partner_id',
        'rows': f"{ORDER_ROWS} AND {ORDER_CONFIRMED}", 'join': "JOIN sale_order o ON o.id = line.order_id",
        'columns': {'order_quantity': LINES_QUANTITY, 'order_invoiced': LINES_INVOICED},
        'change_only': True,
    },
}
# the trigger functions, a source's named after its table
FUNCTIONS = [f'crm_campaign_contact_{table}' for table in [*SOURCES, 'utm_campaign']]
COUNTS = [f'{event}_count' for event, _label in EVENTS]
AMOUNTS = ['order_quantity', 'order_amount', 'order_invoiced']
COLUMNS = COUNTS + AMOUNTS
# a campaign's ancestors and itself, from the parent_path of its row `c`
ANCESTORS = "unnest(string_to_array(rtrim(coalesce(c.parent_path, c.id || '/'), '/'), '/')::int[])"


def _contributions(table, relation, campaigns=None):
    """What the rows of `relation` (the table, a trigger's transition table, or a sub-query) of source `table`
    add, per (campaign, contact); only for the campaigns of the sub-query `campaigns` if given."""
    source = SOURCES[table]
    columns = ", ".join(f"coalesce({source['columns'][name]}, 0) AS {name}" if name in source['columns']
                        else f"0 AS {name}" for name in COLUMNS)
    where = f"{source['rows']} AND {source['campaign']} IS NOT NULL"
    if campaigns:
        where += f" AND {source['campaign']} IN ({campaigns})"
    return f"""SELECT {source['campaign']} AS campaign_id, {source['partner']} AS partner_id, {columns}
                 FROM {relation} {source['alias']} {source.get('join', '')}
                WHERE {where}
             GROUP BY 1, 2"""


def _summed(delta, sign=""):
    """The rows of `delta` (campaign_id, partner_id, COLUMNS), times `sign`, summed per contact
    for their campaign and for each campaign above it."""
    return f"""
        SELECT a.id AS campaign_id, d.partner_id, {", ".join(f"{sign}sum(d.{name})" for name in COLUMNS)}
          FROM ({delta}) d
          JOIN utm_campaign c ON c.id = d.campaign_id
         CROSS JOIN LATERAL {ANCESTORS} AS a (id)
         WHERE d.partner_id IS NOT NULL
      GROUP BY a.id, d.partner_id
        HAVING {" OR ".join(f"sum(d.{name}) <> 0" for name in COLUMNS)}
      ORDER BY a.id, d.partner_id"""


def _add(rows):
    """The statement that adds `rows` (campaign_id, partner_id, COLUMNS; one per campaign and
    contact, in the order of the key, so that concurrent statements lock alike) to the table."""
    return f"""
        INSERT INTO crm_campaign_contact AS s (campaign_id, partner_id, {", ".join(COLUMNS)}) {rows}
            ON CONFLICT (campaign_id, partner_id) DO UPDATE
           SET {", ".join(f"{name} = s.{name} + EXCLUDED.{name}" for name in COLUMNS)};"""


def _all_contributions():
    """What every row of every source adds (the table rebuilt)."""
    return " UNION ALL ".join(_contributions(table, table) for table, source in SOURCES.items()
                              if not source.get('change_only'))


def _moved(paths):
    """The rows of the moved campaigns of `paths` (id, old_path, new_path; a path NULL for none),
    out of the campaigns above each before, into those above it now; its own rows stay."""
    return f"""
        SELECT a.id, r.partner_id, {", ".join(f"sum(r.{name} * a.sign)" for name in COLUMNS)}
          FROM ({paths}) m
          JOIN crm_campaign_contact r ON r.campaign_id = m.id
         CROSS JOIN LATERAL (
               SELECT id, -1 AS sign FROM unnest(string_to_array(rtrim(m.old_path, '/'), '/')::int[]) id
                WHERE id <> m.id
               UNION ALL
               SELECT id, 1 FROM unnest(string_to_array(rtrim(m.new_path, '/'), '/')::int[]) id
                WHERE id <> m.id
         ) a
      GROUP BY a.id, r.partner_id
      ORDER BY a.id, r.partner_id"""


def drop_campaign_contacts(cr):
    """Removes the table and the triggers (with their functions): on uninstall, a trigger left
    on Odoo's traces or orders would fail on every write."""
    cr.execute(SQL("DROP FUNCTION IF EXISTS %s CASCADE", SQL(", ").join(
        SQL("%s()", SQL.identifier(function)) for function in FUNCTIONS)))
    cr.execute(SQL("DROP TABLE IF EXISTS crm_campaign_contact"))


class CrmCampaignContact(models.Model):
    """What a campaign, its sub-campaigns included, did at one contact: a count per event of the
    campaign history (mails sent, opened, ..., letters, calls, responses, leads, orders) and what
    the contact's confirmed orders brought.

    The statistics of a campaign and its smart buttons read these rows, one per contact, instead of
    aggregating the whole history on every read (a campaign of a million mail events is counted in
    milliseconds, a list of campaigns as fast as Odoo's own). PostgreSQL keeps them: a trigger on
    each source (mail traces, touches, leads, orders and their lines) adds what each statement
    changes, set-based, whoever writes (the ORM, Odoo's own SQL, a cascade), from the same
    definitions of the events as the history view (TRACE_EVENTS, ...); moving or deleting a
    campaign moves its rows' sums between its ancestors. Every module update rebuilds them.

    Privacy: the same rule as the history, a contact who carries a profile hidden from the user
    is left out of every count.
    """
    _name = 'crm.campaign.contact'
    _description = 'Campaign Contact'
    _auto = False
    _log_access = False
    _rec_name = 'partner_id'

    campaign_id = fields.Many2one('utm.campaign', string='Campaign', readonly=True,
                                  help="The campaign, its sub-campaigns included.")
    partner_id = fields.Many2one('res.partner', string='Contact', readonly=True)
    company_currency_id = fields.Many2one('res.currency', compute='_compute_company_currency_id')
    sent_count = fields.Integer('Mails sent', readonly=True)
    opened_count = fields.Integer('Mails opened', readonly=True)
    clicked_count = fields.Integer('Mails clicked', readonly=True)
    replied_count = fields.Integer('Mails replied', readonly=True)
    bounced_count = fields.Integer('Mails bounced', readonly=True)
    letter_count = fields.Integer('Letters', readonly=True)
    call_count = fields.Integer('Calls', readonly=True)
    response_count = fields.Integer('Personal Responses', readonly=True)
    lead_count = fields.Integer('Leads', readonly=True)
    won_count = fields.Integer('Won', readonly=True)
    quotation_count = fields.Integer('Quotations', readonly=True)
    order_count = fields.Integer('Orders', readonly=True)
    order_quantity = fields.Float('Products', readonly=True)
    order_amount = fields.Monetary('Revenue', currency_field='company_currency_id', readonly=True)
    order_invoiced = fields.Monetary('Invoiced', currency_field='company_currency_id', readonly=True)
    partner_visible = fields.Boolean(
        'Contact visible', compute='_compute_partner_visible', search='_search_partner_visible',
        help="The contact carries no profile hidden from you (see crm.campaign.history).")

    def _compute_company_currency_id(self):
        self.company_currency_id = self.env.company.currency_id

    def _compute_partner_visible(self):
        self.env['crm.campaign.history']._compute_partner_visible_of(self)

    def _search_partner_visible(self, operator, value):
        return self.env['crm.campaign.history']._search_partner_visible(operator, value)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model
    def _search(self, domain, *args, **kwargs):
        """What the ORM still holds of the sources and the campaign tree goes to the database
        first, where the triggers count it."""
        self.env['crm.campaign.history']._flush_sources()
        self.env['utm.campaign'].flush_model(['parent_path'])
        return super()._search(domain, *args, **kwargs)

    def init(self):
        cr = self.env.cr
        counts = ", ".join(f"{name} int NOT NULL DEFAULT 0" for name in COUNTS)
        amounts = ", ".join(f"{name} numeric NOT NULL DEFAULT 0" for name in AMOUNTS)
        # no foreign keys: a trace keeps a deleted contact's id (as in the history), and a
        # campaign's deletion is the trigger's to handle (its sums leave its ancestors)
        cr.execute(SQL(f"""
            CREATE TABLE IF NOT EXISTS crm_campaign_contact (
                id serial PRIMARY KEY, campaign_id int NOT NULL, partner_id int NOT NULL, {counts}, {amounts});
            CREATE UNIQUE INDEX IF NOT EXISTS crm_campaign_contact_key
                ON crm_campaign_contact (campaign_id, partner_id);
            CREATE INDEX IF NOT EXISTS crm_campaign_contact_partner_idx ON crm_campaign_contact (partner_id);
        """))
        for column in COLUMNS:  # a column added by a later version
            kind = 'int' if column in COUNTS else 'numeric'
            cr.execute(SQL(f"ALTER TABLE crm_campaign_contact ADD COLUMN IF NOT EXISTS {column} {kind} NOT NULL DEFAULT 0"))
        for table in SOURCES:
            self._create_source_trigger(table)
        self._create_campaign_trigger()
        # the whole table anew, from the sources (install, and every update of the module)
        cr.execute(SQL("TRUNCATE crm_campaign_contact"))
        cr.execute(SQL(_add(_summed(_all_contributions()))))

    def _create_source_trigger(self, table):
        """Statement triggers on a source (insert, update, delete, or those of its 'on'),
        adding what the statement's rows added after it, less what they added before."""
        function = f'crm_campaign_contact_{table}'
        source = SOURCES[table]
        new, old = _contributions(table, 'new_rows'), _contributions(table, 'old_rows')
        if changed := source.get('changed'):
            # an update counts for the rows where one of these columns changed (PostgreSQL has no
            # transition tables for a trigger on some columns only)
            differ = " OR ".join(f"o.{column} IS DISTINCT FROM n.{column}" for column in changed)
            update_new, update_old = (_contributions(table, f"(SELECT {side}.* FROM new_rows n JOIN old_rows o "
                                                            f"ON o.id = n.id WHERE {differ})")
                                      for side in ('n', 'o'))
        else:
            update_new, update_old = new, old
        on = source.get('on', ('INSERT', 'UPDATE', 'DELETE'))
        statements = {
            'INSERT': ("NEW TABLE AS new_rows", _add(_summed(new))),
            'UPDATE': ("OLD TABLE AS old_rows NEW TABLE AS new_rows", _add(_summed(
                f"{update_new} UNION ALL SELECT campaign_id, partner_id, "
                + ", ".join(f"-{name}" for name in COLUMNS) + f" FROM ({update_old}) o"))),
            'DELETE': ("OLD TABLE AS old_rows", _add(_summed(old, "-"))),
        }
        body = "\n".join(f"IF TG_OP = '{event}' THEN {statements[event][1]} END IF;" for event in on)
        self.env.cr.execute(SQL(f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN
                {body}
                RETURN NULL;
            END
            $body$;
            DROP TRIGGER IF EXISTS {function}_insert ON {table};
            DROP TRIGGER IF EXISTS {function}_update ON {table};
            DROP TRIGGER IF EXISTS {function}_delete ON {table};
        """ + "".join(f"""
            CREATE TRIGGER {function}_{event.lower()} AFTER {event} ON {table}
                REFERENCING {statements[event][0]} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"""
                      for event in on)))

    def _create_campaign_trigger(self):
        """A campaign moved below another takes its rows' sums (its own and its sub-campaigns')
        from the campaigns it was below to those it is below now; a deleted one (it has no
        sub-campaigns) takes them from those it was below, and its rows go. A new campaign has
        nothing to move."""
        moved = """
            SELECT m.id, m.old_path, m.new_path FROM (
                SELECT o.id, o.parent_path AS old_path, n.parent_path AS new_path
                  FROM old_rows o JOIN new_rows n ON n.id = o.id
                 WHERE o.parent_path IS DISTINCT FROM n.parent_path AND o.parent_path IS NOT NULL
            ) m
             -- the top of each moved tree: its sub-campaigns move with it
             WHERE NOT EXISTS (SELECT 1 FROM old_rows o2 JOIN new_rows n2 ON n2.id = o2.id
                                WHERE o2.parent_path IS DISTINCT FROM n2.parent_path
                                  AND m.old_path LIKE o2.parent_path || '%%' AND o2.id <> m.id)"""
        self.env.cr.execute(SQL(f"""
            CREATE OR REPLACE FUNCTION crm_campaign_contact_utm_campaign() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    {_add(_moved("SELECT id, parent_path AS old_path, NULL AS new_path FROM old_rows"))}
                    DELETE FROM crm_campaign_contact WHERE campaign_id IN (SELECT id FROM old_rows);
                ELSE
                    {_add(_moved(moved))}
                END IF;
                RETURN NULL;
            END
            $body$;
            DROP TRIGGER IF EXISTS crm_campaign_contact_utm_campaign_update ON utm_campaign;
            DROP TRIGGER IF EXISTS crm_campaign_contact_utm_campaign_delete ON utm_campaign;
            CREATE TRIGGER crm_campaign_contact_utm_campaign_update AFTER UPDATE ON utm_campaign
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION crm_campaign_contact_utm_campaign();
            CREATE TRIGGER crm_campaign_contact_utm_campaign_delete AFTER DELETE ON utm_campaign
                REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION crm_campaign_contact_utm_campaign();
        """))

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    @api.model
    def _rebuilt(self):
        """The rows as the sources give them now (the table's content if the triggers kept it
        right, zero rows aside): for tests and checks."""
        self.env.flush_all()
        return self.env.execute_query(SQL(_summed(_all_contributions())))

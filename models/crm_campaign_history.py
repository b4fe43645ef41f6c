from odoo import api, fields, models
from odoo.fields import Domain
from odoo.orm.domains import DomainAnd, DomainCondition
from odoo.tools import SQL, Query

from ..tools import ids_of, int_array

EVENTS = [
    ('sent', 'Mail sent'),
    ('opened', 'Mail opened'),
    ('clicked', 'Link clicked'),
    ('replied', 'Mail replied'),
    ('bounced', 'Mail bounced'),
    ('letter', 'Letter sent'),
    ('call', 'Call made'),
    ('response', 'Personal response'),
    ('lead', 'Lead/Opportunity'),
    ('won', 'Opportunity won'),
    ('quotation', 'Quotation'),
    ('order', 'Sales order'),
]
# A row's id is its source row's id (record_id) * ID_STEP + the code of the event: unique across
# the four sources, and the source row is found back by id // ID_STEP. Codes:
#  1-5 a mail trace sent, opened, clicked, replied, bounced; 8 a touch (letter, call, response);
#  9-10 a lead created, won; 12-13 a quotation, a confirmed order.
ID_STEP = 16
# what counts as a contact reached, and as a contact's answer
REACHED = ('sent', 'letter', 'call')
RESPONDED = ('response', 'replied')
# what counts as a contact touched by a campaign, for sales attribution: every event the campaign
# caused at the contact (not a bounce, which reached nobody; not the contact's own leads and orders)
TOUCHED = ('sent', 'opened', 'clicked', 'replied', 'letter', 'call', 'response')
# Where each event of the sources happened: the one definition the view (a row per event) and
# the campaign contacts (crm.campaign.contact: a count per event) share. (code, event, the date
# it happened, NULL where it did not), over a trace `t` and a lead `l`; then the rows that count.
TRACE_EVENTS = [
    (1, 'sent', "CASE WHEN t.sent_datetime IS NOT NULL OR t.trace_status IN ('pending', 'sent', 'open', 'reply')"
                " THEN coalesce(t.sent_datetime, t.create_date) END"),
    (2, 'opened', "t.open_datetime"),
    (3, 'clicked', "t.links_click_datetime"),
    (4, 'replied', "t.reply_datetime"),
    (5, 'bounced', "CASE WHEN t.trace_status = 'bounce' THEN t.write_date END"),
]
TRACE_ROWS = "t.is_test_trace IS NOT TRUE"
# the contact of a mail trace `t`, per mailed model: (the contact, the mailed document's table and
# alias, or None where the document is the contact). A mailing to contacts mails the contact; one
# to event registrations (an invitation mail, Odoo's mails to attendees) the registration's contact
TRACE_CONTACTS = {
    'res.partner': ("t.res_id", None),
    'event.registration': ("reg.partner_id", ("event_registration", "reg")),
}
LEAD_EVENTS = [
    (9, 'lead', "l.create_date"),
    (10, 'won', "CASE WHEN l.won_status = 'won' THEN coalesce(l.date_closed, l.write_date) END"),
]
LEAD_ROWS = "l.partner_id IS NOT NULL AND l.campaign_id IS NOT NULL"
# an order `o` is a quotation or a confirmed order; a confirmed order's lines `line` give what it sold
ORDER_ROWS = "o.campaign_id IS NOT NULL AND o.state IN ('draft', 'sent', 'sale')"
ORDER_CONFIRMED = "o.state = 'sale'"
LINES_QUANTITY = "sum(line.product_uom_qty) FILTER (WHERE line.display_type IS NULL)"
LINES_INVOICED = "sum(line.untaxed_amount_invoiced)"
# the sources' columns the view reads: flushed before every search, so that what the ORM still
# holds (an order's campaign just attributed, a touch just logged) is counted
SOURCE_FIELDS = {
    'mailing.trace': None,
    'event.registration': ['partner_id'],
    'mailing.mailing': ['medium_id', 'user_id'],
    'crm.campaign.touch': None,
    'crm.lead': ['partner_id', 'campaign_id', 'medium_id', 'user_id', 'won_status', 'date_closed'],
    'sale.order': ['partner_id', 'campaign_id', 'medium_id', 'state', 'date_order', 'user_id', 'amount_untaxed'],
    'sale.order.line': ['order_id', 'untaxed_amount_invoiced', 'product_uom_qty', 'display_type'],
}
# the largest id a row can have (int4 source ids), and below 2**53, which the web client keeps exact
MAX_VIEW_ID = (2 ** 31) * ID_STEP


def trace_index(model):
    """The name of the index of the traces of a mailed model of TRACE_CONTACTS, by document."""
    return f"mailing_trace_{model.replace('.', '_')}_idx"


def drop_trace_indexes(cr):
    """On uninstall: the indexes sit on Odoo's traces."""
    cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL(", ").join(SQL.identifier(trace_index(model))
                                                             for model in TRACE_CONTACTS)))


def _values(events):
    """The VALUES list of (code, event, date) rows of TRACE_EVENTS or LEAD_EVENTS."""
    return SQL(", ").join(SQL("(%s, %s, %s)", code, event, SQL(date)) for code, event, date in events)


class CrmCampaignHistory(models.Model):
    """One timeline per contact across channels, read from where each event is recorded.

    A view, not a copy: mail events come from Odoo's `mailing.trace` (one row per event a trace
    carries), letters, calls and personal responses from `crm.campaign.touch`, leads and won
    opportunities from `crm.lead`, quotations and orders from `sale.order` (each with its campaign).
    Every branch exposes the source's own contact and campaign columns, so that PostgreSQL pushes
    `partner_id = X` or `campaign_id IN (...)` into each branch and answers from their indexes
    (`init` adds the one Odoo lacks: traces by contact); `_search` does the same for ids.

    Privacy: a contact who carries a profile hidden from the user is left out of the history, and
    therefore of every statistic computed from it (record rule on `partner_visible`).
    """
    _name = 'crm.campaign.history'
    _description = 'Campaign History'
    _auto = False
    _order = 'date desc, id desc'
    _rec_name = 'event'

    partner_id = fields.Many2one('res.partner', string='Contact', readonly=True)
    campaign_id = fields.Many2one('utm.campaign', string='Campaign', readonly=True)
    medium_id = fields.Many2one('utm.medium', string='Channel', readonly=True)
    event = fields.Selection(EVENTS, string='Event Type', readonly=True)
    date = fields.Datetime(readonly=True)
    user_id = fields.Many2one('res.users', string='Responsible', readonly=True)
    company_currency_id = fields.Many2one('res.currency', compute='_compute_company_currency_id')
    amount = fields.Monetary('Amount', currency_field='company_currency_id', readonly=True,
                             help="Untaxed amount of a quotation or order.")
    amount_invoiced = fields.Monetary('Invoiced', currency_field='company_currency_id', readonly=True,
                                      help="Untaxed amount invoiced of a confirmed order.")
    quantity = fields.Float('Products', readonly=True, help="Quantity ordered over the lines of a confirmed order.")
    # the documents, to those who may open them
    mailing_id = fields.Many2one('mailing.mailing', string='Mailing', readonly=True,
                                 groups='mass_mailing.group_mass_mailing_user')
    lead_id = fields.Many2one('crm.lead', string='Lead/Opportunity', readonly=True,
                              groups='sales_team.group_sale_salesman')
    order_id = fields.Many2one('sale.order', string='Sales Order', readonly=True,
                               groups='sales_team.group_sale_salesman')
    touch_id = fields.Many2one('crm.campaign.touch', string='Touch', readonly=True)
    response_channel = fields.Selection(related='touch_id.response_channel')
    note = fields.Text(related='touch_id.note')
    record_id = fields.Integer('Source Record', readonly=True, aggregator=False)
    partner_visible = fields.Boolean(
        'Contact visible', compute='_compute_partner_visible', search='_search_partner_visible',
        help="The contact carries no profile hidden from you.")

    def _compute_company_currency_id(self):
        self.company_currency_id = self.env.company.currency_id

    def _compute_partner_visible(self):
        self._compute_partner_visible_of(self)

    def _search_partner_visible(self, operator, value):
        """The record rule of the history and the touches. Rules are evaluated as superuser: the
        profiles hidden from the real user (sudo(False)) decide."""
        if operator not in ('in', 'not in'):
            return NotImplemented
        self.env['res.partner'].flush_model(['category_id'])
        carriers = self._hidden_profile_carriers()
        domain = Domain.TRUE if carriers is None else Domain('partner_id', 'not in', carriers)
        return domain if (operator == 'in') == (True in value) else ~domain

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def init(self):
        # a contact's mail events: Odoo indexes traces by mailing and campaign, not by document
        for model in TRACE_CONTACTS:
            self.env.cr.execute(SQL("CREATE INDEX IF NOT EXISTS %s ON mailing_trace (res_id) WHERE model = %s",
                                    SQL.identifier(trace_index(model)), model))
        self.env.cr.execute(SQL("DROP VIEW IF EXISTS crm_campaign_history"))
        self.env.cr.execute(SQL("""
            CREATE VIEW crm_campaign_history AS (
                %(traces)s
            UNION ALL
                SELECT c.id::bigint * %(step)s + 8, c.id, c.partner_id, c.campaign_id, c.medium_id, c.kind,
                       c.date, c.user_id, NULL, NULL, NULL, c.mailing_id, NULL, NULL, c.id
                  FROM crm_campaign_touch c
            UNION ALL
                SELECT l.id::bigint * %(step)s + e.code, l.id, l.partner_id, l.campaign_id, l.medium_id,
                       e.event, e.date, l.user_id, NULL, NULL, NULL, NULL, l.id, NULL, NULL
                  FROM crm_lead l
                 CROSS JOIN LATERAL (VALUES %(lead_events)s) AS e (code, event, date)
                 WHERE %(lead_rows)s AND e.date IS NOT NULL
            UNION ALL
                SELECT o.id::bigint * %(step)s + CASE WHEN %(confirmed)s THEN 13 ELSE 12 END, o.id,
                       o.partner_id, o.campaign_id, o.medium_id,
                       CASE WHEN %(confirmed)s THEN 'order' ELSE 'quotation' END,
                       o.date_order, o.user_id, o.amount_untaxed, lines.invoiced, lines.quantity,
                       NULL, NULL, o.id, NULL
                  FROM sale_order o
                  -- a confirmed order's lines, one pass per order
                  LEFT JOIN LATERAL (
                       SELECT %(lines_invoiced)s AS invoiced, %(lines_quantity)s AS quantity
                         FROM sale_order_line line WHERE line.order_id = o.id AND %(confirmed)s
                  ) lines ON TRUE
                 WHERE %(order_rows)s
            )
        """, step=ID_STEP, traces=SQL(" UNION ALL ").join(
                # a branch per mailed model: a contact's history finds its rows through an index
                SQL("""
                SELECT t.id::bigint * %(step)s + e.code AS id, t.id AS record_id,
                       %(contact)s AS partner_id, t.campaign_id, m.medium_id, e.event, e.date, m.user_id,
                       NULL::numeric AS amount, NULL::numeric AS amount_invoiced, NULL::numeric AS quantity,
                       t.mass_mailing_id AS mailing_id, NULL::int AS lead_id, NULL::int AS order_id,
                       NULL::int AS touch_id
                  FROM mailing_trace t
                  %(join)s
                  JOIN mailing_mailing m ON m.id = t.mass_mailing_id
                 CROSS JOIN LATERAL (VALUES %(trace_events)s) AS e (code, event, date)
                 WHERE t.model = %(model)s AND %(trace_rows)s AND %(contact)s IS NOT NULL AND e.date IS NOT NULL
                """, step=ID_STEP, contact=SQL(contact), model=model,
                    join=SQL("JOIN %s %s ON %s = t.res_id", SQL.identifier(document[0]), SQL.identifier(document[1]),
                             SQL.identifier(document[1], 'id')) if document else SQL(),
                    trace_events=_values(TRACE_EVENTS), trace_rows=SQL(TRACE_ROWS))
                for model, (contact, document) in TRACE_CONTACTS.items()),
            lead_events=_values(LEAD_EVENTS), lead_rows=SQL(LEAD_ROWS), order_rows=SQL(ORDER_ROWS),
            confirmed=SQL(ORDER_CONFIRMED), lines_invoiced=SQL(LINES_INVOICED), lines_quantity=SQL(LINES_QUANTITY)))

    @api.model
    def _search(self, domain, *args, **kwargs):
        """Rows asked for by id (every read) are found through their source's primary key: an id
        is an expression PostgreSQL cannot look up (see ID_STEP)."""
        self._flush_sources()
        query = super()._search(domain, *args, **kwargs)
        if query.is_empty():
            return query
        domain = Domain(domain).optimize_full(self)
        for condition in domain.children if isinstance(domain, DomainAnd) else [domain]:
            if isinstance(condition, DomainCondition) and condition.field_expr == 'id' \
                    and condition.operator == 'in' and not isinstance(condition.value, (Domain, Query, SQL)) \
                    and (ids := ids_of(condition.value, MAX_VIEW_ID)):
                query.add_where(SQL("%s = ANY(%s)", SQL.identifier(query.table, 'record_id'),
                                    int_array(sorted({row_id // ID_STEP for row_id in ids}))))
        return query

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    @api.model
    def _flush_sources(self):
        """Writes what the ORM still holds of the sources (SOURCE_FIELDS) to the database."""
        for model, names in SOURCE_FIELDS.items():
            self.env[model].flush_model(names)

    @api.model
    def _hidden_profile_carriers(self):
        """The contacts who carry a profile hidden from the real user (the tags' record rules
        decide, through the tags' own search), as a sub-query; None when no profile is hidden.
        The one definition of "whom the campaign history leaves out"."""
        return self._carriers_of(self.env['res.partner.category'].sudo(False)._crm_hidden_ids())

    @api.model
    def _restricted_profile_carriers(self):
        """The contacts who carry a profile of a restricted category (one that only some users
        see), as a sub-query; None when there is none. What the server records for everyone to
        see (the campaign an order is attributed to) leaves them out: whoever reads it, nobody
        infers from it who carries such a profile."""
        return self._carriers_of(self.env['res.partner.category'].sudo().with_context(active_test=False).search(
            [('profile_category_id.group_ids', '!=', False)]).ids)

    @api.model
    def _carriers_of(self, profile_ids):
        """The contacts who carry one of profile_ids, as a sub-query; None for no profile."""
        if not profile_ids:
            return None
        return SQL("SELECT partner_id FROM res_partner_res_partner_category_rel WHERE category_id = ANY(%s)",
                   int_array(sorted(profile_ids)))

    @api.model
    def _compute_partner_visible_of(self, records):
        """partner_visible of records (history rows or touches), by the same sub-query as the rule."""
        carriers = self._hidden_profile_carriers()
        hidden = set()
        if carriers is not None and (partner_ids := records.partner_id.ids):
            self.env['res.partner'].flush_model(['category_id'])
            self.env.cr.execute(SQL("SELECT partner_id FROM (%s) carriers WHERE partner_id = ANY(%s)",
                                    carriers, int_array(partner_ids)))
            hidden = {partner_id for partner_id, in self.env.cr.fetchall()}
        for record in records:
            record.partner_visible = record.partner_id.id not in hidden

    @api.model
    def _latest_campaign_touches(self, references, leave_out=None):
        """The campaign to attribute a document to, for many documents in one query.

        `references` maps a key (e.g. an order's id) to (commercial partner id, reference
        datetime). The touches (TOUCHED) of every contact of that commercial partner (the company
        and its people: campaigns touch people, orders are often placed by the company) at or
        before the reference are grouped per campaign; among the campaigns whose response window
        (`campaign_response_days` after their last touch) still covers the reference, the one
        touched last wins. Returns {key: (campaign id, last touch)} for the keys that found one.

        The one definition of "the campaign whose response window covers a date". It reads the
        history as this environment does: attribution, a fact of the document whoever saves it,
        as superuser, leaving out (`leave_out`, a sub-query of contacts) the carriers of restricted
        profiles; the campaign a user's response defaults to, as that user (a contact hidden
        from them in the history is attributed nothing by them either).
        """
        references = {key: ref for key, ref in references.items() if ref[0] and ref[1]}
        if not references:
            return {}
        commercial_ids = {commercial_id for commercial_id, _date in references.values()}
        partners = self.env['res.partner'].with_context(active_test=False).search(
            [('commercial_partner_id', 'in', list(commercial_ids))])
        self.env['res.partner'].flush_model(['commercial_partner_id'])
        self.env['utm.campaign'].flush_model(['campaign_response_days'])
        domain = Domain([('partner_id', 'in', partners.ids), ('event', 'in', TOUCHED), ('campaign_id', '!=', False)])
        if leave_out is not None:
            domain &= Domain('partner_id', 'not in', leave_out)
        history = self.with_context(active_test=False)._search(domain)
        keys = sorted(references)
        rows = self.env.execute_query(SQL("""
            SELECT DISTINCT ON (o.key) o.key, t.campaign_id, max(t.date) AS last_touch
              FROM unnest(%(keys)s::int[], %(commercial_ids)s::int[], %(dates)s::timestamp[])
                   AS o (key, commercial_id, ref)
              JOIN res_partner p ON p.commercial_partner_id = o.commercial_id
              JOIN (%(history)s) t ON t.partner_id = p.id AND t.date <= o.ref
              JOIN utm_campaign c ON c.id = t.campaign_id
          GROUP BY o.key, o.ref, t.campaign_id, c.campaign_response_days
            HAVING max(t.date) + make_interval(days => c.campaign_response_days) >= o.ref
          ORDER BY o.key, last_touch DESC, t.campaign_id DESC
        """, keys=keys, commercial_ids=[references[key][0] for key in keys],
            dates=[references[key][1] for key in keys],
            history=history.select(*(SQL.identifier(history.table, name)
                                     for name in ('partner_id', 'campaign_id', 'date')))))
        return {key: (campaign_id, last_touch) for key, campaign_id, last_touch in rows}

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from .crm_campaign_history import REACHED, RESPONDED

TARGET_GROUPS_USER = 'crm_target_groups.group_crm_target_groups_user'
# statistics field: the history's events behind it (the contacts its smart button opens)
STATISTIC_EVENTS = {
    'campaign_reached_count': REACHED,
    'campaign_mailed_count': ('sent',),
    'campaign_letter_count': ('letter',),
    'campaign_called_count': ('call',),
    'campaign_opened_count': ('opened',),
    'campaign_clicked_count': ('clicked',),
    'campaign_replied_count': ('replied',),
    'campaign_response_count': ('response',),
    'campaign_responding_count': RESPONDED,
    'campaign_lead_count': ('lead',),
    'campaign_won_count': ('won',),
    'campaign_order_count': ('order',),
}
# the statistics that count documents (leads, won opportunities, orders), not contacts
DOCUMENT_STATISTICS = ('campaign_lead_count', 'campaign_won_count', 'campaign_order_count')


def _statistic(field_type, string, **kwargs):
    """A statistic of the campaign history: all are computed together, for Target Groups users
    (the history is theirs)."""
    if field_type is fields.Monetary:
        kwargs['currency_field'] = 'currency_id'  # the company's (sale)
    return field_type(string, compute='_compute_campaign_statistics', groups=TARGET_GROUPS_USER, **kwargs)


class UtmCampaign(models.Model):
    """A campaign of Target Groups is Odoo's UTM campaign, which mailings, leads and orders already
    carry: this adds the plan (hierarchy, dates, target groups, channels, budget, costs, response
    window, the dialled number) and the statistics read from the campaign history.

    Our fields start with `campaign_` (Odoo's bridges already define `crm_lead_count`,
    `quotation_count`, `invoiced_amount`, ...), except the tree's own `parent_id`/`child_ids`.
    The statistics of a campaign include its sub-campaigns, and only the contacts the user may
    see (they are computed through the history's search, where its privacy rule applies).
    """
    _name = 'utm.campaign'
    _inherit = ['utm.campaign', 'mail.thread']
    _parent_store = True

    parent_id = fields.Many2one('utm.campaign', string='Parent Campaign', index=True, ondelete='restrict',
                                tracking=True)
    child_ids = fields.One2many('utm.campaign', 'parent_id', string='Sub-campaigns')
    parent_path = fields.Char(index=True)
    campaign_date_start = fields.Date('Start Date', tracking=True)
    campaign_date_end = fields.Date('End Date', tracking=True)
    campaign_target_group_ids = fields.Many2many(
        'crm.target.group', 'utm_campaign_crm_target_group_rel', 'campaign_id', 'target_group_id',
        string='Target Groups', groups=TARGET_GROUPS_USER)
    campaign_medium_ids = fields.Many2many(
        'utm.medium', 'utm_campaign_utm_medium_rel', 'campaign_id', 'medium_id', string='Channels')
    campaign_budget = fields.Monetary('Budget', currency_field='currency_id', tracking=True)
    campaign_expected_revenue = fields.Monetary('Expected Revenue', currency_field='currency_id')
    campaign_response_days = fields.Integer(
        'Response Window (days)', default=90, required=True,
        help="Days after a contact's last touch by the campaign in which an order still counts for it.")
    campaign_phone = fields.Char(
        'Dialled Number', index='btree_not_null',
        help="The number printed for this campaign: a phone system assigns inbound calls to it by this number.")
    campaign_cost_ids = fields.One2many('crm.campaign.cost', 'campaign_id', string='Costs',
                                        groups=TARGET_GROUPS_USER)

    # statistics, over the campaign and its sub-campaigns, all from _compute_campaign_statistics
    campaign_reached_count = _statistic(fields.Integer, 'Reached', help="Contacts sent a mail, a letter or called.")
    campaign_mailed_count = _statistic(fields.Integer, 'Mailed', help="Contacts sent a mail.")
    campaign_letter_count = _statistic(fields.Integer, 'Letters', help="Contacts sent a letter.")
    campaign_called_count = _statistic(fields.Integer, 'Called', help="Contacts called by the call centre.")
    campaign_opened_count = _statistic(fields.Integer, 'Opened', help="Contacts who opened a mail.")
    campaign_clicked_count = _statistic(fields.Integer, 'Clicked', help="Contacts who clicked a link in a mail.")
    campaign_open_rate = _statistic(fields.Float, 'Open Rate (%)',
                                    help="Contacts who opened a mail, of those mailed.")
    campaign_click_rate = _statistic(fields.Float, 'Click Rate (%)',
                                     help="Contacts who clicked a link, of those mailed.")
    campaign_replied_count = _statistic(fields.Integer, 'Replied', help="Contacts who replied to a mail.")
    campaign_response_count = _statistic(fields.Integer, 'Personal Responses',
                                         help="Contacts who called, wrote or visited.")
    campaign_responding_count = _statistic(fields.Integer, 'Responding',
                                           help="Contacts who replied to a mail or responded personally.")
    campaign_response_rate = _statistic(fields.Float, 'Response Rate (%)',
                                        help="Responding contacts, of those reached.")
    campaign_lead_count = _statistic(fields.Integer, 'Leads',
                                     help="Leads and opportunities of contacts with the campaign.")
    campaign_won_count = _statistic(fields.Integer, 'Won', help="Opportunities won.")
    campaign_order_count = _statistic(fields.Integer, 'Orders', help="Confirmed sales orders.")
    campaign_product_qty = _statistic(fields.Float, 'Products Sold',
                                      help="Quantity ordered over the lines of the confirmed orders.")
    campaign_revenue = _statistic(fields.Monetary, 'Revenue', help="Untaxed amount of the confirmed orders.")
    campaign_invoiced = _statistic(fields.Monetary, 'Invoiced',
                                   help="Untaxed amount invoiced of the confirmed orders.")
    campaign_cost = _statistic(fields.Monetary, 'Cost')
    campaign_cost_per_response = _statistic(fields.Monetary, 'Cost per Response', help="Cost per responding contact.")
    campaign_cost_per_order = _statistic(fields.Monetary, 'Cost per Order')
    campaign_roi = _statistic(fields.Float, 'ROI (%)',
                              help="(Revenue - Cost) / Cost, in percent; empty while there is no cost.")
    campaign_has_roi = _statistic(fields.Boolean, 'Has ROI')

    campaign_invitation_count = fields.Integer(
        'Invitations', compute='_compute_campaign_invitation_count',
        help="Invitations to events made in the campaign and its sub-campaigns, as you may see them.")

    # A/B testing: the winner by personal responses too (mailing.mailing.crm_response_ratio); by
    # revenue Odoo's bridge already offers it ('sale_invoiced_amount', mass_mailing_sale)
    ab_testing_winner_selection = fields.Selection(selection_add=[
        ('crm_response_ratio', 'Highest Personal Response Rate')])

    _campaign_response_days_positive = models.Constraint(
        'CHECK(campaign_response_days > 0)', "The response window must be at least one day.")
    _campaign_dates = models.Constraint(
        'CHECK(campaign_date_end IS NULL OR campaign_date_start IS NULL OR campaign_date_end >= campaign_date_start)',
        "A campaign cannot end before it starts.")

    @api.depends('title', 'parent_id')
    def _compute_display_name(self):
        """The full path, e.g. 'Frühjahr 2027 / Messe-Nachfassaktion'."""
        for campaign in self:
            titles, current = [], campaign
            while current:
                titles.append(current.title or "")
                current = current.parent_id
            campaign.display_name = " / ".join(reversed(titles))

    def _compute_campaign_statistics(self):
        """All statistics in one aggregate over the campaign contacts (a row per contact of the
        campaign with its sub-campaigns), as the user's search returns them (the privacy rule of
        the history). Contacts are counted once however many events they have; leads, wins and
        orders are documents."""
        campaigns = self.filtered(lambda campaign: isinstance(campaign.id, int))
        totals = campaigns._campaign_totals()
        costs = campaigns._campaign_costs()
        for campaign in self:
            row = totals.get(campaign.id, {})
            reached, mailed = row.get('campaign_reached_count', 0), row.get('campaign_mailed_count', 0)
            responding, orders = row.get('campaign_responding_count', 0), row.get('campaign_order_count', 0)
            revenue, cost = row.get('revenue', 0.0), costs.get(campaign.id, 0.0)
            for statistic in STATISTIC_EVENTS:
                campaign[statistic] = row.get(statistic, 0)
            campaign.campaign_open_rate = 100.0 * campaign.campaign_opened_count / mailed if mailed else 0.0
            campaign.campaign_click_rate = 100.0 * campaign.campaign_clicked_count / mailed if mailed else 0.0
            campaign.campaign_response_rate = 100.0 * responding / reached if reached else 0.0
            campaign.campaign_product_qty = row.get('quantity', 0.0)
            campaign.campaign_revenue = revenue
            campaign.campaign_invoiced = row.get('invoiced', 0.0)
            campaign.campaign_cost = cost
            campaign.campaign_cost_per_response = cost / responding if responding else 0.0
            campaign.campaign_cost_per_order = cost / orders if orders else 0.0
            campaign.campaign_has_roi = bool(cost)
            campaign.campaign_roi = 100.0 * (float(revenue) - cost) / cost if cost else False

    @api.depends_context('uid')
    def _compute_campaign_invitation_count(self):
        """Counted as the user's search of invitations returns them (their record rules: an
        invitation of a contact carrying a profile hidden from the user is not counted); a user who
        may not read registrations counts none instead of being refused the form."""
        self.campaign_invitation_count = 0
        if not self.env['event.registration'].has_access('read'):
            return
        campaigns = self.filtered(lambda campaign: isinstance(campaign.id, int))
        counts = campaigns._campaign_sums('event.registration', 'utm_campaign_id',
                                          [('crm_invitation_state', '!=', False)], '__count')
        for campaign in campaigns:
            campaign.campaign_invitation_count = counts[campaign.id]

    def _compute_mailing_mail_count(self):
        """Odoo counts the mailings as the user, also for the A/B test count that every campaign
        form reads: a user who may not read mailings (a Target Groups user without Email
        Marketing, who reaches campaigns from Target Groups) counts none instead of being refused
        the form."""
        if self.env['mailing.mailing'].has_access('read'):
            return super()._compute_mailing_mail_count()
        self.mailing_mail_count = 0
        self.ab_testing_mailings_count = 0
        return None

    @api.constrains('parent_id')
    def _check_parent_id(self):
        if self._has_cycle():
            raise ValidationError(self.env._("A campaign cannot be its own sub-campaign."))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def write(self, vals):
        if vals.get('parent_id'):
            self._check_no_cycle(self.browse(vals['parent_id']))
        return super().write(vals)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_campaign_history(self):
        """The timeline of the campaign and its sub-campaigns."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.crm_campaign_history_action')
        action.update(domain=[('campaign_id', 'child_of', self.ids)],
                      display_name=self.env._("History of %(campaign)s", campaign=self.display_name))
        return action

    def action_crm_open_invitations(self):
        """The invitations of the campaign and its sub-campaigns, with their answer buttons."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.event_registration_action_invitations')
        action.update(domain=[('utm_campaign_id', 'child_of', self.ids), ('crm_invitation_state', '!=', False)],
                      context={'create': False},
                      display_name=self.env._("Invitations of %(campaign)s", campaign=self.display_name))
        return action

    def action_open_statistic(self, statistic=None):
        """The contacts behind one number of the form: its smart button names the statistic (args)."""
        self.ensure_one()
        if not isinstance(statistic, str) or statistic not in STATISTIC_EVENTS:
            raise UserError(self.env._("%(statistic)s is no statistic of a campaign.", statistic=statistic))
        partners = self._statistic_partners(statistic)
        return self.env['res.partner']._crm_action_contacts([('id', 'in', partners.ids)], self.env._(
            "%(campaign)s: %(statistic)s", campaign=self.display_name,
            statistic=self._fields[statistic].get_description(self.env)['string']))

    # ------------------------------------------------------------
    # CHANNELS
    # ------------------------------------------------------------

    def action_create_mailing(self):
        """A new mass mailing on contacts stamped with the campaign, to its first target group (the
        user picks another one in the mailing form); its traces then carry the campaign."""
        self.ensure_one()
        context = {
            'default_campaign_id': self.id,
            'default_subject': self.title,
            'default_mailing_model_id': self.env['ir.model']._get_id('res.partner'),
            'default_mailing_type': 'mail',
        }
        if groups := self.campaign_target_group_ids:
            context['default_crm_target_group_id'] = groups[0].id
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("New Mailing"),
            'res_model': 'mailing.mailing',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'context': context,
        }

    @api.model
    def _stamp_campaign_of_target_group(self, records):
        """Sets records' campaign_id where empty to the campaign that uses their target_group_id:
        of the campaigns whose target groups include it, the one started last (the channels'
        default: letters, call outcomes). Read by the server: the call centre, whose outcomes are
        stamped, may not read the campaigns' target groups."""
        groups = records.target_group_id
        campaigns = self.sudo().search([('campaign_target_group_ids', 'in', groups.ids)],
                                       order='campaign_date_start desc nulls last, id desc')
        by_group = {}
        for campaign in campaigns:
            for group in campaign.campaign_target_group_ids & groups:
                by_group.setdefault(group, campaign.sudo(False))
        for record in records:
            record.campaign_id = record.campaign_id or by_group.get(record.target_group_id, False)

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _campaign_totals(self):
        """{campaign id: {statistic: value, 'quantity', 'revenue', 'invoiced'}} over the campaign
        contacts the user's search returns (STATISTIC_EVENTS: contacts with one of the events, or
        the documents for DOCUMENT_STATISTICS)."""
        if not self:
            return {}
        contacts = self.env['crm.campaign.contact']._search([('campaign_id', 'in', self.ids)])
        aggregates = [
            SQL("sum(%s) AS %s", SQL.identifier(f'{events[0]}_count'), SQL.identifier(statistic))
            if statistic in DOCUMENT_STATISTICS else
            SQL("count(*) FILTER (WHERE %s) AS %s", SQL(" OR ").join(
                SQL("%s > 0", SQL.identifier(f'{event}_count')) for event in events), SQL.identifier(statistic))
            for statistic, events in STATISTIC_EVENTS.items()]
        rows = self.env.execute_query_dict(SQL("""
            SELECT campaign_id, %(aggregates)s, sum(order_quantity) AS quantity, sum(order_amount) AS revenue,
                   sum(order_invoiced) AS invoiced
              FROM (%(contacts)s) contacts
          GROUP BY campaign_id
        """, aggregates=SQL(", ").join(aggregates), contacts=contacts.select(SQL('%s.*', SQL.identifier(contacts.table)))))
        return {row['campaign_id']: row for row in rows}

    def _statistic_partners(self, statistic):
        """The contacts behind a statistic (STATISTIC_EVENTS), as the campaign contacts show them to the user."""
        contacts = self.env['crm.campaign.contact']._read_group(
            Domain('campaign_id', 'in', self.ids) & Domain.OR(
                Domain(f'{event}_count', '>', 0) for event in STATISTIC_EVENTS[statistic]), ['partner_id'])
        return self.env['res.partner'].union(*(partner for partner, in contacts))

    def _campaign_costs(self):
        """Sum of the cost lines per campaign, sub-campaigns included."""
        return self._campaign_sums('crm.campaign.cost', 'campaign_id', [], 'amount:sum')

    def _campaign_sums(self, model, campaign_field, domain, aggregate):
        """Per campaign of self, the aggregate of the records of model (as the user's search
        returns them) in the campaign and its sub-campaigns."""
        if not self:
            return {}
        sums = self.env[model]._read_group(
            Domain(campaign_field, 'child_of', self.ids) & Domain(domain), [campaign_field], [aggregate])
        return {campaign.id: sum(value for sub, value in sums if sub.parent_path.startswith(campaign.parent_path))
                for campaign in self}

    def _check_no_cycle(self, parent):
        """Refuse a move below oneself early, with a clear message (Odoo's parent_path update
        would only say 'Recursion Detected')."""
        if any(parent.parent_path.startswith(campaign.parent_path) for campaign in self):
            raise ValidationError(self.env._(
                "%(campaign)s cannot be placed below itself or one of its own sub-campaigns.",
                campaign=self[0].display_name))

    # ------------------------------------------------------------
    # REPORT (campaign report, report/utm_campaign_templates.xml)
    # ------------------------------------------------------------

    def _campaign_report_channels(self):
        """The report's table per channel, sub-campaigns included: contacts reached and
        responding (the history as the user sees it, like the statistics) and the cost lines."""
        self.ensure_one()
        History = self.env['crm.campaign.history'].with_context(active_test=False)
        domain = Domain('campaign_id', 'child_of', self.ids)
        rows = defaultdict(lambda: {'reached': 0, 'responding': 0, 'cost': 0.0})
        for key, events in (('reached', REACHED), ('responding', RESPONDED)):
            for medium, count in History._read_group(
                    domain & Domain('event', 'in', events), ['medium_id'], ['partner_id:count_distinct']):
                rows[medium][key] = count
        for medium, amount in self.env['crm.campaign.cost']._read_group(domain, ['medium_id'], ['amount:sum']):
            rows[medium]['cost'] = amount
        return sorted(({'name': medium.name or self.env._("No channel"), **values} for medium, values in rows.items()),
                      key=lambda row: (-row['reached'], row['name']))

    def _campaign_report_top_products(self, limit=10):
        """The products sold most by the confirmed orders of the campaign and its sub-campaigns
        (best revenue first): the orders are those of the history as the user sees it, their lines
        read in SQL, as a Target Groups user reads the sales statistics without Sales rights."""
        self.ensure_one()
        orders = self.env['crm.campaign.history'].with_context(active_test=False)._search(
            [('campaign_id', 'child_of', self.ids), ('event', '=', 'order')])
        self.env['sale.order.line'].flush_model(
            ['order_id', 'product_id', 'product_uom_qty', 'price_subtotal', 'display_type'])
        rows = self.env.execute_query(SQL("""
            SELECT line.product_id, sum(line.product_uom_qty), sum(line.price_subtotal)
              FROM sale_order_line line
             WHERE line.order_id IN (%(orders)s) AND line.product_id IS NOT NULL AND line.display_type IS NULL
          GROUP BY line.product_id
          ORDER BY sum(line.price_subtotal) DESC, sum(line.product_uom_qty) DESC, line.product_id
             LIMIT %(limit)s
        """, orders=orders.select(SQL.identifier(orders.table, 'record_id')), limit=limit))
        products = self.env['product.product'].browse([product_id for product_id, _qty, _revenue in rows])
        return [{'product': product, 'quantity': qty, 'revenue': revenue}
                for product, (_id, qty, revenue) in zip(products, rows)]

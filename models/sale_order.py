from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.misc import format_date

# set by the server only: what it attributed, and that a user chose the campaign
ATTRIBUTION_FIELDS = {'campaign_attributed', 'campaign_attributed_touch', 'campaign_manual'}


class SaleOrder(models.Model):
    """Sales attribution you can explain: an order that names no campaign counts for the campaign
    that last touched the customer within that campaign's response window.

    The customer is the order's commercial partner: campaigns touch people (Herr Müller got the
    letter), orders are often placed by their company, so a touch of any contact of the company
    counts. The rule runs when an order is created without a campaign (the quotation shows it
    at once) and again at confirmation, as of the confirmation date (the date of the order the
    revenue counts): the campaign may then change to one that touched the customer since, or
    go when its window has closed. An order created with a campaign is never attributed. Touches
    of a contact who carries a restricted profile do not count: the order's campaign is visible to
    everyone who sees the order, and a campaign aimed at such profiles would tell who carries them.

    A user who sets or clears the campaign overrides the rule for good (`campaign_manual`); the
    attribution fields are written by the server only.
    """
    _inherit = 'sale.order'

    campaign_attributed = fields.Boolean(
        'Attributed to Campaign', readonly=True, copy=False,
        help="The campaign was set by the attribution rule: the customer's last campaign contact "
             "lies within that campaign's response window.")
    campaign_attributed_touch = fields.Datetime('Last Campaign Contact', readonly=True, copy=False)
    campaign_manual = fields.Boolean(
        'Campaign Set by Hand', readonly=True, copy=False,
        help="A user chose or cleared the campaign: the order is no longer attributed automatically.")
    campaign_attribution_note = fields.Char('Attribution', compute='_compute_campaign_attribution_note')

    @api.depends('campaign_attributed', 'campaign_attributed_touch', 'campaign_id')
    def _compute_campaign_attribution_note(self):
        for order in self:
            if order.campaign_attributed and order.campaign_id and order.campaign_attributed_touch:
                order.campaign_attribution_note = self.env._(
                    "Attributed to campaign %(campaign)s: the customer's last campaign contact was on %(date)s, "
                    "within its %(days)s-day response window.",
                    campaign=order.campaign_id.display_name,
                    date=format_date(self.env, fields.Datetime.context_timestamp(
                        order, order.campaign_attributed_touch)),
                    days=order.campaign_id.campaign_response_days)
            else:
                order.campaign_attribution_note = False

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._check_campaign_attribution_fields(vals)
        orders = super().create(vals_list)
        orders.filtered(lambda order: not order.campaign_id)._campaign_attribute()
        return orders

    def write(self, vals):
        if not self.env.su:
            self._check_campaign_attribution_fields(vals)
        if 'campaign_id' in vals:
            vals = dict(vals, campaign_attributed=False, campaign_attributed_touch=False, campaign_manual=True)
        return super().write(vals)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_confirm(self):
        result = super().action_confirm()
        self._campaign_attribute()
        return result

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _campaign_attribute(self):
        """Apply the attribution rule to the orders it may change (no campaign, or an attributed
        one; never one a user chose): one query for all of them, one write per outcome."""
        orders = self.filtered(lambda order: order.partner_id and not order.campaign_manual
                               and (not order.campaign_id or order.campaign_attributed))
        if not orders:
            return
        History = self.env['crm.campaign.history'].sudo()
        found = History._latest_campaign_touches({
            order.id: (order.partner_id.commercial_partner_id.id, order.date_order) for order in orders},
            leave_out=History._restricted_profile_carriers())
        outcomes = defaultdict(lambda: self.browse())
        for order in orders:
            campaign_id, touch = found.get(order.id, (False, False))
            if (order.campaign_id.id, order.campaign_attributed_touch) != (campaign_id, touch):
                outcomes[campaign_id, touch] |= order
        for (campaign_id, touch), group in outcomes.items():
            # past write() above: the server's attribution is no user's choice of the campaign
            super(SaleOrder, group.sudo()).write({
                'campaign_id': campaign_id, 'campaign_attributed': bool(campaign_id),
                'campaign_attributed_touch': touch})

    def _check_campaign_attribution_fields(self, vals):
        if ATTRIBUTION_FIELDS & vals.keys():
            raise AccessError(self.env._("The campaign attribution of an order is recorded by the server."))

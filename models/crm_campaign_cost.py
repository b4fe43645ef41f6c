from odoo import fields, models


class CrmCampaignCost(models.Model):
    """What a campaign cost: print shop, postage, call-centre fees, ads. Its sum is the cost of the
    campaign's ROI, cost per response and cost per order; a vendor bill can be linked as proof.
    Users read them with the campaign; managers enter them (ACL)."""
    _name = 'crm.campaign.cost'
    _description = 'Campaign Cost'
    _order = 'date desc, id desc'

    campaign_id = fields.Many2one('utm.campaign', string='Campaign', required=True, index=True, ondelete='cascade')
    date = fields.Date(required=True, default=fields.Date.context_today)
    name = fields.Char('Description', required=True)
    medium_id = fields.Many2one('utm.medium', string='Channel', ondelete='restrict')
    company_id = fields.Many2one('res.company', string='Company', required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    amount = fields.Monetary(required=True)
    move_id = fields.Many2one('account.move', string='Vendor Bill', ondelete='set null', index='btree_not_null',
                              domain=[('move_type', '=', 'in_invoice')],
                              groups='account.group_account_invoice,account.group_account_readonly')

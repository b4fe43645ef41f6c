from odoo import api, fields, models
from odoo.fields import Domain


class MailingMailing(models.Model):
    """A stock mass mailing whose recipients are a target group's members at the time of sending.

    The stored domain names the group (readable and countable in the mailing form); at sending,
    it is evaluated with the rights of the mailing's responsible, not those of the mail queue,
    so that nobody mails contacts they could not reach through the group themselves.
    """
    _inherit = 'mailing.mailing'

    crm_target_group_id = fields.Many2one('crm.target.group', string='Target Group', index='btree_not_null',
                                          ondelete='set null')

    @api.depends('crm_target_group_id')
    def _compute_mailing_domain(self):
        super()._compute_mailing_domain()
        for mailing in self.filtered('crm_target_group_id'):
            mailing.mailing_domain = repr([('crm_target_group_ids', 'in', mailing.crm_target_group_id.ids)])

    @api.onchange('crm_target_group_id')
    def _onchange_crm_target_group_id(self):
        if self.crm_target_group_id:
            self.mailing_model_id = self.env['ir.model']._get('res.partner')

    @api.model_create_multi
    def create(self, vals_list):
        contacts = self.env['ir.model']._get_id('res.partner')
        for vals in vals_list:
            if vals.get('crm_target_group_id'):
                vals.setdefault('mailing_model_id', contacts)
        return super().create(vals_list)

    def _get_recipients_domain(self):
        domain = super()._get_recipients_domain()
        if not self.crm_target_group_id:
            return domain
        author = self.user_id or self.create_uid or self.env.user
        return Domain('id', 'in', self.env['res.partner'].with_user(author).search(domain).ids)

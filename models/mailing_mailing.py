from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

# what decides who receives a mailing: the user who last set it chose the recipients
RECIPIENT_FIELDS = {'mailing_domain', 'crm_target_group_id', 'mailing_model_id', 'mailing_filter_id'}


class MailingMailing(models.Model):
    """A stock mass mailing, whose contacts are chosen with the rights of the user who chose them.

    A mailing to a target group stores a domain naming the group (readable and countable in the
    mailing form). Odoo's queue evaluates every mailing's domain as superuser, with whatever its
    editable *Responsible* may see; here the server records who last set the recipients
    (`crm_recipients_uid`), and the domain of a mailing on contacts is evaluated with that user's
    rights: a domain naming a restricted profile reaches no more contacts at sending than its
    author could see. A user who looks at someone else's mailing sees only the recipients both
    of them may see.
    """
    _inherit = 'mailing.mailing'

    crm_target_group_id = fields.Many2one('crm.target.group', string='Target Group', index='btree_not_null',
                                          ondelete='set null')
    crm_recipients_uid = fields.Many2one(
        'res.users', string='Recipients chosen by', readonly=True,
        help="Recorded by the server: the contacts are those this user may reach.")
    # A/B testing: a winner selection of the campaign (utm.campaign) names this field
    crm_response_ratio = fields.Float(
        'Personal Response Rate', compute='_compute_crm_response_ratio',
        help="Recipients who responded personally in the mailing's campaign (call, email, visit) after "
             "the mailing was sent to them, in percent of the recipients it was sent to.")

    @api.depends('crm_target_group_id')
    def _compute_mailing_domain(self):
        super()._compute_mailing_domain()
        for mailing in self.filtered('crm_target_group_id'):
            mailing.mailing_domain = repr([('crm_target_group_ids', 'in', mailing.crm_target_group_id.ids)])

    def _compute_crm_response_ratio(self):
        """A rate, like Odoo's own winner selections (open, click, reply rate): A/B mailings go
        to samples of different sizes. Read from the campaign history, so that a user counts the
        contacts they may see; Odoo picks the winner as superuser, over all recipients."""
        mailings = self.filtered(lambda mailing: isinstance(mailing.id, int) and mailing.campaign_id)
        ratios = {}
        if mailings:
            History = self.env['crm.campaign.history'].with_context(active_test=False)
            columns = ('partner_id', 'campaign_id', 'date', 'mailing_id')
            sent = History._search([('mailing_id', 'in', mailings.ids), ('event', '=', 'sent')])
            responses = History._search([('campaign_id', 'in', mailings.campaign_id.ids), ('event', '=', 'response')])
            rows = self.env.execute_query(SQL("""
                SELECT s.mailing_id, count(DISTINCT s.partner_id), count(DISTINCT r.partner_id)
                  FROM (%(sent)s) s
                  LEFT JOIN (%(responses)s) r
                         ON r.partner_id = s.partner_id AND r.campaign_id = s.campaign_id AND r.date >= s.date
              GROUP BY s.mailing_id
            """, sent=sent.select(*(SQL.identifier(sent.table, name) for name in columns)),
                responses=responses.select(*(SQL.identifier(responses.table, name) for name in columns))))
            ratios = {mailing_id: 100.0 * responding / recipients for mailing_id, recipients, responding in rows}
        for mailing in self:
            mailing.crm_response_ratio = ratios.get(mailing.id, 0.0)

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
            if not self.env.su:
                self._check_recipients_uid(vals)
                vals['crm_recipients_uid'] = self.env.uid
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._check_recipients_uid(vals)
            if RECIPIENT_FIELDS & vals.keys():
                vals = dict(vals, crm_recipients_uid=self.env.uid)
        return super().write(vals)

    def copy_data(self, default=None):
        """A copy made by the server (A/B testing's winner) keeps who chose the recipients."""
        vals_list = super().copy_data(default=default)
        if self.env.su:
            for mailing, vals in zip(self, vals_list):
                vals.setdefault('crm_recipients_uid', mailing.crm_recipients_uid.id)
        return vals_list

    def _get_recipients_domain(self):
        domain = super()._get_recipients_domain()
        # invitations (event.registration) too: those of contacts hidden from the chooser are theirs not to mail
        if self.mailing_model_real not in ('res.partner', 'event.registration'):
            return domain
        chooser = self.crm_recipients_uid or self.create_uid
        try:
            chosen = Domain('id', 'any', self.env[self.mailing_model_real].with_user(chooser)._search(domain))
        except UserError:
            # e.g. a target group since refused to the chooser: nobody, rather than stopping the
            # mail queue for every mailing (the group's form says why)
            return Domain.FALSE
        return chosen if self.env.su or self.env.user == chooser else chosen & domain

    def _check_recipients_uid(self, vals):
        if 'crm_recipients_uid' in vals:
            raise AccessError(self.env._("Who chose the recipients of a mailing is recorded by the server."))

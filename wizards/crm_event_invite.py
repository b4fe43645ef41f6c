from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import setting


class CrmEventInvite(models.TransientModel):
    """Invites a target group to an event: one invitation (event.registration, "no answer yet":
    no seat, no mail) per member not yet registered for the event, linked to the campaign, in
    one INSERT ... SELECT; beyond the sync threshold (crm_target_groups.sync_threshold) a background
    job (crm.event.invitation.run) does it in batches. Inviting again adds only the new members.

    The members are those the group gives the inviting user (refused where it would tell them
    about profiles they may not see) that its definer reaches too, as the call centre gets them:
    nobody is invited whom either may not reach through the group. Members without an email
    address are invited all the same and listed, for a letter with their answer link.
    """
    _name = 'crm.event.invite'
    _description = 'Invite a Target Group to an Event'

    event_id = fields.Many2one('event.event', string='Event', required=True,
                               domain="[('is_multi_slots', '=', False), ('is_finished', '=', False)]")
    target_group_id = fields.Many2one('crm.target.group', string='Target Group', required=True)
    campaign_id = fields.Many2one('utm.campaign', string='Campaign', compute='_compute_campaign_id', store=True,
                                  readonly=False, help="The answers count for this campaign: each invitee's "
                                                       "campaign history shows their answer.")
    member_count = fields.Integer('Members', compute='_compute_counts')
    new_count = fields.Integer('To invite', compute='_compute_counts',
                               help="Members not invited to (nor registered for) the event yet.")
    without_email_count = fields.Integer('Without email', compute='_compute_counts')
    refusal = fields.Char(compute='_compute_counts')
    in_background = fields.Boolean(compute='_compute_counts',
                                   help="More members than one request invites in time: a background job invites them.")

    @api.depends('target_group_id')
    def _compute_campaign_id(self):
        self.env['utm.campaign']._stamp_campaign_of_target_group(self)

    @api.depends('event_id', 'target_group_id')
    def _compute_counts(self):
        Partner = self.env['res.partner']
        for wizard in self:
            wizard.member_count = wizard.new_count = wizard.without_email_count = 0
            wizard.refusal = wizard.in_background = False
            if not wizard.target_group_id:
                continue
            try:
                domain = wizard._invitee_domain()
            except UserError as error:
                wizard.refusal = error.args[0]
                continue
            wizard.member_count = Partner.search_count(domain)
            wizard.without_email_count = Partner.search_count(domain & Domain('email', '=', False))
            if wizard.event_id:
                wizard.new_count = Partner.search_count(domain & wizard._not_registered_domain())
            wizard.in_background = wizard.new_count > setting(self.env, 'sync_threshold', 2000)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_invite(self):
        """Creates the invitations, set-based, as the server (the invitation fields are its own)
        once the user's rights are checked: reading the event, the group and the campaign,
        creating registrations."""
        self.ensure_one()
        event, group, campaign = self.event_id, self.target_group_id, self.campaign_id
        event.check_access('read')
        group.check_access('read')
        if campaign:
            campaign.check_access('read')
        self.env['event.registration'].check_access('create')
        if event.is_multi_slots:
            raise UserError(self.env._("Invitations are for events without time slots."))
        if self.in_background:
            # jobs are read-only to users: the server records who asked (the job invites as them)
            run = self.env['crm.event.invitation.run'].sudo().create({
                'name': self.env._("%(group)s to %(event)s", group=group.name, event=event.name),
                'event_id': event.id, 'target_group_id': group.id, 'campaign_id': campaign.id,
                'user_id': self.env.uid, 'member_total': self.member_count})
            return {
                'type': 'ir.actions.act_window', 'res_model': run._name, 'res_id': run.id,
                'view_mode': 'form', 'views': [(False, 'form')], 'target': 'current',
            }
        members = self.env['res.partner']._search(self._invitee_domain())
        count = self.env['event.registration']._crm_insert_invitations(event, members, group, campaign)
        if count:
            message = self.env._("%(count)s invitations to %(event)s created.", count=count, event=event.name)
        elif self.member_count:
            message = self.env._("Every member is invited to %(event)s already.", event=event.name)
        else:
            message = self.env._("%(group)s has no members to invite.", group=group.name)
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {'type': 'success', 'message': message, 'next': event.action_crm_open_invitations()},
        }

    def action_open_without_email(self):
        """The members without an email address: they get a letter with their answer link."""
        self.ensure_one()
        partners = self.env['res.partner'].search(self._invitee_domain() & Domain('email', '=', False))
        return self.env['res.partner']._crm_action_contacts(
            [('id', 'in', partners.ids)], self.env._("%(group)s: without email", group=self.target_group_id.name),
            {'create': False})

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _invitee_domain(self):
        self.ensure_one()
        return self.env['event.registration']._crm_invitee_domain(self.target_group_id)

    def _not_registered_domain(self):
        """Contacts without a registration for the event, whoever may see it: the same rows
        the invitation's INSERT leaves out (as the server)."""
        registered = self.env['event.registration'].with_context(active_test=False).sudo()._search(
            [('event_id', '=', self.event_id.id), ('partner_id', '!=', False)])
        return Domain('id', 'not in', registered.select(SQL.identifier(registered.table, 'partner_id')))

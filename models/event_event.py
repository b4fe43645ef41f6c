from odoo import api, fields, models

from .event_registration import INVITATION_STATES


class EventEvent(models.Model):
    """Events invite target groups (crm.event.invite): the invitations' counts, and a reply
    deadline until which invitees answer on their page (none: until the event starts)."""
    _inherit = 'event.event'

    crm_reply_deadline = fields.Datetime(
        'Reply Deadline', help="Invitees answer (and change their answer) until then; empty: until the event starts.")
    crm_invitation_count = fields.Integer('Invitations', compute='_compute_crm_invitation_counts')
    crm_invited_count = fields.Integer('No answer yet', compute='_compute_crm_invitation_counts')
    crm_attending_count = fields.Integer('Attending', compute='_compute_crm_invitation_counts')
    crm_declined_count = fields.Integer('Declined', compute='_compute_crm_invitation_counts')
    crm_companion_count = fields.Integer('Companions', compute='_compute_crm_invitation_counts',
                                         help="People the attending invitees bring along.")

    @api.depends_context('uid')
    def _compute_crm_invitation_counts(self):
        """Counts of the invitations the user may see (their record rules apply)."""
        rows = self.env['event.registration']._read_group(
            [('event_id', 'in', self.ids), ('crm_invitation_state', '!=', False)],
            ['event_id', 'crm_invitation_state'], ['__count', 'crm_companions:sum'])
        counts = {(event.id, state): (count, companions) for event, state, count, companions in rows}
        for event in self:
            for state, _label in INVITATION_STATES:
                event[f'crm_{state}_count'] = counts.get((event.id, state), (0, 0))[0]
            event.crm_invitation_count = event.crm_invited_count + event.crm_attending_count + event.crm_declined_count
            event.crm_companion_count = counts.get((event.id, 'attending'), (0, 0))[1]

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_crm_open_invitations(self, state=None):
        """The event's invitations with their answer buttons; a count's smart button names the
        answer (args)."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.event_registration_action_invitations')
        context = {'default_event_id': self.id, 'create': False}
        if state in dict(INVITATION_STATES):
            context[f'search_default_crm_{state}'] = True
        action.update(domain=[('event_id', '=', self.id), ('crm_invitation_state', '!=', False)], context=context,
                      display_name=self.env._("Invitations to %(event)s", event=self.name))
        return action

    def action_crm_invite(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('crm_target_groups.crm_event_invite_action')
        action['context'] = {'default_event_id': self.id}
        return action

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _crm_reply_deadline(self):
        self.ensure_one()
        return self.crm_reply_deadline or self.date_begin

    def _crm_replies_open(self):
        """Whether invitees may still answer: before the deadline, the event not cancelled."""
        self.ensure_one()
        return fields.Datetime.now() < self._crm_reply_deadline() and self.kanban_state != 'cancel'

    def _crm_is_full(self):
        """No seat left for one more attendee, as Odoo counts seats (Odoo 19 events have no
        waiting list)."""
        self.ensure_one()
        return bool(self.seats_limited and self.seats_max and self.seats_available <= 0)

from odoo import models

from .mail_render_mixin import INVITATION_LINKS

# the generic answer links of an invitation mail, made personal when each mail goes out
ANSWER_LINKS = {'attend': f'{INVITATION_LINKS}/attend', 'decline': f'{INVITATION_LINKS}/decline'}


class MailMail(models.Model):
    """A mailing's mail to an invitation carries the invitee's own answer links. The mailing
    holds generic links (/crm_target_groups/invitation/attend and .../decline), which are
    replaced by the invitation's personal ones in the email only, as Odoo replaces its
    unsubscribe link: the token is neither in the mailing, nor in the mail kept in the
    database, nor in a link tracker."""
    _inherit = 'mail.mail'

    def _prepare_outgoing_list(self, mail_server=False, doc_to_followers=None):
        email_list = super()._prepare_outgoing_list(mail_server=mail_server, doc_to_followers=doc_to_followers)
        if not (self.mailing_id and self.model == 'event.registration' and self.res_id):
            return email_list
        registration = self.env['event.registration'].sudo().browse(self.res_id).exists()
        if not registration.crm_invitation_state or not registration.crm_invitation_token:
            return email_list
        base_url = self.mailing_id.get_base_url()
        personal = registration.crm_invitation_url
        for email_values in email_list:
            for choice, link in ANSWER_LINKS.items():
                if email_values.get('body'):
                    email_values['body'] = email_values['body'].replace(f'{base_url}{link}', f'{personal}/{choice}')
                if email_values.get('body_alternative'):
                    email_values['body_alternative'] = email_values['body_alternative'].replace(
                        f'{base_url}{link}', f'{personal}/{choice}')
        return email_list

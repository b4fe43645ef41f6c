from odoo import api, models

# the invitees' answer pages (controllers/main.py)
INVITATION_LINKS = '/crm_target_groups/invitation'


class MailRenderMixin(models.AbstractModel):
    """Mass mailings replace every link of a rendered mail by a tracked short link. An answer
    link is personal: its link.tracker would store the invitee's token where every internal user
    reads it (and a click through /r/ would pass the token on once more). Answer links stay as
    they are; the answers themselves are what the campaign counts."""
    _inherit = 'mail.render.mixin'

    @api.model
    def _shorten_links(self, html, link_tracker_vals, blacklist=None, base_url=None):
        return super()._shorten_links(html, link_tracker_vals, blacklist=[*(blacklist or []), INVITATION_LINKS],
                                      base_url=base_url)

    @api.model
    def _shorten_links_text(self, content, link_tracker_vals, blacklist=None, base_url=None):
        return super()._shorten_links_text(content, link_tracker_vals, blacklist=[*(blacklist or []), INVITATION_LINKS],
                                           base_url=base_url)

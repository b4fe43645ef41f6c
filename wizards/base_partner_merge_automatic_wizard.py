from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Merging duplicate contacts: Odoo moves the merged contacts' profiles to the contact that
    stays, in SQL, so an exclusive category may end up with two (single and married). Afterwards
    each exclusive category keeps one: the staying contact's own, or, where it had none, the one
    of the newest merged contact, as Odoo keeps the staying contact's values. What the staying
    contact gained and lost goes to its profile history."""
    _inherit = 'base.partner.merge.automatic.wizard'

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        partners = self.env['res.partner'].browse(partner_ids).exists()
        before = partners._profile_snapshot()
        super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        if len(kept := partners.exists()) == 1 and len(partners) > 1:
            kept._crm_merged_profiles(before)

    def _update_foreign_keys(self, src_partners, dst_partner):
        self.env['crm.profile.history']._move_partners(src_partners.ids, into=dst_partner.id)
        return super()._update_foreign_keys(src_partners, dst_partner)

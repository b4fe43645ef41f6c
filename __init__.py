from . import models
from . import controllers
from . import wizards
from .models.crm_campaign_contact import drop_campaign_contacts


def uninstall_hook(env):
    """The profile history's tables are not models' tables (see crm.profile.history): Odoo
    drops only its view. The campaign contacts' triggers sit on Odoo's own tables."""
    env.cr.execute("DROP TABLE IF EXISTS crm_profile_history_set, crm_profile_history_line CASCADE")
    drop_campaign_contacts(env.cr)

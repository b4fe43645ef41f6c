from . import models
from . import controllers
from . import wizards
from .models.crm_campaign_contact import drop_campaign_contacts
from .models.crm_campaign_history import drop_trace_indexes


def uninstall_hook(env):
    """The profile history's tables are not models' tables (see crm.profile.history): Odoo
    drops only its view. The campaign contacts' triggers and the history's indexes sit on Odoo's own tables."""
    env.cr.execute("DROP TABLE IF EXISTS crm_profile_history_set, crm_profile_history_line CASCADE")
    drop_campaign_contacts(env.cr)
    drop_trace_indexes(env.cr)

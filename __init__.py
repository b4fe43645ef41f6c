from . import models
from . import controllers
from . import wizards


def uninstall_hook(env):
    """The profile history's tables are not models' tables (see crm.profile.history): Odoo
    drops only its view."""
    env.cr.execute("DROP TABLE IF EXISTS crm_profile_history_set, crm_profile_history_line CASCADE")

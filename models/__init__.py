from . import crm_profile_category
from . import crm_profile_history
from . import crm_profile_operation
from . import res_partner_category
from . import res_partner
from . import crm_target_group
from . import mailing_mailing
from . import crm_letter_template

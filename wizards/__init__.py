from . import crm_contact_selection
from . import crm_profile_merge
from . import crm_profile_delete
from . import crm_profile_assign
from . import crm_address_export
from . import crm_letter_print
from . import base_partner_merge_automatic_wizard
from . import crm_campaign_response

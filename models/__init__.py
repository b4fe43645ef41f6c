from . import crm_background_job
from . import crm_profile_category
from . import crm_profile_operation
from . import crm_profile_history  # its tables refer to the operations' (made in this order)
from . import res_partner_category
from . import crm_postal_address
from . import res_partner
from . import crm_target_group
from . import mailing_mailing
from . import crm_letter_template
from . import crm_call_outcome
from . import crm_call_outcome_rule
from . import base_automation
from . import ir_actions_server
from . import crm_letter_run
from . import crm_campaign_touch
from . import crm_campaign_history  # its view reads the touches' table (made in this order)
from . import crm_campaign_cost
from . import utm_campaign
from . import sale_order
from . import event_event
from . import event_registration
from . import crm_event_invitation_run
from . import mail_render_mixin
from . import mail_mail
from . import crm_campaign_contact  # its triggers read the campaigns' and orders' columns (made in this order)

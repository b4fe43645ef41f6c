"""19.0.1.2.0: target groups record who defined their rules and who froze their members; the
call centre's record rule reads the members as the definer reaches them."""


def migrate(cr, version):
    if not version:
        return
    # until now, the owner stood for both
    cr.execute("UPDATE crm_target_group SET definer_id = user_id WHERE definer_id IS NULL")
    cr.execute("UPDATE crm_target_group SET frozen_by_id = user_id WHERE state = 'frozen' AND frozen_by_id IS NULL")
    cr.execute("""
        UPDATE ir_rule SET domain_force = %s
         WHERE id = (SELECT res_id FROM ir_model_data
                      WHERE module = 'crm_target_groups' AND name = 'res_partner_rule_call_centre')
    """, ["['|', ('id', '=', user.partner_id.id), ('crm_call_centre_member', '=', True)]"])

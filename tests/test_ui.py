from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestUi(HttpCase, TargetGroupsCommon):

    def test_tour_nested_profile_then_filter(self):
        """A manager adds 'Sport / Handball', a user filters contacts by Sport and finds its contact;
        the search panel shows the profile tree, and a row with many profiles stays one line high."""
        self.start_tour('/odoo/action-crm_target_groups.res_partner_category_action',
                        'crm_target_groups_profile_create', login='tg_manager')
        handball = self.env['res.partner.category'].search([('name', '=', 'Handball')])
        self.assertEqual(handball.parent_id, self.tag_sport)
        self.partner_clara.category_id |= handball
        self.partner_anna.category_id |= self.tag_tennis | self.tag_culture | self.tag_single  # a row of 4 profiles
        self.start_tour('/odoo/action-crm_target_groups.res_partner_action',
                        'crm_target_groups_filter_by_parent', login='tg_user')

    def test_tour_assign_wizard_and_undo(self):
        crowd = self.env['res.partner'].create([{'name': f'Crowd {i}'} for i in range(6)])
        self.start_tour('/odoo/action-crm_target_groups.res_partner_action',
                        'crm_target_groups_assign_wizard', login='tg_user')
        operation = self.env['crm.profile.operation'].search([('user_id', '=', self.user_plain.id)])
        self.assertEqual((operation.state, operation.partner_total, operation.change_count), ('undone', 6, 6))
        self.assertFalse(crowd.category_id)

    def test_tour_assignment_mode(self):
        """Start, click the red plus, keyboard, 'without profile', end: as a plain user."""
        crowd = self.env['res.partner'].create([{'name': f'Crowd {i}'} for i in range(6)])
        self.start_tour('/odoo/action-crm_target_groups.res_partner_action',
                        'crm_target_groups_assignment_mode', login='tg_user')
        self.assertEqual(crowd.filtered(lambda p: self.tag_culture in p.category_id), crowd[:3])
        history = self.env['crm.profile.history'].search([('partner_id', 'in', crowd.ids)])
        self.assertEqual(set(history.mapped('source')), {'click'})
        self.assertEqual(history.user_id, self.user_plain)

    def test_tour_save_target_group_then_mailing(self):
        """From the filtered contacts to a saved target group with its count, then its mailing."""
        new_test_user(self.env, login='tg_marketer', groups='crm_target_groups.group_crm_target_groups_user,'
                      'base.group_partner_manager,mass_mailing.group_mass_mailing_user,base.group_allow_export')
        self.env['crm.letter.template'].create({'name': 'Invitation', 'body': '<p>Hallo</p>'})
        (self.partner_anna | self.partner_bernd | self.partner_dora).write(
            {'street': 'Hauptstr. 1', 'zip': '80331', 'city': 'München'})
        self.start_tour('/odoo/action-crm_target_groups.res_partner_action',
                        'crm_target_groups_save_target_group', login='tg_marketer')
        group = self.env['crm.target.group'].search([('name', '=', 'Outdoor people')])
        self.assertEqual(group.user_id.login, 'tg_marketer')
        members = self.partner_anna | self.partner_bernd | self.partner_dora
        self.assertEqual(self.env['res.partner'].search(group._member_domain()), members)
        self.assertEqual(set(group.mailing_ids._get_recipients()), set(members.ids))
        export = self.env['crm.address.export'].search([('target_group_id', '=', group.id)])
        self.assertEqual(export.partner_count, 3, "the export the user started covers the group")

    def test_tour_letters_in_background(self):
        """Letters to more contacts than a request prints at once: the user lands on the printing run."""
        self.env['ir.config_parameter'].set_param('crm_target_groups.letters_in_request', '2')
        self.env['crm.letter.template'].create({'name': 'Invitation', 'body': '<p>Hallo</p>'})
        members = self.partner_anna | self.partner_bernd | self.partner_dora
        members.write({'street': 'Hauptstr. 1', 'zip': '80331', 'city': 'München'})
        group = self.env['crm.target.group'].create({
            'name': 'Outdoor', 'include_profile_ids': [Command.set(self.tag_sport.ids)], 'user_id': self.user_plain.id})
        self.start_tour(f'/odoo/action-crm_target_groups.crm_target_group_action/{group.id}',
                        'crm_target_groups_letters_in_background', login='tg_user')
        run = self.env['crm.letter.run'].search([('target_group_id', '=', group.id)])
        self.assertEqual((run.state, run.letter_total, run.user_id), ('queued', 3, self.user_plain))
        self.assertEqual(sorted(run.partner_order), sorted(members.ids))

    def test_tour_profile_automation(self):
        """An administrator attaches 'add to mailing list' to a profile; a contact getting it is added."""
        offer = self.env['res.partner.category'].create({'name': 'Gratis-Angebot', 'profile_category_id': self.cat_interests.id})
        mailing_list = self.env['mailing.list'].create({'name': 'Angebote'})
        self.start_tour(f'/odoo/action-crm_target_groups.res_partner_category_action/{offer.id}',
                        'crm_target_groups_profile_automation', login='admin')
        rule = self.env['base.automation'].search([('trg_field_ref', '=', offer.id), ('model_name', '=', 'res.partner')])
        self.assertEqual((rule.trigger, rule.action_server_ids.state), ('on_tag_set', 'crm_mailing_list'))
        self.partner_anna.write({'email': 'anna@example.com', 'category_id': [Command.link(offer.id)]})
        self.assertEqual(mailing_list.contact_ids.email, 'anna@example.com')

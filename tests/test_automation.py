import json
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import Form, HttpCase, tagged

from odoo.addons.crm_target_groups.models import crm_profile_operation
from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestAutomation(HttpCase, TargetGroupsCommon):
    """Odoo's "Tag is added" rules fire for profiles: once per contact, whatever the path."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.offer = cls.env['res.partner.category'].create(
            {'name': 'Gratis-Angebot', 'profile_category_id': cls.cat_interests.id})
        cls.automation = cls.env['base.automation'].create({
            'name': 'Send the offer', 'model_id': cls.env['ir.model']._get_id('res.partner'),
            'trigger': 'on_tag_set', 'trg_field_ref': cls.offer.id,
            'action_server_ids': [Command.create({
                'name': 'Offer activity', 'model_id': cls.env['ir.model']._get_id('res.partner'),
                'state': 'next_activity', 'activity_type_id': cls.env.ref('mail.mail_activity_data_todo').id,
                'activity_summary': 'Send the offer', 'activity_user_type': 'specific',
                'activity_user_id': cls.env.ref('base.user_admin').id})],
        })
        cls.crowd = cls.env['res.partner'].create([{'name': f'Crowd {i}'} for i in range(6)])

    def _fired(self, partners):
        """How many times the rule ran, per contact."""
        activities = self.env['mail.activity'].search([('res_model', '=', 'res.partner'),
                                                       ('res_id', 'in', partners.ids),
                                                       ('summary', '=', 'Send the offer')])
        return [len(activities.filtered(lambda a: a.res_id == partner.id)) for partner in partners]

    def test_trigger_maps_to_the_contacts_tags(self):
        self.assertEqual(self.automation.filter_domain, f"[('category_id', 'in', [{self.offer.id}])]")
        self.assertEqual(self.automation.filter_pre_domain, f"[('category_id', 'not in', [{self.offer.id}])]")
        self.assertEqual(self.offer.automation_count, 1)
        action = self.offer.action_open_automations()
        self.assertEqual(self.env['base.automation'].search(action['domain']), self.automation)
        self.assertEqual(action['context']['default_trg_field_ref'], self.offer.id)

    def test_form_click_import_and_api_fire_once(self):
        anna, bernd, clara, dora = self.partner_anna, self.partner_bernd, self.partner_clara, self.partner_dora
        with Form(anna.with_user(self.user_plain)) as form:
            form.category_id.add(self.offer)
        bernd.with_user(self.user_plain).with_context(crm_assign_profile_id=self.offer.id).web_save(
            {'crm_profile_assigned': True}, {'crm_profile_assigned': {}})
        self._import_contacts([[self._xmlid(clara), clara.name, self._xmlid(self.offer)]])
        key = self.env['res.users.apikeys'].with_user(self.user_plain)._generate(
            'rpc', 'test', datetime.now() + timedelta(days=1))
        response = self.url_open('/json/2/res.partner/write', data=json.dumps(
            {'ids': dora.ids, 'vals': {'category_id': [[4, self.offer.id]]}}),
            headers={'Authorization': f'Bearer {key}', 'Content-Type': 'application/json'})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self._fired(anna | bernd | clara | dora), [1, 1, 1, 1])

        (anna | bernd).write({'category_id': [Command.link(self.offer.id), Command.link(self.tag_tennis.id)]})
        self.assertEqual(self._fired(anna | bernd), [1, 1], "not again for a contact that has it")

    def test_wizard_fires_once_per_contact_also_in_the_background(self):
        self.crowd[0].category_id = self.offer
        self.env['ir.config_parameter'].set_param('crm_target_groups.sync_threshold', '3')
        with patch.object(crm_profile_operation, 'BATCH_SIZE', 2), \
                patch.object(type(self.env['ir.cron']), '_commit_progress', lambda *args, **kwargs: 1.0):
            form = Form(self.env['crm.profile.assign'].with_user(self.user_plain).with_context(
                active_model='res.partner', active_ids=self.crowd.ids, active_domain=[]))
            form.profile_ids.add(self.offer)
            form.save().action_apply()
            operation = self.env['crm.profile.operation'].search([], limit=1)
            operation._process_batch()
            with self.assertRaises(RuntimeError), self.env.cr.savepoint():
                operation._process_batch()
                raise RuntimeError("worker killed before its commit")
            self.env.invalidate_all()
            self.env['crm.profile.operation']._cron_process()
        self.assertEqual(operation.state, 'done')
        self.assertEqual(self._fired(self.crowd), [1, 1, 1, 1, 1, 1],
                         "the one that had it fired when it got it; the killed batch did not count")

    def test_sync_wizard_fires_and_undo_does_not(self):
        for mode in ('add', 'remove'):
            form = Form(self.env['crm.profile.assign'].with_user(self.user_plain).with_context(
                active_model='res.partner', active_ids=self.crowd[:2].ids, active_domain=[]))
            form.mode = mode
            form.profile_ids.add(self.offer)
            form.save().action_apply()
        self.assertEqual(self._fired(self.crowd[:2]), [1, 1])
        self.env['crm.profile.operation'].search([], limit=1).with_user(self.user_plain).action_undo()
        self.assertEqual(self.crowd[:2].category_id, self.offer)
        self.assertEqual(self._fired(self.crowd[:2]), [1, 1], "undoing a removal restores, it does not re-run")

    def test_contact_merge_does_not_fire_again(self):
        """Merged contacts are one person: the rule ran when the merged one got the profile (its
        activity comes along), not again for the contact that stays."""
        stays, merged = self.crowd[3], self.crowd[4]
        merged.category_id = self.offer
        self.assertEqual(self._fired(stays | merged), [0, 1])
        self.env['base.partner.merge.automatic.wizard']._merge((stays | merged).ids, dst_partner=stays)
        self.assertEqual(stays.category_id, self.offer)
        self.assertEqual(self._fired(stays), [1])

    def test_add_to_mailing_list_action(self):
        mailing_list = self.env['mailing.list'].create({'name': 'Angebote'})
        self.automation.action_server_ids = [Command.create({
            'name': 'Subscribe', 'model_id': self.env['ir.model']._get_id('res.partner'),
            'state': 'crm_mailing_list', 'crm_mailing_list_id': mailing_list.id})]
        self.partner_anna.email = 'anna@example.com'
        self.partner_bernd.email = 'bernd@example.com'
        existing = self.env['mailing.contact'].create({'name': 'Bernd', 'email': 'bernd@example.com',
                                                       'list_ids': [Command.link(mailing_list.id)]})
        existing.subscription_ids.opt_out = True
        (self.partner_anna | self.partner_bernd | self.partner_clara).write(
            {'category_id': [Command.link(self.offer.id)]})
        subscriptions = mailing_list.subscription_ids
        self.assertEqual(sorted(subscriptions.contact_id.mapped('email')), ['anna@example.com', 'bernd@example.com'],
                         "Clara has no email address")
        self.assertTrue(subscriptions.filtered(lambda s: s.contact_id == existing).opt_out, "an opt-out stays")

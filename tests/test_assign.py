from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from odoo.addons.crm_target_groups.models import crm_profile_operation
from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestAssign(TargetGroupsCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_crowd()

    def _wizard(self, partners, profiles, mode='add', **context):
        form = Form(self.env['crm.profile.assign'].with_context(
            active_model='res.partner', active_ids=partners.ids, active_domain=[], **context))
        form.mode = mode
        for profile in profiles:
            form.profile_ids.add(profile)
        return form

    def _changes(self, operation):
        return {(h.partner_id.name, h.profile_id.name, h.change) for h in operation.sudo().history_ids}

    def _operation(self):
        return self.env['crm.profile.operation'].search([], limit=1)

    @users('tg_user')
    def test_add_with_preview_and_exclusive_replacement(self):
        form = self._wizard(self.crowd, self.tag_married)
        self.assertEqual(form.partner_count, 6)
        self.assertIn("5 contacts get married", form.preview)
        self.assertIn("2 contacts lose another profile of Test Family", form.preview)
        form.save().action_apply()
        self.assertEqual(self.crowd.category_id, self.tag_married)
        operation = self._operation()
        self.assertEqual((operation.state, operation.partner_total, operation.change_count), ('done', 6, 7))
        self.assertIn(('Crowd 0', 'single', 'remove'), self._changes(operation))
        self.assertNotIn(('Crowd 2', 'married', 'add'), self._changes(operation), "it had it already")
        self.assertEqual(operation.sudo().history_ids.mapped('source'), ['wizard'] * 7)

    @users('tg_user')
    def test_remove_and_replace(self):
        self._wizard(self.crowd, self.tag_single, mode='remove').save().action_apply()
        self.assertEqual(self.crowd.category_id, self.tag_married)
        self.crowd[3].category_id |= self.tag_sport
        self._wizard(self.crowd[2:4], self.tag_tennis, mode='replace').save().action_apply()
        self.assertEqual(self.crowd[2].category_id, self.tag_tennis | self.tag_married,
                         "replace works within the chosen profile's category only")
        self.assertEqual(self.crowd[3].category_id, self.tag_tennis)

    @users('tg_user')
    def test_add_replaces_archived_sibling_too(self):
        self.tag_single.sudo().active = False
        self._wizard(self.crowd[:2], self.tag_married).save().action_apply()
        self.assertEqual(self.crowd[:2].with_context(active_test=False).category_id, self.tag_married)

    @users('tg_user')
    def test_two_profiles_of_exclusive_category_refused(self):
        with self.assertRaisesRegex(UserError, "at most one profile per exclusive category"):
            self._wizard(self.crowd, self.tag_single | self.tag_married).save().action_apply()

    @users('tg_user')
    def test_undo_restores_exactly_and_reports_later_edits(self):
        self._wizard(self.crowd, self.tag_married | self.tag_culture).save().action_apply()
        operation = self._operation()
        self.crowd[5].with_env(self.env).category_id -= self.tag_culture  # someone edits afterwards
        operation.action_undo()
        self.assertEqual(operation.state, 'undone')
        self.assertEqual(self.crowd[:2].category_id, self.tag_single)
        self.assertEqual(self.crowd[2].category_id, self.tag_married, "had it before: keeps it")
        self.assertFalse(self.crowd[3:5].category_id)
        self.assertEqual(self.crowd[5].category_id, self.tag_married - self.tag_married,
                         "married was undone, culture removal by hand stays")
        self.assertIn("1 contacts had this profile changed again", operation.undo_report)
        with self.assertRaises(UserError):
            operation.action_undo()

    @users('tg_user')
    def test_undo_without_later_edits_restores_exactly(self):
        """Nothing changed since: a profile only the assignment's contacts carry is taken by
        profile, one others carry too (married) contact by contact; both end as before."""
        fresh = self.env['res.partner.category'].sudo().create(
            {'name': 'Fresh', 'profile_category_id': self.cat_interests.id})
        self._wizard(self.crowd, self.tag_married | fresh).save().action_apply()
        operation = self._operation()
        self.assertEqual(operation.change_count, 13)
        operation.action_undo()
        self.assertEqual((operation.state, operation.undo_report), ('undone', False))
        self.assertEqual(self.crowd[:2].category_id, self.tag_single)
        self.assertEqual(self.crowd[2].category_id, self.tag_married, "had it before: keeps it")
        self.assertFalse(self.crowd[3:].category_id)
        undone = self.env['crm.profile.history'].search([('partner_id', '=', self.crowd[0].id), ('source', '=', 'undo')])
        self.assertEqual({(h.profile_id.name, h.change) for h in undone},
                         {('married', 'remove'), ('single', 'add'), ('Fresh', 'remove')})

    @users('tg_user')
    @mute_logger('odoo.addons.base.models.ir_rule')
    def test_outsider_cannot_assign_restricted(self):
        with self.assertRaises(AccessError):
            wizard = self.env['crm.profile.assign'].create({
                'profile_ids': [Command.set(self.tag_council.ids)],
                'partner_domain': repr([('id', 'in', self.crowd.ids)])})
            wizard.action_apply()
        self.assertFalse(self.env['res.partner.category'].search([('id', '=', self.tag_council.id)]))

    def test_undo_by_an_author_who_lost_the_restricted_category_erases_nothing(self):
        """Undo goes through the one method of profile changes: a profile its author may no
        longer see stays where it is; what the author still sees is undone."""
        wizard = self.env['crm.profile.assign'].with_user(self.user_insider).create({
            'profile_ids': [Command.set((self.tag_council | self.tag_culture).ids)],
            'partner_domain': repr([('id', 'in', self.crowd[3:].ids)])})
        wizard.action_apply()
        self.assertEqual(self.crowd[3].category_id, self.tag_council | self.tag_culture)
        self.user_insider.group_ids -= self.group_politics
        operation = self.env['crm.profile.operation'].search([], limit=1)
        operation.with_user(self.user_insider).action_undo()
        self.env.invalidate_all()
        for partner in self.crowd[3:]:
            self.assertEqual(partner.category_id, self.tag_council, partner.name)
        undone = self.env['crm.profile.history'].search(
            [('partner_id', 'in', self.crowd[3:].ids), ('source', '=', 'undo')])
        self.assertEqual(set(undone.mapped(lambda h: (h.profile_id, h.change))), {(self.tag_culture, 'remove')})

    @users('tg_user')
    def test_select_all_uses_the_filter(self):
        self.env['ir.config_parameter'].sudo().set_param('web.active_ids_limit', '3')
        form = self._wizard(self.crowd[:2], self.tag_culture)
        self.assertEqual(form.partner_count, 2, "fewer ids than the limit: exactly those")
        domain = [('name', '=like', 'Crowd %')]
        form = Form(self.env['crm.profile.assign'].with_context(
            active_model='res.partner', active_ids=self.crowd[:3].ids, active_domain=domain))
        self.assertEqual(form.partner_count, 6)

    def test_background_job_resumes_after_a_killed_worker(self):
        self.env['ir.config_parameter'].set_param('crm_target_groups.sync_threshold', '3')
        with patch.object(crm_profile_operation, 'BATCH_SIZE', 2), \
                patch.object(type(self.env['ir.cron']), '_commit_progress', lambda *args, **kwargs: 1.0):
            self._wizard(self.crowd, self.tag_culture).save().action_apply()
            operation = self._operation()
            self.assertEqual((operation.state, operation.partner_done), ('queued', 0))
            operation._process_batch()
            self.assertEqual(operation.partner_done, 2)
            with self.assertRaises(RuntimeError), self.env.cr.savepoint():
                operation._process_batch()
                raise RuntimeError("worker killed before its commit")
            self.env.invalidate_all()
            self.assertEqual(operation.partner_done, 2)
            self.env['crm.profile.operation']._cron_process()
        self.assertEqual((operation.state, operation.partner_done, operation.progress), ('done', 6, 100.0))
        self.assertEqual(self.crowd.category_id & self.tag_culture, self.tag_culture)
        adds = operation.history_ids.filtered(lambda h: h.change == 'add')
        self.assertEqual(sorted(adds.partner_id.ids), sorted(self.crowd.ids), "each contact exactly once")

    @mute_logger('odoo.addons.crm_target_groups.models.crm_background_job')
    def test_a_failing_background_job_stops_alone(self):
        """An assignment that cannot go on (here its filter names a field that is gone) is marked
        failed, its user is told, and the assignments queued after it still run."""
        Operation = self.env['crm.profile.operation']
        broken, fine = Operation.create([
            {'name': 'broken', 'profile_ids': self.tag_culture.ids, 'domain': "[('no_such_field', '=', 1)]",
             'user_id': self.user_plain.id},
            {'name': 'fine', 'profile_ids': self.tag_culture.ids, 'domain': repr([('id', 'in', self.crowd.ids)]),
             'user_id': self.user_plain.id, 'partner_total': 6},
        ])
        with patch.object(type(self.env['ir.cron']), '_commit_progress', lambda *args, **kwargs: 1.0):
            Operation._cron_process()
        self.assertEqual((broken.state, fine.state), ('failed', 'done'))
        self.assertIn('not valid', broken.failure, "the reason in the user's words, not a traceback")
        self.assertEqual(self.crowd.category_id & self.tag_culture, self.tag_culture)
        self.env.cr.precommit.run()  # the bus sends its notifications on commit
        self.assertTrue(self.env['bus.bus'].sudo().search([('message', 'like', 'not valid')]))

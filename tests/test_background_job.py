from unittest.mock import patch

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from odoo.addons.crm_target_groups.models import crm_background_job, crm_profile_operation
from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestJobRights(TargetGroupsCommon):
    """Assignments and letter runs are read-only to users: the wizards create them, after their
    checks, with the requesting user recorded by the server; only the server writes them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.crowd = cls.env['res.partner'].create([
            {'name': f'Crowd {i}', 'street': f'Weg {i}', 'zip': f'8033{i}', 'city': 'München'} for i in range(4)])
        cls.template = cls.env['crm.letter.template'].create({'name': 'Invitation', 'body': '<p>Hallo</p>'})

    def _assign(self, user, profile, partners):
        """The assignment wizard, as `user`; returns the assignment it made."""
        wizard = self.env['crm.profile.assign'].with_user(user).create({
            'profile_ids': [Command.set(profile.ids)], 'partner_domain': repr([('id', 'in', partners.ids)])})
        wizard.action_apply()
        return self.env['crm.profile.operation'].with_user(user).search([('user_id', '=', user.id)], limit=1)

    @users('tg_user')
    @mute_logger('odoo.addons.base.models.ir_model')
    def test_user_cannot_create_an_assignment(self):
        """Created over the API (then handed to a manager, or with its server fields filled in),
        it would skip the wizard's checks."""
        for user in (self.env.user, self.user_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env['crm.profile.operation'].create({
                    'name': 'Sneaky', 'profile_ids': self.tag_culture.ids, 'domain': '[]', 'state': 'done',
                    'user_id': user.id})

    @mute_logger('odoo.addons.base.models.ir_model')
    def test_author_cannot_rewrite_an_assignment(self):
        """Who it runs as, its state, its contacts, what undo takes by profile: none of it is the
        user's to write, nor can the user delete it; undo afterwards still restores exactly."""
        operation = self._assign(self.user_plain, self.tag_culture, self.crowd[:2])
        self.assertEqual((operation.state, operation.user_id), ('done', self.user_plain))
        for vals in ({'user_id': self.user_manager.id}, {'state': 'queued'}, {'partner_done': 0},
                     {'unused_profile_ids': [Command.set(self.tag_culture.ids)]},
                     {'domain': repr([('id', '=', self.partner_clara.id)])}, {'last_partner_id': 0},
                     {'profile_ids': [Command.link(self.tag_tennis.id)]}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                operation.write(vals)
        with self.assertRaises(AccessError):
            operation.unlink()
        operation.action_undo()
        self.assertFalse(self.crowd[:2].category_id)
        self.assertIn(self.tag_culture, self.partner_clara.category_id,
                      "Clara carried Culture before: undo does not take it by profile")

    @mute_logger('odoo.addons.base.models.ir_model')
    def test_background_assignment_runs_as_its_author(self):
        """The wizard queues it for the user who asked; the user cannot hand it to a manager, and
        the cron applies it with the user's rights (here: a restricted profile's carriers stay out)."""
        self.partner_dora.category_id |= self.tag_culture  # Dora: council (restricted) and culture
        Operation = self.env['crm.profile.operation']
        self.env['ir.config_parameter'].set_param('crm_target_groups.sync_threshold', '3')
        wizard = self.env['crm.profile.assign'].with_user(self.user_plain).create({
            'mode': 'remove', 'profile_ids': [Command.set(self.tag_culture.ids)],
            'partner_domain': repr(['|', ('id', 'in', self.crowd.ids), ('category_id', 'in', self.tag_council.ids)])})
        self.assertEqual(wizard.partner_count, 4, "the user does not reach Dora through the council")
        wizard.action_apply()
        operation = Operation.with_user(self.user_plain).search([('user_id', '=', self.user_plain.id)])
        self.assertEqual((operation.state, operation.user_id), ('queued', self.user_plain))
        with self.assertRaises(AccessError):
            operation.user_id = self.user_manager
        self.env.invalidate_all()
        self.assertEqual(operation.sudo().user_id, self.user_plain)
        with patch.object(type(self.env['ir.cron']), '_commit_progress', lambda *args, **kwargs: 1.0):
            Operation._cron_process()
        self.assertEqual(operation.state, 'done')
        self.assertIn(self.tag_culture, self.partner_dora.category_id, "run as its author, not as a manager")

    def test_undo_by_its_author_or_a_manager_only(self):
        operation = self._assign(self.user_plain, self.tag_culture, self.crowd[:2])
        with mute_logger('odoo.addons.base.models.ir_rule'), self.assertRaises(AccessError):
            operation.with_user(self.user_insider).action_undo()
        self.assertEqual(operation.state, 'done')
        operation.action_undo()
        self.assertEqual(operation.state, 'undone')
        self.assertFalse(self.crowd[:2].category_id)
        with mute_logger('odoo.addons.base.models.ir_model'), self.assertRaises(AccessError):
            operation.state = 'done'  # to undo it again
        with self.assertRaises(UserError):
            operation.action_undo()

        operation = self._assign(self.user_plain, self.tag_culture, self.crowd[:2])
        operation.with_user(self.user_manager).action_undo()
        self.assertEqual(operation.state, 'undone')
        self.assertFalse(self.crowd[:2].category_id)

    @users('tg_user')
    @mute_logger('odoo.addons.base.models.ir_model')
    def test_letter_runs_are_read_only_to_users(self):
        """Only the letter wizard queues a run, for the user who asked; its recipients are fixed
        then, with that user's rights, and stay so. Managers may delete runs."""
        Run = self.env['crm.letter.run']
        with self.assertRaises(AccessError):
            Run.create({'name': 'Sneaky', 'template_id': self.template.id, 'letter_date': '2026-01-01',
                        'partner_domain': '[]'})
        self.env['ir.config_parameter'].sudo().set_param('crm_target_groups.letters_in_request', '0')
        wizard = self.env['crm.letter.print'].create({
            'template_id': self.template.id, 'partner_domain': repr([('id', 'in', self.crowd[:2].ids)])})
        run = Run.browse(wizard.action_print()['res_id'])
        self.assertEqual((run.state, run.user_id, run.partner_order, run.letter_total),
                         ('queued', self.env.user, self.crowd[:2].ids, 2))
        for vals in ({'user_id': self.user_manager.id}, {'partner_order': self.crowd.ids}, {'letter_total': 4},
                     {'state': 'done'}, {'partner_domain': '[]'}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                run.write(vals)
        with self.assertRaises(AccessError):
            run.unlink()
        self.env.invalidate_all()
        self.assertEqual((run.user_id, run.partner_order), (self.env.user, self.crowd[:2].ids))
        run.with_user(self.user_manager).unlink()
        self.assertFalse(run.exists())


@tagged('post_install', '-at_install')
class TestJobFaults(TargetGroupsCommon):
    """A background assignment survives what a busy database does to it: a batch that meets a
    concurrent transaction is tried again, a lost connection leaves the job for the next run;
    other errors stop it, and what it did so far can be undone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_crowd()
        cls.env['ir.config_parameter'].set_param('crm_target_groups.sync_threshold', '3')

    def setUp(self):
        super().setUp()
        # batches of two contacts, the test's one transaction (no commits), no waiting between tries
        for patcher in (patch.object(crm_profile_operation, 'BATCH_SIZE', 2),
                        patch.object(crm_background_job, 'RETRY_WAIT', 0),
                        patch.object(type(self.env['ir.cron']), '_commit_progress', lambda *args, **kwargs: 1.0)):
            patcher.start()
            self.addCleanup(patcher.stop)
        self.Operation = self.env['crm.profile.operation']

    def _queue(self):
        """The wizard, as the plain user: the six contacts get married (in the background)."""
        wizard = self.env['crm.profile.assign'].with_user(self.user_plain).create({
            'profile_ids': [Command.set(self.tag_married.ids)], 'partner_domain': repr([('id', 'in', self.crowd.ids)])})
        wizard.action_apply()
        operation = self.Operation.search([('user_id', '=', self.user_plain.id)], limit=1)
        self.assertEqual(operation.state, 'queued')
        return operation

    def _failing(self, errors):
        """Batch n (its n-th try, counting all tries) does its work, then raises errors[n]."""
        Operation = type(self.Operation)
        original, calls = Operation._apply, []

        def _apply(operation, partner_ids):
            calls.append(partner_ids)
            original(operation, partner_ids)
            if len(calls) in errors:
                raise errors[len(calls)]
        return patch.object(Operation, '_apply', _apply)

    def _assert_married_once(self, operation):
        self.assertEqual((operation.state, operation.partner_done, operation.failure), ('done', 6, False))
        self.assertEqual(self.crowd.category_id, self.tag_married)
        changes = sorted((h.partner_id.id, h.profile_id.name, h.change) for h in operation.history_ids)
        self.assertEqual(changes, sorted(
            [(partner.id, 'married', 'add') for partner in self.crowd - self.crowd[2]]
            + [(partner.id, 'single', 'remove') for partner in self.crowd[:2]]), "each contact once")

    def test_a_batch_that_meets_a_concurrent_transaction_is_tried_again(self):
        operation = self._queue()
        with self._failing({2: psycopg2.errors.SerializationFailure("could not serialize access due to concurrent update"),
                            4: psycopg2.errors.DeadlockDetected("deadlock detected")}):
            self.Operation._cron_process()
        self._assert_married_once(operation)

    @mute_logger('odoo.addons.crm_target_groups.models.crm_background_job')
    def test_a_conflict_that_persists_leaves_the_job_for_a_later_run(self):
        operation = self._queue()
        cron = self.env.ref('crm_target_groups.crm_profile_operation_cron')
        errors = {n: psycopg2.errors.LockNotAvailable("could not obtain lock")
                  for n in range(2, 2 + crm_background_job.BATCH_TRIES)}
        with self._failing(errors):
            self.Operation._cron_process()
        self.assertEqual((operation.state, operation.partner_done, operation.failure), ('running', 2, False))
        self.assertTrue(self.env['ir.cron.trigger'].search(
            [('cron_id', '=', cron.id), ('call_at', '>', fields.Datetime.now())]), "the cron comes back to it")
        self.Operation._cron_process()
        self._assert_married_once(operation)

    @mute_logger('odoo.addons.crm_target_groups.models.crm_background_job')
    def test_a_lost_connection_leaves_the_job_as_last_committed(self):
        """Nothing can be written any more: the error ends the cron's run, which Odoo runs again."""
        operation = self._queue()
        lost = psycopg2.OperationalError("server closed the connection unexpectedly")
        raised = None
        with self._failing({2: lost}):
            try:  # not assertRaises, whose savepoint would take the first batch back as well
                self.Operation._cron_process()
            except psycopg2.OperationalError as error:
                raised = error
        self.assertIs(raised, lost)
        self.assertEqual((operation.state, operation.partner_done, operation.failure), ('running', 2, False))
        self.Operation._cron_process()
        self._assert_married_once(operation)

    @mute_logger('odoo.addons.crm_target_groups.models.crm_background_job')
    def test_a_failed_assignment_is_undone_for_the_batches_it_did(self):
        """Any other error stops the job with its reason; its undo restores the contacts of the
        batches done, and only those."""
        operation = self._queue()
        with self._failing({2: psycopg2.errors.QueryCanceled("canceling statement due to statement timeout")}):
            self.Operation._cron_process()
        self.assertEqual((operation.state, operation.partner_done), ('failed', 2))
        self.assertIn('unexpected error', operation.failure)
        self.assertEqual(self.crowd[:3].category_id, self.tag_married,
                         "the first batch married Crowd 0 and 1; Crowd 2 was married before")
        self.assertFalse(self.crowd[3:].category_id, "the failed batch left nothing")
        with mute_logger('odoo.addons.base.models.ir_rule'), self.assertRaises(AccessError):
            operation.with_user(self.user_insider).action_undo()
        operation.with_user(self.user_plain).action_undo()
        self.assertEqual(operation.state, 'undone')
        self.assertEqual(self.crowd[:2].category_id, self.tag_single)
        self.assertEqual(self.crowd[2].category_id, self.tag_married)
        self.assertFalse(self.crowd[3:].category_id)

    def test_undoing_a_running_assignment_stops_it(self):
        operation = self._queue()
        with self.assertRaisesRegex(UserError, "has not changed any contact yet"):
            operation.with_user(self.user_plain).action_undo()

        def undo_after_first_batch(*args, **kwargs):
            if operation.state == 'running':  # between two batches: the user undoes it
                operation.with_user(self.user_plain).action_undo()
            return 1.0
        with patch.object(type(self.env['ir.cron']), '_commit_progress', undo_after_first_batch):
            self.Operation._cron_process()
        self.assertEqual((operation.state, operation.partner_done), ('undone', 2))
        self.Operation._cron_process()
        self.assertEqual((operation.state, operation.partner_done), ('undone', 2), "no batch after the undo")
        self.assertEqual(self.crowd[:2].category_id, self.tag_single)
        self.assertEqual(self.crowd[2].category_id, self.tag_married)
        self.assertFalse(self.crowd[3:].category_id)

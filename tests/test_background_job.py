from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged, users
from odoo.tools import mute_logger

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

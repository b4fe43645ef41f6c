from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestTargetGroupMailing(TargetGroupsCommon):
    """A target group's mailing is a stock mass mailing whose recipients are the members."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for partner in cls.partner_anna | cls.partner_bernd | cls.partner_clara | cls.partner_dora:
            partner.email = f'{partner.name.split()[0].lower()}@example.com'
        cls.group = cls.env['crm.target.group'].create({
            'name': 'Sport', 'include_profile_ids': [Command.set(cls.tag_sport.ids)]})

    def test_recipients_are_the_members_at_sending(self):
        action = self.group.action_create_mailing()
        mailing = self.env['mailing.mailing'].browse(action['res_id'])
        self.assertEqual(mailing.mailing_model_real, 'res.partner')
        self.assertEqual(mailing.crm_target_group_id, self.group)
        self.assertEqual(self.group.mailing_count, 1)
        mailing.body_html = '<p>Hallo</p>'

        # dynamic: whoever is a member when the mailing goes out
        self.partner_clara.category_id = [Command.link(self.tag_tennis.id)]
        self.env['mail.blacklist'].create({'email': 'bernd@example.com'})
        expected = self.partner_anna | self.partner_clara | self.partner_dora
        self.assertEqual(set(mailing._get_recipients()), set(expected.ids))
        mailing.action_send_mail()
        self.assertEqual(set(mailing.mailing_trace_ids.mapped('res_id')), set(expected.ids))

    def test_frozen_group_mails_the_stored_members(self):
        self.group.action_freeze()
        self.partner_clara.category_id = [Command.link(self.tag_tennis.id)]
        mailing = self.env['mailing.mailing'].browse(self.group.action_create_mailing()['res_id'])
        self.assertEqual(set(mailing._get_recipients()),
                         set((self.partner_anna | self.partner_bernd | self.partner_dora).ids))

    def test_mail_queue_uses_the_rights_of_who_chose_the_recipients(self):
        group = self.env['crm.target.group'].with_user(self.user_insider).create({
            'name': 'Council or culture', 'shared': True,
            'include_profile_ids': [Command.set((self.tag_council | self.tag_culture).ids)]})
        marketer = new_test_user(self.env, login='tg_marketer_out', groups='crm_target_groups.group_crm_target_groups_user,'
                                                                          'mass_mailing.group_mass_mailing_user')
        mailing = self.env['mailing.mailing'].with_user(marketer).create({
            'subject': 'Invitation', 'crm_target_group_id': group.id})
        mailing.user_id = self.user_insider  # the responsible is anybody's to edit
        self.assertEqual(mailing.crm_recipients_uid, marketer)
        self.assertEqual(mailing.sudo()._get_recipients(), self.partner_clara.ids,
                         "the queue runs as superuser but mails only whom the chooser may reach")
        # the insider then excludes a profile the chooser may not see: the group is refused to
        # them, and the queue mails nobody instead of failing for every mailing
        group.with_user(self.user_insider).exclude_profile_ids = self.tag_council
        self.assertEqual(mailing.sudo()._get_recipients(), [])

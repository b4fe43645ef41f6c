from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import TargetGroupsCommon


@tagged('post_install', '-at_install')
class TestExclusive(TargetGroupsCommon):

    @users('tg_user')
    def test_assigning_replaces_sibling(self):
        clara = self.partner_clara.with_env(self.env)
        clara.write({'category_id': [Command.link(self.tag_married.id)]})
        self.assertEqual(clara.category_id, self.tag_culture | self.tag_married)
        # the same through Command.set, as an import or a multi-edit sends it
        clara.write({'category_id': [Command.set((self.tag_culture | self.tag_married | self.tag_single).ids)]})
        self.assertEqual(clara.category_id, self.tag_culture | self.tag_single)

    @users('tg_user')
    def test_form_shows_replacement_before_save(self):
        with Form(self.partner_clara.with_env(self.env)) as form:
            form.category_id.add(self.tag_married)
            self.assertEqual(set(form.category_id.ids), {self.tag_culture.id, self.tag_married.id})
        self.assertEqual(self.partner_clara.category_id, self.tag_culture | self.tag_married)

    @users('tg_user')
    @mute_logger('odoo.sql_db')
    def test_two_siblings_at_once_refused(self):
        with self.assertRaisesRegex(ValidationError, "only one profile of the category Test Family"):
            self.env['res.partner'].create({
                'name': 'Both', 'category_id': [Command.set((self.tag_single | self.tag_married).ids)]})
        with self.assertRaisesRegex(ValidationError, "only one profile"):
            self.partner_anna.with_env(self.env).write(
                {'category_id': [Command.link(self.tag_single.id), Command.link(self.tag_married.id)]})

    @users('tg_user')
    def test_import_replaces_sibling(self):
        self._import_contacts([
            [self._xmlid(self.partner_clara), 'Clara Kultur', self._xmlid(self.tag_married)],
            ['__import__.new_contact', 'Neu', f'{self._xmlid(self.tag_single)},{self._xmlid(self.tag_culture)}']])
        self.assertEqual(self.partner_clara.category_id, self.tag_married)
        new = self.env.ref('__import__.new_contact')
        self.assertEqual(new.category_id, self.tag_single | self.tag_culture)

    @mute_logger('odoo.sql_db')
    def test_making_category_exclusive_with_conflicts_refused(self):
        self.assertFalse(self.cat_interests.exclusive)
        with self.assertRaisesRegex(ValidationError, "1 contacts hold more than one"):
            self.cat_interests.with_user(self.user_manager).exclusive = True
        self.partner_bernd.category_id -= self.tag_sport
        self.cat_interests.with_user(self.user_manager).exclusive = True
        self.partner_bernd.with_user(self.user_plain).category_id |= self.tag_culture
        self.assertEqual(self.partner_bernd.category_id, self.tag_culture)

    @users('tg_user')
    def test_merging_duplicates_keeps_one_per_exclusive_category(self):
        """Odoo's merge moves every profile to the contact that stays: its own exclusive profile
        wins, the others' come along; the newest merged contact decides where it had none."""
        Partner = self.env['res.partner']
        stays = Partner.create({'name': 'Clara K.', 'category_id': [Command.set(self.tag_single.ids)]})
        older = Partner.create({'name': 'Clara Kultur (old)', 'category_id': [Command.set(self.tag_married.ids)]})
        newer = Partner.create({'name': 'Clara Kultur', 'category_id': [Command.set(self.tag_football.ids)]})
        self.env['base.partner.merge.automatic.wizard']._merge((stays | older | newer).ids, dst_partner=stays)
        self.assertFalse((older | newer).exists())
        self.assertEqual(stays.category_id, self.tag_single | self.tag_football)
        merged = stays.profile_history_ids.filtered(lambda h: h.source == 'contact_merge')
        self.assertEqual([(h.change, h.profile_id) for h in merged], [('add', self.tag_football)])
        self.assertEqual(merged.user_id, self.env.user)

        widow = Partner.create({'name': 'Dora R.'})
        first = Partner.create({'name': 'Dora Rat (1)', 'category_id': [Command.set(self.tag_single.ids)]})
        second = Partner.create({'name': 'Dora Rat (2)', 'category_id': [Command.set(self.tag_married.ids)]})
        self.env['base.partner.merge.automatic.wizard']._merge((widow | first | second).ids, dst_partner=widow)
        self.assertEqual(widow.category_id, self.tag_married, "the newest merged contact's")

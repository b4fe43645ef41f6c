from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user


class TargetGroupsCommon(TransactionCase):
    """Own users and a small profile tree; never relies on demo data.

    Interests / Outdoor / Football, Interests / Outdoor / Tennis, Interests / Culture;
    Family (exclusive): single, married; Politics (restricted to a 'Politics team' group): council.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group_politics = cls.env['res.groups'].create({'name': 'Politics team'})
        cls.user_manager = new_test_user(
            cls.env, login='tg_manager', name='Manon Manager',
            groups='crm_target_groups.group_crm_target_groups_manager,base.group_partner_manager')
        cls.user_plain = new_test_user(
            cls.env, login='tg_user', name='Uwe User',
            groups='crm_target_groups.group_crm_target_groups_user,base.group_partner_manager')
        cls.user_insider = new_test_user(
            cls.env, login='tg_insider', name='Ines Insider',
            groups='crm_target_groups.group_crm_target_groups_user,base.group_partner_manager',
            group_ids=[cls.env.ref('crm_target_groups.group_crm_target_groups_user').id,
                       cls.env.ref('base.group_partner_manager').id, cls.group_politics.id])

        Category = cls.env['crm.profile.category']
        cls.cat_interests = Category.create({'name': 'Test Interests'})
        cls.cat_family = Category.create({'name': 'Test Family', 'exclusive': True})
        cls.cat_politics = Category.create({
            'name': 'Test Politics', 'group_ids': [Command.link(cls.group_politics.id)]})

        Tag = cls.env['res.partner.category']
        cls.tag_sport = Tag.create({'name': 'Outdoor', 'profile_category_id': cls.cat_interests.id})
        cls.tag_football = Tag.create({'name': 'Football', 'parent_id': cls.tag_sport.id})
        cls.tag_tennis = Tag.create({'name': 'Tennis', 'parent_id': cls.tag_sport.id})
        cls.tag_culture = Tag.create({'name': 'Culture', 'profile_category_id': cls.cat_interests.id})
        cls.tag_single = Tag.create({'name': 'single', 'profile_category_id': cls.cat_family.id})
        cls.tag_married = Tag.create({'name': 'married', 'profile_category_id': cls.cat_family.id})
        cls.tag_council = Tag.create({'name': 'City council', 'profile_category_id': cls.cat_politics.id})

        Partner = cls.env['res.partner']
        cls.partner_anna = Partner.create({
            'name': 'Anna Fußballfan', 'category_id': [Command.set(cls.tag_football.ids)]})
        cls.partner_bernd = Partner.create({
            'name': 'Bernd Tennis', 'category_id': [Command.set((cls.tag_tennis | cls.tag_sport).ids)]})
        cls.partner_clara = Partner.create({
            'name': 'Clara Kultur', 'category_id': [Command.set((cls.tag_culture | cls.tag_single).ids)]})
        cls.partner_dora = Partner.create({
            'name': 'Dora Rat', 'category_id': [Command.set((cls.tag_council | cls.tag_football).ids)]})

    @classmethod
    def _make_crowd(cls):
        """Six more contacts for assignments: two single, one married, three without profile."""
        cls.crowd = cls.env['res.partner'].create([{'name': f'Crowd {i}'} for i in range(6)])
        cls.crowd[:2].category_id = cls.tag_single
        cls.crowd[2].category_id = cls.tag_married

    @classmethod
    def _load_german(cls):
        """German installed and this module's German terms loaded, as a German-speaking company has."""
        cls.env['res.lang']._activate_lang('de_DE')
        cls.env['ir.module.module']._load_module_terms(['crm_target_groups'], ['de_DE'], overwrite=True)

    def _import_contacts(self, rows):
        """Imports contacts as a user does from a CSV file (base_import), as the current user."""
        header = ['id', 'name', 'category_id/id']
        lines = [','.join(header)] + [','.join(f'"{value}"' for value in row) for row in rows]
        wizard = self.env['base_import.import'].create({
            'res_model': 'res.partner', 'file': '\n'.join(lines).encode(), 'file_type': 'text/csv'})
        result = wizard.execute_import(header, header, {
            'has_headers': True, 'separator': ',', 'quoting': '"', 'encoding': 'utf-8',
            'import_skip_records': [], 'import_set_empty_fields': [], 'fallback_values': {},
            'name_create_enabled_fields': {}})
        self.assertFalse(result['messages'], result['messages'])

    def _xmlid(self, record):
        """An external id for `record`, as an import file would name it."""
        name = f'{record._table}_{record.id}'
        self.env['ir.model.data'].sudo().create(
            {'module': '__test__', 'name': name, 'model': record._name, 'res_id': record.id})
        return f'__test__.{name}'

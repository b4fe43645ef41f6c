{
    'name': 'CRM Target Groups',
    'version': '19.0.1.0.0',
    'category': 'Marketing',
    'summary': 'Profile contacts with nested tags and build target groups from them',
    'author': 'CRM Target Groups',
    'website': 'https://github.com/crm-target-groups/crm_target_groups',
    'license': 'LGPL-3',
    'depends': ['contacts', 'mass_mailing'],
    'data': [
        'security/crm_target_groups_security.xml',
        'security/ir.model.access.csv',
        'data/crm_profile_category_data.xml',
        'data/ir_cron_data.xml',
        'views/crm_profile_category_views.xml',
        'views/res_partner_category_views.xml',
        'views/res_partner_views.xml',
        'views/crm_profile_history_views.xml',
        'views/crm_profile_operation_views.xml',
        'wizards/crm_profile_merge_views.xml',
        'wizards/crm_profile_delete_views.xml',
        'wizards/crm_profile_assign_views.xml',
        'views/crm_target_groups_menus.xml',
    ],
    'demo': [
        'demo/res_partner_category_demo.xml',
        'demo/res_partner_demo.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'crm_target_groups/static/src/**/*',
        ],
        'web.assets_tests': [
            'crm_target_groups/static/tests/tours/**/*',
        ],
    },
    'application': True,
}

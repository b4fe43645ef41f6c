import threading
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.http import request
from odoo.tools import SQL

SOURCES = [
    ('form', 'Contact form'),
    ('click', 'Assignment mode'),
    ('wizard', 'Assignment wizard'),
    ('import', 'Import'),
    ('api', 'API'),
    ('merge', 'Profile merge'),
    ('contact_merge', 'Contact merge'),
    ('automation', 'Automation'),
    ('undo', 'Undo'),
    ('other', 'Other'),
]


class CrmProfileHistory(models.Model):
    """One row per profile added to or taken from a contact: who, when, through which path.

    Meant to hold millions of rows: no log-access columns, and rows are only ever inserted
    in one set-based statement by `res.partner` (see `_log_changes`).
    """
    _name = 'crm.profile.history'
    _description = 'Profile History'
    _order = 'id desc'  # ids grow with the date: no index on date needed
    _log_access = False

    partner_id = fields.Many2one('res.partner', string='Contact', required=True, ondelete='cascade')
    profile_id = fields.Many2one('res.partner.category', string='Profile', required=True, index=True,
                                 ondelete='cascade')
    profile_category_id = fields.Many2one(related='profile_id.profile_category_id')
    change = fields.Selection([('add', 'Added'), ('remove', 'Removed')], required=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    user_id = fields.Many2one('res.users', string='By', required=True)
    source = fields.Selection(SOURCES, string='Through', required=True, default='other')
    operation_id = fields.Many2one('crm.profile.operation', string='Assignment', index='btree_not_null',
                                   ondelete='set null')

    # a contact's tab, and undo's "changed again since?" look-up; ids grow with the date
    _partner_profile_idx = models.Index('(partner_id, profile_id, id)')

    @api.model
    def _log_changes(self, before, after):
        """Inserts the difference between two {partner id: {profile ids}} snapshots."""
        partner_ids, profile_ids, changes = [], [], []
        for partner_id in before.keys() | after.keys():
            old, new = before.get(partner_id, set()), after.get(partner_id, set())
            for change, profiles in (('add', new - old), ('remove', old - new)):
                partner_ids += [partner_id] * len(profiles)
                profile_ids += profiles
                changes += [change] * len(profiles)
        if not partner_ids:
            return
        self.env.cr.execute(SQL("""
            INSERT INTO crm_profile_history (partner_id, profile_id, change, date, user_id, source)
            SELECT unnest(%s::int[]), unnest(%s::int[]), unnest(%s::varchar[]), %s, %s, %s
        """, partner_ids, profile_ids, changes, fields.Datetime.now(), self.env.uid, self._source()))
        self.invalidate_model()

    @api.model
    def _source(self):
        context = self.env.context
        if context.get('crm_profile_source'):
            return context['crm_profile_source']
        if context.get('import_file'):
            return 'import'
        # XML-RPC and JSON-RPC calls run with the request put aside; the thread keeps its URL
        path = request.httprequest.path if request else urlsplit(getattr(threading.current_thread(), 'url', '')).path
        return 'api' if path.startswith(('/json/2/', '/xmlrpc', '/jsonrpc')) else 'other'

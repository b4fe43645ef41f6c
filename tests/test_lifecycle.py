import re
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from odoo.sql_db import db_connect
from odoo.tests import BaseCase, tagged
from odoo.tests.loader import get_test_modules
from odoo.tools import config

PROBLEM = re.compile(r'^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ', re.MULTILINE)


@tagged('post_install', '-at_install')
class TestLifecycle(BaseCase):
    """Install and uninstall in a database of their own, as an administrator does from Apps."""

    def test_install_uninstall_keeps_contacts_and_tags(self):
        db = f"{config['db_name'][0]}_lifecycle"
        self._drop(db)
        self.addCleanup(self._drop, db)
        self._odoo(db, '-i', 'contacts,mass_mailing', '--stop-after-init')
        stock_tag = self._sql(db, """INSERT INTO res_partner_category (name, color, active)
                                     VALUES ('{"en_US": "Stock tag"}', 1, true) RETURNING id""")[0][0]
        self._sql(db, f"UPDATE res_partner_category SET parent_path = '{stock_tag}/' WHERE id = {stock_tag}")
        self._sql(db, f"INSERT INTO res_partner_res_partner_category_rel VALUES ({stock_tag}, 1)")
        partners = self._sql(db, "SELECT count(*) FROM res_partner")[0][0]

        self._odoo(db, '-i', 'crm_target_groups', '--stop-after-init')
        self.assertEqual(self._sql(db, "SELECT state FROM ir_module_module WHERE name = 'crm_target_groups'"),
                         [('installed',)])
        self.assertEqual(self._sql(db, "SELECT count(*) FROM crm_profile_category")[0][0], 6)
        # the history's indexes on Odoo's traces (a contact's mails, a registration's)
        trace_indexes = ("SELECT count(*) FROM pg_indexes WHERE tablename = 'mailing_trace' AND indexname "
                         "IN ('mailing_trace_res_partner_idx', 'mailing_trace_event_registration_idx')")
        self.assertEqual(self._sql(db, trace_indexes), [(2,)])

        self._odoo(db, 'module', 'uninstall', 'crm_target_groups', subcommand=True)
        self.assertEqual(self._sql(db, "SELECT state FROM ir_module_module WHERE name = 'crm_target_groups'"),
                         [('uninstalled',)])
        self.assertEqual(self._sql(db, "SELECT to_regclass('crm_profile_category')"), [(None,)])
        self.assertEqual(self._sql(db, "SELECT count(*) FROM res_partner")[0][0], partners)
        self.assertEqual(self._sql(db, "SELECT partner_id FROM res_partner_res_partner_category_rel "
                                       f"WHERE category_id = {stock_tag}"), [(1,)])
        # no trigger of the campaign contacts is left on Odoo's tables (mailings and orders go on)
        self.assertEqual(self._sql(db, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'crm_campaign_contact%'"),
                         [(0,)])
        self.assertEqual(self._sql(db, "SELECT to_regclass('crm_campaign_contact')"), [(None,)])
        self.assertEqual(self._sql(db, trace_indexes), [(0,)])
        self.assertFalse(self._sql(db, "SELECT 1 FROM information_schema.columns WHERE "
                                       "table_name = 'res_partner_category' AND column_name = 'profile_category_id'"))

    def test_odoo_runs_every_test_module(self):
        """`odoo-bin --test-enable` runs only the test modules that tests/__init__.py imports."""
        imported = {module.__name__.rsplit('.', 1)[1] for module in get_test_modules('crm_target_groups')}
        files = {path.stem for path in Path(__file__).parent.glob('test_*.py')}
        self.assertFalse(files - imported, "test modules missing from tests/__init__.py")

    def _odoo(self, db, *args, subcommand=False):
        """Runs Odoo as `odoo-bin` would, failing on any warning or error it logs."""
        with tempfile.NamedTemporaryFile('r', suffix='.log') as log:
            options = ['-c', config['config'], '-d', db]
            if subcommand:
                command = [*args[:2], *options, *args[2:]]
            else:
                command = [*options, '--log-level=info', f'--logfile={log.name}', *args]
            result = subprocess.run([sys.executable, '-m', 'odoo', *command],
                                    capture_output=True, text=True, timeout=600, check=False)
            output = log.read() + result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output[-3000:])
        self.assertFalse(PROBLEM.findall(output), "\n".join(m.group(0) for m in PROBLEM.finditer(output))
                         + output[-3000:])

    def _sql(self, db, query):
        with closing(db_connect(db).cursor()) as cr:
            cr.execute(query)
            rows = cr.fetchall() if cr.description else None
            cr.commit()
        return rows

    def _drop(self, db):
        with closing(db_connect('postgres').cursor()) as cr:
            cr._cnx.autocommit = True
            cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

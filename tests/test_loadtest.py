import os
import subprocess
import sys
from pathlib import Path

import odoo
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

ROOT = Path(os.environ.get('CRM_TG_REAL_DIR') or Path(__file__).resolve().parents[1])


@tagged('post_install', '-at_install')
class TestLoadTest(TransactionCase):
    """`make loadtest` in CI size: scripts/loadtest.py on a copy of this database, with a server
    of its own (127.0.0.1, a free port, 2 workers, 2 cron workers), dropped afterwards."""

    def test_assignments_undo_and_clicks_at_once_agree_with_the_history(self):
        db = self.env.cr.dbname
        odoo_root = str(Path(odoo.release.__file__).parents[1])
        env = dict(os.environ, N='3000', USERS='3', CLICKS='15', THRESHOLD='500', TIMEOUT='90',
                   PYTHONPATH=os.pathsep.join(filter(None, [odoo_root, os.environ.get('PYTHONPATH')])))
        env.pop('PORT', None)
        result = subprocess.run(
            [sys.executable, str(ROOT / 'scripts' / 'loadtest.py'), config['config'], f'{db}_load',
             '--clone-from', db, '--drop'],
            env=env, capture_output=True, text=True, timeout=150)
        self.assertEqual(result.returncode, 0, f"{result.stdout}\n{result.stderr[-3000:]}")
        self.assertIn("0 disagree with it", result.stdout)
        self.assertIn("OK: all checks passed", result.stdout)

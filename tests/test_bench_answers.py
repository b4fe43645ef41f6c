import os
import subprocess
import sys
from pathlib import Path

import odoo
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

ROOT = Path(os.environ.get('CRM_TG_REAL_DIR') or Path(__file__).resolve().parents[1])


@tagged('post_install', '-at_install')
class TestBenchAnswers(TransactionCase):
    """`make bench`'s answers part in CI size: scripts/bench_answers.py on a copy of this database,
    with a server of its own (127.0.0.1, a free port, 2 workers), dropped afterwards. The time
    target is the bench's; here only that every answer is stored once counts."""

    def test_concurrent_answers_are_stored_once(self):
        db = self.env.cr.dbname
        odoo_root = str(Path(odoo.release.__file__).parents[1])
        env = dict(os.environ, ANSWERS='60', CLIENTS='4', ANSWER_TIMEOUT='60', ANSWER_TARGET_MS='10000',
                   PYTHONPATH=os.pathsep.join(filter(None, [odoo_root, os.environ.get('PYTHONPATH')])))
        env.pop('PORT', None)
        result = subprocess.run(
            [sys.executable, str(ROOT / 'scripts' / 'bench_answers.py'), config['config'], f'{db}_answers',
             '--clone-from', db],
            env=env, capture_output=True, text=True, timeout=150)
        self.assertEqual(result.returncode, 0, f"{result.stdout}\n{result.stderr[-3000:]}")
        self.assertIn("stored: 60/60 invitations right", result.stdout)
        self.assertIn("OK: all checks passed", result.stdout)

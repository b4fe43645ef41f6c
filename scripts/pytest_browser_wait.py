"""pytest plugin: give Chromium up to a minute to start.

Odoo waits 10 s for headless Chromium's devtools port, then *skips* the tour. On this project's
2-core machine, with PostgreSQL and Odoo busy, Chromium now and then needs longer to start; a skip
fails `make test` (as it must), so the wait is made long enough that only a Chromium that really
does not start is reported.
"""
BROWSER_START_SECONDS = 60


def pytest_configure(config):
    from odoo.tests import common  # noqa: PLC0415 -- Odoo is importable once pytest-odoo has set it up

    common.CHECK_BROWSER_ITERATIONS = int(BROWSER_START_SECONDS / common.CHECK_BROWSER_SLEEP)

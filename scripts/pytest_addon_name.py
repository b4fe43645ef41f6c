"""pytest plugin: import the module's tests under its technical name.

pytest resolves the symlinked addons path to the clone's real folder, whose name
(e.g. 'main') is not the module's; Odoo only knows `odoo.addons.crm_target_groups`.
"""
import os

import _pytest.pathlib

MODULE = 'crm_target_groups'


def pytest_configure(config):
    resolve = _pytest.pathlib.resolve_pkg_root_and_module_name
    real = 'odoo.addons.%s' % os.path.basename(os.environ['CRM_TG_REAL_DIR'])

    def resolve_pkg_root_and_module_name(path, *, consider_namespace_packages=False):
        root, name = resolve(path, consider_namespace_packages=consider_namespace_packages)
        if name == real or name.startswith(real + '.'):
            name = 'odoo.addons.' + MODULE + name[len(real):]
        return root, name

    _pytest.pathlib.resolve_pkg_root_and_module_name = resolve_pkg_root_and_module_name

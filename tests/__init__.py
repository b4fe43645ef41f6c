from . import test_profile_tree
from . import test_exclusive
from . import test_rights
from . import test_merge_delete
from . import test_ui
from . import test_lifecycle
from . import test_i18n
from . import test_history

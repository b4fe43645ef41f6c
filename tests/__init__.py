from . import test_profile_tree
from . import test_exclusive
from . import test_rights
from . import test_merge_delete
from . import test_ui

"""Test-wide settings.

Every write of the generated code is range-checked in the tests (``SEMCHECK_CHECK_EVERY_WRITE``,
checker/compile.py): where the range analysis proves a write safe, the checked build and the fast
build must behave the same, so a mistake in the analysis raises ModelError here instead of storing a
value outside its field in a user's search.
"""

import os

os.environ.setdefault("SEMCHECK_CHECK_EVERY_WRITE", "1")

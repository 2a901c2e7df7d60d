"""What the benchmark scripts share: the machine line, and a property that forces an exhaustive search."""

from __future__ import annotations

import os
import platform

from semcheck.model.api import StatePredicate
from semcheck.properties.base import INVARIANT, Property

# A trivially true invariant: the search never stops early, keeps no liveness edges and runs no
# SCC analysis.  The state set does not depend on the properties checked, so the counts are those
# of any exhaustive run.
EXPLORE_ALL = Property("explore-all", INVARIANT, "always true: forces an exhaustive search",
                       lambda model: StatePredicate("true", lambda s: True))


def machine() -> str:
    try:
        load = "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "load average unknown"
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {load}")

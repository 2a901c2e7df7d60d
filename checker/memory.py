"""How much memory this process holds now, read cheaply enough to ask at every progress point.

The explicit search asks it every PROGRESS_EVERY expansions (``explicit.py``) and stops
``inconclusive`` once it passes ``SearchSettings.max_memory`` (``--max-memory``): a large check ends
with an answer instead of exhausting the machine.  On Linux the current resident set size is one
read of ``/proc/self/statm``; elsewhere the peak resident size from ``getrusage`` stands in (it
only grows, so the limit still trips once it is passed).
"""

from __future__ import annotations

import os
import sys

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int:
    """The process's resident memory in bytes (0 when the platform cannot tell)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows: no limit can be enforced
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere

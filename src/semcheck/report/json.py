"""The JSON report: ``Result.as_dict()`` as one indented object (DESIGN.md, "The CLI contract")."""

from __future__ import annotations

import json

from ..checker.result import Result


def render_json(result: Result) -> str:
    """One JSON object with ``config``, ``notes``, ``bounds``, ``engine``, ``stats`` and ``results``,
    keys in a fixed order, ending in a newline."""
    return json.dumps(result.as_dict(), indent=2, sort_keys=False) + "\n"

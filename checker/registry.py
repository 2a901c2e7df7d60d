"""The search strategies by name: what ``semcheck.verify(engine=...)`` and ``--engine`` choose from.

A new strategy is one file in ``checker/`` (a :class:`~semcheck.checker.search.Strategy`) and one
line here; the API, the command line's choices and its help read this table.
"""

from __future__ import annotations

from .both import BothEngines
from .explicit import ExplicitSearch
from .search import Strategy
from .symbolic import SymbolicSearch

STRATEGIES: dict[str, type[Strategy]] = {s.name: s for s in (ExplicitSearch, SymbolicSearch, BothEngines)}


class UnknownStrategy(ValueError):
    pass


def strategy_named(name: str) -> type[Strategy]:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise UnknownStrategy(f"unknown engine {name!r}: choose from {', '.join(STRATEGIES)}") from None

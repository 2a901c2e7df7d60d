"""The search strategies by name: what ``semcheck.verify(engine=...)`` and ``--engine`` choose from.

A new strategy is one file in ``checker/`` (a :class:`~semcheck.checker.search.Strategy`) and one
line here; the API, the command line's choices and its help read this table.
"""

from __future__ import annotations

from .both import BothEngines
from .explicit import ExplicitSearch
from .replay import ReplayStrategy
from .search import Strategy
from .symbolic import SymbolicSearch

STRATEGIES: dict[str, type[Strategy]] = {
    s.name: s for s in (ExplicitSearch, SymbolicSearch, BothEngines, ReplayStrategy)}

# the strategies that search from scratch (``--engine``); the others need a stored trace
SEARCHES: dict[str, type[Strategy]] = {name: s for name, s in STRATEGIES.items() if not s.needs_trace}


class UnknownStrategy(ValueError):
    pass


def strategy_named(name: str, among: dict[str, type[Strategy]] = SEARCHES) -> type[Strategy]:
    try:
        return among[name]
    except KeyError:
        raise UnknownStrategy(f"unknown engine {name!r}: choose from {', '.join(among)}") from None

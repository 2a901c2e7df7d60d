"""The one interface every search strategy has, and the settings they share.

A strategy is constructed with the model, the properties to check and one :class:`SearchSettings`,
and its ``run()`` returns a :class:`~semcheck.checker.result.SearchResult`: one verdict per property,
statistics, and the explored graph when asked for.  Strategies live one per file in ``checker/``
(``explicit.py``, ``symbolic.py``, the ``both.py`` combinator, ``replay.py``) and are found by name
in ``checker/registry.py``, which the API and the command line read.  A strategy decides verdicts
through :class:`~semcheck.checker.verdicts.PropertyLedger`, so no strategy can say ``holds`` after a
search that was cut short.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Sequence

from ..model.api import Model
from ..properties.base import Property
from .result import SearchResult, Stats


@dataclass(frozen=True)
class SearchSettings:
    """Limits and hooks of one search; a strategy ignores what does not apply to it."""

    max_states: int | None = None  # stop after storing this many states (searches over concrete states)
    depth: int | None = None  # the longest unrolling (symbolic search); None: the strategy's default
    timeout: float | None = None  # seconds
    keep_graph: bool = False  # keep every explored edge, for SearchResult.graph (networkx)
    progress: Callable[[Stats], None] | None = None  # called now and then with the statistics so far
    max_memory: int | None = None  # bytes of resident memory (searches over concrete states; checker/memory.py)
    trace: Any = None  # the stored trace a replay re-runs (checker/replay.py)


class Strategy:
    """Base class of search strategies: subclasses set ``name`` and ``summary`` and define ``run``."""

    name: ClassVar[str]
    summary: ClassVar[str]  # one line, for --help and the docs
    needs_trace: ClassVar[bool] = False  # runs from a stored trace (settings.trace), not from scratch

    def __init__(self, model: Model, properties: Sequence[Property], settings: SearchSettings = SearchSettings()):
        self.model = model
        self.properties = list(properties)
        self.settings = settings

    def run(self) -> SearchResult:
        raise NotImplementedError

"""What a check returns: verdicts, traces and statistics (shared by every engine).

Everything here is data.  Why a search stopped (:class:`Stop`) and why a property got its verdict
(:class:`Reason`) are structured values; the sentences a person reads are written in one place,
``semcheck/report/words.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Mapping

HOLDS = "holds"
VIOLATED = "violated"
INCONCLUSIVE = "inconclusive"
DISAGREE = "engines disagree"  # --engine both: an internal error, never a verdict about Kafka

# How Jupyter shows a trace ("trace") and a property's result ("property result"): functions from
# the object to a MIME bundle, set by the front door (semcheck/report/notebook.py, install), since
# the words and diagrams of a trace belong to the reports, not to the engines.
NOTEBOOK_DISPLAY: dict[str, Callable[[Any], dict]] = {}


class Stop(str, Enum):
    """Why a search ended before it covered the whole bounded space (``Stats.stopped_by``)."""

    ALL_VIOLATED = "all-violated"  # every property has its counterexample: nothing left to learn
    MAX_STATES = "max-states"  # the state limit of the settings
    TIMEOUT = "timeout"  # the time limit of the settings
    MAX_MEMORY = "max-memory"  # the process's resident memory passed the limit of the settings
    MODEL_BOUND = "model-bound"  # some run reached a fixed-size bound of the model (Model.bound_exceeded)
    DEPTH_LIMIT = "depth-limit"  # the symbolic unrolling reached its depth limit before a proof

    def __str__(self) -> str:
        return self.value


class Why(str, Enum):
    """The kinds of :class:`Reason`: what a verdict rests on."""

    # violated
    BAD_STATE = "bad-state"  # an invariant is false in a reachable state
    SETTLES_BAD = "settles-bad"  # an eventually-property is false where no normal step is enabled
    FAIR_CYCLE = "fair-cycle"  # ... or on a cycle that fairness cannot leave (a lasso)
    # holds
    EXHAUSTED = "exhausted"  # every reachable state was explored
    COMPLETENESS_THRESHOLD = "completeness-threshold"  # details: steps
    K_INDUCTION = "k-induction"  # details: k, lemmas (how many inferred invariants it used)
    # inconclusive
    CUT = "cut"  # the search stopped (details: stop, and the counters at that point)
    FAIRNESS_UNDECIDED = "fairness-undecided"  # a cycle keeps it false; leaving it could not be decided
    CYCLES_CUT_SHORT = "cycles-cut-short"  # time ran out while judging the cycles (details: stop)
    # replay (checker/replay.py)
    REPLAY_DIVERGED = "replay-diverged"  # details: step, problem, and what differs
    NOT_REPLAYED = "not-replayed"  # the stored trace has no counterexample for this property
    # --engine both
    ENGINES_AGREE = "engines-agree"  # details: one Reason per engine
    ONE_ENGINE_DECIDED = "one-engine-decided"  # details: decided_by, inconclusive
    ENGINES_DISAGREE = "engines-disagree"  # details: verdict or trace length per engine

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Reason:
    """Why a property got its verdict, as data: a :class:`Why` and the numbers behind it."""

    kind: Why
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, **{k: _plain(v) for k, v in self.details.items()}}


def _plain(value):
    if isinstance(value, Reason):
        return value.as_dict()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Change:
    part: str  # e.g. "broker 1", "consumer"
    before: str
    after: str


@dataclass(frozen=True)
class Step:
    """One transition of a trace, as data and as words.

    Data: the action's ``name`` and ``params`` (``{"broker": 0}``, zero-based as in the model), its
    ``fault`` class, and the full ``state`` after the step by field name (``Layout.decode``).
    Words: ``action``, the sentence the action's own description gives (``Action.says``), and
    ``changes``, the parts of the model's summary that changed."""

    number: int
    actor: str
    action: str  # e.g. "broker 1 appends m2 at offset 1"
    changes: tuple[Change, ...]
    fault: str | None = None
    name: str = ""  # e.g. "append"
    params: Mapping[str, int] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.number,
            "actor": self.actor,
            "action": self.action,
            "fault": self.fault,
            "changes": [{"part": c.part, "before": c.before, "after": c.after} for c in self.changes],
            "name": self.name,
            "params": dict(self.params),
            "state": dict(self.state),
        }


@dataclass(frozen=True)
class Trace:
    """A path from an initial state.  For a lasso (a run that cycles forever without making the
    property true) ``loop_start`` is the number of the first step of the repeating part.
    ``initial`` and ``final`` are the model's summaries (words); ``initial_state`` is the first
    state by field name, as every step carries the state after it."""

    initial: dict[str, str]
    steps: tuple[Step, ...]
    final: dict[str, str]
    loop_start: int | None = None
    initial_state: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self):
        return len(self.steps)

    def _repr_mimebundle_(self, include=None, exclude=None):
        show = NOTEBOOK_DISPLAY.get("trace")
        return show(self) if show is not None else None

    def as_list(self) -> list[dict[str, Any]]:
        return [s.as_dict() for s in self.steps]


@dataclass
class PropertyResult:
    property: str
    verdict: str
    trace: Trace | None = None
    reason: Reason | None = None  # what the verdict rests on (semcheck.report.words says it in words)
    by_engine: dict[str, "PropertyResult"] | None = None  # with --engine both: each engine's answer

    def _repr_mimebundle_(self, include=None, exclude=None):
        show = NOTEBOOK_DISPLAY.get("property result")
        return show(self) if show is not None else None


@dataclass
class Stats:
    engine: str = "explicit"
    states: int = 0  # distinct states stored (explicit engine)
    transitions: int = 0  # successors generated (including ones already seen)
    depth: int = 0  # BFS depth reached (explicit) or unrolling depth reached (symbolic)
    seconds: float = 0.0
    complete: bool = False  # the whole bounded state space was explored
    stopped_by: Stop | None = None  # None: the search ran to its end
    backend: str = "python"  # explicit engine: which search loop ran, "native" (C) or "python"

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        if self.engine == "symbolic":
            return {
                "engine": "symbolic",
                "depth": self.depth,
                "seconds": round(self.seconds, 3),
                "complete": self.complete,
                "stopped_by": _plain(self.stopped_by),
            }
        return {
            "engine": self.engine,
            "states": self.states,
            "transitions": self.transitions,
            "depth": self.depth,
            "seconds": round(self.seconds, 3),
            "states_per_second": round(self.states_per_second),
            "complete": self.complete,
            "stopped_by": _plain(self.stopped_by),
            "backend": self.backend,
        }


@dataclass
class SearchResult:
    """What a search strategy returns (``checker/search.py``): statistics, one result per property
    in the order asked, and the explored graph when the strategy kept it."""

    stats: Stats
    results: list[PropertyResult]
    graph: Any = None
    engine_stats: list[Stats] = field(default_factory=list)  # a combinator: one per engine it ran

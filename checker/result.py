"""What a check returns: verdicts, traces and statistics (shared by every engine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HOLDS = "holds"
VIOLATED = "violated"
INCONCLUSIVE = "inconclusive"
DISAGREE = "engines disagree"  # --engine both: an internal error, never a verdict about Kafka


@dataclass(frozen=True)
class Change:
    part: str  # e.g. "broker 1", "consumer"
    before: str
    after: str


@dataclass(frozen=True)
class Step:
    """One transition of a trace, readable without the code."""

    number: int
    actor: str
    action: str  # e.g. "appends m2 at offset 1"
    changes: tuple[Change, ...]
    fault: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.number,
            "actor": self.actor,
            "action": self.action,
            "fault": self.fault,
            "changes": [{"part": c.part, "before": c.before, "after": c.after} for c in self.changes],
        }


@dataclass(frozen=True)
class Trace:
    """A path from an initial state.  For a lasso (a run that cycles forever without making the
    property true) ``loop_start`` is the number of the first step of the repeating part."""

    initial: dict[str, str]
    steps: tuple[Step, ...]
    final: dict[str, str]
    loop_start: int | None = None

    def __len__(self):
        return len(self.steps)

    def as_list(self) -> list[dict[str, Any]]:
        return [s.as_dict() for s in self.steps]


@dataclass
class PropertyResult:
    property: str
    verdict: str
    trace: Trace | None = None
    reason: str = ""  # why inconclusive, or what the counterexample shows
    by_engine: dict[str, "PropertyResult"] | None = None  # with --engine both: each engine's answer

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"property": self.property, "verdict": self.verdict}
        if self.reason:
            out["reason"] = self.reason
        if self.by_engine:
            out["engines"] = {name: r.as_dict() for name, r in self.by_engine.items()}
        out["trace"] = self.trace.as_list() if self.trace else []
        if self.trace is not None:
            out["trace_initial"] = self.trace.initial
            if self.trace.loop_start is not None:
                out["loop_starts_at_step"] = self.trace.loop_start
        return out


@dataclass
class Stats:
    engine: str = "explicit"
    states: int = 0  # distinct states stored (explicit engine)
    transitions: int = 0  # successors generated (including ones already seen)
    depth: int = 0  # BFS depth reached (explicit) or unrolling depth reached (symbolic)
    seconds: float = 0.0
    complete: bool = False  # the whole bounded state space was explored
    stopped_by: str = ""  # "", "all properties violated", "max-states", "timeout", "log capacity"
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
                "stopped_by": self.stopped_by or None,
            }
        return {
            "engine": self.engine,
            "states": self.states,
            "transitions": self.transitions,
            "depth": self.depth,
            "seconds": round(self.seconds, 3),
            "states_per_second": round(self.states_per_second),
            "complete": self.complete,
            "stopped_by": self.stopped_by or None,
            "backend": self.backend,
        }


@dataclass
class Result:
    config: dict[str, Any]
    notes: tuple[str, ...]
    bounds: dict[str, Any]
    engine: str
    stats: Stats
    results: list[PropertyResult] = field(default_factory=list)
    graph: Any = None  # the explored state space, when the engine kept it (see state_graph())
    engine_stats: list[Stats] = field(default_factory=list)  # with --engine both: one per engine

    def verdict(self, prop: str) -> str:
        for r in self.results:
            if r.property == prop:
                return r.verdict
        raise KeyError(prop)

    def __getitem__(self, prop: str) -> PropertyResult:
        for r in self.results:
            if r.property == prop:
                return r
        raise KeyError(prop)

    @property
    def exit_code(self) -> int:
        """0 all hold, 1 some property violated, 3 inconclusive (and none violated), 4 the two
        engines disagree (a bug in semcheck, reported before anything else)."""
        verdicts = {r.verdict for r in self.results}
        if DISAGREE in verdicts:
            return 4
        if VIOLATED in verdicts:
            return 1
        if INCONCLUSIVE in verdicts:
            return 3
        return 0

    def state_graph(self):
        """The explored state space as a ``networkx.DiGraph`` (needs ``keep_graph=True``)."""
        if self.graph is None:
            raise ValueError("the state graph was not kept: call verify(..., keep_graph=True)")
        return self.graph

    def as_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "notes": list(self.notes),
            "bounds": self.bounds,
            "engine": self.engine,
            "stats": self.stats.as_dict(),
            **({"engine_stats": [st.as_dict() for st in self.engine_stats]} if self.engine_stats else {}),
            "results": [r.as_dict() for r in self.results],
        }

"""Replay: re-run stored counterexamples step by step against the model.

A stored counterexample (``StoredTrace``: the initial state and, per step, the action's actor, name,
parameters and the full state after it, all by field name) is followed from the model's initial
state: each step must name an action of the model, that action must be enabled, and the state it
leads to must equal the stored one.  At the end the run must still break its property the way the
trace says (a bad state; a settled bad state; a loop back to its start on which the property stays
false).  Whether such a loop can be left under fairness is not re-checked here: a fresh search does
that.

States are compared by named fields (``Layout.decode``), so a model whose layout gained or lost a
field is not a false alarm: only the fields both have are compared, and the others are reported.
A replay proves nothing about other runs, so its verdicts are ``violated`` (reproduced) or
``inconclusive`` (the stored run is not a run of this model any more, with the first step that
differs); never ``holds``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any, Mapping

from ..model.api import Model
from ..properties.base import EVENTUALLY, INVARIANT
from .compile import compile_model
from .result import Reason, SearchResult, Stats, Why
from .search import Strategy
from .trace import trace_from_path
from .verdicts import PropertyLedger


@dataclass(frozen=True)
class StoredStep:
    actor: str
    name: str
    params: Mapping[str, int]
    fault: str | None
    state: Mapping[str, Any]  # the state after the step, by field name


@dataclass(frozen=True)
class StoredTrace:
    property: str
    initial_state: Mapping[str, Any]
    steps: tuple[StoredStep, ...]
    loop_start: int | None = None  # the number of the first step of the loop (a lasso)


def model_fingerprint(model: Model) -> str:
    """A digest of the model's semantics: its state layout and the code generated from its actions.
    Two models with the same fingerprint take the same steps; a stored trace names the fingerprint of
    the model it came from, so a replay can say whether the model changed since."""
    layout = [(f.name, f.shape, f.domain) for f in model.layout.fields.values()]
    source = compile_model(model, []).source
    digest = hashlib.sha256(repr(layout).encode() + b"\n" + source.encode())
    return digest.hexdigest()[:16]


def _differences(stored: Mapping[str, Any], actual: Mapping[str, Any]) -> dict[str, list]:
    return {name: [stored[name], actual[name]] for name in stored if name in actual and stored[name] != actual[name]}


class ReplayStrategy(Strategy):
    name = "replay"
    summary = "re-run stored counterexamples step by step against the model (needs a trace file)"
    needs_trace = True

    def run(self) -> SearchResult:
        started = time.perf_counter()
        model, props = self.model, self.properties
        stored: dict[str, StoredTrace] = {t.property: t for t in (self.settings.trace or ())}
        predicates = [p.holds_in(model) for p in props]
        compiled = compile_model(model, predicates)
        self._compiled = compiled
        ledger = PropertyLedger(props)
        stats = Stats(engine="replay")
        reasons: dict[int, Reason] = {}
        for i, prop in enumerate(props):
            trace = stored.get(prop.name)
            if trace is None:
                reasons[i] = Reason(Why.NOT_REPLAYED)
                continue
            outcome = self._replay(trace, i, prop.kind)
            stats.states += len(trace.steps) + 1
            stats.transitions += len(trace.steps)
            stats.depth = max(stats.depth, len(trace.steps))
            if isinstance(outcome, Reason):
                reasons[i] = outcome
            else:
                states, acts = outcome
                ledger.violated(i, trace_from_path(model, compiled.actions, states, acts, trace.loop_start))
        stats.seconds = time.perf_counter() - started
        return SearchResult(stats, ledger.results(False, None, lambda i: reasons[i]))

    def _replay(self, trace: StoredTrace, prop_index: int, kind: str):
        """The model's run along ``trace`` as (states, action indices), or a Reason saying where it
        stops being one."""
        model, compiled = self.model, self._compiled
        layout = model.layout
        fields_model, fields_trace = set(layout.fields), set(trace.initial_state)
        extra = {"fields_only_in_trace": sorted(fields_trace - fields_model),
                 "fields_only_in_model": sorted(fields_model - fields_trace)}
        extra = {k: v for k, v in extra.items() if v}

        def diverged(step: int, problem: str, **details) -> Reason:
            return Reason(Why.REPLAY_DIVERGED, {"step": step, "problem": problem, **details, **extra})

        start = next((s for s in model.initial_states()
                      if not _differences(trace.initial_state, layout.decode(s))), None)
        if start is None:
            return diverged(0, "not-initial",
                            fields=_differences(trace.initial_state, layout.decode(model.initial_states()[0])))
        index_of = {(a.actor, a.name, a.params): n for n, a in enumerate(compiled.actions)}
        states, acts = [start], []
        for number, step in enumerate(trace.steps, start=1):
            key = (step.actor, step.name, tuple(step.params.items()))
            action = index_of.get(key)
            if action is None:
                return diverged(number, "no-such-action", actor=step.actor, action=step.name,
                                params=dict(step.params))
            after = next((nxt for a, nxt in compiled.successors(states[-1]) if a == action), None)
            if after is None:
                return diverged(number, "not-enabled", actor=step.actor, action=step.name, params=dict(step.params))
            different = _differences(step.state, layout.decode(after))
            if different:
                return diverged(number, "different-state", actor=step.actor, action=step.name,
                                params=dict(step.params), fields=different)
            states.append(after)
            acts.append(action)
        holds = compiled.predicates[prop_index]
        end = len(trace.steps)
        if trace.loop_start is not None:
            loop = states[trace.loop_start - 1:]
            if loop[0] != loop[-1]:
                return diverged(end, "loop-not-closed")
            if any(holds(s) for s in loop):
                return diverged(end, "property-holds")
        elif kind == INVARIANT and holds(states[-1]):
            return diverged(end, "property-holds")
        elif kind == EVENTUALLY:
            if holds(states[-1]):
                return diverged(end, "property-holds")
            if any(not compiled.actions[a].is_fault for a, _ in compiled.successors(states[-1])):
                return diverged(end, "not-settled")
        return states, acts


def stored_trace_of(property_name: str, trace) -> StoredTrace:
    """The replayable part of a :class:`~semcheck.checker.result.Trace` (any engine's)."""
    steps = tuple(StoredStep(s.actor, s.name, dict(s.params), s.fault, dict(s.state)) for s in trace.steps)
    return StoredTrace(property_name, dict(trace.initial_state), steps, trace.loop_start)


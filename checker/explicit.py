"""The explicit engine: breadth-first search over concrete states.

States are ``bytes`` (one byte per state slot), numbered in discovery order; the list of states is
also the BFS queue.  Parent pointers give shortest traces.  Invariants are checked on every new
state; "eventually" properties on every quiescent state (no normal step enabled), and, once the
space is exhausted, on the bottom strongly connected components of the normal-step graph (see
``liveness.py``).  The search stops early once every property has a counterexample.

A verdict of ``holds`` needs the whole bounded space explored: if ``max_states``, ``timeout`` or a
capacity bound of the model cut the search, unviolated properties are ``inconclusive``.
"""

from __future__ import annotations

import time
from array import array
from typing import Callable

from ..model.api import Model
from ..properties.base import EVENTUALLY, INVARIANT, Property
from .compile import compile_model
from .liveness import find_bad_bottom_component
from .result import HOLDS, INCONCLUSIVE, VIOLATED, PropertyResult, Stats
from .trace import build_trace

PROGRESS_EVERY = 1 << 14  # expansions between progress reports and timeout checks


class ExplicitSearch:
    name = "explicit"

    def __init__(
        self,
        model: Model,
        properties: list[Property],
        *,
        max_states: int | None = None,
        timeout: float | None = None,
        keep_graph: bool = False,
        progress: Callable[[Stats], None] | None = None,
    ):
        self.model = model
        self.properties = properties
        self.max_states = max_states
        self.timeout = timeout
        self.keep_graph = keep_graph
        self.progress = progress

    def run(self) -> tuple[Stats, list[PropertyResult], object]:
        model, props = self.model, self.properties
        started = time.perf_counter()
        predicates = [p.holds_in(model) for p in props]
        overflow = model.bound_exceeded()
        compiled = compile_model(model, predicates + ([overflow] if overflow else []))
        checks = compiled.predicates[: len(props)]
        overflowed = compiled.predicates[len(props)] if overflow else None
        successors = compiled.successors
        fault_action = [a.is_fault for a in compiled.actions]

        invariant_ids = [i for i, p in enumerate(props) if p.kind == INVARIANT]
        eventually_ids = [i for i, p in enumerate(props) if p.kind == EVENTUALLY]
        found: dict[int, tuple[int, tuple | None]] = {}  # property -> (state id, lasso loop)

        states: list[bytes] = []
        index: dict[bytes, int] = {}
        parent = array("l")
        via = array("l")
        edge_src = array("l")  # normal-step edges, kept for the liveness analysis
        edge_dst = array("l")
        keep_edges = bool(eventually_ids) or self.keep_graph
        all_src = array("l") if self.keep_graph else None
        all_dst = array("l") if self.keep_graph else None
        all_act = array("l") if self.keep_graph else None
        cut_states: list[int] = []  # states the model could not expand (capacity)
        stats = Stats()

        def add(state: bytes, from_id: int, action: int) -> int:
            sid = len(states)
            index[state] = sid
            states.append(state)
            parent.append(from_id)
            via.append(action)
            for i in invariant_ids:
                if i not in found and not checks[i](state):
                    found[i] = (sid, None)
            return sid

        for init in model.initial_states():
            if init not in index:
                add(init, -1, -1)

        open_props = set(range(len(props)))
        head = 0
        level_end = len(states)
        stopped_by = ""
        transitions = 0
        while head < len(states):
            if head == level_end:
                stats.depth += 1
                level_end = len(states)
            sid = head
            state = states[head]
            head += 1
            if overflowed is not None and overflowed(state):
                cut_states.append(sid)
                continue
            quiescent = True
            for action, nxt in successors(state):
                transitions += 1
                tid = index.get(nxt)
                if tid is None:
                    tid = add(nxt, sid, action)
                if not fault_action[action]:
                    quiescent = False
                    if keep_edges:
                        edge_src.append(sid)
                        edge_dst.append(tid)
                if all_src is not None:
                    all_src.append(sid)
                    all_dst.append(tid)
                    all_act.append(action)
            if quiescent:
                for i in eventually_ids:
                    if i not in found and not checks[i](state):
                        found[i] = (sid, None)
            if len(found) == len(props) and not self.keep_graph:
                stopped_by = "all properties violated"
                break
            if head % PROGRESS_EVERY == 0:
                stats.states, stats.transitions = len(states), transitions
                stats.seconds = time.perf_counter() - started
                if self.progress:
                    self.progress(stats)
                if self.timeout is not None and stats.seconds > self.timeout:
                    stopped_by = "timeout"
                    break
            if self.max_states is not None and len(states) >= self.max_states:
                stopped_by = "max-states"
                break

        exhausted = head >= len(states) and not stopped_by
        if exhausted:
            stats.depth += 1
        complete = exhausted and not cut_states
        if exhausted and cut_states and not stopped_by:
            stopped_by = "log capacity"

        # Liveness: bottom components of the normal-step graph, once the space is exhausted.
        if exhausted:
            pending = [i for i in eventually_ids if i not in found]
            if pending and not cut_states:
                for i in pending:
                    bad = find_bad_bottom_component(len(states), edge_src, edge_dst, states, checks[i])
                    if bad is not None:
                        found[i] = bad

        stats.states = len(states)
        stats.transitions = transitions
        stats.seconds = time.perf_counter() - started
        stats.complete = complete
        stats.stopped_by = stopped_by

        results = []
        for i, prop in enumerate(props):
            if i in found:
                target, loop = found[i]
                trace = build_trace(model, compiled.actions, states, parent, via, target, loop,
                                    successors, index)
                results.append(PropertyResult(prop.name, VIOLATED, trace, _explain(prop, loop)))
            elif complete:
                results.append(PropertyResult(prop.name, HOLDS))
            else:
                results.append(PropertyResult(prop.name, INCONCLUSIVE, None, _why_cut(stopped_by, stats)))

        graph = None
        if self.keep_graph:
            from .graph import to_networkx

            graph = to_networkx(model, compiled.actions, states, all_src, all_dst, all_act)
        return stats, results, graph


def _explain(prop: Property, loop) -> str:
    if prop.kind == INVARIANT:
        return "a reachable state breaks it"
    if loop is None:
        return "the system settles (no normal step is enabled) in a state that breaks it"
    return "the system can cycle forever, under fairness, without it ever becoming true"


def _why_cut(stopped_by: str, stats: Stats) -> str:
    if stopped_by == "max-states":
        return f"search stopped at --max-states ({stats.states} states, depth {stats.depth}) before exhausting the space"
    if stopped_by == "timeout":
        return f"search stopped at --timeout ({stats.seconds:.1f}s, {stats.states} states) before exhausting the space"
    if stopped_by == "log capacity":
        return "some run outgrew the model's log capacity, so part of the space was not explored"
    return "the search did not exhaust the state space"

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
        stats = Stats()

        cut: set[int] = set()  # states the model cannot expand (a capacity bound was reached)
        pending_invariants = [(i, checks[i]) for i in invariant_ids]

        def check_new(sid: int, state: bytes) -> None:
            """Invariants and capacity, on a state seen for the first time."""
            for i, holds in pending_invariants:
                if not holds(state):
                    found[i] = (sid, None)
            if found:
                pending_invariants[:] = [(i, h) for i, h in pending_invariants if i not in found]
            if overflowed is not None and overflowed(state):
                cut.add(sid)

        for init in model.initial_states():
            if init not in index:
                index[init] = len(states)
                states.append(init)
                parent.append(-1)
                via.append(-1)
                check_new(len(states) - 1, init)

        def add_state(state: bytes, from_id: int, action: int) -> int:
            sid = len(states)
            index[state] = sid
            states.append(state)
            parent.append(from_id)
            via.append(action)
            if pending_invariants or overflowed is not None:
                check_new(sid, state)
            return sid

        record_all = self.keep_graph
        if record_all:
            # keeping the whole graph: use the plain successor list and record every edge
            def expand(state, sid, keep):
                quiescent, count = True, 0
                for action, nxt in successors(state):
                    tid = index.get(nxt)
                    if tid is None:
                        tid = add_state(nxt, sid, action)
                    if not compiled.actions[action].is_fault:
                        quiescent = False
                        if keep:
                            edge_src.append(sid)
                            edge_dst.append(tid)
                    all_src.append(sid)
                    all_dst.append(tid)
                    all_act.append(action)
                    count += 1
                return quiescent, count
        else:
            expand = compiled.make_expand(index.get, add_state, edge_src.append, edge_dst.append)

        max_states = self.max_states if self.max_states is not None else float("inf")
        n_props = len(props)
        n_invariants = len(invariant_ids)
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
            if cut and sid in cut:
                continue
            quiescent, count = expand(state, sid, keep_edges)
            transitions += count
            if quiescent:
                for i in eventually_ids:
                    if i not in found and not checks[i](state):
                        found[i] = (sid, None)
            if len(found) == n_props and not record_all:
                stopped_by = "all properties violated"
                break
            if len(states) >= max_states:
                stopped_by = "max-states"
                break
            if not head & (PROGRESS_EVERY - 1):
                stats.states, stats.transitions = len(states), transitions
                stats.seconds = time.perf_counter() - started
                if self.progress:
                    self.progress(stats)
                if self.timeout is not None and stats.seconds > self.timeout:
                    stopped_by = "timeout"
                    break
                if keep_edges and not record_all and all(i in found for i in eventually_ids):
                    # every eventually-property has its counterexample: no liveness graph needed
                    keep_edges = False

        exhausted = head >= len(states) and not stopped_by
        if exhausted:
            stats.depth += 1
        complete = exhausted and not cut
        if exhausted and cut and not stopped_by:
            stopped_by = "log capacity"

        # Liveness: bottom components of the normal-step graph, once the space is exhausted.
        if exhausted:
            pending = [i for i in eventually_ids if i not in found]
            if pending and not cut:
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

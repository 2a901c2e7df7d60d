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

from ..properties.base import EVENTUALLY, INVARIANT
from .compile import CompiledModel, TracedModel, compile_traced, trace_model
from . import native as native_backend
from .liveness import analysis_memory, find_bad_bottom_components
from .memory import resident_bytes
from .native import (DEPTH, N_CUT, N_STATES, STOP_ALL_FOUND, STOP_EXHAUSTED, STOP_MAX_STATES,
                     STOP_PROGRESS, TRANSITIONS, NativeBuild, NativeSearch, NativeSearchFailed,
                     backend_choice, prepare_native)
from .result import Reason, SearchResult, Stats, Stop, Why
from .search import Strategy
from .trace import build_trace
from .verdicts import PropertyLedger

PROGRESS_EVERY = 1 << 14  # expansions between progress reports and timeout checks (a power of 2)


class StateStore:
    """Every state seen so far, numbered in BFS order, with how it was first reached."""

    def __init__(self):
        self.states: list[bytes] = []
        self.index: dict[bytes, int] = {}
        self.parent = array("l")
        self.via = array("l")  # action index that first reached the state (-1: initial)
        # normal-step edges, for the liveness analysis; and, with keep_graph, every edge
        self.edge_src = array("l")
        self.edge_dst = array("l")
        self.all_edges: tuple[array, array, array] | None = None

    def __len__(self):
        return len(self.states)


class ExplicitSearch(Strategy):
    name = "explicit"
    summary = "breadth-first search over concrete states: shortest counterexamples, proofs by exhaustion"

    def run(self) -> SearchResult:
        model, props = self.model, self.properties
        self.max_states, self.timeout = self.settings.max_states, self.settings.timeout
        self.keep_graph, self.progress = self.settings.keep_graph, self.settings.progress
        self.max_memory = self.settings.max_memory
        started = time.perf_counter()
        overflow = model.bound_exceeded()
        predicates = [p.holds_in(model) for p in props] + ([overflow] if overflow else [])
        traced = trace_model(model, predicates)
        compiled = compile_traced(traced)  # Python code, compiled on first use (traces, liveness)
        eventually_ids = [i for i, p in enumerate(props) if p.kind == EVENTUALLY]

        build = None
        if not self.keep_graph:  # the networkx graph needs every edge: the Python search keeps them
            build = self._native_build(traced, predicates, overflow is not None)
        search = None
        liveness_skipped: dict[int, Reason] = {}  # eventually-properties the analysis could not afford
        try:
            explored, native, shown = None, None, 0
            if build is not None:
                native = build.wait() if backend_choice() == "native" else build.cached()
                if native is None and not build.failed:
                    # No library yet, and compiling takes seconds: search in Python, start the
                    # compiler once that search is not small, and switch when the library is
                    # ready.  The C search starts over: the same states in the same order.
                    def switch(stats: Stats) -> bool:
                        nonlocal shown
                        shown = stats.states
                        build.start()
                        return build.ready() is not None

                    explored = self._explore_python(compiled, started, switch)
                    native = build.model if explored is None else None
            if native is not None:
                search = native.search(self.max_states, bool(eventually_ids), PROGRESS_EVERY)
                try:
                    explored = self._explore_native(search, started, shown)
                except NativeSearchFailed as err:
                    # The C code stopped where the Python code raises, or would store a value
                    # outside its slot's domain: redo the search in Python, which does exactly
                    # what it always did.
                    native_backend.last_failure = str(err)
                    search.close()
                    search, explored = None, None
            if explored is None:
                explored = self._explore_python(compiled, started)
            store, found, stats, exhausted, n_cut = explored

            open_eventually = [i for i in eventually_ids if i not in found]
            if exhausted and n_cut:
                stats.stopped_by = Stop.MODEL_BOUND
            elif exhausted and open_eventually:
                # liveness: bottom components of the normal-step graph, computed once for every
                # open eventually-property.  The analysis builds the whole graph again (SciPy copies
                # every edge): when that would pass --max-memory it does not start.  Every state was
                # explored, so the invariants are decided; only these properties stay open.
                need = analysis_memory(len(store.states), len(store.edge_src))
                if self.max_memory is not None and resident_bytes() + need > self.max_memory:
                    for i in open_eventually:
                        liveness_skipped[i] = Reason(Why.CUT, {"stop": Stop.MAX_MEMORY, "phase": "liveness",
                                                               "states": len(store.states), "need": need,
                                                               "limit": self.max_memory})
                else:
                    bad = find_bad_bottom_components(len(store.states), store.edge_src, store.edge_dst,
                                                     store.states, [compiled.predicates[i] for i in open_eventually])
                    found.update({i: b for i, b in zip(open_eventually, bad) if b is not None})

            stats.seconds = time.perf_counter() - started
            stats.complete = exhausted and not n_cut
            ledger = PropertyLedger(props)
            for i, reason in liveness_skipped.items():
                ledger.undecided(i, reason)
            for i, (target, loop) in sorted(found.items()):
                ledger.violated(i, build_trace(model, compiled.actions, store.states, store.parent, store.via,
                                               target, loop, compiled.successors, store.index))
            cut = self._cut_reason(stats, overflow)
            results = ledger.results(stats.complete, Reason(Why.EXHAUSTED), lambda i: cut)
        finally:
            if build is not None:
                build.cancel()
            if search is not None:
                search.close()

        graph = None
        if self.keep_graph:
            from .graph import to_networkx

            graph = to_networkx(model, compiled.actions, store.states, *store.all_edges)
        return SearchResult(stats, results, graph)

    def _native_build(self, traced: TracedModel, predicates, has_overflow: bool) -> NativeBuild | None:
        """The C search of this model, or ``None`` when the Python one runs (see ``native.py``)."""
        props = self.properties
        return prepare_native(traced, [p.name for p in predicates],
                              [i for i, p in enumerate(props) if p.kind == INVARIANT],
                              [i for i, p in enumerate(props) if p.kind == EVENTUALLY],
                              len(props) if has_overflow else None)

    def _explore_native(self, search: NativeSearch, started: float, shown: int = 0):
        """The breadth-first search in C: the same loop as ``_explore_python``, which returns here
        at its progress points (every PROGRESS_EVERY expansions) and when it stops.  Progress is
        reported once past ``shown`` states (what a Python search before it already showed)."""
        props = self.properties
        eventually_ids = [i for i, p in enumerate(props) if p.kind == EVENTUALLY]
        keep_edges = bool(eventually_ids)
        for init in self.model.initial_states():
            search.add_initial(init)
        stats = Stats(backend="native")
        stopped_by = None
        while True:
            status = search.run()
            if status != STOP_PROGRESS:
                break
            stats.states, stats.transitions = search.counter(N_STATES), search.counter(TRANSITIONS)
            stats.depth = search.counter(DEPTH)
            stats.seconds = time.perf_counter() - started
            if self.progress and stats.states > shown:
                self.progress(stats)
            if self.timeout is not None and stats.seconds > self.timeout:
                stopped_by = Stop.TIMEOUT
                break
            if self._over_memory():
                stopped_by = Stop.MAX_MEMORY
                break
            if keep_edges and all(i in search.found() for i in eventually_ids):
                keep_edges = False  # every eventually-property has its counterexample
                search.set_keep_edges(False)
        if status == STOP_ALL_FOUND:
            stopped_by = Stop.ALL_VIOLATED
        elif status == STOP_MAX_STATES:
            stopped_by = Stop.MAX_STATES
        stats.states, stats.transitions = search.counter(N_STATES), search.counter(TRANSITIONS)
        stats.depth = search.counter(DEPTH)
        stats.stopped_by = stopped_by
        exhausted = status == STOP_EXHAUSTED and not stopped_by
        found = {i: (sid, None) for i, sid in search.found().items()}
        return search.store(), found, stats, exhausted, search.counter(N_CUT)

    def _explore_python(self, compiled: CompiledModel, started: float,
                        switch: Callable[[Stats], bool] | None = None):
        """The breadth-first search in Python: returns (store, found, stats, exhausted, cut count),
        or ``None`` when ``switch(stats)``, asked at each progress point, says to give up (the
        native search is ready to take over)."""
        model, props = self.model, self.properties
        checks = compiled.predicates[: len(props)]
        overflowed = compiled.predicates[len(props)] if len(compiled.predicates) > len(props) else None

        invariant_ids = [i for i, p in enumerate(props) if p.kind == INVARIANT]
        eventually_ids = [i for i, p in enumerate(props) if p.kind == EVENTUALLY]
        found: dict[int, tuple[int, frozenset | None]] = {}  # property -> (state id, lasso members)
        store = StateStore()
        cut: set[int] = set()  # states the model cannot expand (a capacity bound was reached)
        pending_invariants = [(i, checks[i]) for i in invariant_ids]

        def add_state(state: bytes, from_id: int, action: int) -> int:
            """Number a state seen for the first time and check invariants and capacity on it."""
            sid = len(store.states)
            store.index[state] = sid
            store.states.append(state)
            store.parent.append(from_id)
            store.via.append(action)
            if pending_invariants:
                for i, holds in pending_invariants:
                    if not holds(state):
                        found[i] = (sid, None)
                pending_invariants[:] = [(i, h) for i, h in pending_invariants if i not in found]
            if overflowed is not None and overflowed(state):
                cut.add(sid)
            return sid

        for init in model.initial_states():
            if init not in store.index:
                add_state(init, -1, -1)
        expand = self._expander(compiled, store, add_state)

        # ---- breadth-first exploration (the hot loop) -------------------------------------------
        stats = Stats(backend="python")
        keep_edges = bool(eventually_ids) or self.keep_graph
        keep_graph = self.keep_graph  # every edge, fault steps too (store.all_edges)
        max_states = self.max_states if self.max_states is not None else float("inf")
        states = store.states
        head, level_end, transitions, stopped_by = 0, len(states), 0, None
        while head < len(states):
            if head == level_end:
                stats.depth += 1
                level_end = len(states)
            sid, state = head, states[head]
            head += 1
            if cut and sid in cut:
                continue
            quiescent, count = expand(state, sid, keep_edges, keep_graph)
            transitions += count
            if quiescent:
                for i in eventually_ids:
                    if i not in found and not checks[i](state):
                        found[i] = (sid, None)
            if len(found) == len(props) and not self.keep_graph:
                stopped_by = Stop.ALL_VIOLATED
                break
            if len(states) >= max_states:
                stopped_by = Stop.MAX_STATES
                break
            if not head & (PROGRESS_EVERY - 1):
                stats.states, stats.transitions = len(states), transitions
                stats.seconds = time.perf_counter() - started
                if self.progress:
                    self.progress(stats)
                if self.timeout is not None and stats.seconds > self.timeout:
                    stopped_by = Stop.TIMEOUT
                    break
                if self._over_memory():
                    stopped_by = Stop.MAX_MEMORY
                    break
                if keep_edges and not self.keep_graph and all(i in found for i in eventually_ids):
                    keep_edges = False  # every eventually-property has its counterexample
                if switch is not None and switch(stats):
                    return None

        stats.states, stats.transitions = len(states), transitions
        stats.stopped_by = stopped_by
        exhausted = head >= len(states) and not stopped_by
        return store, found, stats, exhausted, len(cut)

    def _expander(self, compiled: CompiledModel, store: StateStore, add_state):
        """The per-state step: the compiled ``expand`` (generate successors, number new ones),
        told where edges go: normal-step edges to the liveness graph, and with ``keep_graph``
        every edge with its action, for the networkx graph."""
        src_append, dst_append = store.edge_src.append, store.edge_dst.append
        if not self.keep_graph:
            return compiled.make_expand(store.index.get, add_state, src_append, dst_append, None)
        store.all_edges = (array("l"), array("l"), array("l"))
        all_src, all_dst, all_act = store.all_edges

        def all_edge(sid, tid, action):
            all_src.append(sid)
            all_dst.append(tid)
            all_act.append(action)

        return compiled.make_expand(store.index.get, add_state, src_append, dst_append, all_edge)

    def _over_memory(self) -> bool:
        """Whether the process holds more resident memory than ``--max-memory`` allows (asked at
        progress points only: one small file read every PROGRESS_EVERY expansions)."""
        return self.max_memory is not None and resident_bytes() > self.max_memory

    def _cut_reason(self, stats: Stats, overflow) -> Reason:
        """Why an open property is inconclusive when the search did not cover the space."""
        details = {"stop": stats.stopped_by, "states": stats.states, "depth": stats.depth}
        if stats.stopped_by == Stop.TIMEOUT:  # the only reason whose numbers depend on timing
            details["seconds"] = stats.seconds
        if stats.stopped_by == Stop.MODEL_BOUND:
            details["bound"] = overflow.name
        if stats.stopped_by == Stop.MAX_MEMORY:
            details["limit"] = self.max_memory
        return Reason(Why.CUT, details)

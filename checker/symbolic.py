"""The symbolic engine: bounded model checking with Z3 over the same model definition.

Every action of the model is run once on Z3 terms standing for the slots of a generic state ``x``
(``dsl.Z3Leaves``), exactly as the explicit engine runs it on tracing values; no second copy of the
semantics exists.  The transition relation says: the chosen action's guard holds in ``x``, and each
slot of the next state ``y`` is what that action writes (or keeps).  It is instantiated once per step
of an unrolling ``s0 -> s1 -> ... -> sk`` with ``z3.substitute``.

* Invariants are checked at every depth, and eventually-properties in quiescent states (no normal
  step enabled); depths grow one at a time, so the first counterexample is a shortest one.
* ``holds`` needs a proof.  Either the completeness threshold was reached (no loop-free path is longer
  than the depth searched, so every reachable state was checked), or, for invariants, k-induction
  over loop-free paths succeeded.  Eventually-properties also need the fairness argument of the
  explicit engine: no reachable cycle of normal steps on which the property stays false, or else a
  cycle that is closed under every enabled normal step (a bottom component: a lasso counterexample).
* Anything else, including a depth or time limit, is ``inconclusive`` with the depth reached.
"""

from __future__ import annotations

import time

from ..model.api import Model, ModelError, NextState, StateView, Z3Leaves
from ..properties.base import EVENTUALLY, INVARIANT
from .compile import _Emitter, compile_model, trace_model
from .lemmas import candidate_facts, fact_formula, prove_lemmas, sample_states
from .result import Reason, SearchResult, Stats, Stop, Why
from .search import SearchSettings, Strategy
from .trace import trace_from_path
from .verdicts import PropertyLedger

DEFAULT_DEPTH = 60
COMPLETENESS_EVERY = 3  # depths between completeness-threshold queries
# what Z3 says when its own SIGINT handler stopped a check: the user pressed Ctrl-C
_INTERRUPTED = ("canceled", "interrupted from keyboard")
# Depth from which every query uses inferred lemmas (lemmas.py).  Inferring them costs seconds, so
# searches that end within a few steps never pay for it.
LEMMAS_FROM_DEPTH = 6
BAD_WRITE = "bad write"  # the key of "a write outside its field or domain" among the per-depth questions


def _z3():
    import z3

    return z3


def _solver():
    # Every variable has a small finite range (state slots by their domain, the action choice by
    # the number of actions), so Z3's finite-domain solver applies; it bit-blasts to SAT and is
    # 20-40x faster here than the default arithmetic solver (measured: benchmarks/engines.py).
    return _z3().SolverFor("QF_FD")


def _unproved_writes(model: Model) -> list[set[int]]:
    """Per action, the positions of its writes that the range analysis of the compiled code cannot
    prove inside their field and domain."""
    traced = trace_model(model, [])
    emitter = _Emitter(traced.domains)
    return [{n for n, (f, off, val) in enumerate(writes) if not emitter.write_is_safe(f, off, val)}
            for _guard, writes in traced.effects]


class Encoding:
    """The model's transition relation and predicates as Z3 formulas over generic variables."""

    def __init__(self, model: Model, predicates):
        z3 = _z3()
        self.z3 = z3
        self.model = model
        layout = model.layout
        self.size = layout.size
        self.domains = []
        for f in layout.fields.values():
            self.domains += [f.domain] * f.size
        self.x = [z3.Int(f"x_{j}") for j in range(self.size)]
        self.y = [z3.Int(f"y_{j}") for j in range(self.size)]
        self.a = z3.Int("act")
        self.actions = model.actions()
        self.guards, self.updates = [], []
        bad_writes = []  # per action: its guard and some write outside its field or domain
        unproved = _unproved_writes(model)
        for index, action in enumerate(self.actions):
            leaves = Z3Leaves(self.x)
            nxt = NextState(layout, leaves)
            guard = action.effect(StateView(layout, leaves), nxt)
            self.guards.append(self.boolean(guard))
            self.updates.append(self._apply(nxt.writes))
            outside = [self._outside(f, off, val) for n, (f, off, val) in enumerate(nxt.writes)
                       if n in unproved[index]]
            if outside:
                bad_writes.append(z3.And(self.guards[-1], z3.Or(outside)))
        # Most of those are safe in every state whose slots are in their domains (the guard bounds
        # the value: "log_len + 1 where log_len < capacity"), which one small query per action shows;
        # only the rest need the search to show them unreachable.
        local = _solver()
        local.add(*[z3.And(v >= 0, v < d) for v, d in zip(self.x, self.domains)])
        bad_writes = [b for b in bad_writes if local.check(b) != z3.unsat]
        # A write outside its field or domain is a broken model: the compiled code and the DSL
        # raise ModelError there.  The transition relation cannot take such a step (the next
        # state's slots are kept in their domains), so the search looks for a reachable state
        # where one is enabled instead, at every depth it unrolls, and raises too
        # (SymbolicSearch.run).  Up to the completeness threshold that covers every reachable
        # state; a k-induction proof that ends the search sooner is a proof about the steps the
        # model can take, like the explicit engine's (which raises on the first bad write it
        # meets): docs/engines.md, "Writes outside a field".
        self.bad_write = z3.simplify(z3.Or(bad_writes)) if bad_writes else z3.BoolVal(False)
        self.has_bad_writes = not z3.is_false(self.bad_write)
        self.normal = [i for i, a in enumerate(self.actions) if not a.is_fault]

        chosen = z3.Or([z3.And(self.a == i, g) for i, g in enumerate(self.guards)])
        frame = []
        for j in range(self.size):
            value = self.x[j]
            for i in reversed(range(len(self.actions))):
                if self.updates[i][j] is not self.x[j]:
                    value = z3.If(self.a == i, self.updates[i][j], value)
            frame.append(self.y[j] == value)
        self.transition = z3.And(chosen, *frame)
        self.quiescent = z3.Not(z3.Or([self.guards[i] for i in self.normal])) if self.normal else z3.BoolVal(True)
        view = StateView(layout, Z3Leaves(self.x))
        self.predicates = [self.boolean(p.test(view)) for p in predicates]
        overflow = model.bound_exceeded()
        self.overflow = self.boolean(overflow.test(view)) if overflow else z3.BoolVal(False)
        self.overflow_name = overflow.name if overflow else None
        self._step_vars: dict[int, list] = {}
        self._act_vars: dict[int, object] = {}
        self._normal_steps: dict[int, object] = {}
        self._same: dict[tuple[int, int], object] = {}

    # ---- building blocks ---------------------------------------------------------------------
    def boolean(self, value):
        z3 = self.z3
        if isinstance(value, bool):
            return z3.BoolVal(value)
        if z3.is_bool(value):
            return value
        return value != 0

    def _outside(self, field, offset, value):
        z3 = self.z3
        value = int(value) if isinstance(value, bool) else (z3.If(value, 1, 0) if z3.is_bool(value) else value)
        return z3.Not(z3.And(0 <= offset, offset < field.size, 0 <= value, value < field.domain))

    def _apply(self, writes) -> list:
        z3 = self.z3
        values = list(self.x)
        for field, offset, value in writes:
            if isinstance(value, bool):
                value = int(value)
            elif z3.is_bool(value):
                value = z3.If(value, 1, 0)
            if isinstance(offset, int):
                values[field.first_slot + offset] = value
            else:
                for j in range(field.size):
                    slot = field.first_slot + j
                    values[slot] = z3.If(offset == j, value, values[slot])
        return values

    def state(self, k: int) -> list:
        if k not in self._step_vars:
            self._step_vars[k] = [self.z3.Int(f"s{k}_{j}") for j in range(self.size)]
        return self._step_vars[k]

    def act(self, k: int):
        if k not in self._act_vars:
            self._act_vars[k] = self.z3.Int(f"a{k}")
        return self._act_vars[k]

    def normal_step(self, k: int):
        """Step k is a normal (non-fault) step."""
        if k not in self._normal_steps:
            z3 = self.z3
            self._normal_steps[k] = z3.Or([self.act(k) == a for a in self.normal])
        return self._normal_steps[k]

    def at(self, formula, k: int):
        return self.on(formula, self.state(k))

    def on(self, formula, state: list):
        """``formula`` (over the generic variables) read in ``state``, a list of slot variables."""
        return self.z3.substitute(formula, *zip(self.x, state))

    def step(self, k: int):
        """The transition from step k to step k + 1."""
        pairs = list(zip(self.x, self.state(k))) + list(zip(self.y, self.state(k + 1)))
        pairs.append((self.a, self.act(k)))
        act = self.act(k)
        return self.z3.And(act >= 0, act < len(self.actions), self.z3.substitute(self.transition, *pairs))

    def domain(self, k: int):
        z3 = self.z3
        return z3.And([z3.And(v >= 0, v < d) for v, d in zip(self.state(k), self.domains)])

    def initial(self):
        z3 = self.z3
        return z3.Or([z3.And([v == b for v, b in zip(self.state(0), init)])
                      for init in self.model.initial_states()])

    def same(self, i: int, j: int):
        key = (min(i, j), max(i, j))
        if key not in self._same:
            self._same[key] = self.z3.And([a == b for a, b in zip(self.state(i), self.state(j))])
        return self._same[key]

    def successor_of(self, action: int, k: int) -> list:
        """The state that ``action`` leads to from step k (meaningful where its guard holds)."""
        return self.successor_in(action, self.state(k))

    def successor_in(self, action: int, state: list) -> list:
        """The state that ``action`` leads to from ``state``, a list of slot variables."""
        z3 = self.z3
        out = []
        for j, v in enumerate(self.updates[action]):
            if v is self.x[j]:
                out.append(state[j])
            elif z3.is_expr(v):
                out.append(self.on(v, state))
            else:
                out.append(z3.IntVal(int(v)))
        return out

    def read_path(self, solution, length: int) -> tuple[list[bytes], list[int]]:
        states = []
        for k in range(length + 1):
            states.append(bytes(solution.eval(v, model_completion=True).as_long() for v in self.state(k)))
        acts = [solution.eval(self.act(k), model_completion=True).as_long() for k in range(length)]
        return states, acts


class SymbolicSearch(Strategy):
    name = "symbolic"
    summary = "Z3 bounded model checking with k-induction and fair lassos over the same actions"

    def __init__(self, model, properties, settings: SearchSettings = SearchSettings()):
        super().__init__(model, properties, settings)
        self.max_depth = DEFAULT_DEPTH if self.settings.depth is None else self.settings.depth
        self.timeout = self.settings.timeout
        self.progress = self.settings.progress

    # ---- the search --------------------------------------------------------------------------
    def run(self) -> SearchResult:
        z3 = _z3()
        started = time.perf_counter()
        self.deadline = None if self.timeout is None else started + self.timeout
        props = self.properties
        enc = self.enc = Encoding(self.model, [p.holds_in(self.model) for p in props])
        stats = Stats(engine="symbolic")
        found: dict[int, tuple[list[bytes], list[int], int | None]] = {}
        proved: dict[int, int] = {}  # invariant -> the k of its k-induction proof
        # A proof by induction covers the runs the model can represent; it only counts once no run
        # can outgrow the log capacity either (itself proved by induction, or by completeness).
        capacity_proved = False
        self.undecided: set[int] = set()
        self._queries = 0
        self.lemmas: list | None = None  # facts true in every reachable state (lemmas.py), once inferred

        bmc = _solver()  # paths from an initial state
        bmc.add(enc.initial(), enc.domain(0))
        loop_free = _solver()  # the same, loop-free: for the completeness threshold
        loop_free.add(enc.initial(), enc.domain(0))
        induction = _solver()  # loop-free paths from anywhere: for k-induction
        induction.add(enc.domain(0))

        overflow_reachable = False
        complete_at = None
        stopped = None
        depth = 0
        for depth in range(self.max_depth + 1):
            if depth > 0:
                prev = depth - 1
                for solver in (bmc, loop_free, induction):
                    solver.add(enc.step(prev), enc.domain(depth), z3.Not(enc.at(enc.overflow, prev)))
                distinct = [z3.Not(enc.same(i, depth)) for i in range(depth)]
                loop_free.add(*distinct)
                induction.add(*distinct)
            # From a few steps on, every path keeps to states where the inferred lemmas hold.  They
            # hold in every reachable state, so this removes only unreachable states: from the
            # induction paths (which start anywhere), making k-induction strong enough to end the
            # search; from the paths that start in an initial state, nothing, but the solver learns
            # from them (measured: the completeness query of the acks=all broker-crash row at 24
            # steps, 340 s without, 49 s with).
            if self.lemmas is None and depth >= LEMMAS_FROM_DEPTH:
                self.lemmas = self._infer_lemmas()
                if self.lemmas is None:
                    stopped = Stop.TIMEOUT
                    break
                for solver in (bmc, loop_free, induction):
                    solver.add(*[f for k in range(depth) for f in self._lemmas_at(k)])
            for solver in (bmc, loop_free, induction):
                solver.add(*self._lemmas_at(depth))
            stats.depth = depth
            # counterexamples of exactly this length: first one question for every open property
            # (where they all hold, the usual case at most depths, one unsatisfiable query instead
            # of one per property), then one per property only when some counterexample exists.
            # A reachable write outside its field or domain is asked in the same question: it
            # means a broken model, and raises ModelError (see Encoding.bad_write).
            open_bad = {i: self._broken_at(i, depth) for i in range(len(props))
                        if i not in found and i not in proved}
            if enc.has_bad_writes:
                open_bad[BAD_WRITE] = enc.at(enc.bad_write, depth)
            verdict = self._check(bmc, z3.Or(list(open_bad.values()))) if len(open_bad) > 1 else "sat"
            if verdict == "unknown":
                stopped = Stop.TIMEOUT
                break
            for i, bad in open_bad.items() if verdict == "sat" else ():
                if i == BAD_WRITE:
                    self._no_bad_write_at(bmc, depth)
                    continue
                verdict = self._check(bmc, bad, on_sat=lambda m: enc.read_path(m, depth))
                if verdict == "unknown":
                    stopped = Stop.TIMEOUT
                    break
                if verdict != "unsat":
                    states, acts = verdict
                    found[i] = (states, acts, None)
            if stopped:
                break
            if not overflow_reachable:
                verdict = self._check(bmc, enc.at(enc.overflow, depth))
                if verdict == "unknown":
                    stopped = Stop.TIMEOUT
                    break
                overflow_reachable = verdict == "sat"
            if len(found) + len(proved) == len(props):
                break
            # k-induction for invariants: a loop-free run of depth + 1 states where the invariant holds
            # in all but the last cannot end in a bad state.  It can only end the search early when
            # every open question is an invariant: an open eventually-property needs the completeness
            # threshold anyway, and that proves the invariants too (measured: without this rule the
            # induction queries took a fifth of the cross-check matrix's time and decided nothing).
            undecided = [i for i in range(len(props)) if i not in found and i not in proved]
            if not overflow_reachable and all(props[i].kind == INVARIANT for i in undecided):
                # first that no run outgrows the log capacity (without it no proof counts), then
                # the invariants; a k-induction proof stays valid for every larger k
                if not capacity_proved:
                    capacity_proved = self._k_induction_step(induction, enc.overflow, depth, negated=True) == "unsat"
                for i in undecided if capacity_proved else []:
                    if self._k_induction_step(induction, enc.predicates[i], depth) == "unsat":
                        proved[i] = depth
            if len(found) + len(proved) == len(props):
                break
            # completeness threshold: no loop-free path one step longer exists.  The query grows
            # with the depth, so it is asked every few depths: a threshold found a little late is
            # still a valid (slightly larger) bound.
            if depth % COMPLETENESS_EVERY and depth != self.max_depth:
                continue
            # (the finite-domain solver needs every variable bounded outside the guarded query)
            loop_free.add(enc.domain(depth + 1), enc.act(depth) >= 0, enc.act(depth) < len(enc.actions))
            verdict = self._check(loop_free, enc.step(depth), enc.domain(depth + 1),
                                  z3.Not(enc.at(enc.overflow, depth)), *self._lemmas_at(depth + 1),
                                  *[z3.Not(enc.same(i, depth + 1)) for i in range(depth + 1)])
            if verdict == "unknown":
                stopped = Stop.TIMEOUT
                break
            if verdict == "unsat":
                complete_at = depth
                break
            if self.progress:
                stats.seconds = time.perf_counter() - started
                self.progress(stats)
        else:
            stopped = Stop.DEPTH_LIMIT

        complete = complete_at is not None and not overflow_reachable
        pending = [i for i, p in enumerate(props) if p.kind == EVENTUALLY and i not in found]
        self.escaped: set[bytes] = set()  # states shown to lie in no cyclic bottom component
        self.stuck: set[bytes] = set()  # loop states from which no settled state was found
        self._escape_steps = None  # the bound of the reused escape solver, once built
        # Once the threshold is reached, the invariants are decided whatever happens next; time
        # running out while cycles are judged leaves only the eventually-properties open.
        self.cycles_cut_short: set[int] = set()
        if complete and pending:
            self._prepare_cycle_queries(bmc, depth, complete_at + 1)
            if len(pending) > 1:
                # one question for them all (the common case), before one at a time
                settled = self._no_bad_bottom_component(pending, complete_at)
                if settled == "unknown":
                    stopped = Stop.TIMEOUT
                    self.cycles_cut_short.update(pending)
                    pending = []
                elif settled:
                    pending = []
        if complete:
            for n, i in enumerate(pending):
                outcome = self._judge_cycles(i, complete_at)
                if outcome == "unknown":
                    stopped = Stop.TIMEOUT
                    self.cycles_cut_short.update(pending[n:])
                    break
                if outcome is not None:
                    found[i] = outcome

        if stopped == Stop.TIMEOUT and not complete:
            stats.depth = max(0, stats.depth - 1)  # the depth being checked when time ran out is not done
        stats.seconds = time.perf_counter() - started
        stats.complete = complete and not self.cycles_cut_short
        stats.stopped_by = stopped if stopped else (Stop.MODEL_BOUND if overflow_reachable else None)
        ledger = PropertyLedger(props)
        for i, (states, acts, loop) in sorted(found.items()):
            ledger.violated(i, trace_from_path(self.model, enc.actions, states, acts, loop))
        for i in sorted(self.undecided):
            ledger.undecided(i, Reason(Why.FAIRNESS_UNDECIDED))
        for i in sorted(self.cycles_cut_short):
            ledger.undecided(i, Reason(Why.CYCLES_CUT_SHORT, {"stop": Stop.TIMEOUT}))
        if not complete and capacity_proved:
            for i, k in sorted(proved.items()):
                ledger.proved(i, Reason(Why.K_INDUCTION, {"k": k, "lemmas": len(self.lemmas or ())}))
        # a time-out says how deep the search got; otherwise a reachable bound of the model is why
        # the depth limit could not be reached or would not have been enough
        stop = stopped if stopped == Stop.TIMEOUT else (Stop.MODEL_BOUND if overflow_reachable else stopped)
        cut = Reason(Why.CUT, {"stop": stop, "depth": stats.depth, "limit": self.max_depth,
                               **({"bound": enc.overflow_name} if stop == Stop.MODEL_BOUND else {})})
        results = ledger.results(complete, Reason(Why.COMPLETENESS_THRESHOLD, {"steps": complete_at}), lambda i: cut)
        return SearchResult(stats, results)

    def _check(self, solver, *formulas, on_sat=None):
        """Check the solver's constraints plus ``formulas``: "sat", "unsat" or "unknown" (time ran
        out).  On "sat", ``on_sat(model)`` is called and its result returned instead.

        The formulas are added guarded by a fresh literal and checked under that assumption, then
        switched off for good: cheaper than push/pop with Z3's finite-domain solver."""
        z3 = _z3()
        if self.deadline is not None:
            if self._out_of_time():
                return "unknown"
            solver.set("timeout", max(1, int((self.deadline - time.perf_counter()) * 1000)))
        self._queries += 1
        switch = z3.Bool(f"query_{self._queries}")
        solver.add(z3.Implies(switch, z3.And(*formulas)))
        verdict = str(solver.check(switch))
        if verdict == "unknown" and solver.reason_unknown() in _INTERRUPTED and not self._out_of_time():
            # Z3 catches SIGINT itself while it solves (its scoped Ctrl-C handler) and returns
            # "unknown": that is the user's Ctrl-C, not a verdict, so it ends the search as Python's
            # would (the CLI reports it with the statistics so far, exit 130)
            solver.add(z3.Not(switch))
            raise KeyboardInterrupt
        try:
            if verdict == "unknown" and solver.reason_unknown() not in ("timeout", "canceled"):
                reason = solver.reason_unknown().splitlines()[0]
                raise RuntimeError(f"Z3 could not decide a query (a bug in the encoding): {reason}")
            if verdict == "sat" and on_sat is not None:
                return on_sat(solver.model())
            return verdict
        finally:
            solver.add(z3.Not(switch))

    def _no_bad_write_at(self, bmc, depth: int) -> None:
        """Raise ModelError if a state at ``depth`` enables a write outside its field or domain: the
        compiled code, run on that state, raises it with the action's name, as the explicit
        engine would."""
        enc = self.enc
        found = self._check(bmc, enc.at(enc.bad_write, depth), on_sat=lambda m: enc.read_path(m, depth))
        if found in ("unsat", "unknown"):
            return
        states, _ = found
        compile_model(self.model, []).successors(states[-1])
        raise ModelError(f"a write outside its field or domain is enabled {depth} steps from the initial state "
                         "(the compiled model did not reproduce it: a bug in semcheck's encoding)")

    def _broken_at(self, i: int, depth: int):
        """The state at ``depth`` is a counterexample to property ``i``: an invariant false there, or
        an eventually-property false in a settled state (no normal step left to make it true)."""
        z3 = _z3()
        enc = self.enc
        bad = z3.Not(enc.at(enc.predicates[i], depth))
        if self.properties[i].kind == EVENTUALLY:
            bad = z3.And(bad, enc.at(enc.quiescent, depth), z3.Not(enc.at(enc.overflow, depth)))
        return bad

    def _infer_lemmas(self) -> list | None:
        """Facts about one or two slots that hold in every reachable state, proved by the Houdini
        fixpoint (lemmas.py); None when time ran out."""
        states = sample_states(self.model)
        facts = candidate_facts(states, self.enc.domains)
        return prove_lemmas(self.enc, facts, self._check, _solver)

    def _lemmas_at(self, k: int) -> list:
        """The inferred lemmas in the state at step k (nothing before they are inferred)."""
        if not self.lemmas:
            return []
        return [fact_formula(self.enc.z3, self.enc.state(k), fact) for fact in self.lemmas]

    def _out_of_time(self) -> bool:
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def _k_induction_step(self, solver, predicate, depth: int, negated: bool = False) -> str:
        """On loop-free paths of depth + 1 states from anywhere: "unsat" means the predicate (or, with
        ``negated``, its negation) holding in the first depth states forces it in the last."""
        z3 = _z3()
        enc = self.enc

        def holds(k):
            value = enc.at(predicate, k)
            return z3.Not(value) if negated else value

        return self._check(solver, *[holds(k) for k in range(depth)], z3.Not(holds(depth)))

    def _judge_cycles(self, i: int, diameter: int):
        """Fairness for an eventually-property once every reachable state is known to be within
        ``diameter`` steps.  Returns a lasso counterexample, None when no bad bottom component
        exists (no cycle breaks the property, or every one that does can leave: see
        ``_every_bad_cycle_escapes``), or "unknown" (time ran out).

        A lasso of ``length`` steps returns to the state at step ``start`` (a variable) and takes
        only normal steps from there, with the property false.  If, moreover, every normal step
        enabled on the loop stays on the loop, the loop is a bottom component: fairness cannot
        leave it, and it is a counterexample.

        Bound: take a simple bad cycle and, as stem, a shortest path to its state nearest the
        start; the stem meets the cycle only there, so stem + cycle minus its last step is a
        loop-free path, at most ``diameter`` steps long.  So if some bad loop exists, one of at
        most diameter + 1 steps does."""
        z3 = _z3()
        enc = self.enc
        longest = diameter + 1
        settled = self._no_bad_bottom_component([i], diameter)
        if settled:  # True, or "unknown"
            return None if settled is True else settled
        start = z3.Int("loop_start")
        solver = _solver()
        solver.add(enc.initial(), enc.domain(0), start >= 0, start <= longest)  # every variable bounded
        any_bad_cycle = False
        for length in range(1, longest + 1):
            solver.add(enc.step(length - 1), enc.domain(length), z3.Not(enc.at(enc.overflow, length - 1)),
                       *self._lemmas_at(length))
            on_loop = [start <= k for k in range(length)]
            cycle = [
                start >= 0, start < length,
                z3.Or([z3.And(start == j, enc.same(j, length), z3.Not(enc.at(enc.predicates[i], j)))
                       for j in range(length)]),
                *[z3.Implies(on_loop[k], enc.normal_step(k)) for k in range(length)],
            ]
            verdict = self._check(solver, *cycle)
            if verdict == "unknown":
                return "unknown"
            if verdict == "unsat":
                continue
            any_bad_cycle = True
            closure = []
            for k in range(length):
                # building these formulas can take minutes at the larger lengths: honour --timeout
                if self._out_of_time():
                    return "unknown"
                for a in enc.normal:
                    succ = enc.successor_of(a, k)
                    stays = z3.Or([z3.And(on_loop[m], *[p == q for p, q in zip(succ, enc.state(m))])
                                   for m in range(length)])
                    closure.append(z3.Implies(z3.And(on_loop[k], enc.at(enc.guards[a], k)), stays))

            def read_lasso(solution, length=length):
                states, acts = enc.read_path(solution, length)
                return states, acts, solution.eval(start, model_completion=True).as_long() + 1

            verdict = self._check(solver, *cycle, *closure, on_sat=read_lasso)
            if verdict == "unknown":
                return "unknown"
            if verdict != "unsat":
                return verdict
        if any_bad_cycle:
            self.undecided.add(i)
        return None

    def _prepare_cycle_queries(self, bmc, steps: int, longest: int) -> None:
        """Turn ``bmc`` (paths of ``steps`` steps from an initial state, no longer needed for BMC)
        into the solver of the bad-cycle queries: paths of ``longest`` steps, with a loop from
        step ``cycle_start`` back to the state at ``cycle_end`` taking only normal steps.

        Asking for the full ``longest`` steps loses nothing: a lasso that closes earlier goes round
        its loop for as long as needed.  (Reusing the BMC solver, with what it has learnt, measured
        2.5-30x faster than a fresh solver whose steps are optional past the loop's end.)"""
        z3 = _z3()
        enc = self.enc
        for k in range(steps, longest):
            bmc.add(enc.domain(k + 1), enc.act(k) >= 0, enc.act(k) < len(enc.actions),
                    enc.step(k), z3.Not(enc.at(enc.overflow, k)), *self._lemmas_at(k + 1))
        start, end = z3.Int("cycle_start"), z3.Int("cycle_end")
        # (the finite-domain solver needs each variable bounded by constants on its own)
        bmc.add(start >= 0, start <= longest, end >= 0, end <= longest, start < end)
        bmc.add(*[z3.Implies(z3.And(start <= k, k < end), enc.normal_step(k)) for k in range(longest)])
        bmc.add(z3.Or([z3.And(start == j, end == e, enc.same(j, e))
                       for e in range(1, longest + 1) for j in range(e)]))
        # the loop's first state as variables of its own, so that "it is not this state" is one
        # clause, not one per position the loop could start at (measured on the exactly-once RF 2
        # power-loss row: the escape rounds' queries grew to 410 s with one per position)
        first = [z3.Int(f"loop_first_{j}") for j in range(enc.size)]
        bmc.add(*[z3.And(v >= 0, v < d) for v, d in zip(first, enc.domains)])
        bmc.add(*[z3.Implies(start == j, z3.And([f == v for f, v in zip(first, enc.state(j))]))
                  for j in range(longest)])
        self.cycles, self.cycle_start, self.cycle_end, self.cycle_longest = bmc, start, end, longest
        self.loop_first = first
        # each normal step's guard in that state, and the state it leads to
        self.loop_first_steps = [(enc.on(enc.guards[a], first), enc.successor_in(a, first)) for a in enc.normal]

    def _no_bad_bottom_component(self, props: list[int], diameter: int):
        """True when no bottom component breaks one of ``props`` (no cycle breaks them, or every
        one that does can leave), False when that could not be shown, "unknown" when time ran out."""
        return self._no_bad_cycle(props) or self._every_bad_cycle_escapes(props, diameter)

    def _every_bad_cycle_escapes(self, props: list[int], diameter: int, most: int = 256):
        """True when no bottom component breaks one of ``props``; False when that could not be
        shown; "unknown" when time ran out.  The fairness argument for cycles that fairness leaves
        (a producer refreshing metadata while the leader is down, NOT_ENOUGH_REPLICAS retries while
        a follower catches up): the explicit engine sees them leave in the graph's components, and
        this is the same fact, found state by state.

        A lasso's loop lies inside one strongly connected component.  A state that reaches a
        settled state (no normal step enabled) by normal steps lies in no cyclic bottom component:
        from a bottom component nothing else is reachable, and a settled state is a component of
        its own.  So: find a bad lasso (within the bound of ``_prepare_cycle_queries``) whose loop
        starts at a state not yet known to escape, show that state escapes, and mark as escaping
        every state known to reach it by normal steps: the loop's states, the stem's states from
        which only normal steps lead to the loop, and the states of the path to the settled state.
        Repeat.  When no such lasso is left, no bad bottom component exists: every bad bottom
        component has a bad simple cycle, and a shortest stem to it makes a lasso within the bound
        whose loop start lies in that component (so is never marked).  ``most`` caps the rounds;
        past it the answer is False (never a wrong holds)."""
        enc = self.enc
        start, end, longest = self.cycle_start, self.cycle_end, self.cycle_longest
        normal = set(enc.normal)
        bad_loop = self._bad_loop(props)
        for _ in range(most):
            def read_lasso(solution):
                states, acts = enc.read_path(solution, longest)
                first = solution.eval(start, model_completion=True).as_long()
                last = solution.eval(end, model_completion=True).as_long()
                # the stem's states from which only normal steps lead on to the loop
                stem = first
                while stem > 0 and acts[stem - 1] in normal:
                    stem -= 1
                return states[first:last], states[stem:first]

            found = self._check(self.cycles, bad_loop, on_sat=read_lasso)
            if found == "unsat":
                return True
            if found == "unknown":
                return "unknown"
            loop, stem = found
            if loop[0] in self.stuck:  # already asked for another property
                return False
            reaches = self._reaches_settled_state(loop[0], diameter + 1)
            if reaches == "unknown":
                return "unknown"
            if reaches == "unsat":
                self.stuck.add(loop[0])
                return False
            self._mark_escaping(stem + loop + reaches)
        return False

    def _mark_escaping(self, states: list[bytes]) -> None:
        """Record states known to reach a settled state by normal steps; the bad-lasso queries
        look no further for loops that start at one of them (a bottom component has none).  The
        clause is permanent: the argument of ``_every_bad_cycle_escapes`` holds for every
        property.  (A loop start whose normal step leads to a marked state reaches a settled state
        too, so excluding it keeps the argument.)"""
        z3 = _z3()
        for state in states:
            if state not in self.escaped:
                self.escaped.add(state)
                self.cycles.add(z3.Or([v != b for v, b in zip(self.loop_first, state)]))
                # nor does a bottom component's state have a normal step that leaves it: no
                # normal step from the loop's first state leads to a marked state either
                for guard, successor in self.loop_first_steps:
                    self.cycles.add(z3.Implies(guard, z3.Or([v != b for v, b in zip(successor, state)])))

    def _reaches_settled_state(self, state: bytes, most_steps: int):
        """The states of a path of normal steps from ``state`` to a state with no normal step
        enabled, within ``most_steps`` steps; "unsat" if there is none, "unknown" when time ran
        out.

        One solver serves every state asked about (the state is part of the query), so what it
        learns about the model carries over from one escape round to the next.  Its paths may
        stop early: once a settled state is reached they stay in it."""
        z3 = _z3()
        enc = self.enc
        if self._escape_steps != most_steps:  # built on first use (the bound is the same all run)
            solver = _solver()
            solver.add(enc.domain(0), *self._lemmas_at(0))
            settled_by = z3.BoolVal(False)
            for k in range(most_steps):
                settled_by = z3.Or(settled_by, z3.And(enc.at(enc.quiescent, k), z3.Not(enc.at(enc.overflow, k))))
                solver.add(enc.domain(k + 1), enc.act(k) >= 0, enc.act(k) < len(enc.actions),
                           z3.If(settled_by, enc.same(k, k + 1),
                                 z3.And(enc.step(k), enc.normal_step(k), z3.Not(enc.at(enc.overflow, k)),
                                        *self._lemmas_at(k + 1))))
            self._escape_solver, self._escape_steps = solver, most_steps
            self._escape_goal = z3.And(enc.at(enc.quiescent, most_steps), z3.Not(enc.at(enc.overflow, most_steps)))
        start = [v == b for v, b in zip(enc.state(0), state)]
        return self._check(self._escape_solver, *start, self._escape_goal,
                           on_sat=lambda solution: enc.read_path(solution, most_steps)[0])

    def _bad_loop(self, props: list[int]):
        """On the bad-cycle queries' path: some state of the loop breaks one of ``props``.  (Any
        state, not just the first: a bottom component breaks a property when any of its states
        does, and the lasso that the bound guarantees starts wherever its stem meets the cycle.)"""
        z3 = _z3()
        enc = self.enc
        start, end = self.cycle_start, self.cycle_end
        some_false = z3.Or([z3.Not(enc.predicates[i]) for i in props])
        return z3.Or([z3.And(start <= k, k < end, enc.at(some_false, k)) for k in range(self.cycle_longest)])

    def _no_bad_cycle(self, props: list[int]) -> bool:
        """One query: is there no lasso (within the bound of ``_prepare_cycle_queries``) whose loop
        breaks one of ``props`` somewhere?  (The common case; a "no" sends the caller on to the
        escape argument, then lasso by lasso for the shortest fair one.)"""
        return self._check(self.cycles, self._bad_loop(props)) == "unsat"

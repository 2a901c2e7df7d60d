"""The symbolic engine's fairness argument, on models small enough to read at a glance.

A cycle of normal steps that keeps an eventually-property false is a counterexample only when it is
a bottom component: fairness cannot leave it.  Kafka runs have many cycles fairness does leave (a
producer refreshing metadata while the leader is down, until the broker restarts); the explicit
engine sees that from the graph's components, the symbolic engine must prove it (docs/engines.md,
"Fairness").  Each toy model here is the shape of one such case, and the explicit engine, which
computes the components, is the reference.
"""

from __future__ import annotations

from semcheck import HOLDS, INCONCLUSIVE, VIOLATED
from semcheck.checker.explicit import ExplicitSearch
from semcheck.checker.result import Stop, Why
from semcheck.checker.search import SearchSettings
from semcheck.checker.symbolic import SymbolicSearch
from semcheck.model.api import Action, Model, StatePredicate
from semcheck.model.dsl import And, Layout, Or
from semcheck.properties import EVENTUALLY, INVARIANT, Property
from semcheck.report import explain


def _refresh(s, nx):  # the producer's metadata flips between "no leader" and "the dead leader"
    nx.meta = 1 - s.meta
    return s.up == 0


def _restart(s, nx):
    nx.up = 1
    return s.up == 0


def _deliver(s, nx):
    nx.done = 1
    return And(s.up == 1, s.done == 0)


def _heartbeat(s, nx):  # a step that is always enabled once delivered: nothing ever settles
    nx.beat = 1 - s.beat
    return s.done == 1


class LeaderDown(Model):
    """While the leader is down the producer refreshes its metadata forever; a restart (if the model
    has one) ends it, and the message is then delivered."""

    def __init__(self, restart: bool, heartbeat: bool = False):
        self.layout = Layout()
        for name in ("meta", "up", "done", "beat"):
            self.layout.scalar(name, 2)
        self._actions = [Action("producer", "refresh metadata", _refresh, says="refreshes its metadata"),
                         Action("consumer", "deliver", _deliver, says="gets the message")]
        if restart:
            self._actions.append(Action("broker", "restart", _restart, says="restarts"))
        if heartbeat:
            self._actions.append(Action("consumer", "heartbeat", _heartbeat, says="sends a heartbeat"))

    def initial_states(self):
        return [self.layout.encode({})]

    def actions(self):
        return self._actions


DELIVERED = Property("delivered", EVENTUALLY, "the message is eventually delivered",
                     lambda model: StatePredicate("delivered", lambda s: s.done == 1))


def _verdicts(model):
    explicit = ExplicitSearch(model, [DELIVERED]).run().results
    symbolic = SymbolicSearch(model, [DELIVERED], SearchSettings(timeout=60)).run().results
    return explicit[0], symbolic[0]


def test_a_cycle_that_can_leave_for_a_settled_state_is_proved_harmless():
    explicit, symbolic = _verdicts(LeaderDown(restart=True))
    assert explicit.verdict == HOLDS
    assert symbolic.verdict == HOLDS, symbolic.reason


def test_a_cycle_nothing_leaves_is_a_lasso_counterexample_in_both_engines():
    explicit, symbolic = _verdicts(LeaderDown(restart=False))
    assert explicit.verdict == symbolic.verdict == VIOLATED
    assert symbolic.trace.loop_start is not None and len(symbolic.trace) == len(explicit.trace)


def test_a_cycle_left_only_for_another_cycle_is_inconclusive_never_holds():
    # Fairness leaves the refresh cycle, but what follows never settles (a heartbeat): the escape
    # argument needs a settled state, so the symbolic engine cannot prove it and must say so.
    explicit, symbolic = _verdicts(LeaderDown(restart=True, heartbeat=True))
    assert explicit.verdict == HOLDS
    assert symbolic.verdict == INCONCLUSIVE
    assert symbolic.reason.kind == Why.FAIRNESS_UNDECIDED
    assert "cycle of normal steps keeps it false" in explain(symbolic.reason)


DELIVERED_WHILE_UP = Property("delivered-while-up", INVARIANT, "a delivered message was delivered by a live broker",
                              lambda model: StatePredicate("delivered-while-up", lambda s: Or(s.up == 1, s.done == 0)))


def test_time_running_out_while_cycles_are_judged_leaves_only_the_eventually_properties_open(monkeypatch):
    # Once every reachable state is within the completeness threshold, an invariant is decided;
    # the cycle judgement after it concerns the eventually-properties alone.  When it is cut short
    # they must say inconclusive (never holds), and the invariant keeps its proof.
    monkeypatch.setattr(SymbolicSearch, "_judge_cycles", lambda self, i, diameter: "unknown")
    model = LeaderDown(restart=True)
    found = SymbolicSearch(model, [DELIVERED, DELIVERED_WHILE_UP], SearchSettings(timeout=60)).run()
    stats, (delivered, invariant) = found.stats, found.results
    assert invariant.verdict == HOLDS and invariant.reason.kind == Why.COMPLETENESS_THRESHOLD
    assert delivered.verdict == INCONCLUSIVE and delivered.reason.kind == Why.CYCLES_CUT_SHORT
    assert "--timeout" in explain(delivered.reason)
    assert not stats.complete and stats.stopped_by == Stop.TIMEOUT

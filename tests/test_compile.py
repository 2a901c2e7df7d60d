"""The compiled successor function must agree with the model run directly on concrete values.

``checker/compile.py`` turns the model into generated Python source; this test evaluates every
action of the model eagerly (``ConcreteLeaves``) on a sample of reachable states and demands the
same successors, so a bug in the compiler (or Python-only control flow in the model) cannot go
unnoticed.
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck.checker.compile import compile_model
from semcheck.model.dsl import (And, ConcreteLeaves, Expr, If, Max, Min, ModelError, NextState, Not, Or,
                                StateView, apply_writes)
from semcheck.properties import ALL_PROPERTIES

CONFIGS = [
    ({"acks": "1", "retries": "3"}, {}),
    ({"acks": "0"}, {}),
    ({"enable.idempotence": "false", "max.in.flight.requests.per.connection": "2"}, {}),
    ({"unclean.leader.election.enable": "true", "min.insync.replicas": "2"}, {}),
    # 3.7+ (the default line): the high watermark kept while the ISR is below the min ISR
    ({"replication.factor": "2", "min.insync.replicas": "2", "acks": "1"}, {"split": "all"}),
    # 4.1+ eligible leader replicas: one message, so the sample reaches an empty ISR, the ELR, a
    # controlled shutdown and the last known leader
    ({"replication.factor": "2", "min.insync.replicas": "2"},
     {"messages": 1, "faults": ["follower-lag", "power-loss", "controlled-shutdown"]}),
    ({"replication.factor": "2", "auto.offset.reset": "earliest"}, {"commit": "before-process"}),
    ({}, {"commit": "auto", "processing": "async"}),
    ({}, {"commit": "after-process"}),
    # transactions: small bounds so the sample reaches markers, aborts and the LSO
    ({"transactional.id": "t", "isolation.level": "read_committed", "auto.offset.reset": "earliest"},
     {"commit": "transactional", "messages": 1}),
    ({"transactional.id": "t", "retries": "1"}, {"commit": "after-process", "messages": 1}),
    ({"transactional.id": "t", "isolation.level": "read_committed"}, {"messages": 2, "max_faults": 1}),
]


def sample_states(compiled, model, limit):
    """Breadth-first sample of reachable states."""
    seen = dict.fromkeys(model.initial_states())
    queue = list(seen)
    i = 0
    while i < len(queue) and len(queue) < limit:
        for _, nxt in compiled.successors(queue[i]):
            if nxt not in seen:
                seen[nxt] = None
                queue.append(nxt)
        i += 1
    return queue[:limit]


def eager_successors(model, actions, state):
    out = []
    for index, action in enumerate(actions):
        leaves = ConcreteLeaves(state)
        nxt = NextState(model.layout, leaves)
        guard = action.effect(StateView(model.layout, leaves), nxt)
        if guard:
            out.append((index, apply_writes(state, nxt.writes)))
    return out


def check_against_eager_evaluation(settings, options, reached, first, every):
    """Compare on the ``first`` reachable states (early in runs) and every ``every``-th of the
    first ``reached`` (deeper ones): eager evaluation costs 20-60 ms per state."""
    model = semcheck.build_model(settings, **{"messages": 2, "max_faults": 2, **options})
    preds = [p.holds_in(model) for p in ALL_PROPERTIES.values()]
    compiled = compile_model(model, preds)
    actions = model.actions()
    sample = sample_states(compiled, model, reached)
    for state in sample[:first] + sample[first::every]:
        assert compiled.successors(state) == eager_successors(model, actions, state)
        for pred, fn in zip(preds, compiled.predicates):
            eager = pred.test(StateView(model.layout, ConcreteLeaves(state)))
            assert fn(state) == bool(eager)


@pytest.mark.parametrize("settings,options", CONFIGS)
def test_compiled_successors_match_eager_evaluation(settings, options):
    check_against_eager_evaluation(settings, options, reached=3000, first=100, every=16)


@pytest.mark.slow
@pytest.mark.parametrize("settings,options", CONFIGS)
def test_compiled_successors_match_eager_evaluation_on_a_larger_sample(settings, options):
    check_against_eager_evaluation(settings, options, reached=20000, first=300, every=20)


def test_python_control_flow_on_state_values_is_rejected():
    """Model code must use If/And/Or: a Python `if` on a traced value cannot be followed by Z3."""
    with pytest.raises(ModelError):
        bool(Expr("field", 0) == 1)


def test_helpers_fold_constants_eagerly():
    assert If(True, 1, 2) == 1
    assert And(True, 1 < 2) is True
    assert Or(False, False) is False
    assert Not(False) is True
    assert Min(3, 1, 2) == 1 and Max(3, 1, 2) == 3
    x = Expr("field", 0)
    assert And(True, x) is x
    assert Or(False, x) is x
    assert And(False, x) is False

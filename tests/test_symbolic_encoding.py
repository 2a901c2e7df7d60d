"""The symbolic engine's Z3 encoding of every action agrees with concrete evaluation.

Both engines run the same model code (``model/dsl.py``): the explicit engine on concrete values,
the symbolic engine on Z3 terms (``checker/symbolic.py``, ``Encoding``).  This test fixes the Z3
state variables to a reachable concrete state and demands, action by action, the same guard and
the same next state as the model evaluated eagerly on that state, and the same value of every
property's predicate.  A wrong translation of one DSL operator, or a write the Z3 side applies
differently (an indexed write, a boolean stored as an integer), fails here with the action named,
long before it could make the two engines disagree on a verdict.
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck.checker.compile import compile_model
from semcheck.checker.symbolic import Encoding
from semcheck.model.dsl import ConcreteLeaves, StateView
from semcheck.properties import ALL_PROPERTIES

from test_compile import CONFIGS, eager_successors, sample_states


def _z3_answers(encoding, state: bytes):
    """Each action's guard and, where it holds, its next state, read from the Z3 encoding with
    the state variables fixed to ``state``; and each predicate's value there."""
    z3 = encoding.z3
    solver = z3.Solver()
    solver.add([x == v for x, v in zip(encoding.x, state)])
    assert solver.check() == z3.sat
    fixed = solver.model()

    def value(term):
        if not z3.is_expr(term):
            return int(term)
        result = fixed.eval(term, model_completion=True)
        return z3.is_true(result) if z3.is_bool(result) else result.as_long()

    successors = []
    for index, guard in enumerate(encoding.guards):
        if value(guard):
            # a slot the action does not write is the variable itself: its value is the state's
            after = [old if term is x else value(term)
                     for old, term, x in zip(state, encoding.updates[index], encoding.x)]
            successors.append((index, bytes(after)))
    return successors, [bool(value(p)) for p in encoding.predicates]


@pytest.mark.parametrize("settings,options", CONFIGS)
def test_every_action_means_the_same_in_z3_and_on_concrete_states(settings, options):
    model = semcheck.build_model(settings, **{"messages": 2, "max_faults": 2, **options})
    predicates = [p.holds_in(model) for p in ALL_PROPERTIES.values()]
    encoding = Encoding(model, predicates)
    compiled = compile_model(model, predicates)
    actions = model.actions()
    sample = sample_states(compiled, model, 2400)
    for state in sample[:20] + sample[20::60]:  # early states, and deeper ones spread over the sample
        eager = eager_successors(model, actions, state)
        symbolic, symbolic_predicates = _z3_answers(encoding, state)
        in_z3, concrete = [i for i, _ in symbolic], [i for i, _ in eager]
        assert in_z3 == concrete, (
            f"enabled actions differ in {model.summarize(state)}: "
            f"Z3 only {[actions[i].name for i in in_z3 if i not in concrete]}, "
            f"concrete only {[actions[i].name for i in concrete if i not in in_z3]}")
        for (index, z3_next), (_, concrete_next) in zip(symbolic, eager):
            assert z3_next == concrete_next, f"{actions[index].actor}: {actions[index].name} " \
                f"{actions[index].args} leads elsewhere in Z3, from {model.summarize(state)}"
        view = StateView(model.layout, ConcreteLeaves(state))
        assert symbolic_predicates == [bool(p.test(view)) for p in predicates]

"""Invariants inferred for the symbolic engine's induction proofs (Houdini over sampled states).

k-induction asks whether a property, true on k consecutive states of *any* loop-free path, is true
on the next one.  The paths start anywhere, reachable or not, and the Kafka model has many
unreachable states that lead somewhere bad: a log holding three records when one message was sent
outgrows the log capacity; a leader epoch ahead of every election breaks in-order.  So most
properties are not k-inductive for any small k, and without k-induction the engine must reach the
completeness threshold (the longest loop-free path), which on two-fault configurations lies past
30-40 steps where the shortest-path depth of the same graph is about 20.

A *lemma* here is a fact about one or two state slots: "slot i never holds value a", or "slots i and
j never hold a and b together".  The candidates are the facts that every state met on a few
thousand random walks from the initial states obeys.  A walk may miss reachable states, so a
candidate can be false; the Houdini algorithm keeps only a set that proves itself:

* every candidate holds in every initial state (the walks start there, so this is by construction);
* from any state where all kept candidates hold (and no bound of the model has overflowed), every
  step leads to a state where they all hold again.  A solver finds a step that breaks one, every
  candidate that this step breaks is dropped, and the question is asked again until no step breaks
  any.

By induction on the length of a run, the kept conjunction then holds in every reachable state, so
adding it to every state of an induction query removes only unreachable paths: a proof with the
lemmas is a proof.  Nothing about the candidates needs to be right for this; a poor sample only
means fewer lemmas (measured: the same lemmas from 2,000 walks as from every reachable state, on
the two-fault engine rows).
"""

from __future__ import annotations

import random
from typing import Callable

from .compile import compile_model

WALKS = 2000  # random walks from the initial states
WALK_STEPS = 60  # steps per walk (longer than the completeness threshold of every matrix row)
SEED = 0  # fixed: the same lemmas, and so the same verdicts, on every run


def sample_states(model, *, walks: int = WALKS, steps: int = WALK_STEPS, seed: int = SEED) -> list[bytes]:
    """States met on ``walks`` random walks from the initial states, in the order first met.  A walk
    stops at a state with no successor or where a bound of the model overflowed (the search goes on
    from neither)."""
    overflow = model.bound_exceeded()
    compiled = compile_model(model, [overflow] if overflow else [])
    overflowed = compiled.predicates[0] if overflow else (lambda state: False)
    successors = compiled.successors
    initial = list(model.initial_states())
    rng = random.Random(seed)
    seen = dict.fromkeys(initial)
    for _ in range(walks):
        state = rng.choice(initial)
        for _ in range(steps):
            if overflowed(state):
                break
            following = successors(state)
            if not following:
                break
            state = rng.choice(following)[1]
            seen.setdefault(state)
    return list(seen)


def candidate_facts(states: list[bytes], domains: list[int]) -> list[tuple]:
    """Facts every sampled state obeys: ``(i, a, None)`` "slot i is never a", for values of slot i's
    domain no sample has; ``(i, a, (j, b))`` "never a in slot i with b in slot j", for values each
    seen on its own but never together."""
    size = len(domains)
    values = [sorted({s[i] for s in states}) for i in range(size)]
    facts: list[tuple] = []
    for i in range(size):
        facts += [(i, a, None) for a in range(domains[i]) if a not in values[i]]
    varying = [i for i in range(size) if len(values[i]) > 1]
    for n, i in enumerate(varying):
        for j in varying[n + 1:]:
            together = {(s[i], s[j]) for s in states}
            facts += [(i, a, (j, b)) for a in values[i] for b in values[j] if (a, b) not in together]
    return facts


def fact_formula(z3, state: list, fact: tuple):
    i, a, other = fact
    if other is None:
        return state[i] != a
    j, b = other
    return z3.Or(state[i] != a, state[j] != b)


def prove_lemmas(enc, facts: list[tuple], check: Callable, new_solver: Callable):
    """The Houdini fixpoint: the largest subset of ``facts`` that every step preserves (from states
    with no overflow).  ``check(solver, *formulas, on_sat=...)`` is the engine's query (it honours
    the time limit); returns the kept facts, or None when time ran out."""
    z3 = enc.z3
    before, after = enc.state(0), enc.state(1)
    solver = new_solver()
    solver.add(enc.domain(0), enc.domain(1), enc.step(0), z3.Not(enc.at(enc.overflow, 0)))
    switches = [z3.Bool(f"lemma_{n}") for n in range(len(facts))]
    for switch, fact in zip(switches, facts):
        solver.add(z3.Implies(switch, fact_formula(z3, before, fact)))
    broken_after = [z3.Not(fact_formula(z3, after, fact)) for fact in facts]
    kept = set(range(len(facts)))

    def read_after(solution):
        return [solution.eval(v, model_completion=True).as_long() for v in after]

    while kept:
        order = sorted(kept)
        found = check(solver, *[switches[n] for n in order], z3.Or([broken_after[n] for n in order]),
                      on_sat=read_after)
        if found == "unknown":
            return None
        if found == "unsat":
            break
        kept -= {n for n in order if not _obeys(found, facts[n])}
    return [facts[n] for n in sorted(kept)]


def _obeys(state: list[int], fact: tuple) -> bool:
    i, a, other = fact
    if other is None:
        return state[i] != a
    j, b = other
    return state[i] != a or state[j] != b

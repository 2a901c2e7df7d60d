"""Every action says what it does: a trace never shows a bare action name or fails to render.

Traces are data (action name, parameters, full state) plus the sentence written next to each
action's definition (``Action.says``, in the model's actor modules).  These tests build models that
together contain every kind of action (every fault class, transactions, each commit strategy, every
merge split) and render a description for every transition of their small state spaces.
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck.checker.compile import compile_model
from semcheck.model.bounds import applicable_faults

ALL_BUT_ZOMBIE = list(applicable_faults(transactional=False))
TXN = {"transactional.id": "app-1", "isolation.level": "read_committed", "replication.factor": "2"}
ELR = {"replication.factor": "2", "min.insync.replicas": "2"}  # 4.1+: eligible leader replicas

MODELS = [
    ({}, dict(messages=2, max_faults=1, faults=ALL_BUT_ZOMBIE)),
    ({}, dict(messages=2, max_faults=1, faults=ALL_BUT_ZOMBIE, split="all")),
    ({"acks": "1", "unclean.leader.election.enable": "true", "replication.factor": "2"},
     dict(messages=1, max_faults=1, faults=ALL_BUT_ZOMBIE)),
    ({"acks": "0"}, dict(messages=2, max_faults=1, faults=["network"])),
    ({"enable.idempotence": "false", "retries": "1"}, dict(messages=2, max_faults=1, faults=["network"])),
    ({}, dict(messages=1, max_faults=1, faults=["consumer-crash"], commit="before-process")),
    ({}, dict(messages=1, max_faults=1, faults=["consumer-crash"], commit="after-process", split="all")),
    ({}, dict(messages=1, max_faults=1, faults=["consumer-crash"], commit="auto", processing="async")),
    ({**TXN, "retries": "1"}, dict(messages=1, max_faults=1, faults=applicable_faults(transactional=True))),
    (ELR, dict(messages=1, max_faults=2, faults=applicable_faults(False, eligible_leader_replicas=True))),
    (ELR, dict(messages=1, max_faults=2, faults=["power-loss", "controlled-shutdown"], split="all")),
    (TXN, dict(messages=1, max_faults=1, faults=["consumer-crash"], commit="transactional")),
]
MOST_STATES = 5_000


def _id(row):
    settings, options = row
    return ",".join([f"{k}={v}" for k, v in settings.items()] + [f"{k}={v}" for k, v in options.items()])


def _explored_steps(model):
    """(action, before, after) for every transition among the first MOST_STATES states (BFS)."""
    compiled = compile_model(model, [])
    seen = set(model.initial_states())
    queue = list(seen)
    for state in queue:
        for index, nxt in compiled.successors(state):
            yield compiled.actions[index], state, nxt
            if nxt not in seen and len(seen) < MOST_STATES:
                seen.add(nxt)
                queue.append(nxt)


@pytest.mark.parametrize("settings,options", MODELS, ids=[_id(r) for r in MODELS])
def test_every_action_has_a_description(settings, options):
    model = semcheck.build_model(settings, **options)
    bare = [f"{a.actor}: {a.name}" for a in model.actions() if a.says is None]
    assert not bare, f"actions without a description (Action.says): {bare}"


@pytest.mark.parametrize("settings,options", MODELS, ids=[_id(r) for r in MODELS])
def test_every_step_renders_a_sentence(settings, options):
    model = semcheck.build_model(settings, **options)
    described = set()
    for action, before, after in _explored_steps(model):
        text = model.describe_step(action, before, after)
        assert isinstance(text, str) and text.strip(), (action, text)
        described.add((action.actor, action.name))
    assert len(described) > 5


def test_the_models_above_contain_every_kind_of_action():
    """The rows above are not a sample: together they hold every action name the model has."""
    names = {(a.actor.split()[0], a.name) for s, o in MODELS for a in semcheck.build_model(s, **o).actions()}
    wanted = {("producer", "send"), ("producer", "time out"), ("producer", "sees the connection close"),
              ("producer", "refresh metadata (names the dead leader)"), ("producer", "receive invalid epoch"),
              ("leader", "fences the old instance"), ("coordinator", "write marker"), ("controller", "unclean election"),
              ("controller", "fences a dead broker"), ("consumer", "poll and process"), ("consumer", "finds its position"),
              ("consumer", "commit transaction"), ("network", "breaks the connection after a read"),
              ("broker", "loses power"), ("producer", "abort transaction"),
              ("broker", "begins a controlled shutdown"), ("broker", "shuts down cleanly"),
              ("controller", "elect the last known leader")}
    assert wanted <= names, wanted - names

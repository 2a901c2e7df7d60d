"""A researcher's variant, built outside the package: one rule changed, one action replaced, one
property added (docs/extending.md).  Everything here uses only the public extension point:
subclass ``semcheck.model.kafka.KafkaModel``, ``semcheck.model.api.replace_action``, your own
``semcheck.properties.Property``, and ``semcheck.verify(..., variant=..., properties=[...])``.
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck import HOLDS, VIOLATED
from semcheck.model.api import And, Or, StatePredicate, replace_action
from semcheck.model.kafka import KafkaModel
from semcheck.properties import INVARIANT, Property
from semcheck.report import render

NET = dict(messages=1, max_faults=1, faults=["network"])


class NoDuplicateWindow(KafkaModel):
    """One rule changed: the leader's idempotence check never finds an earlier batch, so a retry
    of a batch whose answer was lost is appended again (what Kafka does without idempotence)."""

    def producer_state(self, s, pid, epoch, seq):
        _, offset, fenced, _ = super().producer_state(s, pid, epoch, seq)
        return False, offset, fenced, True


class SilentLeader(KafkaModel):
    """One action replaced: the leader never sends the answer to an appended batch (acks=1, with
    the append-and-respond merge split so that "respond" is an action of its own)."""

    def actions(self):
        def never(s, nx):
            return False

        return replace_action(super().actions(), "respond", actor="leader", effect=never, says="never answers")


def _each_message_once_in_broker_1(model):
    """One property added: broker 1's log never holds a message twice."""

    def test(s):
        log, length = s.log[0], s.log_len[0]
        return And([Or(length <= j, log[i] != log[j])
                    for i in range(model.capacity) for j in range(i + 1, model.capacity)])

    return StatePredicate("broker 1 holds each message at most once", test)


AT_MOST_ONCE_IN_LOG = Property("at-most-once-in-log", INVARIANT, "broker 1's log holds each message at most once",
                               _each_message_once_in_broker_1)


def test_a_changed_rule_changes_the_verdict():
    assert semcheck.verify({}, properties=["no-duplicate"], **NET).verdict("no-duplicate") == HOLDS
    variant = semcheck.verify({}, properties=["no-duplicate"], variant=NoDuplicateWindow, **NET)
    assert variant.verdict("no-duplicate") == VIOLATED
    assert any("model variant" in note and "NoDuplicateWindow" in note for note in variant.notes)


def test_a_replaced_action_is_what_the_search_runs():
    real = semcheck.verify({"acks": "1"}, properties=["no-acked-loss"], messages=1, max_faults=0)
    silent = semcheck.verify({"acks": "1"}, properties=["no-acked-loss"], messages=1, max_faults=0,
                             variant=SilentLeader, split=["append-and-respond"])
    assert real.stats.states != silent.stats.states
    names = {a.name: a for a in silent.model.actions() if a.actor == "leader"}
    assert names["respond"].says == "never answers"
    with pytest.raises(semcheck.ConfigError, match="subclass"):
        semcheck.verify({}, variant=object, **NET)


def test_a_property_of_your_own_is_checked_and_reported():
    result = semcheck.verify({}, properties=["no-duplicate", AT_MOST_ONCE_IN_LOG], **NET)
    assert [r.property for r in result.results] == ["no-duplicate", "at-most-once-in-log"]
    assert result.verdict("at-most-once-in-log") == HOLDS
    broken = semcheck.verify({}, properties=[AT_MOST_ONCE_IN_LOG], variant=NoDuplicateWindow, **NET)
    assert broken.verdict("at-most-once-in-log") == VIOLATED
    assert "Counterexample for at-most-once-in-log" in render(broken, "text")


def test_a_variant_trace_replays_with_its_variant(tmp_path):
    found = semcheck.verify({}, properties=[AT_MOST_ONCE_IN_LOG], variant=NoDuplicateWindow, **NET)
    path = tmp_path / "variant.json"
    found.save_trace(path)
    with pytest.raises(semcheck.ConfigError, match="model variant"):
        semcheck.replay(path)
    with pytest.raises(semcheck.ConfigError, match="at-most-once-in-log"):
        semcheck.replay(path, variant=NoDuplicateWindow)
    again = semcheck.replay(path, variant=NoDuplicateWindow, properties=[AT_MOST_ONCE_IN_LOG])
    assert again.verdict("at-most-once-in-log") == VIOLATED

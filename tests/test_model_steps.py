"""Single steps of the Kafka model on hand-built states: the parts of Kafka's behaviour that a whole
search only shows indirectly.  Each test cites the source the step follows."""

from __future__ import annotations

import pytest

import semcheck
from semcheck.model.dsl import ConcreteLeaves, NextState, StateView, apply_writes


def step(model, state: bytes, actor: str, name: str, params=()):
    """The successor of ``state`` by the named action, or None if it is not enabled."""
    for action in model.actions():
        if action.actor == actor and action.name == name and action.params == params:
            nxt = NextState(model.layout, ConcreteLeaves(state))
            if action.effect(StateView(model.layout, ConcreteLeaves(state)), nxt):
                return model.layout.decode(apply_writes(state, nxt.writes))
            return None
    raise AssertionError(f"no action {actor}: {name} {params}")


@pytest.mark.parametrize("split", [None, ["truncate-at-once"]])
def test_a_replica_restarting_after_a_power_loss_keeps_only_what_reached_the_disk(split):
    """Kafka acknowledges before fsync (LogConfig flush.messages defaults to Long.MAX_VALUE), so a
    broker that lost power recovers only the prefix of its log that reached the disk
    (LogLoader recovery), whether or not another broker leads by then."""
    model = semcheck.build_model({}, messages=2, max_faults=2, faults=["power-loss"], split=split)
    d = model.layout.decode(model.initial_states()[0])
    d["alive"][0] = 0
    d["isr"][0] = 0
    d["has_leader"], d["leader"] = 1, 1
    d["log"][0][0], d["log_len"][0] = 1, 1  # m1, but nothing of it reached the disk
    d["lost_from"][0] = 0
    d["log"][1][0], d["log"][2][0] = 2, 2  # the new leader and the third broker hold m2
    d["log_len"][1], d["log_len"][2] = 1, 1
    after = step(model, model.layout.encode(d), "broker 1", "restart", (0,))
    assert after is not None and after["alive"][0] == 1
    assert after["log_len"][0] == 0 and after["log"][0][0] == 0
    assert after["lost_from"][0] == model.capacity


def test_without_idempotence_batches_failed_together_are_requeued_newest_first():
    """RecordAccumulator.reenqueue (3.7.0): without a transaction manager each failed batch goes
    to the front of its queue (deque.addFirst), and NetworkClient fails a closed connection's
    requests oldest first (InFlightRequests.clearAll), so the newest ends up at the front."""
    model = semcheck.build_model({"enable.idempotence": "false", "acks": "1"}, messages=3, max_faults=1,
                                 faults=["network"])
    d = model.layout.decode(model.initial_states()[0])
    d["status"] = [1, 1, 0]  # m1 and m2 in flight, m3 queued
    d["queue"] = [3, 0, 0]
    d["req_msg"][:2] = [1, 2]
    d["req_stage"][:2] = [5, 5]  # both lost when the connection broke
    after = step(model, model.layout.encode(d), "producer", "time out", (0,))
    assert after["queue"] == [2, 1, 3]
    assert after["status"] == [0, 0, 0] and after["req_msg"] == [0, 0, 0]


def test_an_epoch_bump_renumbers_the_unfinished_batches_from_zero():
    """TransactionManager.bumpIdempotentProducerEpoch and TxnPartitionEntry
    .startSequencesAtBeginning (3.7.0): the epoch goes up by one under the same producer id, and the
    batches not yet acknowledged get sequences 0, 1, ... in their old order; nothing acknowledged
    counts any more."""
    model = semcheck.build_model({}, messages=3, max_faults=1, faults=["broker-crash"])
    d = model.layout.decode(model.initial_states()[0])
    # m1 acked (seq 0); m2 (seq 1) just got OUT_OF_ORDER_SEQUENCE_NUMBER as the next sequence;
    # m3 (seq 2) in flight behind it
    d["status"] = [2, 1, 1]
    d["seq"] = [1, 2, 3]
    d["next_seq"] = 3
    d["req_msg"][:2] = [2, 3]
    d["req_stage"][:2] = [3, 0]
    d["req_seq"][:2] = [1, 2]
    after = step(model, model.layout.encode(d), "producer", "receive out of order sequence", (0,))
    assert after is not None
    assert after["epoch"] == 1 and after["pid"] == 0
    assert after["status"][1] == 0 and after["seq"] == [0, 1, 2] and after["next_seq"] == 2
    # the request still on the wire keeps the bytes it was sent with
    assert after["req_msg"][0] == 3 and after["req_seq"][0] == 2 and after["req_epoch"][0] == 0

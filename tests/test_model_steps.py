"""Single steps of the Kafka model on hand-built states: the parts of Kafka's behaviour that a whole
search only shows indirectly.  Each test cites the source the step follows."""

from __future__ import annotations

import pytest

import semcheck
from semcheck.model.dsl import ConcreteLeaves, NextState, StateView, apply_writes


def step(model, state: bytes, actor: str, name: str, params=None):
    """The successor of ``state`` by the named action (``params`` by name, as ``Action.args``), or
    None if it is not enabled."""
    for action in model.actions():
        if action.actor == actor and action.name == name and action.args == (params or {}):
            nxt = NextState(model.layout, ConcreteLeaves(state))
            if action.effect(StateView(model.layout, ConcreteLeaves(state)), nxt):
                return model.layout.decode(apply_writes(state, nxt.writes))
            return None
    raise AssertionError(f"no action {actor}: {name} {params}")


def walk(model, d=None, *moves):
    """The decoded state after ``moves`` ((actor, action, params) each, all of which must be
    enabled) from the decoded state ``d``, or from the initial state when ``d`` is None."""
    if d is None:
        d = model.layout.decode(model.initial_states()[0])
    for actor, name, params in moves:
        after = step(model, model.layout.encode(d), actor, name, params)
        assert after is not None, f"{actor}: {name} {params} is not enabled"
        d = after
    return d


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
    after = step(model, model.layout.encode(d), "broker 1", "restart", {"broker": 0})
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
    after = step(model, model.layout.encode(d), "producer", "time out", {"broker": 0})
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
    after = step(model, model.layout.encode(d), "producer", "receive out of order sequence", {"slot": 0})
    assert after is not None
    assert after["epoch"] == 1 and after["pid"] == 0
    assert after["status"][1] == 0 and after["seq"] == [0, 1, 2] and after["next_seq"] == 2
    # the request still on the wire keeps the bytes it was sent with
    assert after["req_msg"][0] == 3 and after["req_seq"][0] == 2 and after["req_epoch"][0] == 0


def _leader_log(model, d, records, leader=0):
    """Put ``records`` (message + 1, pid, epoch, seq) in the leader's log and the followers'."""
    for r in range(model.n_replicas):
        for k, (msg, pid, epoch, seq) in enumerate(records):
            d["log"][r][k], d["log_pid"][r][k], d["log_epoch"][r][k], d["log_seq"][r][k] = msg, pid, epoch, seq
        d["log_len"][r] = len(records)
    d["leader"] = leader


def test_a_retry_older_than_the_last_five_batches_is_out_of_order_not_a_duplicate():
    """ProducerStateEntry (3.7.0): NUM_BATCHES_TO_RETAIN = 5, and findDuplicateBatch matches only
    those; a retry of an older batch reaches checkSequence and gets OUT_OF_ORDER_SEQUENCE_NUMBER."""
    model = semcheck.build_model({"acks": "all"}, messages=6, max_faults=0, faults=[])
    d = model.layout.decode(model.initial_states()[0])
    _leader_log(model, d, [(m + 1, 0, 0, m) for m in range(6)])
    for seq, expected in ((0, "reject: out of order sequence"), (1, "dedupe")):
        d["req_msg"][0], d["req_stage"][0], d["req_seq"][0] = seq + 1, 0, seq
        d["status"][seq] = 1
        state = model.layout.encode(d)
        enabled = [name for name in ("dedupe", "reject: out of order sequence", "append")
                   if step(model, state, "leader", name, {"slot": 0}) is not None]
        assert enabled == [expected], (seq, enabled)
        d["status"][seq] = 0


def test_a_leader_without_state_for_the_producer_accepts_any_sequence():
    """ProducerAppendInfo.checkSequence (3.7.0): with no entry for the producer id (its batches
    were never replicated here, or were truncated away) any first sequence is accepted."""
    model = semcheck.build_model({}, messages=3, max_faults=0, faults=[])
    d = model.layout.decode(model.initial_states()[0])
    d["status"][2] = 1
    d["req_msg"][0], d["req_stage"][0], d["req_seq"][0] = 3, 0, 2  # m3 with sequence 2 first
    after = step(model, model.layout.encode(d), "leader", "append", {"slot": 0})
    assert after is not None and after["log"][0][0] == 3 and after["log_seq"][0][0] == 2
    # once the leader has the producer's state, a gap is out of order
    _leader_log(model, d, [(1, 0, 0, 0)])
    d["req_msg"][0], d["req_stage"][0], d["req_seq"][0] = 3, 0, 2
    assert step(model, model.layout.encode(d), "leader", "append", {"slot": 0}) is None
    assert step(model, model.layout.encode(d), "leader", "reject: out of order sequence", {"slot": 0}) is not None


def test_a_follower_rejoins_the_isr_at_the_high_watermark_and_the_epoch_start():
    """Partition.isFollowerInSync (3.7.0): followerEndOffset >= leaderLog.highWatermark and >=
    leaderEpochStartOffset; the follower need not have the leader's whole log."""
    model = semcheck.build_model({}, messages=3, max_faults=1, faults=["follower-lag"])
    d = model.layout.decode(model.initial_states()[0])
    _leader_log(model, d, [(1, 0, 0, 0), (2, 0, 0, 1), (3, 0, 0, 2)])
    d["log_len"][2] = 1  # broker 3 has m1 only, and is out of the ISR
    for k in (1, 2):
        d["log"][2][k] = d["log_seq"][2][k] = 0
    d["isr"][2] = 0
    d["log_len"][1] = 1  # so the high watermark (ISR {1, 2}) is 1
    for k in (1, 2):
        d["log"][1][k] = d["log_seq"][1][k] = 0
    d["epoch_start"] = 1
    assert step(model, model.layout.encode(d), "broker 3", "rejoin ISR", {"broker": 2}) is not None
    d["epoch_start"] = 2  # the leader's epoch began after broker 3's log end
    assert step(model, model.layout.encode(d), "broker 3", "rejoin ISR", {"broker": 2}) is None


def test_a_consumer_seeks_to_the_divergence_point_after_a_leader_change():
    """KIP-320, SubscriptionState.maybeCompleteValidation (3.7.0): if the end offset of the epoch
    of the last consumed record (OffsetsForLeaderEpoch) lies before the position, the consumer
    seeks to it, with auto.offset.reset set, rather than resetting to latest or earliest."""
    model = semcheck.build_model({"unclean.leader.election.enable": "true"}, messages=3, max_faults=1,
                                 faults=["broker-crash"])
    d = model.layout.decode(model.initial_states()[0])
    # the new leader (epoch 1) has m1 from epoch 0 and then m3 from its own epoch
    _leader_log(model, d, [(1, 0, 0, 0), (3, 0, 0, 2)], leader=1)
    for r in range(model.n_replicas):
        d["log_lepoch"][r][1] = 1
    d["leader_epoch"] = 1
    d["c_pos"], d["c_epoch"], d["c_pending"] = 2, 1, 1  # read offsets 0 and 1 in epoch 0
    after = step(model, model.layout.encode(d), "consumer", "validates its position")
    assert after["c_pos"] == 1 and after["c_pending"] == 0 and after["c_epoch"] == 1

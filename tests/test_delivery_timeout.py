"""delivery.timeout.ms (KIP-91): a send the producer cannot complete fails once the deadline passes.
Sources, apache/kafka clients/src/main/java/org/apache/kafka/clients/producer/internals at 3.7.0
(the same at 3.9.0 and trunk of 2024-10):

* ProducerBatch.hasReachedDeliveryTimeout: ``deliveryTimeoutMs <= now - createdMs``; createdMs is set
  when the batch is created and retries do not move it.
* Sender.sendProducerData: RecordAccumulator.expiredBatches (queued batches) and
  getExpiredInflightBatches (batches on the wire) fail with TimeoutException; the request on the wire
  is neither cancelled nor its connection closed, so the broker may still write it.
* Sender.completeBatch / failBatch: the answer to an expired batch completes nothing
  (``batch.complete`` and ``completeExceptionally`` return false; canRetry checks the deadline).
* ProducerConfig / KafkaProducer.configureDeliveryTimeout: default 120000 ms, and an explicit value
  below linger.ms + request.timeout.ms is a ConfigException (tests/test_config.py).
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck import HOLDS, VIOLATED
from semcheck.model.api import StatePredicate
from semcheck.model.kafka import KafkaModel
from semcheck.model.kafka_codes import ACKED, FAILED, QUEUED
from semcheck.properties import INVARIANT, Property

from test_model_steps import step, walk

UNDER_MIN_ISR = {"replication.factor": "2", "min.insync.replicas": "2"}

NEVER_TIMES_OUT = Property("deadline-never-passes", INVARIANT, "delivery.timeout.ms never passes",
                           lambda model: StatePredicate("the deadline has not passed", lambda s: s.deadline_passed == 0))


def test_a_request_on_the_wire_when_the_deadline_passes_may_still_be_written():
    """The follower leaves the ISR, so acks=all is refused; m1 is sent; the deadline passes and the
    application is told m1 failed, but its request is still on the wire.  The follower rejoins, the
    leader appends m1, and its answer changes nothing: failed but written."""
    model = semcheck.build_model(UNDER_MIN_ISR, messages=1, max_faults=1, faults=["follower-lag"])
    d = model.layout.decode(model.initial_states()[0])
    d = walk(model, d, ("broker 2", "stops fetching", {"broker": 1}), ("leader", "drops a follower that stopped fetching", {"broker": 1}), ("broker 2", "resumes fetching", {"broker": 1}), ("producer", "send", {"message": 0, "slot": 0}),
              ("producer", "delivery timeout", {}))
    assert d["status"] == [FAILED] and d["req_msg"][0] == 1 and d["deadline_passed"] == 1
    d = walk(model, d, ("broker 2", "rejoin ISR", {"broker": 1}), ("leader", "append", {"slot": 0}),
              ("broker 2", "fetch", {"broker": 1}), ("leader", "respond", {"slot": 0}),
              ("producer", "receive ok", {"slot": 0}))
    assert d["status"] == [FAILED] and d["log"][0][0] == 1 and d["req_msg"][0] == 0


def test_the_deadline_passes_only_while_the_producer_is_held_up():
    """With the ISR large enough and a leader up, nothing holds the producer up: the deadline step is
    not enabled; with the ISR below the min ISR (acks=all refused) it is, and it fails every
    unfinished batch, queued ones included (the accumulator's expiredBatches)."""
    model = semcheck.build_model(UNDER_MIN_ISR, messages=2, max_faults=1, faults=["follower-lag"])
    d = model.layout.decode(model.initial_states()[0])
    assert step(model, model.layout.encode(d), "producer", "delivery timeout", {}) is None
    d = walk(model, d, ("broker 2", "stops fetching", {"broker": 1}), ("leader", "drops a follower that stopped fetching", {"broker": 1}), ("broker 2", "resumes fetching", {"broker": 1}), ("producer", "delivery timeout", {}))
    assert d["status"] == [FAILED, FAILED]


def test_a_stuck_sequence_is_a_stall():
    """TransactionManager.canRetry (3.7.0): OUT_OF_ORDER_SEQUENCE_NUMBER for a batch that is not the
    next sequence is retried without an epoch bump, so a batch below an acknowledged sequence is
    retried until the deadline.  The model lets the deadline pass exactly there."""
    model = semcheck.build_model({}, messages=2, max_faults=1, faults=["network"])
    d = model.layout.decode(model.initial_states()[0])
    d["status"], d["seq"], d["next_seq"] = [QUEUED, ACKED], [1, 2], 2
    assert step(model, model.layout.encode(d), "producer", "delivery timeout", {})["status"] == [FAILED, ACKED]
    d["status"], d["seq"], d["next_seq"] = [QUEUED, QUEUED], [1, 0], 1
    assert step(model, model.layout.encode(d), "producer", "delivery timeout", {}) is None


def test_a_restarted_producer_has_a_new_deadline():
    """A new producer instance creates new batches (new createdMs)."""
    model = semcheck.build_model(UNDER_MIN_ISR, messages=1, max_faults=2, faults=["follower-lag", "producer-crash"])
    d = model.layout.decode(model.initial_states()[0])
    d = walk(model, d, ("broker 2", "stops fetching", {"broker": 1}), ("leader", "drops a follower that stopped fetching", {"broker": 1}), ("broker 2", "resumes fetching", {"broker": 1}), ("producer", "delivery timeout", {}),
              ("producer", "crashes and restarts", {}))
    assert d["deadline_passed"] == 0 and d["status"] == [QUEUED]


@pytest.mark.parametrize("settings,faults,verdict", [
    ({}, ["network"], HOLDS),  # a broken connection costs request.timeout.ms, then the client reconnects
    ({}, ["broker-crash", "follower-lag"], HOLDS),  # another ISR member takes over within seconds
    (UNDER_MIN_ISR, ["follower-lag"], VIOLATED),  # acks=all refused until the follower is back
    ({"replication.factor": "1"}, ["broker-crash"], VIOLATED),  # offline until the broker restarts
])
def test_which_outages_can_outlast_the_deadline(settings, faults, verdict):
    r = semcheck.verify(settings, messages=1, max_faults=2, faults=faults, properties=[NEVER_TIMES_OUT])
    assert r.verdict("deadline-never-passes") == verdict


def test_the_transactional_producer_times_out_too():
    """TransactionManager.handleFailedBatch (3.7.0): an expired batch of a transactional producer
    is an abortable error; the application aborts.  With delivery.timeout.ms=2147483647 nothing
    expires."""
    model = semcheck.build_model({"transactional.id": "t"}, messages=1, max_faults=1, faults=["follower-lag"])
    assert model.delivery_timeout and model.deadline_may_pass
    never = semcheck.build_model({"transactional.id": "t", "delivery.timeout.ms": "2147483647"},
                                 messages=1, max_faults=1, faults=["follower-lag"])
    assert not never.delivery_timeout


class DeadlineAlwaysModelled(KafkaModel):
    """The model with the delivery timeout's step whatever the faults (it leaves it out where it
    judges no fault can hold the producer up)."""

    def deadline_can_pass(self):
        return True


@pytest.mark.parametrize("settings,faults", [
    ({}, ["producer-crash", "consumer-crash"]),
    ({"acks": "1", "enable.idempotence": "false"}, ["producer-crash", "consumer-crash"]),
    ({"min.insync.replicas": "3"}, []),
    ({"replication.factor": "1", "min.insync.replicas": "2"}, []),  # 3.7+ caps the min ISR at 1
])
def test_where_the_model_leaves_the_deadline_out_it_could_never_pass(settings, faults):
    model = semcheck.build_model(settings, messages=2, max_faults=2, faults=faults)
    assert not model.deadline_may_pass
    r = semcheck.verify(settings, messages=2, max_faults=2, faults=faults, variant=DeadlineAlwaysModelled,
                        properties=[NEVER_TIMES_OUT])
    assert r.verdict("deadline-never-passes") == HOLDS


@pytest.mark.parametrize("settings,faults,max_faults,verdict", [
    ({"delivery.timeout.ms": "30000"}, ["network"], 1, VIOLATED),  # one request timeout is the deadline
    ({"delivery.timeout.ms": "60000"}, ["network"], 1, HOLDS),  # two are needed
    ({"delivery.timeout.ms": "60000"}, ["network"], 2, VIOLATED),
    ({"delivery.timeout.ms": "30000"}, ["power-loss"], 1, VIOLATED),  # a silent broker: the same wait
    ({}, ["network"], 3, HOLDS),  # 120 s: four request timeouts, more than three faults give
])
def test_request_timeouts_add_up_to_the_deadline(settings, faults, max_faults, verdict):
    """Sender.sendProducerData fails an in-flight batch at its deadline even while its request waits
    for request.timeout.ms (getExpiredInflightBatches), so silent waits of 30 s each add up."""
    # the Java client 3.x: linger.ms=0, so 30000 is the smallest explicit delivery.timeout.ms (4.0+: 30005)
    r = semcheck.verify(settings, messages=1, max_faults=max_faults, faults=faults, properties=[NEVER_TIMES_OUT],
                        client_version="3.9.1")
    assert r.verdict("deadline-never-passes") == verdict


def test_the_longest_delivery_timeout_is_never():
    """Kafka Connect sets delivery.timeout.ms=Integer.MAX_VALUE for its source producers (Worker.java):
    retry for ever.  A follower out of the ISR then only delays m1 until it is back (fairness: it
    keeps fetching), where the default 120 s fails the send."""
    never = {**UNDER_MIN_ISR, "delivery.timeout.ms": "2147483647"}
    model = semcheck.build_model(never, messages=1, max_faults=1, faults=["follower-lag"])
    assert not model.delivery_timeout and "deadline_passed" not in model.layout.fields
    r = semcheck.verify(never, messages=1, max_faults=1, faults=["follower-lag"])
    assert r.verdict("no-loss") == HOLDS
    assert any("read as never" in a.text for a in r.assumptions_of("no-loss"))
    default = semcheck.verify(UNDER_MIN_ISR, messages=1, max_faults=1, faults=["follower-lag"])
    assert default.verdict("no-loss") == VIOLATED


def test_a_broker_in_controlled_shutdown_stops_fetching():
    """ReplicaManager.applyLocalFollowersDelta stops the fetchers of a broker in controlled shutdown
    for the partitions whose ISR it has left."""
    model = semcheck.build_model(UNDER_MIN_ISR, messages=1, max_faults=1, faults=["controlled-shutdown"])
    d = walk(model, None, ("producer", "send", {"message": 0, "slot": 0}), ("leader", "append", {"slot": 0}),
             ("broker 2", "begins a controlled shutdown", {"broker": 1}))
    assert step(model, model.layout.encode(d), "broker 2", "fetch", {"broker": 1}) is None

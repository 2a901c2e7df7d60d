"""The transactional producer's two timeouts, and the leader's verification of transactional writes.
Sources, apache/kafka at 3.7.0 (the same at 3.9.0 and trunk of 2024-10; docs/audits/producer-timeouts.md):

* TransactionManager.handleFailedBatch: an expired batch (delivery.timeout.ms) of a transactional
  producer is an abortable error; the application aborts the transaction.
* TransactionStateManager.timedOutTransactions / TransactionCoordinator.abortTimedOutTransactions:
  a transaction ongoing longer than transaction.timeout.ms (60 s) is aborted with a bumped epoch
  (prepareFenceProducerEpoch), checked every 10 s; the producer's EndTxn then gets PRODUCER_FENCED.
* ReplicaManager.appendRecords and TransactionCoordinator.handleVerifyPartitionsInTransaction
  (KIP-890 part 1, transaction.partition.verification.enable, true by default since 3.6.0): a
  transactional write to a partition with no ongoing transaction of the producer is appended only
  if the coordinator has the partition in an ongoing transaction of that epoch.
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck import HOLDS, VIOLATED
from semcheck.model.kafka import KafkaModel
from semcheck.model.kafka_codes import ABORTING, FAILED, ONGOING

from test_model_steps import step, walk
from test_truth_table import index_of, steps

UNDER_MIN_ISR = {"transactional.id": "t", "replication.factor": "2", "min.insync.replicas": "2"}
DEADLINE_FIRST = {**UNDER_MIN_ISR, "transaction.timeout.ms": "900000"}  # the coordinator's maximum
ALL_FOUR = ("no-loss", "no-acked-loss", "no-duplicate", "in-order")


def enabled(model, d, actor, name, params=None) -> bool:
    return step(model, model.layout.encode(d), actor, name, params) is not None


def test_an_expired_request_joins_the_ongoing_transaction_or_is_rejected_once_it_is_aborted():
    """The follower leaves the ISR (acks=all refused), m1 is sent, delivery.timeout.ms passes: the
    application is told m1 failed while its request is still on the wire.  While the transaction
    is ongoing the leader may append it; once the application has aborted, the partition has no
    ongoing transaction of the producer and the coordinator's has ended, so the verification
    rejects it (no hanging transaction)."""
    model = semcheck.build_model(DEADLINE_FIRST, messages=1, max_faults=1, faults=["follower-lag"])
    assert not model.transaction_timeout  # 900 s is past the 120 s delivery timeout
    d = walk(model, None, ("broker 2", "stops fetching", {"broker": 1}), ("leader", "drops a follower that stopped fetching", {"broker": 1}), ("broker 2", "resumes fetching", {"broker": 1}), ("producer", "send", {"message": 0, "slot": 0}),
             ("producer", "delivery timeout", {}), ("broker 2", "rejoin ISR", {"broker": 1}))
    assert d["status"] == [FAILED] and d["req_msg"][0] == 1 and d["txn"] == ONGOING
    assert enabled(model, d, "leader", "append", {"slot": 0})
    assert not enabled(model, d, "leader", "reject: not in the transaction", {"slot": 0})
    d = walk(model, d, ("producer", "abort transaction", {}))
    assert d["txn"] == ABORTING
    assert not enabled(model, d, "leader", "append", {"slot": 0})
    d = walk(model, d, ("leader", "reject: not in the transaction", {"slot": 0}),
             ("producer", "receive invalid epoch", {"slot": 0}))
    assert d["log"][0] == [0] * model.capacity and d["status"] == [FAILED] and d["req_msg"][0] == 0


def test_with_the_defaults_the_coordinator_times_the_transaction_out_before_the_batches_expire():
    """60 s + the 10 s check < 120 s: while the producer is held up, the coordinator's timeout comes
    first; it bumps the coordinator's epoch, and the ABORT marker carries it.  Only then can the
    batches expire.  A restart afterwards starts one epoch past the coordinator's."""
    model = semcheck.build_model(UNDER_MIN_ISR, messages=1, max_faults=2, faults=["follower-lag", "producer-crash"])
    assert model.transaction_timeout
    d = walk(model, None, ("broker 2", "stops fetching", {"broker": 1}), ("leader", "drops a follower that stopped fetching", {"broker": 1}), ("broker 2", "resumes fetching", {"broker": 1}), ("producer", "send", {"message": 0, "slot": 0}))
    assert not enabled(model, d, "producer", "delivery timeout")
    d = walk(model, d, ("coordinator", "transaction timeout", {}))
    assert d["txn"] == ABORTING and d["coordinator_ahead"] == 1 and d["epoch"] == 0
    assert enabled(model, d, "producer", "delivery timeout")
    marker = walk(model, d, ("broker 2", "rejoin ISR", {"broker": 1}), ("coordinator", "write marker", {}))
    assert marker["log"][0][0] == model.abort_marker and marker["log_epoch"][0][0] == 1
    # the fenced instance's request meets the coordinator's newer epoch, before the marker too
    assert enabled(model, walk(model, d, ("broker 2", "rejoin ISR", {"broker": 1})),
                   "leader", "reject: not in the transaction", {"slot": 0})
    restarted = walk(model, d, ("producer", "crashes and restarts", {}))
    assert restarted["epoch"] == 2 and restarted["coordinator_ahead"] == 0


def test_a_transaction_timeout_later_than_the_delivery_timeout_never_comes_first():
    model = semcheck.build_model(DEADLINE_FIRST, messages=1, max_faults=1, faults=["follower-lag"])
    assert not any(a.name == "transaction timeout" for a in model.actions())
    d = walk(model, None, ("broker 2", "stops fetching", {"broker": 1}), ("leader", "drops a follower that stopped fetching", {"broker": 1}), ("broker 2", "resumes fetching", {"broker": 1}), ("producer", "delivery timeout", {}),
             ("producer", "abort transaction", {}))
    assert d["txn"] == ABORTING


@pytest.mark.parametrize("settings,step_name", [
    (UNDER_MIN_ISR, "transaction.timeout.ms"),
    (DEADLINE_FIRST, "delivery.timeout.ms"),
])
def test_an_outage_that_outlasts_the_timeouts_aborts_the_transaction_and_the_application_gives_up(settings,
                                                                                               step_name):
    """RF 2, min ISR 2, the follower out of the ISR: every write is refused until it returns.  The
    transaction ends aborted (by the coordinator, or by the application after the expiry) and the
    application gives up: no-loss is violated at the log layer; nothing acknowledged is lost, nothing
    is duplicated or reordered."""
    r = semcheck.verify({**settings, "isolation.level": "read_committed"}, messages=2, max_faults=1,
                        faults=["follower-lag"])
    assert r.stats.complete
    assert r.verdict("no-loss") == VIOLATED
    for prop in ALL_FOUR[1:]:
        assert r.verdict(prop) == HOLDS, prop
    trace = steps(r, "no-loss")
    lag = index_of(trace, fault="follower-lag")
    timeout = index_of(trace, contains=step_name, after=lag)
    abort = index_of(trace, actor="coordinator", contains="writes the ABORT marker", after=timeout)
    assert lag and timeout and abort


class TimeoutsAlwaysModelled(KafkaModel):
    """The model with both timeouts' steps whatever the faults (it leaves them out where it judges
    nothing can hold the producer up)."""

    def can_stall(self):
        return True


@pytest.mark.parametrize("faults,max_faults", [(["producer-crash", "consumer-crash"], 2), (["producer-zombie"], 1)])
def test_where_the_model_leaves_the_timeouts_out_they_could_never_pass(faults, max_faults):
    settings = {"transactional.id": "t", "isolation.level": "read_committed"}
    plain = semcheck.build_model(settings, messages=2, max_faults=max_faults, faults=faults)
    assert not plain.transaction_timeout and not plain.deadline_may_pass
    r = semcheck.verify(settings, messages=2, max_faults=max_faults, faults=faults)
    kept = semcheck.verify(settings, messages=2, max_faults=max_faults, faults=faults, variant=TimeoutsAlwaysModelled)
    assert r.stats.complete and kept.stats.complete
    assert r.stats.states == kept.stats.states
    for prop in ALL_FOUR:
        assert r.verdict(prop) == kept.verdict(prop), prop


def test_every_holds_names_the_transaction_assumptions():
    r = semcheck.verify({"transactional.id": "t", "isolation.level": "read_committed"}, messages=1,
                        max_faults=1, faults=["follower-lag"])
    texts = {a.id: a.text for a in r.assumptions_of("no-duplicate")}
    assert texts["transaction-timeout"].startswith("transaction.timeout.ms passes only while the producer is held up")
    assert "gives up" in texts["after-abort"]
    late = semcheck.verify({**DEADLINE_FIRST, "isolation.level": "read_committed"}, messages=1, max_faults=1,
                           faults=["follower-lag"])
    assert "the coordinator is taken never to time the transaction out" in \
        {a.id: a.text for a in late.assumptions_of("no-duplicate")}["transaction-timeout"]


def test_within_the_coordinators_check_interval_either_timeout_may_come_first():
    """transaction.timeout.ms 110 s, delivery.timeout.ms 120 s: the coordinator checks every 10 s,
    so it may abort the transaction before the batches expire, or after."""
    settings = {**UNDER_MIN_ISR, "transaction.timeout.ms": "110000"}
    model = semcheck.build_model(settings, messages=1, max_faults=1, faults=["follower-lag"])
    d = walk(model, None, ("broker 2", "stops fetching", {"broker": 1}), ("leader", "drops a follower that stopped fetching", {"broker": 1}), ("broker 2", "resumes fetching", {"broker": 1}), ("producer", "send", {"message": 0, "slot": 0}))
    assert enabled(model, d, "coordinator", "transaction timeout") and enabled(model, d, "producer", "delivery timeout")

"""The real librdkafka client (confluent-kafka) against librdkafka's mock cluster, one fault each.

These tests pin what the real client does, so that semcheck's ``client="librdkafka"`` model can be
checked against it.  The scenarios live in real_client_scenarios.py, the ctypes bindings to the
mock in librdkafka_mock.py; docs/spikes/librdkafka_mock/README.md says what the mock can and
cannot show.  Source citations are to confluentinc/librdkafka at 4c3b017 (master after v2.15.0;
the wheel bundles 2.16.0).

Each test has its own mock cluster (ephemeral ports, unique topic and group names), so the file
runs under xdist.  No test waits by sleeping; the longest waits are librdkafka's own request
timeout check (once a second) and the 1 s answers the mock holds back.
"""

from __future__ import annotations

import confluent_kafka

import librdkafka_mock as mock
import real_client_scenarios as scenarios
import semcheck
from real_client_scenarios import Delivery
from semcheck.checker.result import HOLDS, VIOLATED


def semcheck_says(settings: dict, prop: str, *, faults: list[str], messages: int, max_faults: int = 1,
                  **kw):
    """semcheck's verdict and counterexample (its steps' sentences) for the same configuration on
    ``--client librdkafka``: each test below asserts that the real client does what this says."""
    r = semcheck.verify(settings, client="librdkafka", faults=faults, messages=messages, max_faults=max_faults,
                        properties=[prop], **kw)
    trace = r[prop].trace
    return r.verdict(prop), [st.action for st in trace.steps] if trace else []


def test_the_bundled_librdkafka_is_the_one_the_mock_bindings_reach():
    """librdkafka_mock resolves the mock API through confluent_kafka.cimpl's own handle, so it
    drives the library the clients run on."""
    assert mock.library_version() == confluent_kafka.libversion()[0]


def test_mock_bindings_inject_errors_and_move_the_leader():
    """The fault controls of librdkafka_mock act on the real client: two cluster-wide
    NOT_ENOUGH_REPLICAS reject m1 twice before it is written; after the leader moves to broker 2
    and broker 1 goes down, m2 is produced to broker 2."""
    with mock.MockCluster() as cluster:
        topic = scenarios.unique("bindings")
        cluster.create_topic(topic, leader=1)
        cluster.start_request_tracking()
        producer = scenarios.RecordingProducer(cluster, **{"enable.idempotence": False,
                                                           "retries": 5})
        try:
            cluster.push_request_errors(mock.PRODUCE, mock.NOT_ENOUGH_REPLICAS,
                                        mock.NOT_ENOUGH_REPLICAS)
            producer.send(topic, "m1")
            producer.flush()
            cluster.partition_set_leader(topic, 0, 2)
            cluster.broker_set_down(1)
            producer.send(topic, "m2")
            producer.flush()
            cluster.broker_set_up(1)
        finally:
            producer.client.close()
        assert producer.reports == [Delivery("m1", None), Delivery("m2", None)]
        assert [r.broker_id for r in cluster.requests(mock.PRODUCE)] == [1, 1, 1, 2]
        assert scenarios.read_log(cluster, topic) == ["m1", "m2"]


# --- producer -----------------------------------------------------------------------------------

def test_late_ack_without_idempotence_writes_the_record_twice():
    """Scenario 1: idempotence off, acks=all, retries=5; the broker appends m1 but answers after
    the client's request timeout.  m1 is in the log twice; the client reports one success.

    The timeout of a ProduceRequest is min(socket.timeout.ms, remaining message.timeout.ms)
    (CONFIGURATION.md:25 socket.timeout.ms; rdkafka_buf.c:371-377); request.timeout.ms is only the
    broker-side ack timeout (CONFIGURATION.md:191).  A timed-out request closes the connection
    (socket.max.fails=1, CONFIGURATION.md:31; rdkafka_broker.c:1045-1080) and __TIMED_OUT is
    "Retry, MsgPossiblyPersisted" (rdkafka_request.c:4507-4509): the record is sent again.
    """
    obs = scenarios.duplicate_through_late_ack()
    assert obs.log == ["m1", "m1"]
    assert obs.reports == [Delivery("m1", None)]
    first, retry = obs.produce_requests_ms
    assert retry >= 0.9 * scenarios.DUPLICATE_SETTINGS["socket.timeout.ms"]  # after the timeout
    assert obs.faults_left == 0
    # semcheck: the same producer, one network fault (the answer is lost after the append)
    verdict, steps = semcheck_says({"enable.idempotence": "false", "retries": "5"}, "no-duplicate",
                                   faults=["network"], messages=1)
    assert verdict == VIOLATED
    assert any("socket.timeout.ms expires" in st for st in steps)


def test_retry_with_two_in_flight_reorders():
    """Scenario 2: idempotence off, max.in.flight=5, retries=5.  m1's request is rejected with
    NOT_ENOUGH_REPLICAS (not appended) while m2's request is in flight and accepted; m1 is retried
    and lands after m2.

    Retried records go back to the partition queue with a retry.backoff.ms backoff
    (rdkafka_request.c:4653-4662; INTRODUCTION.md:452-461, "Producer retries"); a later request
    already in flight is not held back (INTRODUCTION.md:464-473, "Reordering").
    """
    obs = scenarios.retry_after_rejection(max_in_flight=5)
    assert obs.log == ["w0", "m2", "m1"]
    assert obs.reports == [Delivery("w0", None), Delivery("m2", None), Delivery("m1", None)]
    m1, m2, m1_retry = obs.produce_requests_ms
    assert m2 < scenarios.HOLD_MS <= m1_retry  # m2 went out while m1's answer was held back
    assert obs.faults_left == 0
    assert_semcheck_reorders_after_not_enough_replicas(max_in_flight=5)


def assert_semcheck_reorders_after_not_enough_replicas(max_in_flight: int):
    """semcheck, the same producer: a follower stops fetching and leaves the ISR (min.insync.replicas=2
    of 2), the leader rejects m1 NOT_ENOUGH_REPLICAS, the follower is back for m2; in-order breaks."""
    settings = {"enable.idempotence": "false", "retries": "5", "min.insync.replicas": "2",
                "replication.factor": "2", "max.in.flight.requests.per.connection": str(max_in_flight)}
    verdict, steps = semcheck_says(settings, "in-order", faults=["follower-lag"], messages=2)
    assert verdict == VIOLATED
    assert any("rejects m1: NOT_ENOUGH_REPLICAS" in st for st in steps)


def test_retry_with_one_in_flight_still_reorders():
    """Scenario 3: as scenario 2 with max.in.flight=1.  librdkafka 2.16 reorders here too: m2 is
    sent only after m1's answer (one request in flight), yet before m1's retry.

    max.in.flight is applied when a request is sent (rdkafka_broker.c:2778-2780, ``rd_kafka_send``
    stops at max_inflight requests awaiting answers), not when it is built: the producer builds
    the next ProduceRequest as soon as the output queue has room under
    queue.buffering.backpressure.threshold (rdkafka_broker.c:4127-4131 and 4192, 4423-4429).  So
    m2's request is built while m1 is in flight and waits in the output queue; m1's rejection
    puts m1 back on the partition queue with a backoff (rdkafka_request.c:4661), and the waiting
    request goes out first.  INTRODUCTION.md:464-473 names only max.in.flight > 1 as a reordering
    risk (confluentinc/librdkafka#1092, closed 2018, described this; #2004 reported it again).
    """
    obs = scenarios.retry_after_rejection(max_in_flight=1)
    assert obs.log == ["w0", "m2", "m1"]
    assert obs.reports == [Delivery("w0", None), Delivery("m2", None), Delivery("m1", None)]
    m1, m2, m1_retry = obs.produce_requests_ms
    assert scenarios.HOLD_MS <= m2 <= m1_retry  # one in flight: m2 waited for m1's answer
    assert obs.faults_left == 0
    assert_semcheck_reorders_after_not_enough_replicas(max_in_flight=1)


def test_acks0_reports_a_lost_record_as_delivered():
    """Scenario 4: acks=0, retries=5; the network loses m1's request (the mock closes the
    connection without appending).  The client reports m1 delivered; m1 is never in the log and
    is not sent again.

    With acks=0 the request is marked as expecting no answer (rdkafka_request.c:5093-5094) and
    its delivery report is issued when it has been written to the socket
    (rdkafka_broker.c:2928-2933); CONFIGURATION.md:189 "*0*=Broker does not send any
    response/ack to client".
    """
    obs = scenarios.lost_request_with_acks0()
    assert obs.reports == [Delivery("m1", None)]
    assert obs.log == []
    assert len(obs.produce_requests_ms) == 1  # it reached the broker; no retry
    assert obs.faults_left == 0
    # semcheck: acks=0 counts m1 as acknowledged once sent; a network fault loses it
    verdict, steps = semcheck_says({"acks": "0", "retries": "5"}, "no-acked-loss", faults=["network"], messages=1)
    assert verdict == VIOLATED
    assert any("acks=0, so the send counts as successful at once" in st for st in steps)


def test_transactional_producer_writes_a_late_acked_record_once():
    """Scenario 5a: scenario 1's fault on a transactional producer (idempotent): m1 is in the
    log once, although the client sent it twice.

    The retry carries the same producer id, epoch and sequence; the mock, like a broker, acks a
    sequence within the last five batches as a duplicate without appending it
    (rdkafka_mock.c:512-523 and 603-605).  The mock checks sequences only for requests with a
    TransactionalId (rdkafka_mock.c:491-492), hence the transactional producer; see the README
    for the idempotent producer without one.
    """
    obs = scenarios.duplicate_through_late_ack(transactional=True)
    assert obs.log == ["m1"]
    assert obs.reports == [Delivery("m1", None)]
    assert len(obs.produce_requests_ms) == 2  # sent twice, written once
    assert obs.faults_left == 0
    # semcheck: the same producer, one network fault: no duplicate
    verdict, _ = semcheck_says({"transactional.id": "t"}, "no-duplicate", faults=["network"], messages=1)
    assert verdict == HOLDS


def test_transactional_producer_aborts_rather_than_reorders():
    """Scenario 5b: scenario 2's fault on a transactional producer (max.in.flight=5), after a
    committed transaction with w0.  The leader rejects m1 (NOT_ENOUGH_REPLICAS) and then m2 with
    OUT_OF_ORDER_SEQUENCE_NUMBER; commit_transaction fails with an abortable error and m1, m2 are
    purged unwritten.  Aborting and sending them again writes them in order, once each.

    librdkafka treats OUT_OF_ORDER_SEQUENCE_NUMBER on a request behind a failed one as "skipped
    sequence numbers" and bumps the epoch (rdkafka_request.c:4200-4246), which for a
    transactional producer makes the transaction abortable.
    """
    obs = scenarios.transactional_retry_after_rejection()
    assert obs.commit_error == "OUT_OF_ORDER_SEQUENCE_NUMBER"
    assert obs.commit_error_requires_abort
    assert obs.reports == [Delivery("w0", None),
                           Delivery("m1", "_PURGE_QUEUE"), Delivery("m2", "_PURGE_QUEUE"),
                           Delivery("m1", None), Delivery("m2", None)]
    assert obs.log == ["w0", "m1", "m2"]
    assert obs.faults_left == 0
    # semcheck, the same producer and scenario 2's fault: the transaction may fail, but nothing is
    # written out of order or twice (semcheck's application gives up after the abort rather than
    # sending again: assumption after-abort)
    settings = {"transactional.id": "t", "min.insync.replicas": "2", "replication.factor": "2"}
    for prop in ("in-order", "no-duplicate"):
        verdict, _ = semcheck_says(settings, prop, faults=["follower-lag"], messages=2)
        assert verdict == HOLDS, prop
    # (the purge after OUT_OF_ORDER_SEQUENCE_NUMBER is pinned step by step in tests/test_clients.py)


def test_transactional_abort_reuses_a_sequence_and_a_committed_record_is_never_written():
    """Scenario 5c: m1 is appended but its answer is lost; the application aborts while m1 waits for
    its retry; librdkafka purges m1 and moves its sequence base back, so the next transaction's m1b
    gets m1's sequence number, is answered as a duplicate, and is committed without ever being
    written (docs/audits/librdkafka-producer-vs-model.md, 1.10 and A.1).

    The mock is read with read_uncommitted only: its read_committed does not hide the aborted m1
    (audit, 3), where a Kafka broker would.  The log holds m1 of the aborted transaction and no m1b,
    although m1b was reported delivered and its transaction committed.
    """
    obs = scenarios.sequence_reuse_after_abort()
    assert obs.reports == [Delivery("m1", "_PURGE_QUEUE"), Delivery("m1b", None)]
    assert obs.log == ["m1"]
    assert len(obs.produce_requests_ms) == 2  # m1 once, m1b once
    assert obs.faults_left == 0
    # semcheck: a network fault and the application's abort: an acknowledged message is not in the log
    verdict, steps = semcheck_says({"transactional.id": "t"}, "no-acked-loss", faults=["network", "app-abort"],
                                   messages=1, max_faults=2)
    assert verdict == VIOLATED
    assert any("moves its sequence base up by 1" in st for st in steps)
    assert any("a duplicate of one of the producer's last five batches" in st for st in steps)


def test_transactional_abort_purges_an_unsent_request_and_the_next_transaction_fails():
    """Scenario 5d: max.in.flight=1; m2's request waits built behind m1's when the application aborts.
    The purge fails m2 without giving its sequence number back, so the next transaction's m1b skips a
    sequence number: OUT_OF_ORDER_SEQUENCE_NUMBER above the next expected one, an abortable error, and
    the commit fails (found by the audit of semcheck's librdkafka transactional rules: before the
    model had built-but-unsent requests purged, it said no-loss holds here)."""
    obs = scenarios.unsent_request_purged_by_abort()
    assert obs.reports == [Delivery("w0", None), Delivery("m2", "_PURGE_QUEUE"), Delivery("m1", None),
                           Delivery("m1b", "_PURGE_QUEUE")]
    assert obs.commit_error == "OUT_OF_ORDER_SEQUENCE_NUMBER" and obs.commit_error_requires_abort
    assert obs.log == ["w0", "m1"]  # m1 in the aborted transaction; m2 and m1b never written
    assert obs.faults_left == 0
    # semcheck: the application's abort with m2's request unsent: the next transaction fails
    verdict, steps = semcheck_says({"transactional.id": "t", "max.in.flight": "1"}, "no-loss",
                                   faults=["app-abort"], messages=2)
    assert verdict == VIOLATED
    assert any("purges the request built but not yet sent (m2" in st for st in steps)
    assert any("OUT_OF_ORDER_SEQUENCE_NUMBER for m1" in st and "skipped sequence numbers" in st for st in steps)


# --- consumer -----------------------------------------------------------------------------------

def test_auto_commit_loses_a_record_handed_out_before_the_crash():
    """Scenario 6: enable.auto.commit=true with enable.auto.offset.store=true (both defaults).
    The consumer hands m1 to the application, the auto commit commits offset 1, the application
    crashes before processing m1; the restarted consumer starts at m2.  m1 is never processed.

    librdkafka stores offset + 1 when it hands a message to the application
    (rdkafka_op.c:1140-1156 ``rd_kafka_fetch_op_app_prepare``, rdkafka_offset.c:1549-1563;
    CONFIGURATION.md:140 "Automatically store offset of last message provided to application"),
    and the auto-commit timer commits the stored offsets (rdkafka_cgrp.c:552-557, 4776-4788;
    CONFIGURATION.md:138-139).
    """
    obs = scenarios.consumer_crash(scenarios.AUTO_STORE_SETTINGS,
                                   scenarios.CRASH_AFTER_AUTO_COMMIT)
    assert obs.before_crash == []
    assert obs.committed_at_crash == 1
    assert obs.after_restart == ["m2"]
    assert "m1" not in obs.processed
    # semcheck: the auto-commit comes between the poll and the processing, then the consumer crashes
    verdict, steps = semcheck_says({"auto.offset.reset": "earliest"}, "no-loss", faults=["consumer-crash"],
                                   messages=2)
    assert verdict == VIOLATED
    assert any("librdkafka stores offset 1 for the next auto-commit" in st for st in steps)
    assert any(st.startswith("auto-commits its position") for st in steps)


def test_commit_before_processing_loses_the_record_of_the_crash():
    """Scenario 6b: enable.auto.commit=false; the application commits m1 (synchronously) as soon as
    it has it, then crashes before processing it.  The restarted consumer starts at m2.

    commit(message) commits the message's offset + 1 (confluent-kafka ``Consumer.commit``); the
    restarted consumer starts from the committed offset (CONFIGURATION.md:138, "setting this to
    false does not prevent the consumer from fetching previously committed start offsets").
    """
    obs = scenarios.consumer_crash(scenarios.COMMIT_BEFORE_PROCESS_SETTINGS,
                                   scenarios.CRASH_AFTER_COMMIT)
    assert obs.before_crash == []
    assert obs.committed_at_crash == 1
    assert obs.after_restart == ["m2"]
    verdict, _ = semcheck_says({"auto.offset.reset": "earliest", "enable.auto.commit": "false"}, "no-loss",
                               faults=["consumer-crash"], messages=2, commit="before-process")
    assert verdict == VIOLATED


def test_store_after_processing_rereads_an_unprocessed_record():
    """Scenario 7a: enable.auto.offset.store=false, the application stores an offset only after
    processing, auto commit on.  The application crashes holding m1 unprocessed, after a commit of
    the stored offsets found nothing to commit; the restarted consumer reads m1 again.  Nothing is
    lost.

    With enable.auto.offset.store=false handing m1 over stores nothing (rdkafka_offset.c:1558),
    and a commit of the stored offsets -- commit() without offsets takes the same path, with
    set_offsets, as the auto-commit timer (rdkafka_cgrp.c:7473-7482 and 4786-4787) -- fails with
    _NO_OFFSET (rdkafka_cgrp.c:4654-4658).
    """
    obs = scenarios.consumer_crash(scenarios.STORE_AFTER_PROCESS_SETTINGS,
                                   scenarios.CRASH_BEFORE_PROCESSING)
    assert obs.notes == ["commit of stored offsets: _NO_OFFSET"]
    assert obs.before_crash == []
    assert obs.committed_at_crash is None
    assert obs.after_restart == ["m1", "m2"]
    verdict, _ = semcheck_says({"auto.offset.reset": "earliest", "enable.auto.offset.store": "false"}, "no-loss",
                               faults=["consumer-crash"], messages=2)
    assert verdict == HOLDS


def test_store_after_processing_duplicates_on_a_crash_before_the_commit():
    """Scenario 7b: as 7a, but the application processes m1 and stores its offset, then crashes
    before the next auto commit.  The restarted consumer reads m1 again: m1 is processed twice.

    Stored offsets reach the group only by a commit (CONFIGURATION.md:140, "The offset store is an
    in-memory store of the next offset to (auto-)commit"); the final commit on close
    (rdkafka_assignment.c:461-471) does not run when the process dies.
    """
    obs = scenarios.consumer_crash(scenarios.STORE_AFTER_PROCESS_SETTINGS,
                                   scenarios.CRASH_AFTER_STORE)
    assert obs.before_crash == ["m1"]
    assert obs.committed_at_crash is None
    assert obs.after_restart == ["m1", "m2"]
    assert obs.processed.count("m1") == 2
    verdict, _ = semcheck_says({"auto.offset.reset": "earliest", "enable.auto.offset.store": "false"},
                               "no-duplicate", faults=["consumer-crash"], messages=2)
    assert verdict == VIOLATED

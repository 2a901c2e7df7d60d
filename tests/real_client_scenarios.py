"""Scenarios that run the real librdkafka client against a private mock cluster and observe it.

Each public function starts a fresh :class:`~librdkafka_mock.MockCluster`, drives the
confluent-kafka ``Producer`` / ``Consumer`` (librdkafka inside) through one fault, and returns what
could be observed from outside: the records in the partition in offset order, the delivery
reports, the ProduceRequests the mock broker received, and for consumer scenarios which records the
"application" processed before and after a crash.  test_real_client.py asserts on them.

Producer settings common to every scenario (:data:`ONE_RECORD_PER_REQUEST`): ``linger.ms=0`` so
that a record is sent as soon as the broker thread sees it, and ``batch.num.messages=1`` so that a
MessageSet -- and, with one partition, a ProduceRequest -- carries one record
(CONFIGURATION.md, ``batch.num.messages``: "Maximum number of messages batched in one
MessageSet").  A fault injected on "the next ProduceRequest" then hits exactly one record.

Nothing here waits by sleeping: every wait is :func:`wait_until` on something observable (a
request the mock received, an offset the group coordinator holds), bounded, and failing loudly.

The consumer crash runs the first consumer in a child process (this file run as a script) that
ends with ``os._exit``: no ``close()``, so no final commit (closing commits the stored offsets
when auto commit is on, rdkafka_assignment.c:461-471), no destructor, the sockets just drop.
The restarted consumer runs in this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field

from confluent_kafka import (OFFSET_INVALID, Consumer, KafkaError, KafkaException, Producer,
                             TopicPartition)

import librdkafka_mock as mock

#: Every scenario's producer: one record per ProduceRequest (module docstring).
ONE_RECORD_PER_REQUEST = {"linger.ms": 0, "batch.num.messages": 1}

#: Every client: librdkafka logs errors only (a failing test shows them in its captured stderr),
#: and no KIP-714 telemetry: its requests share the broker connection and its output queue, and
#: one waiting there keeps librdkafka from building the next ProduceRequest (scenario 3).
QUIET = {"log_level": 3, "enable.metrics.push": False}

#: How long a held answer is held in the reordering scenarios: long enough that the second
#: record's request is certainly built (and, with room in flight, sent) meanwhile.
HOLD_MS = 1000

#: An upper bound for every wait; reached only when the behaviour under test changed.
WAIT_S = 20.0

LEADER = 1
PARTITION = 0


def unique(prefix: str) -> str:
    """A topic / group / transactional id no other test uses (the suite runs under xdist)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def wait_until(condition, what: str, timeout: float = WAIT_S, interval: float = 0.01):
    """Poll ``condition()`` until it returns something truthy and return that; raise
    ``TimeoutError`` naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# --- observations -------------------------------------------------------------------------------

@dataclass
class Delivery:
    """One delivery report: the record's value and the error it was reported with (None: the
    client reported success)."""

    value: str
    error: str | None


@dataclass
class ProduceObservation:
    """What a producer scenario shows."""

    #: the values in the partition in offset order, as a read_uncommitted consumer reads them
    log: list[str]
    #: the delivery reports, in the order the client issued them
    reports: list[Delivery]
    #: arrival times of the ProduceRequests at the mock brokers, in ms after the first one
    produce_requests_ms: list[float]
    #: injected faults no request used up (0: every fault hit a request)
    faults_left: int
    #: transactional scenarios: the error the first commit_transaction raised, if any
    commit_error: str | None = None
    commit_error_requires_abort: bool = False


@dataclass
class ConsumeObservation:
    """What a consumer crash scenario shows."""

    #: values the application processed before the crash, in order
    before_crash: list[str]
    #: the group's committed offset for the partition when the crash happened (None: none)
    committed_at_crash: int | None
    #: values the restarted application processed
    after_restart: list[str]
    #: diagnostic notes from the crashed process (e.g. what a commit returned)
    notes: list[str] = field(default_factory=list)

    @property
    def processed(self) -> list[str]:
        return self.before_crash + self.after_restart


# --- building blocks ----------------------------------------------------------------------------

class RecordingProducer:
    """A confluent-kafka Producer on ``cluster`` that keeps its delivery reports."""

    def __init__(self, cluster: mock.MockCluster, **settings):
        conf = {"bootstrap.servers": cluster.bootstraps, **QUIET, **ONE_RECORD_PER_REQUEST}
        conf.update(settings)
        self._stats: dict = {}
        if "statistics.interval.ms" in conf:
            conf["stats_cb"] = lambda raw: self._stats.update(json.loads(raw))
        self.client = Producer(conf)
        self.reports: list[Delivery] = []

    def leader_stats(self) -> dict:
        """Serve the client's callbacks once and return the leader's broker statistics from the last
        statistics event (``statistics.interval.ms`` must be set), or {} before the first."""
        self.client.poll(0.05)
        for broker in self._stats.get("brokers", {}).values():
            if broker.get("nodeid") == LEADER:
                return broker
        return {}

    def _on_delivery(self, err, msg) -> None:
        self.reports.append(Delivery(msg.value().decode(), err.name() if err else None))

    def send(self, topic: str, *values: str) -> None:
        for v in values:
            self.client.produce(topic, v.encode(), partition=PARTITION,
                                on_delivery=self._on_delivery)

    def flush(self) -> None:
        left = self.client.flush(WAIT_S)
        if left:
            raise TimeoutError(f"{left} record(s) still undelivered after {WAIT_S:g} s")


def read_log(cluster: mock.MockCluster, topic: str,
             isolation_level: str = "read_uncommitted") -> list[str]:
    """The values in ``topic`` [0] in offset order, read from offset 0 until the consumer reports
    the end of the partition (``enable.partition.eof``: an event when the fetch position reaches
    the high watermark), so the whole log at call time is read, without a timeout as the stop."""
    consumer = Consumer({"bootstrap.servers": cluster.bootstraps, **QUIET,
                         "group.id": unique("reader"), "enable.auto.commit": False,
                         "enable.partition.eof": True, "isolation.level": isolation_level})
    try:
        consumer.assign([TopicPartition(topic, PARTITION, 0)])
        return _read_to_end(consumer)
    finally:
        consumer.close()


def _read_to_end(consumer: Consumer) -> list[str]:
    values = []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        msg = consumer.poll(0.1)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                return values
            raise KafkaException(msg.error())
        values.append(msg.value().decode())
    raise TimeoutError("no end-of-partition event")


def _produce_times_ms(cluster: mock.MockCluster) -> list[float]:
    reqs = cluster.requests(mock.PRODUCE)
    if not reqs:
        return []
    t0 = reqs[0].timestamp_us
    return [round((r.timestamp_us - t0) / 1000.0, 1) for r in reqs]


def _observe(cluster, topic, reports, **extra) -> ProduceObservation:
    return ProduceObservation(log=read_log(cluster, topic), reports=list(reports),
                              produce_requests_ms=_produce_times_ms(cluster),
                              faults_left=cluster.broker_error_stack_cnt(LEADER, mock.PRODUCE),
                              **extra)


# --- producer scenarios -------------------------------------------------------------------------

#: Scenario 1's producer besides ONE_RECORD_PER_REQUEST.  socket.timeout.ms bounds each
#: ProduceRequest (with the remaining message.timeout.ms), request.timeout.ms does not: it is the
#: broker-side ack timeout sent in the request (CONFIGURATION.md).
DUPLICATE_SETTINGS = {"enable.idempotence": False, "acks": "all", "retries": 5,
                      "socket.timeout.ms": 1000, "message.timeout.ms": 30000}

#: How long the mock holds the answer to the first ProduceRequest in scenario 1: far beyond the
#: client's 1 s request timeout (checked once a second), and beyond the test, since the client
#: closes the connection on the timeout and the held answer is dropped with it.
DUPLICATE_HOLD_MS = 60000


def duplicate_through_late_ack(transactional: bool = False) -> ProduceObservation:
    """Scenarios 1 and 5a: the broker appends m1 but its answer comes after the client's request
    timeout; the client retries m1.

    The mock handles the first ProduceRequest at once (appends m1) and holds the answer
    :data:`DUPLICATE_HOLD_MS`.  librdkafka times the request out after socket.timeout.ms=1000,
    closes the connection (``socket.max.fails=1``) and sends m1 again.

    ``transactional=False``: idempotence off, so the retry is a new append.
    ``transactional=True``: the producer has a transactional.id (idempotent, sequence numbers);
    the mock validates sequences for transactional producers (``rd_kafka_mock_validate_records``)
    and acknowledges the retry as a duplicate without appending it, as a broker does.
    """
    topic = unique("dup")
    with mock.MockCluster() as cluster:
        cluster.create_topic(topic, leader=LEADER)
        cluster.start_request_tracking()
        cluster.broker_push_request_error_rtts(LEADER, mock.PRODUCE,
                                               (mock.NO_ERROR, DUPLICATE_HOLD_MS))
        settings = dict(DUPLICATE_SETTINGS)
        if transactional:
            del settings["enable.idempotence"]
            settings["transactional.id"] = unique("tx")
        producer = RecordingProducer(cluster, **settings)
        try:
            if transactional:
                producer.client.init_transactions(WAIT_S)
                producer.client.begin_transaction()
            producer.send(topic, "m1")
            producer.flush()
            if transactional:
                producer.client.commit_transaction(WAIT_S)
        finally:
            producer.client.close()
        return _observe(cluster, topic, producer.reports)


#: Scenarios 2 and 3's producer besides ONE_RECORD_PER_REQUEST and max.in.flight.
REORDER_SETTINGS = {"enable.idempotence": False, "acks": "all", "retries": 5}


def retry_after_rejection(max_in_flight: int) -> ProduceObservation:
    """Scenarios 2 and 3: m1's ProduceRequest is rejected with a retriable error while m2 is
    produced; m1 is retried.

    A warm-up record w0 goes first, so the leader's connection is up with nothing queued.  The
    leader answers the first ProduceRequest with NOT_ENOUGH_REPLICAS (retriable, the record
    not persisted: the mock does not append on an injected error) after :data:`HOLD_MS`.  m2 is
    produced once the mock has received m1's request, so m2 comes while m1 is in flight:

    * ``max_in_flight >= 2``: m2's request is sent and appended during the hold;
    * ``max_in_flight == 1``: m2's request is built at once but waits in the connection's output
      queue (librdkafka builds requests up to queue.buffering.backpressure.threshold and applies
      max.in.flight when sending), and goes out as soon as m1's answer has come in; m1 itself
      was put back on the partition queue with retry.backoff.ms.  Either way m2 is appended
      before m1's retry.
    """
    topic = unique("order")
    with mock.MockCluster() as cluster:
        cluster.create_topic(topic, leader=LEADER)
        producer = RecordingProducer(
            cluster, **REORDER_SETTINGS, **{"max.in.flight.requests.per.connection": max_in_flight})
        try:
            producer.send(topic, "w0")  # the connection to the leader is up and idle
            producer.flush()
            cluster.start_request_tracking()
            cluster.broker_push_request_error_rtts(LEADER, mock.PRODUCE,
                                                   (mock.NOT_ENOUGH_REPLICAS, HOLD_MS))
            producer.send(topic, "m1")
            wait_until(lambda: cluster.requests(mock.PRODUCE), "m1's ProduceRequest at the mock")
            producer.send(topic, "m2")
            producer.flush()
        finally:
            producer.client.close()
        return _observe(cluster, topic, producer.reports)


def _committed_w0(producer: RecordingProducer, topic: str) -> None:
    """A first transaction writes w0 and commits, so that the mock, like a broker holding the
    producer's state, expects the producer's next sequence (the mock requires a producer's first
    sequence to be 0; a broker with no state for it may accept another)."""
    producer.client.init_transactions(WAIT_S)
    producer.client.begin_transaction()
    producer.send(topic, "w0")
    producer.flush()
    producer.client.commit_transaction(WAIT_S)


def _commit(producer: RecordingProducer) -> tuple[str | None, bool]:
    """commit_transaction(): (None, False), or the error's name and whether it requires an abort."""
    try:
        producer.client.commit_transaction(WAIT_S)
    except KafkaException as exc:
        err = exc.args[0]
        return err.name(), err.txn_requires_abort()
    return None, False


def transactional_retry_after_rejection() -> ProduceObservation:
    """Scenario 5b: scenario 2's fault on a transactional producer (max.in.flight=5).

    A first transaction writes w0, so the producer has a sequence history on the partition: the
    mock requires a producer's first sequence to be 0, a broker holding no state for the producer
    may accept another; with w0 written both expect the next sequence.  In the second transaction m1 is rejected
    (NOT_ENOUGH_REPLICAS after :data:`HOLD_MS`) while m2 is in flight; the leader rejects m2 with
    OUT_OF_ORDER_SEQUENCE_NUMBER (the mock checks sequences of transactional producers,
    ``rd_kafka_mock_validate_records``).  librdkafka's answer to a sequence gap caused by an
    earlier failed request is an epoch bump, which for a transactional producer fails the
    transaction as abortable (rdkafka_request.c, ``rd_kafka_handle_idempotent_Produce_error``,
    OUT_OF_ORDER_SEQUENCE_NUMBER with ``r > 0``).  The application aborts and sends m1, m2 again
    in a new transaction, as the transactional API asks.
    """
    topic = unique("txorder")
    with mock.MockCluster() as cluster:
        cluster.create_topic(topic, leader=LEADER)
        producer = RecordingProducer(cluster, **{"transactional.id": unique("tx"),
                                                 "max.in.flight.requests.per.connection": 5})
        try:
            _committed_w0(producer, topic)
            cluster.start_request_tracking()
            cluster.broker_push_request_error_rtts(LEADER, mock.PRODUCE,
                                                   (mock.NOT_ENOUGH_REPLICAS, HOLD_MS))
            producer.client.begin_transaction()
            producer.send(topic, "m1")
            wait_until(lambda: cluster.requests(mock.PRODUCE), "m1's ProduceRequest at the mock")
            producer.send(topic, "m2")
            producer.flush()
            commit_error, requires_abort = _commit(producer)
            if commit_error is not None:
                if not requires_abort:
                    raise AssertionError(f"commit_transaction failed with {commit_error}, not abortable")
                producer.client.abort_transaction(WAIT_S)
                producer.client.begin_transaction()
                producer.send(topic, "m1", "m2")
                producer.flush()
                producer.client.commit_transaction(WAIT_S)
        finally:
            producer.client.close()
        return _observe(cluster, topic, producer.reports, commit_error=commit_error,
                        commit_error_requires_abort=requires_abort)


#: Scenario 5c's producer besides ONE_RECORD_PER_REQUEST: a request times out after 1 s (checked once
#: a second), and the retry waits 5 s, far longer than the abort the test does meanwhile.
SEQUENCE_REUSE_SETTINGS = {"socket.timeout.ms": 1000, "retry.backoff.ms": 5000, "retry.backoff.max.ms": 5000,
                           "statistics.interval.ms": 100}


def sequence_reuse_after_abort() -> ProduceObservation:
    """Scenario 5c: the application aborts while m1, appended but unanswered, waits for its retry;
    the next transaction's first record takes m1's sequence number and is answered as m1's duplicate.

    The mock appends m1 at once and holds its answer (:data:`DUPLICATE_HOLD_MS`); the client times
    the request out (socket.timeout.ms) and puts m1 back in its queue to wait retry.backoff.ms.  Once
    librdkafka's statistics count that request timeout (the broker's ``req_timeouts``), the
    application calls abort_transaction(): librdkafka purges m1 from the queue and, since it will
    not be sent, moves the epoch's base message id up by one (rd_kafka_toppar_purge_queues,
    rdkafka_partition.c:4863-4879); no message timed out, so no epoch bump.  The next transaction's
    m1b then has m1's epoch and sequence number, and the mock answers it as a duplicate without
    appending it (rdkafka_mock.c:512-523), which librdkafka reports as delivered (DUPSEQ).
    """
    topic = unique("seqreuse")
    with mock.MockCluster() as cluster:
        cluster.create_topic(topic, leader=LEADER)
        cluster.start_request_tracking()
        cluster.broker_push_request_error_rtts(LEADER, mock.PRODUCE, (mock.NO_ERROR, DUPLICATE_HOLD_MS))
        producer = RecordingProducer(cluster, **SEQUENCE_REUSE_SETTINGS, **{"transactional.id": unique("tx")})
        try:
            producer.client.init_transactions(WAIT_S)
            producer.client.begin_transaction()
            producer.send(topic, "m1")
            wait_until(lambda: producer.leader_stats().get("req_timeouts", 0) >= 1, "m1's request to time out")
            producer.client.abort_transaction(WAIT_S)
            producer.client.begin_transaction()
            producer.send(topic, "m1b")
            producer.flush()
            producer.client.commit_transaction(WAIT_S)
        finally:
            producer.client.close()
        return _observe(cluster, topic, producer.reports)


def unsent_request_purged_by_abort() -> ProduceObservation:
    """Scenario 5d: with max.in.flight=1, m2's request is built behind m1's and waits in the
    connection's output queue; the application aborts; the purge fails m2 (``_PURGE_QUEUE``) but
    gives its sequence number back only for messages in the partition queue, so the next
    transaction's m1b is one sequence too high: OUT_OF_ORDER_SEQUENCE_NUMBER, "skipped sequence
    numbers", and the transaction fails (rdkafka_broker.c:6233-6238, rdkafka_partition.c:4862-4870,
    rdkafka_request.c:4200-4246).

    A committed transaction with w0 goes first, so that the mock, like a broker with the producer's
    state, expects the next sequence.  The mock appends m1 and holds its answer :data:`HOLD_MS`;
    the test waits until librdkafka's statistics show a request waiting in the leader's output
    queue (``outbuf_cnt``: m2's, built but not sent), then aborts.
    """
    topic = unique("unsent")
    with mock.MockCluster() as cluster:
        cluster.create_topic(topic, leader=LEADER)
        producer = RecordingProducer(cluster, **{"transactional.id": unique("tx"),
                                                 "max.in.flight.requests.per.connection": 1,
                                                 "statistics.interval.ms": 100})
        try:
            _committed_w0(producer, topic)
            cluster.start_request_tracking()
            cluster.broker_push_request_error_rtts(LEADER, mock.PRODUCE, (mock.NO_ERROR, HOLD_MS))
            producer.client.begin_transaction()
            producer.send(topic, "m1")
            wait_until(lambda: cluster.requests(mock.PRODUCE), "m1's ProduceRequest at the mock")
            producer.send(topic, "m2")
            wait_until(lambda: producer.leader_stats().get("outbuf_cnt", 0) >= 1,
                       "m2's request built and waiting in the output queue")
            producer.client.abort_transaction(WAIT_S)
            producer.client.begin_transaction()
            producer.send(topic, "m1b")
            producer.flush()
            commit_error, requires_abort = _commit(producer)
        finally:
            producer.client.close()
        return _observe(cluster, topic, producer.reports, commit_error=commit_error,
                        commit_error_requires_abort=requires_abort)


#: Scenario 4's producer besides ONE_RECORD_PER_REQUEST.
ACKS0_SETTINGS = {"enable.idempotence": False, "acks": 0, "retries": 5}


def lost_request_with_acks0() -> ProduceObservation:
    """Scenario 4: acks=0 and the network loses m1's ProduceRequest.

    The mock takes the request off the wire and closes the connection without appending
    (``RD_KAFKA_RESP_ERR__TRANSPORT`` injected: rdkafka_mock.h:149-151, and
    ``rd_kafka_mock_handle_Produce`` skips the append on an injected error).  With acks=0
    librdkafka expects no answer (``RD_KAFKA_OP_F_NO_RESPONSE`` in ``rd_kafka_ProduceRequest``)
    and reports the record delivered once the request is written.
    """
    topic = unique("acks0")
    with mock.MockCluster() as cluster:
        cluster.create_topic(topic, leader=LEADER)
        cluster.start_request_tracking()
        cluster.broker_push_request_error_rtts(LEADER, mock.PRODUCE, (mock.TRANSPORT, 0))
        producer = RecordingProducer(cluster, **ACKS0_SETTINGS)
        try:
            producer.send(topic, "m1")
            producer.flush()
        finally:
            producer.client.close()
        return _observe(cluster, topic, producer.reports)


# --- consumer scenarios -------------------------------------------------------------------------

#: The consumer of scenario 6: the defaults enable.auto.commit=true and
#: enable.auto.offset.store=true, with a short commit interval so the test need not wait 5 s.
AUTO_STORE_SETTINGS = {"enable.auto.commit": True, "enable.auto.offset.store": True,
                       "auto.commit.interval.ms": 100}

#: The consumer of scenario 7: auto commit of the offsets the application stores itself after
#: processing.  The interval is far longer than the scenario, so no timer commit falls between
#: the application's store and its crash (7b); 7a triggers the commit the timer would make.
STORE_AFTER_PROCESS_SETTINGS = {"enable.auto.commit": True, "enable.auto.offset.store": False,
                                "auto.commit.interval.ms": 600000}

#: The consumer of the commit-before-processing scenario: no auto commit; the application commits
#: each record synchronously as soon as it has it.
COMMIT_BEFORE_PROCESS_SETTINGS = {"enable.auto.commit": False}

#: Crash points of the first consumer (see _crashing_consumer).
CRASH_AFTER_AUTO_COMMIT = "handed-out-then-auto-committed"
CRASH_AFTER_COMMIT = "committed-before-processing"
CRASH_BEFORE_PROCESSING = "before-processing"
CRASH_AFTER_STORE = "after-process-and-store"


def consumer_crash(settings: dict, crash: str, values=("m1", "m2")) -> ConsumeObservation:
    """Scenarios 6, 6b and 7: ``values`` are in the partition; a consumer of group G with
    ``settings`` takes m1, the application crashes at ``crash``, and a new consumer of G
    processes everything from the committed offset to the end of the partition.

    Both consumers ``assign()`` the partition rather than ``subscribe()``: offsets are still
    committed to and fetched from G's coordinator, the auto-commit timer runs the same way
    (``rd_kafka_cgrp_new`` starts it whenever enable.auto.commit is set), and no rebalance
    has to wait for the crashed member's session to time out.
    """
    topic, group = unique("crash"), unique("group")
    with mock.MockCluster() as cluster:
        cluster.create_topic(topic, leader=LEADER)
        producer = RecordingProducer(cluster, acks="all")
        try:
            producer.send(topic, *values)
            producer.flush()
        finally:
            producer.client.close()

        conf = {"bootstrap.servers": cluster.bootstraps, **QUIET, "group.id": group,
                "auto.offset.reset": "earliest", **settings}
        child = subprocess.run(
            [sys.executable, __file__, json.dumps({"conf": conf, "topic": topic,
                                                   "crash": crash})],
            capture_output=True, text=True, timeout=60)
        events = [json.loads(line) for line in child.stdout.splitlines() if line.startswith("{")]
        if child.returncode != 0 or not events or events[-1]["event"] != "crash":
            raise RuntimeError(f"crashing consumer failed (exit {child.returncode}):\n"
                               f"{child.stdout}\n{child.stderr}")

        restarted = Consumer({**conf, "enable.partition.eof": True})
        try:
            restarted.assign([TopicPartition(topic, PARTITION)])
            after = _read_to_end(restarted)  # processing = reading here; nothing is stored
        finally:
            restarted.close()
        return ConsumeObservation(
            before_crash=[e["value"] for e in events if e["event"] == "processed"],
            committed_at_crash=events[-1]["committed"],
            after_restart=after,
            notes=[e["note"] for e in events if e["event"] == "note"])


def _committed(consumer: Consumer, topic: str) -> int | None:
    """The group's committed offset for the partition, asked of the coordinator (OffsetFetch)."""
    [tp] = consumer.committed([TopicPartition(topic, PARTITION)], timeout=WAIT_S)
    return None if tp.offset == OFFSET_INVALID else tp.offset


def _crashing_consumer(conf: dict, topic: str, crash: str) -> None:
    """The first consumer, in a child process: print JSON events, end with os._exit."""

    def emit(**event):
        print(json.dumps(event), flush=True)

    consumer = Consumer(conf)
    consumer.assign([TopicPartition(topic, PARTITION)])
    [msg] = wait_until(lambda: consumer.consume(num_messages=1, timeout=0.5), "m1")
    if msg.error():
        raise KafkaException(msg.error())
    # m1 has been handed to the application.
    if crash == CRASH_AFTER_AUTO_COMMIT:
        # librdkafka stored m1's offset + 1 when it handed m1 over (enable.auto.offset.store);
        # the auto-commit timer commits it.  Crash once the coordinator holds it, before
        # processing m1.
        wait_until(lambda: (_committed(consumer, topic) or 0) > msg.offset(),
                   "the auto commit of m1's offset")
    elif crash == CRASH_AFTER_COMMIT:
        consumer.commit(message=msg, asynchronous=False)  # commits m1's offset + 1
    elif crash == CRASH_BEFORE_PROCESSING:
        # Nothing stored.  Make the commit an auto-commit tick makes now -- commit() without
        # offsets commits the stored offsets through the same rd_kafka_cgrp_offsets_commit
        # (set_offsets) as the timer -- so the test does not depend on the timer's phase.
        try:
            consumer.commit(asynchronous=False)
            emit(event="note", note="commit of stored offsets: committed")
        except KafkaException as exc:
            emit(event="note", note=f"commit of stored offsets: {exc.args[0].name()}")
    elif crash == CRASH_AFTER_STORE:
        emit(event="processed", value=msg.value().decode())
        consumer.store_offsets(message=msg)
    else:
        raise ValueError(crash)
    emit(event="crash", committed=_committed(consumer, topic))
    os._exit(0)  # no close(): no final commit, no destructor


if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    _crashing_consumer(args["conf"], args["topic"], args["crash"])

"""What Kafka settings guarantee: one row per documented behaviour, each citing its source.

Every violated row also checks that the counterexample shows the mechanism the source describes,
so a verdict that is right for the wrong reason fails.  Bounds are kept small (the smallest that
exhibit the behaviour) so the suite stays fast; larger bounds live in benchmarks/.
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck import HOLDS, VIOLATED

DOCS = "https://kafka.apache.org/documentation/"


def check(settings=None, **kwargs):
    return semcheck.verify(settings or {}, **kwargs)


def steps(result, prop):
    trace = result[prop].trace
    assert trace is not None, f"{prop} has no trace"
    return trace.steps


def index_of(trace_steps, *, actor=None, contains=None, fault=None, after=0):
    """Number of the first step (after step ``after``) matching all given conditions, or None."""
    for st in trace_steps:
        if st.number <= after:
            continue
        if actor is not None and actor not in st.actor:
            continue
        if contains is not None and contains not in st.action:
            continue
        if fault is not None and st.fault != fault:
            continue
        return st.number
    return None


def assert_processed_again_after_a_crash_before_commit(trace_steps, processing: str):
    """The consumer did ``processing``, crashed before committing an offset, and did it again."""
    processed = index_of(trace_steps, actor="consumer", contains=processing)
    crash = index_of(trace_steps, fault="consumer-crash", after=processed)
    again = index_of(trace_steps, actor="consumer", contains=processing, after=crash)
    assert processed and crash and again
    assert index_of(trace_steps, actor="consumer", contains="commits offset", after=processed) is None


def test_acks_0_loses_an_acknowledged_record_on_a_lost_request():
    """Kafka docs, producer config `acks`: "acks=0 ... the producer will not wait for any
    acknowledgment from the server at all ... no guarantee can be made that the server has received
    the record in this case"."""
    r = check({"acks": "0"}, faults=["network"], max_faults=1, messages=1)
    assert r.verdict("no-acked-loss") == VIOLATED
    trace = steps(r, "no-acked-loss")
    sent = index_of(trace, actor="producer", contains="counts as successful")
    lost = index_of(trace, fault="network", contains="never reaches the broker", after=sent)
    assert sent and lost
    assert r.verdict("no-duplicate") == HOLDS  # nothing is ever retried with acks=0


def test_acks_0_loses_a_record_still_on_the_wire_when_the_producer_crashes():
    """Kafka docs, producer config `acks`: with acks=0 the record counts as sent once it is in the
    socket buffer; a producer restart does not re-send it (DESIGN.md), so a crash before the broker
    reads it loses it."""
    r = check({"acks": "0"}, faults=["producer-crash"], max_faults=1, messages=1)
    assert r.verdict("no-acked-loss") == VIOLATED
    trace = steps(r, "no-acked-loss")
    sent = index_of(trace, actor="producer", contains="counts as successful")
    crash = index_of(trace, fault="producer-crash", contains="requests on its connection are gone (m1)",
                     after=sent)
    assert sent and crash
    assert index_of(trace, actor="leader", contains="appends") is None


def test_acks_1_loses_an_acked_record_when_the_leader_dies_before_replication():
    """Kafka docs, producer config `acks`: "acks=1 ... should the leader fail immediately after
    acknowledging the record but before the followers have replicated it then the record will be
    lost"."""
    r = check({"acks": "1"}, faults=["broker-crash"], max_faults=1, messages=1)
    assert r.verdict("no-acked-loss") == VIOLATED
    trace = steps(r, "no-acked-loss")
    append = index_of(trace, actor="leader", contains="answers at once (acks=1)")
    acked = index_of(trace, actor="producer", contains="gets the ack", after=append)
    crash = index_of(trace, fault="broker-crash", contains="was the leader", after=acked)
    truncated = index_of(trace, contains="truncates", after=crash)
    assert append and acked and crash and truncated
    assert index_of(trace, contains="copies m1") is None  # never replicated before the crash


def test_acks_all_keeps_acked_records_through_a_broker_crash():
    """Kafka docs, producer config `acks`: "acks=all ... guarantees that the record will not be
    lost as long as at least one in-sync replica remains alive"."""
    r = check({"acks": "all"}, faults=["broker-crash"], max_faults=1, messages=2)
    assert r.verdict("no-acked-loss") == HOLDS
    assert r.stats.complete


def test_no_idempotence_duplicates_after_a_lost_response():
    """Kafka docs, `enable.idempotence`: "When set to 'false', producer retries due to broker
    failures, etc., may write duplicates of the retried message in the stream"."""
    r = check({"enable.idempotence": "false"}, faults=["network"], max_faults=1, messages=2)
    assert r.verdict("no-duplicate") == VIOLATED
    trace = steps(r, "no-duplicate")
    appended = index_of(trace, actor="leader", contains="appends m1")
    lost = index_of(trace, fault="network", contains="m1 and their answers are lost", after=appended)
    timeout = index_of(trace, actor="producer", contains="request.timeout.ms", after=lost)
    again = index_of(trace, actor="leader", contains="appends m1", after=timeout)
    assert appended and lost and timeout and again


def test_no_idempotence_with_five_in_flight_reorders_after_a_retry():
    """Kafka docs, `max.in.flight.requests.per.connection`: "if this configuration is set to be
    greater than 1 and enable.idempotence is set to false, there is a risk of message reordering
    after a failed send due to retries (i.e., if retries are enabled)"."""
    r = check({"enable.idempotence": "false", "max.in.flight.requests.per.connection": "5"},
              faults=["network"], max_faults=1, messages=2)
    assert r.config["retries"] == 2147483647
    assert r.verdict("in-order") == VIOLATED
    trace = steps(r, "in-order")
    lost = index_of(trace, fault="network", contains="m1, m2 and their answers are lost")
    retried = index_of(trace, actor="producer", contains="request.timeout.ms", after=lost)
    m2_first = index_of(trace, actor="leader", contains="appends m2", after=retried)
    m1_later = index_of(trace, actor="leader", contains="m1 at offset 1", after=m2_first)
    assert lost and retried and m2_first and m1_later


def test_without_idempotence_a_leader_crash_retries_the_newest_batch_first():
    """Kafka 3.7.0 client source: when a connection closes, NetworkClient fails every in-flight
    request on it oldest first (InFlightRequests.clearAll iterates clearedRequests
    .descendingIterator()), and without idempotence RecordAccumulator.reenqueue puts each failed
    batch at the front of its queue (deque.addFirst), so of two batches failed together the newer
    is sent first: the reordering the `retries` documentation warns of."""
    r = check({"enable.idempotence": "false", "acks": "1"}, faults=["broker-crash"], max_faults=1, messages=2)
    assert r.verdict("in-order") == VIOLATED
    trace = steps(r, "in-order")
    crash = index_of(trace, fault="broker-crash", contains="failing m1, m2 (oldest first)")
    assert crash and "so it is now m2 m1" in trace[crash - 1].action
    m2_first = index_of(trace, actor="leader", contains="appends m2 at offset 0", after=crash)
    m1_later = index_of(trace, actor="leader", contains="appends m1 at offset 1", after=m2_first)
    assert m2_first and m1_later
    # with idempotence the failed batches keep sequence order (RecordAccumulator
    # .insertInSequenceOrder), and a leader crash alone does not reorder
    assert check({}, faults=["broker-crash"], max_faults=1, messages=2).verdict("in-order") == HOLDS


def test_defaults_reorder_when_the_producer_restarts_while_an_ack_is_on_its_way():
    """The run of issue 8 (Kafka 3.x, defaults: acks=all, idempotence on, 5 in flight).  The broker
    reads the next request on a connection once the previous response is sent (SocketServer:
    ChannelMuteEvent.REQUEST_RECEIVED mutes, RESPONSE_SENT unmutes), so m2 is appended while m1's
    ack is still travelling; the application restarts before its client handles that ack
    (KIP-98: idempotence holds for one producer session), so the new producer id re-sends m1
    after m2; and a consumer that crashes before the group's first commit restarts at
    auto.offset.reset=latest (the consumer docs), past the first copy of m1."""
    r = check({}, faults=["producer-crash", "consumer-crash"], max_faults=2, messages=2)
    assert r.config["enable.idempotence"] is True and r.config["acks"] == "all"
    assert r.verdict("in-order") == VIOLATED
    trace = steps(r, "in-order")
    answered = index_of(trace, actor="leader", contains="answers m1")
    m2 = index_of(trace, actor="leader", contains="appends m2", after=answered)
    restart = index_of(trace, fault="producer-crash", after=m2)
    assert answered and m2 and restart
    assert index_of(trace, actor="producer", contains="gets the ack for m1") is None
    resent = index_of(trace, actor="leader", contains="appends m1(pid 1", after=restart)
    latest = index_of(trace, actor="consumer", contains="auto.offset.reset=latest gives offset 1", after=restart)
    m2_read = index_of(trace, actor="consumer", contains="processes m2", after=latest)
    m1_read = index_of(trace, actor="consumer", contains="processes m1(pid 1", after=m2_read)
    assert resent and latest and m2_read and m1_read
    # the same holds at the default bounds, with every fault class
    assert semcheck.verify({}, properties=["in-order"]).verdict("in-order") == VIOLATED


def test_no_idempotence_with_one_in_flight_keeps_order_but_still_duplicates():
    """Kafka docs, `max.in.flight.requests.per.connection` (reordering needs more than one in
    flight) and `enable.idempotence` (retries without it may write duplicates)."""
    r = check({"enable.idempotence": "false", "max.in.flight.requests.per.connection": "1"},
              faults=["network"], max_faults=2, messages=2)
    assert r.verdict("in-order") == HOLDS
    assert r.verdict("no-duplicate") == VIOLATED


@pytest.mark.parametrize("in_flight,faults", [("1", ["network", "broker-crash"]), ("5", ["network"])])
def test_idempotence_gives_no_duplicates_and_no_reordering_under_network_faults(in_flight, faults):
    """Kafka docs, `enable.idempotence`: "the producer will ensure that exactly one copy of each
    message is written in the stream"; KAFKA-5494 / Kafka 1.0+: ordering is kept with idempotence
    for max.in.flight.requests.per.connection <= 5.  Within one leader's life (network faults) it
    holds at 5 in flight; with one in flight (the Sender mutes the partition while its batch is
    out: guaranteeMessageOrder) it also holds across leader crashes."""
    r = check({"max.in.flight.requests.per.connection": in_flight}, faults=faults, max_faults=2, messages=2)
    assert r.config["enable.idempotence"] is True
    assert r.verdict("no-duplicate") == HOLDS
    assert r.verdict("in-order") == HOLDS
    assert r.verdict("no-loss") == HOLDS
    assert r.stats.complete


def test_idempotence_with_five_in_flight_can_duplicate_and_reorder_across_leader_crashes():
    """Kafka 3.7.0 source.  Until the controller fences a crashed leader (broker.session.timeout.ms)
    metadata still names it, so a client can send a batch there once it is back (as a follower:
    NOT_LEADER_OR_FOLLOWER) and, learning the new leader before that answer, send the next batch to
    the new leader, which a batch without a sequence may do while another is in flight
    (RecordAccumulator.shouldStopDrainBatchesForPartition).  The new leader has no state for the
    producer id and accepts any sequence (ProducerAppendInfo.checkSequence).  The first batch then
    gets OUT_OF_ORDER_SEQUENCE_NUMBER as the next expected sequence, and the idempotent client bumps
    its epoch and renumbers what is unfinished (TransactionManager.canRetry,
    bumpIdempotentProducerEpoch): a batch whose fate it does not know is written again."""
    r = check({}, faults=["broker-crash"], max_faults=2, messages=2)
    assert r.verdict("no-duplicate") == VIOLATED and r.verdict("in-order") == VIOLATED
    trace = steps(r, "no-duplicate")
    stale = index_of(trace, actor="broker", contains="answers m1 with NOT_LEADER_OR_FOLLOWER")
    ahead = index_of(trace, actor="leader", contains="broker 2 appends m2(seq 1) at offset 0", after=stale)
    oos = index_of(trace, actor="leader", contains="OUT_OF_ORDER_SEQUENCE_NUMBER", after=ahead)
    bump = index_of(trace, actor="producer", contains="bumps its epoch to 1", after=oos)
    again = index_of(trace, actor="leader", contains="appends m2(epoch 1, seq 1)", after=bump)
    assert stale and ahead and oos and bump and again
    # one batch in flight at a time closes the window
    one = check({"max.in.flight.requests.per.connection": "1"}, faults=["broker-crash"], max_faults=2, messages=2)
    assert one.verdict("no-duplicate") == HOLDS and one.verdict("in-order") == HOLDS


def test_producer_restart_duplicates_even_with_idempotence():
    """KIP-98 (Idempotent producer): the guarantee holds "for a single producer session"; a
    restarted producer gets a new producer id, so the broker cannot recognise its re-sends."""
    r = check({}, faults=["producer-crash"], max_faults=1, messages=1)
    assert r.config["enable.idempotence"] is True
    assert r.verdict("no-duplicate") == VIOLATED
    trace = steps(r, "no-duplicate")
    appended = index_of(trace, actor="leader", contains="appends m1(pid 0")
    restart = index_of(trace, fault="producer-crash", after=appended)
    again = index_of(trace, actor="leader", contains="appends m1(pid 1", after=restart)
    assert appended and restart and again


def test_commit_before_processing_loses_on_a_consumer_crash():
    """KafkaConsumer javadoc, "Manual Offset Control": committing before processing gives
    at-most-once delivery; a crash after the commit and before processing skips the record."""
    r = check({"auto.offset.reset": "earliest"}, commit="before-process",
              faults=["consumer-crash"], max_faults=1, messages=1)
    assert r.verdict("no-loss") == VIOLATED
    assert r.verdict("no-duplicate") == HOLDS
    trace = steps(r, "no-loss")
    committed = index_of(trace, actor="consumer", contains="before processing")
    crash = index_of(trace, fault="consumer-crash", after=committed)
    resumed = index_of(trace, actor="consumer", contains="resumes from committed offset 1", after=crash)
    assert committed and crash and resumed


def test_commit_after_processing_duplicates_on_a_consumer_crash():
    """KafkaConsumer javadoc, "Manual Offset Control": committing after processing gives
    at-least-once delivery: a crash between processing and commit processes the record again."""
    r = check({"auto.offset.reset": "earliest"}, commit="after-process",
              faults=["consumer-crash"], max_faults=1, messages=1)
    assert r.verdict("no-duplicate") == VIOLATED
    assert r.verdict("no-loss") == HOLDS
    assert_processed_again_after_a_crash_before_commit(steps(r, "no-duplicate"), "processes m1")


def test_auto_offset_reset_latest_skips_records_after_a_crash_before_the_first_commit():
    """Kafka docs, consumer config `auto.offset.reset`: "latest: automatically reset the offset to
    the latest offset" when there is no committed offset, so records produced meanwhile are skipped."""
    r = check({}, commit="after-process", faults=["consumer-crash"], max_faults=1, messages=1)
    assert r.verdict("no-loss") == VIOLATED
    trace = steps(r, "no-loss")
    crash = index_of(trace, fault="consumer-crash")
    reset = index_of(trace, actor="consumer", contains="auto.offset.reset=latest", after=crash)
    assert crash and reset
    # the brokers lost nothing: the skip is the consumer's (the two layers of loss)
    assert r.findings["no-loss"].data["layer"] == "consumer"
    assert r.verdict("no-acked-loss") == HOLDS


def test_auto_commit_with_async_processing_can_lose_records():
    """KafkaConsumer javadoc, "Automatic Offset Committing": offsets returned by poll are committed
    on the next poll; if the records were handed to another thread and not yet processed, a crash
    loses them (at-least-once needs processing to finish before the next poll)."""
    r = check({"auto.offset.reset": "earliest"}, commit="auto", processing="async",
              faults=["consumer-crash"], max_faults=1, messages=1)
    assert r.verdict("no-loss") == VIOLATED
    trace = steps(r, "no-loss")
    handed = index_of(trace, actor="consumer", contains="hands it to the processing thread")
    committed = index_of(trace, actor="consumer", contains="auto-commits its position, offset 1", after=handed)
    crash = index_of(trace, fault="consumer-crash", after=committed)
    assert handed and committed and crash
    assert r.findings["no-loss"].data["layer"] == "consumer"
    sync = check({"auto.offset.reset": "earliest"}, commit="auto", processing="sync",
                 faults=["consumer-crash"], max_faults=1, messages=1)
    assert sync.verdict("no-loss") == HOLDS


def test_unclean_leader_election_loses_acknowledged_records():
    """Kafka docs, topic config `unclean.leader.election.enable`: "Indicates whether to enable
    replicas not in the ISR set to be elected as leader as a last resort, even though doing so may
    result in data loss"."""
    common = dict(faults=["follower-lag", "broker-crash"], max_faults=2, messages=1)
    r = check({"unclean.leader.election.enable": "true", "replication.factor": "2"}, **common)
    assert r.verdict("no-acked-loss") == VIOLATED
    trace = steps(r, "no-acked-loss")
    # the follower leaves the ISR (a crash, or follower-lag), m1 is acknowledged, the leader crashes
    acked = index_of(trace, actor="producer", contains="gets the ack")
    crash = index_of(trace, fault="broker-crash", after=acked)
    unclean = index_of(trace, contains="unclean election", after=crash)
    assert acked and crash and unclean
    clean = check({"unclean.leader.election.enable": "false", "replication.factor": "2"}, **common)
    assert clean.verdict("no-acked-loss") == HOLDS


def test_power_loss_of_the_last_isr_member_loses_acked_records_even_with_min_isr_2():
    """KIP-966 (Eligible Leader Replicas), motivation: before it, the last member of the ISR can
    lose acknowledged records in an unclean shutdown (Kafka acknowledges before fsync) and still be
    elected leader, so min.insync.replicas=2 does not prevent the loss.  Brokers 3.9, without the
    feature; what 4.1+ does is in tests/test_eligible_leader_replicas.py."""
    r = check({"min.insync.replicas": "2", "replication.factor": "2"},
              faults=["follower-lag", "power-loss"], max_faults=2, messages=1, broker_version="3.9")
    assert r.verdict("no-acked-loss") == VIOLATED
    trace = steps(r, "no-acked-loss")
    # after the ack the follower leaves the ISR (follower-lag, or a power loss of its own), then
    # the last ISR member loses power and is elected with what reached its disk
    acked = index_of(trace, actor="producer", contains="gets the ack")
    power = index_of(trace, fault="power-loss", after=acked)
    elected = index_of(trace, contains="elects broker 1 leader", after=power)
    assert acked and power and elected


def test_min_insync_replicas_2_with_acks_all_survives_a_crash_after_an_isr_shrink():
    """Kafka docs, topic config `min.insync.replicas`: with replication factor 3, min.insync.replicas
    2 and acks=all, "a majority of replicas must persist a write before it's considered successful"."""
    r = check({"min.insync.replicas": "2"}, faults=["follower-lag", "broker-crash"], max_faults=2,
              messages=1)
    assert r.verdict("no-acked-loss") == HOLDS
    assert r.stats.complete


def test_min_insync_replicas_above_replication_factor_fails_the_send_at_the_delivery_timeout_before_3_7():
    """Kafka docs, topic config `min.insync.replicas`: "If this minimum cannot be met, then the
    producer will raise an exception (either NotEnoughReplicas or NotEnoughReplicasAfterAppend)";
    with unlimited retries the producer retries until `delivery.timeout.ms` (KIP-91: "an upper bound
    on the time to report success or failure after a call to send() returns") fails the send.  So
    the verdict is not a lasso: the run settles with m1 failed.  Brokers up to 3.6 only: 3.7 caps
    the min ISR at the replica count (KAFKA-15583, tests/test_broker_versions.py)."""
    r = check({"replication.factor": "1", "min.insync.replicas": "2"}, faults=[], messages=1, broker_version="3.6")
    assert r.verdict("no-loss") == VIOLATED
    trace = r["no-loss"].trace
    assert trace.loop_start is None
    assert any("delivery.timeout.ms" in st.action and "ISR is below the min ISR" in st.action for st in trace.steps)


def test_finite_retries_give_up_and_tell_the_application():
    """Kafka docs, producer config `retries`: the send fails once retries are exhausted (the
    callback gets the error): no-loss breaks, but no acknowledged record is lost.  The failures
    come from a min.insync.replicas above the replica count, which brokers up to 3.6 refuse for
    ever (tests/test_broker_versions.py)."""
    r = check({"replication.factor": "1", "min.insync.replicas": "2", "retries": "1"},
              faults=[], messages=1, broker_version="3.6")
    assert r.config["enable.idempotence"] is True  # retries=1 does not conflict with idempotence
    assert r.verdict("no-loss") == VIOLATED
    assert r["no-loss"].trace.loop_start is None
    assert any("the application is told the send failed" in st.action for st in r["no-loss"].trace.steps)
    assert r.verdict("no-acked-loss") == HOLDS


def test_a_follower_that_stops_fetching_can_make_the_client_time_out_and_duplicate():
    """ProducerConfig, request.timeout.ms (3.9.0-rc3:PC, REQUEST_TIMEOUT_MS_DOC): "This should be larger
    than replica.lag.time.max.ms (a broker configuration) to reduce the possibility of message
    duplication due to unnecessary producer retries."  Both default to 30 s, and the leader drops a
    follower that stopped fetching only at its next ISR check (every 15 s): the client can time out an
    acks=all request whose record is appended, and its retry writes it again.  Idempotence dedupes it."""
    common = dict(faults=["follower-lag"], max_faults=1, messages=2)
    r = check({"enable.idempotence": "false"}, **common)
    assert r.verdict("no-duplicate") == VIOLATED
    trace = steps(r, "no-duplicate")
    stalled = index_of(trace, fault="follower-lag", contains="stops fetching")
    timed_out = index_of(trace, contains="waits for a follower that stopped fetching", after=stalled)
    assert stalled and timed_out
    assert check({}, **common).verdict("no-duplicate") == HOLDS

"""Transactions and exactly-once: what transactional.id, isolation.level and offsets committed
inside the transaction guarantee.  One row per documented behaviour, each citing its source, and
each violated row checks that the counterexample shows the mechanism the source describes.
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck import HOLDS, VIOLATED
from semcheck.checker.result import Stop

from test_truth_table import assert_processed_again_after_a_crash_before_commit, index_of, steps

PRODUCER_JAVADOC = "https://kafka.apache.org/38/javadoc/org/apache/kafka/clients/producer/KafkaProducer.html"
CONSUMER_CONFIGS = "https://kafka.apache.org/documentation/#consumerconfigs_isolation.level"

TRANSACTIONAL = {"transactional.id": "app-1", "auto.offset.reset": "earliest"}
EXACTLY_ONCE = {**TRANSACTIONAL, "isolation.level": "read_committed", "enable.auto.commit": "false"}
ALL_FOUR = ("no-loss", "no-acked-loss", "no-duplicate", "in-order")


def test_restart_of_a_transactional_producer_leaves_no_duplicate_for_read_committed():
    """KafkaProducer.initTransactions() javadoc: it "ensures any transactions initiated by previous
    instances of the producer with the same transactional.id are completed. If the previous
    instance had failed with a transaction in progress, it will be aborted."  isolation.level:
    "If set to read_committed, consumer.poll() will only return transactional messages which have
    been committed."  So the aborted copy of a re-sent message is never processed."""
    r = semcheck.verify({**TRANSACTIONAL, "isolation.level": "read_committed"},
                        faults=["producer-crash"], max_faults=1, messages=2)
    for prop in ALL_FOUR:
        assert r.verdict(prop) == HOLDS, prop


def test_read_uncommitted_processes_the_aborted_copy_as_a_duplicate():
    """isolation.level: "If set to read_uncommitted (the default), consumer.poll() will return all
    messages, even transactional messages which have been aborted."  After a producer restart
    the aborted first copy and the committed re-send are both processed."""
    r = semcheck.verify(TRANSACTIONAL, faults=["producer-crash"], max_faults=1, messages=1)
    assert r.verdict("no-duplicate") == VIOLATED
    trace = steps(r, "no-duplicate")
    first = index_of(trace, actor="consumer", contains="processes m1(epoch 0")
    crash = index_of(trace, fault="producer-crash", contains="aborts the open transaction")
    abort = index_of(trace, actor="coordinator", contains="writes the ABORT marker", after=crash)
    second = index_of(trace, actor="consumer", contains="processes m1(epoch 1", after=abort)
    assert first and crash and abort and second
    # the same run under read_committed never hands the aborted record over
    assert semcheck.verify({**TRANSACTIONAL, "isolation.level": "read_committed"}, faults=["producer-crash"],
                           max_faults=1, messages=1).verdict("no-duplicate") == HOLDS


def test_read_committed_reads_nothing_of_an_open_transaction():
    """Kafka docs, 4.6 "Message Delivery Semantics" and isolation.level: a read_committed consumer
    reads only up to the last stable offset, the first offset of an open transaction; records of
    the transaction become readable once its COMMIT marker is written.  With one message, the
    first processing must follow the replicated COMMIT marker."""
    r = semcheck.verify({**TRANSACTIONAL, "isolation.level": "read_committed", "acks": "all"},
                        faults=["consumer-crash"], max_faults=1, messages=1, commit="before-process")
    # before-process loses a message on a consumer crash; its trace shows when reading starts
    assert r.verdict("no-loss") == VIOLATED
    trace = steps(r, "no-loss")
    commit = index_of(trace, actor="coordinator", contains="writes the COMMIT marker")
    replicated = index_of(trace, actor="coordinator", contains="COMMIT marker is replicated", after=commit)
    poll = index_of(trace, actor="consumer", contains="polls m1")
    assert commit and replicated and poll and poll > commit


def test_exactly_once_setup_holds_under_producer_crashes_consumer_crashes_and_network_faults():
    """KIP-98 and KafkaProducer.sendOffsetsToTransaction() javadoc: the consumed offsets are
    committed as part of the transaction, "typically in a consume-transform-produce pattern", so
    output and progress commit or abort together; with idempotence, transactions and
    read_committed this is Kafka's exactly-once.  With one lost request (30 s of
    request.timeout.ms) the transaction stays inside transaction.timeout.ms (60 s); with
    transaction.timeout.ms at the coordinator's maximum (15 min) two lost requests do too, and
    delivery.timeout.ms (120 s, four request timeouts) is out of reach.  3 messages."""
    faults = ["producer-crash", "consumer-crash", "network"]
    r = semcheck.verify(EXACTLY_ONCE, commit="transactional", faults=faults, max_faults=1)
    assert r.stats.complete
    for prop in ALL_FOUR:
        assert r.verdict(prop) == HOLDS, prop
    r = semcheck.verify({**EXACTLY_ONCE, "transaction.timeout.ms": "900000"}, commit="transactional",
                        faults=faults, max_faults=2)
    assert r.stats.complete
    for prop in ALL_FOUR:
        assert r.verdict(prop) == HOLDS, prop


def test_two_lost_requests_outlast_the_transaction_timeout_and_the_coordinator_aborts():
    """TransactionStateManager.timedOutTransactions and TransactionCoordinator.
    abortTimedOutTransactions (3.7.0): an ongoing transaction older than transaction.timeout.ms
    (60 s by default) is aborted with a bumped epoch (prepareFenceProducerEpoch); the producer's
    EndTxn then gets PRODUCER_FENCED (TransactionManager: fatal), and the KafkaProducer javadoc's
    answer to ProducerFencedException is to close the producer.  Two lost requests cost two
    request timeouts (2 x 30 s): the transaction outlasts its timeout, and the application that
    closes the fenced producer has lost its messages, though nothing acknowledged is lost and
    nothing is duplicated."""
    r = semcheck.verify(EXACTLY_ONCE, commit="transactional",
                        faults=["producer-crash", "consumer-crash", "network"], max_faults=2)
    assert r.stats.complete
    assert r.verdict("no-loss") == VIOLATED
    for prop in ("no-acked-loss", "no-duplicate", "in-order"):
        assert r.verdict(prop) == HOLDS, prop
    trace = steps(r, "no-loss")
    first = index_of(trace, actor="producer", contains="request.timeout.ms expires")
    aborted = index_of(trace, actor="coordinator", contains="transaction.timeout.ms", after=first)
    marker = index_of(trace, actor="coordinator", contains="writes the ABORT marker", after=aborted)
    assert first and aborted and marker


def test_exactly_once_setup_holds_under_every_fault_class_that_keeps_the_leader_including_zombies():
    """The same setup against the fault classes that do not take a leader away (network, follower
    lag, producer and consumer restarts, zombies).  A zombie after an earlier abort is the subtle
    case: the new abort must be written with the new epoch (KIP-98), or the old instance's late
    record slips into the next committed transaction.  With two faults of these classes but the
    zombie, and with one of any of them, everything holds.  Two paused instances at once are
    beyond the model: such a run is cut, so the verdict is inconclusive, never holds.  A leader
    that dies is the next test."""
    from semcheck import INCONCLUSIVE

    keeps_leader = ["network", "follower-lag", "producer-crash", "consumer-crash", "producer-zombie"]
    r = semcheck.verify(EXACTLY_ONCE, commit="transactional", max_faults=1, faults=keeps_leader)
    assert r.stats.complete
    for prop in ALL_FOUR:
        assert r.verdict(prop) == HOLDS, prop
    # two faults: two lost requests would outlast transaction.timeout.ms's default (the next test)
    r = semcheck.verify({**EXACTLY_ONCE, "transaction.timeout.ms": "900000"}, commit="transactional",
                        faults=keeps_leader[:-1])
    for prop in ALL_FOUR:
        assert r.verdict(prop) == HOLDS, prop
    r = semcheck.verify({**EXACTLY_ONCE, "transaction.timeout.ms": "900000"}, commit="transactional",
                        faults=keeps_leader)  # two faults, zombies
    assert not r.stats.complete
    for prop in ALL_FOUR:
        assert r.verdict(prop) == INCONCLUSIVE, prop
        assert r[prop].reason.details["stop"] == Stop.MODEL_BOUND
        assert "second paused producer" in r.explain(prop)


@pytest.mark.parametrize("death", ["power-loss", "broker-crash"])
def test_a_dead_leader_can_leave_earlier_sends_of_a_transaction_unwritable(death):
    """Kafka 3.7.0 source.  A leader that loses power closes no connection, so its requests fail
    only at request.timeout.ms (NetworkClient.handleTimedOutRequests); one whose process crashed is
    still named leader until the controller fences it (broker.session.timeout.ms), and once back
    answers NOT_LEADER_OR_FOLLOWER.  Meanwhile the client may learn the new leader and send it the
    next batch, which a batch without a sequence may do while earlier ones are in flight
    (RecordAccumulator.shouldStopDrainBatchesForPartition).  The new leader has no state for the
    producer id (its log never held the earlier batches) and accepts any sequence
    (ProducerAppendInfo.checkSequence).  The earlier batches then get OUT_OF_ORDER_SEQUENCE_NUMBER,
    which TransactionManager.canRetry retries because they are not the next sequence after the
    last acknowledged one, until transaction.timeout.ms (60 s) lets the coordinator abort the
    transaction (TransactionStateManager.timedOutTransactions) and delivery.timeout.ms fails them
    (120 s).  Nothing acknowledged is lost, nothing is duplicated."""
    r = semcheck.verify(EXACTLY_ONCE, commit="transactional", max_faults=1, faults=[death])
    assert r.stats.complete
    assert r.verdict("no-loss") == VIOLATED
    for prop in ("no-acked-loss", "no-duplicate", "in-order"):
        assert r.verdict(prop) == HOLDS, prop
    trace = r["no-loss"].trace
    power = index_of(trace.steps, fault=death, contains="it was the leader")
    elected = index_of(trace.steps, actor="controller", contains="elects broker 2", after=power)
    later = index_of(trace.steps, actor="leader", contains="broker 2 appends m", after=elected)
    # the earlier batches fail back to the client only after that
    failed = index_of(trace.steps, actor="producer" if death == "power-loss" else "broker",
                      contains="request.timeout.ms" if death == "power-loss" else "NOT_LEADER_OR_FOLLOWER",
                      after=power)
    timed_out = index_of(trace.steps, actor="coordinator", contains="transaction.timeout.ms", after=later)
    expired = index_of(trace.steps, actor="producer", contains="delivery.timeout.ms", after=timed_out)
    assert power and elected and later and failed and timed_out and expired
    assert trace.loop_start is None  # the retries end: no lasso any more


def test_offsets_committed_outside_the_transaction_duplicate_on_a_consumer_crash():
    """Kafka docs, 4.6 "Message Delivery Semantics": a consumer that processes and then saves its
    position "could crash after processing messages but before saving its position", and the new
    process re-processes them: at-least-once.  Transactions upstream do not change that."""
    r = semcheck.verify(EXACTLY_ONCE, commit="after-process",
                        faults=["producer-crash", "consumer-crash", "network"])
    assert r.verdict("no-duplicate") == VIOLATED
    assert_processed_again_after_a_crash_before_commit(steps(r, "no-duplicate"), "polls and processes m1")


def test_exactly_once_with_a_new_group_and_latest_reset_can_still_skip_records():
    """auto.offset.reset docs: "latest: automatically reset the offset to the latest offset" (for
    read_committed, the last stable offset).  A consume-transform-produce app whose group has
    committed nothing yet and crashes resumes at the end of the log: records are skipped, not
    duplicated.  Exactly-once needs the group's starting point to be right too."""
    r = semcheck.verify({**EXACTLY_ONCE, "auto.offset.reset": "latest"}, commit="transactional",
                        faults=["consumer-crash"], max_faults=1, messages=1)
    assert r.verdict("no-loss") == VIOLATED
    trace = steps(r, "no-loss")
    crash = index_of(trace, fault="consumer-crash")
    restart = index_of(trace, actor="consumer", contains="no committed offset", after=crash)
    assert crash and restart
    assert r.verdict("no-duplicate") == HOLDS


def test_a_failed_send_aborts_the_transaction_and_nothing_of_it_is_read_committed():
    """KafkaProducer javadoc (transactions): on a KafkaException from a send, "abort the
    transaction"; abortTransaction() discards everything sent in it, so with retries spent a
    read_committed consumer sees none of the transaction: the application was told, so nothing
    acknowledged is lost."""
    r = semcheck.verify({**TRANSACTIONAL, "isolation.level": "read_committed", "retries": "1"},
                        faults=["network"], max_faults=2, messages=1)
    assert r.verdict("no-loss") == VIOLATED
    trace = steps(r, "no-loss")
    abort = index_of(trace, actor="producer", contains="aborts the transaction")
    assert abort and index_of(trace, actor="coordinator", contains="ABORT marker", after=abort)
    assert r.verdict("no-acked-loss") == HOLDS


def test_a_zombie_producer_is_fenced_by_the_bumped_epoch():
    """KIP-98, "Zombie fencing": initTransactions() with the same transactional.id bumps the
    producer epoch, and requests of the old instance carrying the lower epoch are rejected
    (KafkaProducer javadoc: ProducerFencedException, "another producer with the same
    transactional.id has been started").  Until the leader learns the new epoch, the old
    instance's record joins the old transaction, which the coordinator aborts."""
    r = semcheck.verify({**TRANSACTIONAL, "isolation.level": "read_committed"},
                        faults=["producer-zombie"], max_faults=1, messages=2)
    for prop in ALL_FOUR:
        assert r.verdict(prop) == HOLDS, prop
    # The old instance's record can still land, inside the aborted transaction, but only where its
    # earlier record opened that transaction in the partition: a first request is verified with the
    # coordinator, which knows the new epoch (KIP-890 part 1, on by default since 3.6.0).
    def zombie_steps(messages):
        r = semcheck.verify(TRANSACTIONAL, faults=["producer-zombie"], max_faults=1, messages=messages,
                            keep_graph=True)
        return {d["action"] for _, _, d in r.state_graph().edges(data=True)}

    one, two = zombie_steps(1), zombie_steps(2)
    assert "appends the old instance's request" not in one and "fences the old instance" in one
    assert "appends the old instance's request" in two


def test_a_zombie_is_fenced_once_the_leader_knows_the_new_epoch():
    """KIP-98: the partition leader rejects a produce request whose epoch is older than the one
    it has seen (here from the ABORT marker the coordinator wrote with the bumped epoch)."""
    r = semcheck.verify({**TRANSACTIONAL, "isolation.level": "read_committed"},
                        faults=["producer-zombie"], max_faults=1, messages=1, keep_graph=True)
    graph = r.state_graph()
    fenced = [d for _, _, d in graph.edges(data=True) if d["action"] == "fences the old instance"]
    assert fenced, "the leader never fenced the old instance"


def test_zombie_fault_class_needs_a_transactional_id():
    """Without a transactional.id nothing fences the old instance (KIP-98 fencing is per
    transactional.id), so semcheck refuses to claim anything about it."""
    import pytest

    from semcheck import ConfigError

    with pytest.raises(ConfigError, match="producer-zombie needs a transactional.id"):
        semcheck.verify({}, faults=["producer-zombie"])
    # "all" without a transactional.id simply leaves it out
    assert "producer-zombie" not in semcheck.verify({"acks": "0"}, messages=1, max_faults=1).bounds["faults"]
    # ...but a list is taken as written: naming it among all seven classes is the same error as
    # naming it alone (issue 9: it used to be dropped silently when all seven were listed)
    from semcheck.model.bounds import FAULT_CLASSES

    with pytest.raises(ConfigError, match="producer-zombie needs a transactional.id"):
        semcheck.build_model({}, faults=FAULT_CLASSES)
    assert semcheck.build_model({"transactional.id": "t"}, faults="all").bounds.faults == \
        tuple(f for f in FAULT_CLASSES if f not in ("controlled-shutdown", "output-failure"))  # min ISR 2 (ELR); CTP


def test_listing_every_fault_class_on_the_command_line_follows_the_same_rule():
    from click.testing import CliRunner

    from semcheck.cli import main

    every = ",".join(["network", "follower-lag", "broker-crash", "power-loss", "producer-crash",
                      "consumer-crash", "producer-zombie"])
    run = CliRunner().invoke(main, ["verify", "--faults", every, "--messages", "1", "--max-faults", "1"])
    assert run.exit_code == 2 and "producer-zombie needs a transactional.id" in run.output
    assert len(run.output.strip().splitlines()) == 1


def test_a_zombie_request_meeting_a_full_log_cuts_the_run_instead_of_vanishing():
    """The model's log capacity is a bound of the search, not Kafka behaviour: reaching it must
    mark the run (the verdict becomes inconclusive), never silently drop the old instance's record."""
    from semcheck.model.dsl import ConcreteLeaves, NextState, StateView

    model = semcheck.build_model({**TRANSACTIONAL, "replication.factor": "1"},
                                 faults=["producer-zombie"], max_faults=1, messages=1)
    layout = model.layout
    full = model.layout.decode(model.initial_states()[0])
    cap = model.capacity
    full["log"][0] = [model.commit_marker] * cap  # markers only: the old instance's sequence 0 is next
    full["log_len"][0] = cap
    full["z_msg"][0], full["z_seq"][0], full["z_epoch"] = 1, 0, 0
    state = layout.encode(full)
    enabled = {}
    for action in model.actions():
        if action.actor == "leader" and action.params == ():
            nxt = NextState(layout, ConcreteLeaves(state))
            enabled[action.name] = bool(action.effect(StateView(layout, ConcreteLeaves(state)), nxt))
    assert enabled["log full"] and not enabled["drops the old instance's request"]
    assert not enabled["appends the old instance's request"]


# ---- the consume-transform-produce loop after an abort (KAFKA-17582) ---------------------------

@pytest.mark.parametrize("after_abort", ["seek-back", "keep-position"])
def test_after_an_abort_the_consume_transform_produce_loop_must_seek_back(after_abort):
    """KAFKA-17582 and the KafkaConsumer javadoc: abortTransaction() discards the transaction's
    output and its offsets (sendOffsetsToTransaction), but the consumer's position stays where the
    last poll left it.  An application that polls on skips the records of the aborted transaction
    (no-loss, the consumer layer: the log still holds them); one that seeks back to them (as Kafka
    Streams does from its committed offsets) processes them again, once."""
    r = semcheck.verify(EXACTLY_ONCE, commit="transactional", after_abort=after_abort,
                        faults=["output-failure", "consumer-crash"], max_faults=2)
    assert r.stats.complete
    for prop in ALL_FOUR[1:]:
        assert r.verdict(prop) == HOLDS, prop
    if after_abort == "seek-back":
        assert r.verdict("no-loss") == HOLDS
        return
    assert r.verdict("no-loss") == VIOLATED
    assert r.findings["no-loss"].data["layer"] == "consumer"
    trace = steps(r, "no-loss")
    failure = index_of(trace, fault="output-failure")
    assert failure and "the record is skipped (KAFKA-17582)" in trace[failure - 1].action


def test_output_failure_and_after_abort_belong_to_the_consume_transform_produce_loop():
    from semcheck import ConfigError

    with pytest.raises(ConfigError, match="output-failure needs --commit transactional"):
        semcheck.build_model(EXACTLY_ONCE, commit="after-process", faults=["output-failure"])
    with pytest.raises(ConfigError, match="applies to the consume-transform-produce loop"):
        semcheck.build_model(EXACTLY_ONCE, commit="after-process", after_abort="keep-position")
    with pytest.raises(ConfigError, match="unknown --after-abort"):
        semcheck.build_model(EXACTLY_ONCE, commit="transactional", after_abort="rewind")
    assert "output-failure" in semcheck.build_model(EXACTLY_ONCE, commit="transactional").bounds.faults
    assert "output-failure" not in semcheck.build_model(EXACTLY_ONCE, commit="after-process").bounds.faults

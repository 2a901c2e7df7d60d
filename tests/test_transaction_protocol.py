"""Transaction protocol v1 and v2 per broker line, and the producing application that aborts its
transaction of its own accord and sends its messages again in a new one (fault class app-abort).

Sources:

* KIP-890 ("Transactions Server-Side Defense"), motivation: "a message from a previous (aborted)
  transaction [may] become part of the next transaction"; part 2 bumps the producer epoch at the end
  of every transaction.  KAFKA-17754 (Jepsen's Bufstream 0.1.0 report, reproduced on Kafka itself:
  aborted reads and lost writes through delayed messages of the transaction protocol v1).
* Kafka docs, "Transaction Protocol" (kafka.apache.org/40/operations/transaction-protocol): enabled
  on the server since 4.0, controlled by the feature transaction.version (2 on a cluster created on
  4.0 or later; an upgraded one keeps 0 until it is raised); producer clients 4.0+ use it.
  server-common TransactionVersion (apache/kafka trunk, 2024-10): TV_2 "enables epoch bump per
  transaction".
* The Java client at 3.7.0: TransactionManager.maybeTransitionToErrorState (a failed batch requires
  an epoch bump only while the transaction is not completing), RecordAccumulator.
  abortUndrainedBatches (a transactional abort spares batches that have a sequence), Sender.
  completeBatch (a batch out of retries fails without its sequence being given back),
  TransactionManager.nextRequest (EndTxn waits until no batch is incomplete).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import semcheck
from semcheck import HOLDS, VIOLATED
from semcheck.cli import main
from semcheck.model.bounds import applicable_faults
from semcheck.model.config import ConfigError, resolve_config
from semcheck.model.kafka_codes import ABORTED, ABORTING, ACKED, FAILED, INFLIGHT, ONGOING, QUEUED

from test_model_steps import walk
from test_transaction_timeouts import enabled
from test_truth_table import index_of, steps

READ_COMMITTED = {"transactional.id": "app-1", "isolation.level": "read_committed"}
# retries=1: a batch can run out of retries while the application's abort waits for it
FINITE_RETRIES = {**READ_COMMITTED, "retries": "1"}
BOUNDS = dict(messages=1, max_faults=3, faults=["network", "app-abort"])


def check(settings, broker_version, **bounds):
    return semcheck.verify(settings, broker_version=broker_version, **{**BOUNDS, **bounds})


# ---- the truth table: one row per broker line (model/versions.py) ---------------------------------
@pytest.mark.parametrize("broker_version, protocol", [
    ("3.6", "v1"),   # no transaction.version before 4.0
    ("3.8", "v1"),
    ("3.9", "v1"),
    ("4.0", "v2"),   # a cluster created on 4.0: transaction.version=2
    ("4.2", "v2"),
])
def test_an_aborted_transactions_late_request_duplicates_a_message_on_v1_only(broker_version, protocol):
    """The application aborts while m1's retry is on a broken connection; the broker had read it.
    The batch runs out of retries during the abort (no epoch bump: the client is completing), the
    abort completes, and the application sends m1 again in the next transaction.  On v1 that
    transaction has the same epoch, so the late request passes the leader's verification (the
    coordinator's transaction of that epoch is ongoing) and is in sequence: m1 is committed twice.
    On v2 the epoch was bumped when the transaction ended, and the late request is fenced."""
    result = check(FINITE_RETRIES, broker_version)
    if protocol == "v1":
        assert result.verdict("no-duplicate") == VIOLATED
        trace = steps(result, "no-duplicate")
        abort = index_of(trace, fault="app-abort")
        again = index_of(trace, contains="begins a new transaction", after=abort)
        late = index_of(trace, contains="executes the request it read before the connection broke", after=again)
        assert abort and again and late
        assert "same epoch 0" in trace[again - 1].action
        assert "m1(epoch 0, seq 0)" in trace[late - 1].action
        assert index_of(trace, contains="COMMIT marker", after=late)
    else:
        assert result.verdict("no-duplicate") == HOLDS
    # in-order holds on every line (one message), and nothing acknowledged is lost
    assert result.verdict("in-order") == HOLDS and result.verdict("no-acked-loss") == HOLDS


def test_an_upgraded_cluster_without_transaction_version_2_keeps_protocol_v1():
    """docs "Transaction Protocol": the feature is raised with kafka-features.sh; until then 4.x
    clients use v1."""
    result = check({**FINITE_RETRIES, "transaction.version": "0"}, "4.1")
    assert result.verdict("no-duplicate") == VIOLATED
    assert check({**FINITE_RETRIES, "transaction.version": "1"}, "4.1").verdict("no-duplicate") == VIOLATED
    assert check({**FINITE_RETRIES, "transaction.version": "2"}, "4.1").verdict("no-duplicate") == HOLDS


def test_with_unlimited_retries_the_transaction_timeout_fences_the_producer_first():
    """With Kafka's default retries the batch cannot run out of retries during the abort; before it
    can expire (delivery.timeout.ms, 120 s) the coordinator times the transaction out (60 s) and
    fences the producer, whose application then gives up.  So no duplicate on v1 at these bounds."""
    result = check(READ_COMMITTED, "3.9")
    assert result.verdict("no-duplicate") == HOLDS
    assert result.verdict("no-loss") == VIOLATED
    assert index_of(steps(result, "no-loss"), contains="transaction.timeout.ms")


def test_an_application_that_aborts_and_sends_again_loses_nothing_without_other_faults():
    """app-abort alone: the aborted messages are sent again and committed, on both protocols."""
    for version in ("3.9", "4.1"):
        result = semcheck.verify(READ_COMMITTED, broker_version=version, messages=2, max_faults=1,
                                 faults=["app-abort"])
        assert all(result.verdict(p) == HOLDS for p in ("no-loss", "no-acked-loss", "no-duplicate", "in-order"))


# ---- the steps, one by one --------------------------------------------------------------------------
def test_the_abort_drops_unsent_batches_and_waits_for_the_sent_ones():
    """RecordAccumulator.abortUndrainedBatches spares batches with a sequence; EndTxn waits until no
    batch is incomplete (TransactionManager.nextRequest)."""
    model = semcheck.build_model(READ_COMMITTED, messages=2, max_faults=1, faults=["app-abort"], broker_version="3.9")
    d = walk(model, None, ("producer", "send", {"message": 0, "slot": 0}),
             ("producer", "aborts its transaction", {}))
    assert d["status"] == [INFLIGHT, FAILED] and d["app_abort"] == 1 and d["txn"] == ONGOING
    assert not enabled(model, d, "producer", "abort transaction")  # m1 is not done yet
    assert not enabled(model, d, "producer", "send", {"message": 1, "slot": 1})
    d = walk(model, d, ("leader", "append", {"slot": 0}))
    for r in (1, 2):
        d = walk(model, d, (f"broker {r + 1}", "fetch", {"broker": r}))
    d = walk(model, d, ("leader", "respond", {"slot": 0}), ("producer", "receive ok", {"slot": 0}))
    assert d["status"] == [ACKED, FAILED]
    d = walk(model, d, ("producer", "abort transaction", {}))
    assert d["txn"] == ABORTING


@pytest.mark.parametrize("broker_version, epoch, next_sequence", [("3.9", 0, 1), ("4.1", 1, 0)])
def test_the_next_transaction_runs_on_in_the_same_epoch_on_v1_and_in_a_new_one_on_v2(broker_version, epoch,
                                                                                       next_sequence):
    model = semcheck.build_model(READ_COMMITTED, messages=1, max_faults=1, faults=["app-abort"],
                                 broker_version=broker_version)
    d = walk(model, None, ("producer", "send", {"message": 0, "slot": 0}), ("leader", "append", {"slot": 0}))
    for r in (1, 2):
        d = walk(model, d, (f"broker {r + 1}", "fetch", {"broker": r}))
    d = walk(model, d, ("leader", "respond", {"slot": 0}), ("producer", "receive ok", {"slot": 0}),
             ("producer", "aborts its transaction", {}), ("producer", "abort transaction", {}),
             ("coordinator", "write marker", {}))
    for r in (1, 2):
        d = walk(model, d, (f"broker {r + 1}", "fetch", {"broker": r}))
    d = walk(model, d, ("coordinator", "complete transaction", {}))
    assert d["txn"] == ABORTED and d["app_abort"] == 1 and d["epoch"] == 0
    d = walk(model, d, ("producer", "begin a new transaction", {}))
    assert d["txn"] == ONGOING and d["status"] == [QUEUED] and d["app_abort"] == 0
    assert d["epoch"] == epoch and d["next_seq"] == next_sequence
    d = walk(model, d, ("producer", "send", {"message": 0, "slot": 0}))
    assert d["req_epoch"][0] == epoch and d["req_seq"][0] == next_sequence


# ---- configuration ------------------------------------------------------------------------------------
def test_transaction_version_defaults_and_bad_values():
    assert resolve_config(READ_COMMITTED).transaction_version == 2
    assert resolve_config(READ_COMMITTED).transaction_protocol_v2
    assert resolve_config(READ_COMMITTED, broker_version="4.0").kafka_settings()["transaction.version"] == 2
    assert resolve_config(READ_COMMITTED, broker_version="3.9").transaction_version == 0
    assert "transaction.version" not in resolve_config(READ_COMMITTED, broker_version="3.9").kafka_settings()
    assert any("upgraded from 3.x keeps 0" in n for n in resolve_config(READ_COMMITTED).notes)
    with pytest.raises(ConfigError, match="transaction.version does not exist on brokers 3.9"):
        resolve_config({**READ_COMMITTED, "transaction.version": "2"}, broker_version="3.9")
    with pytest.raises(ConfigError, match="invalid value '3' for transaction.version"):
        resolve_config({**READ_COMMITTED, "transaction.version": "3"})
    config = resolve_config({"transaction.version": "0"})
    assert not config.transaction_protocol_v2
    assert any("changes nothing without a transactional.id" in n for n in config.notes)


def test_app_abort_needs_a_transactional_id_and_all_includes_it_only_then():
    assert "app-abort" in applicable_faults(transactional=True)
    assert "app-abort" not in applicable_faults(transactional=False)
    with pytest.raises(ConfigError, match="app-abort needs a transactional.id"):
        semcheck.build_model({}, messages=1, max_faults=1, faults=["app-abort"])


@pytest.mark.parametrize("args, message", [
    (["--faults", "app-abort"], "app-abort needs a transactional.id"),
    (["-X", "transactional.id=a", "-X", "transaction.version=2", "--broker-version", "3.9"],
     "transaction.version does not exist on brokers 3.9"),
    (["-X", "transactional.id=a", "-X", "transaction.version=two"], "invalid value 'two' for transaction.version"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    run = CliRunner().invoke(main, ["verify", "--messages", "1", "--max-faults", "1", *args])
    assert run.exit_code == 2
    assert message in run.output and len(run.output.strip().splitlines()) == 1


def test_once_the_application_aborts_it_does_not_commit():
    model = semcheck.build_model(READ_COMMITTED, messages=1, max_faults=1, faults=["app-abort"])
    d = walk(model, None, ("producer", "send", {"message": 0, "slot": 0}), ("leader", "append", {"slot": 0}))
    for r in (1, 2):
        d = walk(model, d, (f"broker {r + 1}", "fetch", {"broker": r}))
    d = walk(model, d, ("leader", "respond", {"slot": 0}), ("producer", "receive ok", {"slot": 0}))
    assert enabled(model, d, "producer", "commit transaction")
    d = walk(model, d, ("producer", "aborts its transaction", {}))
    assert not enabled(model, d, "producer", "commit transaction")
    assert enabled(model, d, "producer", "abort transaction")


@pytest.mark.parametrize("broker_version, settings, says", [
    ("4.1", {}, "transaction protocol v2 (KIP-890 part 2: brokers 4.1-4.2 with transaction.version=2"),
    ("4.1", {"transaction.version": "0"}, "transaction protocol v1 (transaction.version=0)"),
    ("3.9", {}, "transaction protocol v1 (brokers 3.9)"),
])
def test_every_transactional_verdict_names_the_protocol_it_rests_on(broker_version, settings, says):
    model = semcheck.build_model({**READ_COMMITTED, **settings}, broker_version=broker_version, messages=1,
                                 max_faults=1, faults=["app-abort"])
    protocol = [a for a in model.assumptions() if a.id == "transaction-protocol"]
    assert len(protocol) == 1 and protocol[0].text.startswith(says)
    assert not [a for a in semcheck.build_model({}, messages=1).assumptions() if a.id == "transaction-protocol"]


def test_a_late_request_between_the_abort_and_the_next_transaction_is_rejected():
    """Between abortTransaction() returning and the client adding the partition to the next
    transaction, the coordinator has no ongoing transaction, so the leader's verification
    (KIP-890 part 1) rejects a late request of the aborted one: a run of its own, in which the
    next transaction's batch then meets a sequence gap.  Taking the two as one step would hide it."""
    model = semcheck.build_model(FINITE_RETRIES, broker_version="3.9", **BOUNDS)
    d = walk(model, None, ("producer", "send", {"message": 0, "slot": 0}),
             ("network", "breaks the connection after a read", {"broker": 0}),
             ("producer", "aborts its transaction", {}),
             ("producer", "time out", {"broker": 0}))
    assert d["status"] == [QUEUED] and d["o_msg"][0] == 1  # retried once (retries=1)
    d = walk(model, d, ("producer", "send", {"message": 0, "slot": 0}),
             ("network", "breaks the connection", {"broker": 0}),
             ("producer", "time out", {"broker": 0}))
    assert d["status"] == [FAILED] and d["req_msg"][0] == 0
    d = walk(model, d, ("producer", "abort transaction", {}), ("coordinator", "write marker", {}))
    for r in (1, 2):
        d = walk(model, d, (f"broker {r + 1}", "fetch", {"broker": r}))
    d = walk(model, d, ("coordinator", "complete transaction", {}))
    assert d["txn"] == ABORTED
    assert not enabled(model, d, "leader", "executes an orphaned request", {"orphan": 0})
    d = walk(model, d, ("broker", "drops an orphaned request", {"orphan": 0}),
             ("producer", "begin a new transaction", {}))
    assert d["o_msg"][0] == 0 and d["txn"] == ONGOING and d["next_seq"] == 1

"""The client lines (``--client``, ``--client-version``): each line's defaults, effective-config rules and
the verdicts they change, one truth-table row per line, each citing its source.

Sources: Java: apache/kafka at the release tags, ``tag:file:line`` as in docs/audits/java-client-lines.md
([PC] clients/.../producer/ProducerConfig.java, [KP] KafkaProducer.java, [RA] RecordAccumulator.java);
librdkafka: confluentinc/librdkafka src/rdkafka_conf.c and CONFIGURATION.md at 4c3b017 (v2.15.0+1),
as in docs/audits/librdkafka.md.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import semcheck
from semcheck.checker.result import HOLDS, VIOLATED
from semcheck.cli import main
from semcheck.model.clients import NEWEST_JAVA, client_line
from semcheck.model.config import resolve_config
from test_config import one_line_error as error_of  # the error's one line


def verdicts(settings=None, **kw) -> dict[str, str]:
    return {r.property: r.verdict for r in semcheck.verify(settings, **kw).results}


# ---- choosing a client ----------------------------------------------------------------------

@pytest.mark.parametrize("library, version, line", [
    ("java", "0.11.0.3", "0.11"),
    ("java", "2.0.1", "1.0-2.0"),
    ("java", "2.2.2", "2.1-2.2"),
    ("java", "2.4.1", "2.3-2.4"),
    ("java", "2.6", "2.5-2.6"),
    ("java", "2.8.2", "2.7-2.8"),
    ("java", "3.0.0", "3.0.0/3.1.0"),
    ("java", "3.1.0", "3.0.0/3.1.0"),
    ("java", "3.0.1", "3.0.1-3.9"),
    ("java", "3.1.2", "3.0.1-3.9"),
    ("java", "3.9", "3.0.1-3.9"),
    ("java", "4.1.1", "4.0-4.2"),
    ("librdkafka", "2.3.0", "2.3-2.16"),
    ("librdkafka", "v2.12.1", "2.3-2.16"),
])
def test_a_release_maps_to_its_line(library, version, line):
    assert client_line(library, version).name == line


def test_the_default_client_is_the_newest_java_line_and_every_report_names_it():
    assert resolve_config({}).client == NEWEST_JAVA
    res = CliRunner().invoke(main, ["verify", "--messages", "1", "--max-faults", "0", "--format", "json"])
    assert json.loads(res.stdout)["client"] == "Java client 4.0-4.2"
    res = CliRunner().invoke(main, ["verify", "--client", "librdkafka", "--messages", "1", "--max-faults", "0"])
    assert "Client: librdkafka 2.3-2.16" in res.stdout


@pytest.mark.parametrize("args, needle", [
    (["--client", "kafka-python"], "--client 'kafka-python': unknown client; semcheck models java and librdkafka"),
    (["--client-version", "3.0"], "3.0.0 differs from 3.0.1 and later (KAFKA-13598"),
    (["--client-version", "4.3"], "newer than the newest release"),
    (["--client-version", "0.10.2"], "older than the releases semcheck models"),
    (["--client", "librdkafka", "--client-version", "1.9.2"], "older than the releases semcheck models"),
    (["--client-version", "three"], "expected a java release such as 3.9.1"),
    (["-X", "enable.auto.offset.store=false"], "it is a librdkafka setting (--client librdkafka)"),
    (["-X", "message.timeout.ms=60000"], "did you mean 'delivery.timeout.ms'? (message.timeout.ms is how librdkafka"),
    (["--client", "librdkafka", "-X", "enable.idempotency=true"], "for the client librdkafka 2.3-2.16: did you mean "
                                                                  "'enable.idempotence'?"),
    (["--client", "librdkafka", "-X", "linger.ms=5"], "unknown Kafka setting 'linger.ms' for the client librdkafka"),
    (["--client-version", "2.0.0", "--broker-version", "3.9", "-X", "delivery.timeout.ms=60000"],
     "delivery.timeout.ms does not exist in the Java client 1.0-2.0: it came with 2.1 (KIP-91)"),
])
def test_bad_client_input_is_one_line_and_exit_2(args, needle):
    res = CliRunner().invoke(main, ["verify", *args, "--messages", "1", "--max-faults", "0"])
    assert res.exit_code == 2, res.output
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr


# ---- the Java client, line by line: configuration -------------------------------------------

def test_java_before_2_1_defaults_to_no_retries_and_acks_1():
    # 0.11.0.0:PC:224-228,252-254 and 2.0.0:PC:227-231,255-257: acks "1", retries 0; no delivery.timeout.ms
    for version in ("0.11.0.3", "1.1.1", "2.0.1"):
        cfg = resolve_config({}, client_version=version, broker_version="3.9")
        assert (cfg.acks, cfg.retries, cfg.enable_idempotence) == (1, 0, False)
        assert "delivery.timeout.ms" not in cfg.kafka_settings()


def test_java_before_2_1_is_refused_by_brokers_4():
    # KIP-896 (4.0): the brokers removed the request versions clients before 2.1 use
    assert "KIP-896" in error_of({}, client_version="2.0.1")
    assert "KIP-896" in error_of({}, client_version="1.1.0", broker_version="4.0")


def test_java_before_2_1_loses_a_message_on_one_network_fault():
    # retries=0 by default before 2.1 (2.0.0:PC:255-257): a timed-out request fails the send
    bounds = dict(messages=2, max_faults=1, faults=["network"], broker_version="3.9")
    assert verdicts({}, client_version="2.0.1", **bounds)["no-loss"] == VIOLATED
    assert verdicts({}, client_version="2.1.0", **bounds)["no-loss"] == HOLDS


def test_java_before_2_1_expires_batches_in_the_accumulator():
    # 2.0.0:RA:279-311 (RecordAccumulator.expiredBatches, after the drain, one batch per partition per
    # loop; ProducerBatch.maybeExpire): after the request timeout m1 is retried and m3, which has waited
    # since the start behind two requests in flight, expires.  2.1+ has one deadline, delivery.timeout.ms
    # (120 s: four request timeouts), which one lost request does not reach.
    settings = {"acks": "all", "retries": "3", "max.in.flight.requests.per.connection": "2"}
    bounds = dict(messages=3, max_faults=1, faults=["network"], broker_version="3.9", properties=["no-loss"])
    r = semcheck.verify(settings, client_version="2.0.0", **bounds)
    assert r.verdict("no-loss") == VIOLATED
    assert any("has waited in the accumulator longer than request.timeout.ms" in st.action
               for st in r["no-loss"].trace.steps)
    assert verdicts(settings, client_version="2.1.0", **bounds)["no-loss"] == HOLDS


def test_java_2_1_to_2_8_default_acks_1_and_unlimited_retries():
    # 2.1.0:PC:254-257,263-264 (KIP-91: retries MAX_INT, delivery.timeout.ms 120000); 2.8.0:PC:300-304
    for version in ("2.1.0", "2.5.1", "2.8.2"):
        cfg = resolve_config({}, client_version=version)
        assert (cfg.acks, cfg.unlimited_retries, cfg.enable_idempotence, cfg.delivery_timeout_ms) == (1, True, False,
                                                                                                       120_000)


def test_java_2_x_explicit_idempotence_forces_acks_all():
    # 2.8.0:PC:466-485 maybeOverrideAcksAndRetries: an unset acks becomes -1 for the idempotent producer
    cfg = resolve_config({"enable.idempotence": "true"}, client_version="2.8.1")
    assert cfg.enable_idempotence and cfg.acks == -1
    assert any(n.startswith("acks=all: the Java client 2.7-2.8 overrides its default acks=1") for n in cfg.notes)


def test_java_2_x_explicit_idempotence_with_acks_1_is_an_error():
    # 2.8.0:PC:466-485: an explicit acks other than all throws
    assert error_of({"enable.idempotence": "true", "acks": "1"}, client_version="2.8.1").endswith(
        "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.")


def test_java_2_x_never_disables_idempotence_silently():
    # before 3.0.1 the idempotent producer is opt-in: enable.idempotence=true with max.in.flight 6 throws
    # (2.8.0:KP:546-552) rather than falling back as 3.0.1+ does
    assert "at most 5" in error_of({"enable.idempotence": "true", "max.in.flight.requests.per.connection": "6"},
                                   client_version="2.7.0")


def test_java_3_0_0_and_3_1_0_do_not_apply_their_idempotence_default():
    # KAFKA-13598: 3.0.0:PC:493-501 and 3.1.0:PC:516-524, idempotenceEnabled() reads
    # userConfiguredIdempotence && enable.idempotence, so the default true is ignored; acks is all (KIP-679)
    for version in ("3.0.0", "3.1.0"):
        cfg = resolve_config({}, client_version=version)
        assert cfg.acks == -1 and not cfg.enable_idempotence
        assert any("KAFKA-13598" in n for n in cfg.notes)
    assert resolve_config({}, client_version="3.0.1").enable_idempotence  # 3.0.1:PC:453-504, the fix
    assert resolve_config({}, client_version="3.1.1").enable_idempotence


def test_java_4_rejects_more_than_5_in_flight_unless_idempotence_is_off():
    # KAFKA-17927 (4.0): max.in.flight > 5 with idempotence not explicitly off is a ConfigException,
    # even where acks=1 would disable idempotence; 3.x disabled idempotence with a warning
    assert "Current value is 6" in error_of({"max.in.flight.requests.per.connection": "6", "acks": "1"})
    cfg = resolve_config({"max.in.flight.requests.per.connection": "6", "enable.idempotence": "false"})
    assert cfg.max_in_flight == 6 and not cfg.enable_idempotence
    cfg = resolve_config({"max.in.flight.requests.per.connection": "6"}, client_version="3.9.1")
    assert not cfg.enable_idempotence


def test_java_4_delivery_timeout_floor_includes_linger_5():
    # KIP-1030 (4.0): linger.ms defaults to 5, and KafkaProducer.configureDeliveryTimeout
    # (3.9.0-rc3:KP:581-602) rejects an explicit delivery.timeout.ms below linger.ms + request.timeout.ms
    assert "5 + 30000" in error_of({"delivery.timeout.ms": "30000"})
    assert resolve_config({"delivery.timeout.ms": "30005"}).delivery_timeout_ms == 30_005
    assert resolve_config({"delivery.timeout.ms": "30000"}, client_version="3.9.1").delivery_timeout_ms == 30_000


@pytest.mark.parametrize("version, refused", [
    # KIP-360 (2.5): before it OUT_OF_ORDER_SEQUENCE_NUMBER fails the batch and resets the producer id
    # (2.4.0:TM:607-614)
    ("2.4.1", "idempotent producer of the Java client 2.3-2.4 is not modelled: its idempotent producer fails"),
    ("2.2.0", "idempotent producer of the Java client 2.1-2.2 is not modelled"),
])
def test_java_idempotence_before_2_5_is_refused(version, refused):
    # semcheck does not model these rules: refused rather than answered by the 3.x rules
    assert refused in error_of({"enable.idempotence": "true"}, client_version=version, broker_version="3.9")


def test_java_2_5_and_2_6_fail_every_batch_on_invalid_producer_epoch():
    # 2.6.0:Errors:230-232: INVALID_PRODUCER_EPOCH is ProducerFencedException, fatal: nothing more is sent,
    # and the next Sender loop aborts every incomplete batch, queued or on the wire (2.5.0:S:300-305,481-486;
    # RA.abortIncompleteBatches), answers handled before it still counting.  From 2.7 (KIP-588) it fails
    # that batch only, and the idempotent producer bumps its epoch (2.7.0:TM:696-708)
    from semcheck.model.kafka_codes import FAILED, FENCED, INFLIGHT, QUEUED
    from test_model_steps import step

    for version, other, epoch in (("2.6.0", QUEUED, 0), ("2.7.0", QUEUED, 1)):
        model = semcheck.build_model({"enable.idempotence": "true"}, client_version=version, broker_version="3.9",
                                     messages=2, max_faults=1, faults=["broker-crash"])
        d = model.layout.decode(model.initial_states()[0])
        d["status"] = [INFLIGHT, QUEUED]
        d["seq"][0], d["next_seq"] = 1, 1
        d["req_msg"][0], d["req_stage"][0], d["req_broker"][0] = 1, FENCED, 0
        after = step(model, model.layout.encode(d), "producer", "receive invalid epoch", {"slot": 0})
        assert after["status"] == [FAILED, other] and after["epoch"] == epoch, version
        encoded = model.layout.encode(after)
        if version == "2.6.0":
            assert after["fatal"] == 1
            assert step(model, encoded, "producer", "send", {"message": 1, "slot": 0}) is None
            aborted = step(model, encoded, "producer", "aborts an incomplete batch", {"message": 1})
            assert aborted["status"] == [FAILED, FAILED]
        else:
            assert step(model, encoded, "producer", "send", {"message": 1, "slot": 0}) is not None


def test_java_transactions_before_2_1_are_refused_and_the_loop_needs_kip_447():
    # before 2.1 an expired retried batch is fatal for a transactional producer (2.0.0:S:204-211); the
    # consume-transform-produce loop needs sendOffsetsToTransaction with group metadata (KIP-447, 2.5)
    assert "is not modelled" in error_of({"transactional.id": "t"}, client_version="2.0.1", broker_version="3.9")
    assert resolve_config({"transactional.id": "t"}, client_version="2.2.0").transactional
    assert "KIP-447" in error_of({"transactional.id": "t", "enable.auto.commit": "false"}, commit="transactional",
                                 client_version="2.4.1")
    assert resolve_config({"transactional.id": "t", "enable.auto.commit": "false"}, commit="transactional",
                          client_version="2.5.0").commit == "transactional"


def test_java_consumers_before_2_3_do_not_validate_their_position():
    # KAFKA-7747 (2.3, KIP-320's consumer side): before it a consumer does not check for a truncated log
    # after a leader change
    assert not resolve_config({}, client_version="2.2.2").client.validates_positions
    assert resolve_config({}, client_version="2.3.0").client.validates_positions


def test_a_3_x_java_client_keeps_transaction_protocol_v1_on_4_x_brokers():
    # KIP-890 part 2: only 4.0+ clients send EndTxn v5; the brokers keep serving v1 to older ones
    assert resolve_config({"transactional.id": "t"}).transaction_protocol_v2
    cfg = resolve_config({"transactional.id": "t"}, client_version="3.9.1")
    assert cfg.transaction_version == 2 and not cfg.transaction_protocol_v2
    assert any("does not speak transaction protocol v2" in n for n in cfg.notes)


# ---- librdkafka: configuration (CONFIGURATION.md, rdkafka_conf.c) ---------------------------------

def rdk(settings=None, **kw):
    return resolve_config(settings, client="librdkafka", **kw)


def test_librdkafka_defaults():
    # CONFIGURATION.md: request.required.acks -1, enable.idempotence false, message.send.max.retries
    # INT32_MAX, max.in.flight 1000000, message.timeout.ms 300000, socket.timeout.ms 60000,
    # isolation.level read_committed, auto.offset.reset largest
    cfg = rdk()
    assert (cfg.acks, cfg.unlimited_retries, cfg.enable_idempotence, cfg.max_in_flight) == (-1, True, False, 1_000_000)
    assert (cfg.delivery_timeout_ms, cfg.request_timeout_ms, cfg.request_timeouts_to_deadline) == (300_000, 60_000, 5)
    assert (cfg.isolation_level, cfg.auto_offset_reset, cfg.enable_auto_offset_store) == ("read_committed", "latest",
                                                                                          True)
    assert list(cfg.kafka_settings())[-2:] == ["message.timeout.ms", "socket.timeout.ms"]


def test_librdkafka_aliases_name_the_same_setting():
    # rdkafka_conf.c _RK_C_ALIAS: acks -> request.required.acks, retries -> message.send.max.retries,
    # max.in.flight -> max.in.flight.requests.per.connection, delivery.timeout.ms -> message.timeout.ms
    assert rdk({"request.required.acks": "1"}) == rdk({"acks": "1"})
    assert rdk({"message.send.max.retries": "3"}).retries == 3
    assert rdk({"max.in.flight": "2"}).max_in_flight == 2
    assert rdk({"delivery.timeout.ms": "120000"}).delivery_timeout_ms == 120_000
    assert "same librdkafka setting" in error_of({"acks": "all", "request.required.acks": "1"}, client="librdkafka")


def test_librdkafka_reads_values_its_own_way():
    # rd_kafka_anyconf_set_prop0: booleans t/f/1/0, enums in any case; auto.offset.reset synonyms
    assert rdk({"enable.auto.commit": "f"}).enable_auto_commit is False and rdk({"enable.auto.commit": "T"}).enable_auto_commit
    assert rdk({"isolation.level": "READ_UNCOMMITTED"}).isolation_level == "read_uncommitted"
    assert rdk({"auto.offset.reset": "smallest"}).auto_offset_reset == "earliest"
    assert "ERR__AUTO_OFFSET_RESET" in error_of({"auto.offset.reset": "error"}, client="librdkafka")
    assert "semcheck models acks 0, 1 and all" in error_of({"acks": "2"}, client="librdkafka")


def test_librdkafka_message_timeout_zero_is_never():
    # CONFIGURATION.md, message.timeout.ms: "A time of 0 is infinite"
    cfg = rdk({"message.timeout.ms": "0"})
    assert cfg.request_timeouts_to_deadline is None


@pytest.mark.parametrize("settings, message", [
    ({"enable.idempotence": "true", "max.in.flight": "6"},
     "`max.in.flight` must be set <= 5 when `enable.idempotence` is true"),
    ({"enable.idempotence": "true", "retries": "0"}, "`retries` must be set >= 1 when `enable.idempotence` is true"),
    ({"enable.idempotence": "true", "acks": "1"}, "`acks` must be set to `all` when `enable.idempotence` is true"),
    ({"transactional.id": "t", "enable.idempotence": "false"}, "`transactional.id` requires `enable.idempotence=true`"),
    ({"transactional.id": "t", "message.timeout.ms": "70000"},
     "`message.timeout.ms` must be set <= `transaction.timeout.ms`"),
    ({"transactional.id": "t", "socket.timeout.ms": "60101"},
     "`socket.timeout.ms` must be set <= `transaction.timeout.ms` + 100"),
])
def test_librdkafka_rejects_explicit_conflicts(settings, message):
    # rd_kafka_conf_finalize (rdkafka_conf.c:4578-4645) and rd_kafka_topic_conf_finalize (4751-4782)
    assert error_of(settings, client="librdkafka") == f"librdkafka rejects this configuration: {message}"


# ---- verdicts that differ between lines and clients -----------------------------------------

def test_java_2_x_defaults_duplicate_and_reorder():
    # 2.1.0:PC:254-264: acks=1, retries MAX_INT, idempotence off, 5 in flight: a broken connection makes
    # the client retry records already written, newest first (RecordAccumulator.reenqueue)
    v = verdicts({}, client_version="2.8.2", messages=2, max_faults=1, faults=["network"])
    assert (v["no-loss"], v["no-duplicate"], v["in-order"]) == (HOLDS, VIOLATED, VIOLATED)


def test_java_3_0_0_duplicates_where_3_0_1_does_not():
    # KAFKA-13598: the 3.0.0 producer runs without idempotence (and retries MAX, 5 in flight)
    assert verdicts({}, client_version="3.0.0", messages=2, max_faults=1, faults=["network"]) == {
        "no-loss": HOLDS, "no-acked-loss": HOLDS, "no-duplicate": VIOLATED, "in-order": VIOLATED}
    assert set(verdicts({}, client_version="3.0.1", messages=2, max_faults=1, faults=["network"]).values()) == {HOLDS}


def test_retry_order_java_front_librdkafka_message_order():
    # Java: RecordAccumulator.reenqueue puts each failed batch at the front (3.9.0-rc3:RA:518-525), so of
    # two failing together on a broken connection the newest is retried first; librdkafka re-inserts
    # retried messages in message-id order (rd_kafka_retry_msgq -> rd_kafka_msgq_insert_msgq), so one
    # broken connection does not reorder
    plain = {"enable.idempotence": "false"}
    java = verdicts(plain, messages=2, max_faults=1, faults=["network"])
    librdkafka = verdicts(plain, client="librdkafka", messages=2, max_faults=1, faults=["network"])
    assert java["in-order"] == VIOLATED and librdkafka["in-order"] == HOLDS
    assert java["no-duplicate"] == librdkafka["no-duplicate"] == VIOLATED


def test_librdkafka_reorders_when_a_later_request_succeeds_first():
    # CONFIGURATION.md, message.send.max.retries: "retrying may cause reordering unless
    # enable.idempotence is set to true": m1 refused (NOT_ENOUGH_REPLICAS), m2 written, m1 retried
    v = verdicts({"min.insync.replicas": "2", "replication.factor": "2"}, client="librdkafka", messages=2,
                 max_faults=1, faults=["follower-lag"])
    assert v["in-order"] == VIOLATED


def test_librdkafka_defaults_duplicate_where_java_defaults_do_not():
    # librdkafka: enable.idempotence=false by default (CONFIGURATION.md); Java 3.0.1+: true (KIP-679)
    assert verdicts({}, client="librdkafka", messages=2, max_faults=1, faults=["network"])["no-duplicate"] == VIOLATED
    assert verdicts({}, messages=2, max_faults=1, faults=["network"])["no-duplicate"] == HOLDS


def test_librdkafka_auto_commit_can_precede_processing():
    # librdkafka stores offset+1 when it hands a message to the application (rd_kafka_fetch_op_app_prepare,
    # enable.auto.offset.store=true) and its timer commits stored offsets at any time: a consumer crash
    # after the commit and before processing loses the message.  Java commits in poll() what the
    # previous poll returned, processed by then (ConsumerCoordinator.maybeAutoCommitOffsetsAsync)
    bounds = dict(messages=2, max_faults=1, faults=["consumer-crash"])
    earliest = {"auto.offset.reset": "earliest"}
    assert verdicts(earliest, client="librdkafka", **bounds)["no-loss"] == VIOLATED
    assert verdicts(earliest, **bounds)["no-loss"] == HOLDS
    # CONFIGURATION.md, enable.auto.offset.store: false, and the application stores after processing
    stored_after = {**earliest, "enable.auto.offset.store": "false"}
    assert verdicts(stored_after, client="librdkafka", **bounds)["no-loss"] == HOLDS


def test_librdkafka_retries_not_leader_without_counting():
    # rdkafka_request.c rd_kafka_handle_Produce_error: NOT_LEADER_OR_FOLLOWER's action is REFRESH, and
    # rd_kafka_retry_msgq is called with incr 0 for it, so even retries=0 (legal without idempotence)
    # retries it; the Java client counts every attempt (Sender.canRetry) and fails the send
    from semcheck.model.kafka_codes import ERR, FAILED, INFLIGHT, NOT_LEADER, QUEUED
    from test_model_steps import step

    for client, stage, action, status in (("librdkafka", NOT_LEADER, "receive not leader", QUEUED),
                                          ("java", ERR, "receive error", FAILED)):
        model = semcheck.build_model({"retries": "0", "acks": "1", "enable.idempotence": "false"}, client=client,
                                     messages=1, max_faults=1, faults=["broker-crash"])
        d = model.layout.decode(model.initial_states()[0])
        d["status"][0], d["req_msg"][0], d["req_stage"][0], d["req_broker"][0] = INFLIGHT, 1, stage, 1
        after = step(model, model.layout.encode(d), "producer", action, {"slot": 0})
        assert after["status"][0] == status and after["tries"][0] == 0


def test_librdkafka_reorders_even_with_one_request_in_flight():
    # max.in.flight only limits requests on the wire: librdkafka builds the next request meanwhile
    # (queue.buffering.backpressure.threshold=1), and a retry put back in the queue comes after it
    # (tests/test_real_client.py shows it on the real client); the Java client mutes the partition
    # (guaranteeMessageOrder, 3.9.0-rc3:KP:542) and keeps order
    settings = {"enable.idempotence": "false", "max.in.flight.requests.per.connection": "1",
                "min.insync.replicas": "2", "replication.factor": "2"}
    bounds = dict(messages=2, max_faults=1, faults=["follower-lag"])
    assert verdicts(settings, client="librdkafka", **bounds)["in-order"] == VIOLATED
    assert verdicts(settings, **bounds)["in-order"] == HOLDS


def test_the_notes_name_each_client_default_a_reader_of_todays_docs_would_not_expect():
    # CONFIGURATION.md (enable.idempotence false, isolation.level read_committed); 2.0.0:PC:227-231,255-257
    # (acks 1, retries 0).  The report prints these notes under the effective configuration.
    notes = rdk().notes
    assert any(n.startswith("enable.idempotence=false: librdkafka's default") for n in notes)
    assert any(n.startswith("isolation.level=read_committed: librdkafka's default") for n in notes)
    notes = resolve_config({}, client_version="2.0.1", broker_version="3.9").notes
    assert any(n.startswith("retries=0: the default of the Java client 1.0-2.0") for n in notes)
    assert any(n.startswith("acks=1: the default of the Java client 1.0-2.0") for n in notes)
    assert not any("default of the Java client" in n for n in resolve_config({}).notes)


def test_a_saved_trace_replays_on_the_client_it_was_found_for(tmp_path):
    # the trace file names the client and a release of its line (src/semcheck/tracefile.py), so a replay
    # builds the same model: librdkafka's retry order, Java 3.0.0's idempotence default
    for kw, prop in (({"client": "librdkafka"}, "no-duplicate"), ({"client_version": "3.0.0"}, "in-order")):
        r = semcheck.verify({}, messages=2, max_faults=1, faults=["network"], properties=[prop], **kw)
        path = tmp_path / "trace.json"
        from semcheck.tracefile import write_trace_file
        write_trace_file(r, path)
        again = semcheck.replay(path)
        assert again.client == r.client and again.verdict(prop) == VIOLATED


def test_librdkafka_one_in_flight_reorders_across_a_leader_change():
    # the in-flight limit is per connection (rdkafka_broker.c:2779) and, without idempotence, nothing
    # waits for the old leader's requests (the drain on a leader change is idempotent-only,
    # rdkafka_broker.c:3505-3516): m1 waits on a leader that lost power while m2 goes to the new one.
    # The Java client mutes the partition (3.9.0-rc3:KP:542) and keeps order
    bounds = dict(messages=2, max_faults=1, faults=["power-loss"], properties=["in-order"])
    assert verdicts({"max.in.flight": "1"}, client="librdkafka", **bounds)["in-order"] == VIOLATED
    java = {"max.in.flight.requests.per.connection": "1", "enable.idempotence": "false"}
    assert verdicts(java, **bounds)["in-order"] == HOLDS


def test_librdkafka_a_broken_connection_with_five_in_flight_keeps_order_with_acks_1():
    # docs/audits/librdkafka-producer-vs-model.md 5.5 (5): retries back in message order; Java retries the
    # newest first (RecordAccumulator.reenqueue) and reorders
    bounds = dict(messages=2, max_faults=1, faults=["network"], properties=["in-order"])
    assert verdicts({"acks": "1"}, client="librdkafka", **bounds)["in-order"] == HOLDS
    assert verdicts({"acks": "1"}, **bounds)["in-order"] == VIOLATED


def test_librdkafka_request_built_but_not_sent_waits_and_is_retried_uncounted():
    # with max.in.flight=1 librdkafka builds m2's request behind m1's; it leaves the output queue only once
    # m1's answer has come in (rdkafka_broker.c:2779), and when the connection closes it is retried without
    # counting a retry, as it was never sent (rdkafka_request.c:4620-4621, rd_kafka_buf_was_sent)
    from semcheck.model.kafka_codes import INFLIGHT, LOST, OK, QUEUED, REQ
    from test_model_steps import step

    model = semcheck.build_model({"max.in.flight": "1", "retries": "1"}, client="librdkafka", messages=2,
                                 max_faults=1, faults=["network"])
    d = model.layout.decode(model.initial_states()[0])
    d["status"] = [INFLIGHT, INFLIGHT]
    d["req_msg"], d["req_stage"], d["req_broker"] = [1, 2], [OK, REQ], [0, 0]
    # m1 is answered, but the client has not read the answer: m2 is still unsent
    assert step(model, model.layout.encode(d), "leader", "append", {"slot": 1}) is None
    d["req_stage"] = [LOST, REQ]
    closed = step(model, model.layout.encode(d), "producer", "time out", {"broker": 0})
    assert closed["status"] == [QUEUED, QUEUED] and closed["tries"] == [1, 0]


# ---- librdkafka's idempotent producer (docs/audits/librdkafka-producer-vs-model.md, 5.1 and 5.5) ----

RF2_MIN_ISR_2 = {"enable.idempotence": "true", "replication.factor": "2", "min.insync.replicas": "2"}


def test_librdkafka_implicit_acknowledgement_acknowledges_a_record_never_written():
    # rdkafka_request.c:4802-4803 / rdkafka_broker.c:3107-3142: a success acknowledges every earlier message
    # waiting for a retry.  m1 is refused (NOT_ENOUGH_REPLICAS), m2 is accepted (a 3.6+ leader with no state
    # for the producer takes any sequence), and m1 is reported delivered: acked loss.  The Java client retries
    # m1 instead (OUT_OF_ORDER_SEQUENCE_NUMBER) and loses nothing acknowledged.
    bounds = dict(messages=2, max_faults=1, faults=["follower-lag"], properties=["no-acked-loss"])
    assert verdicts(RF2_MIN_ISR_2, client="librdkafka", **bounds)["no-acked-loss"] == VIOLATED
    assert verdicts(RF2_MIN_ISR_2, **bounds)["no-acked-loss"] == HOLDS


def test_librdkafka_epoch_bump_writes_an_appended_record_again():
    # rdkafka_request.c:4200-4246 ("skipped sequence numbers"), rdkafka_partition.c:4778-4810: m1 failed after
    # its append (NOT_ENOUGH_REPLICAS_AFTER_APPEND), m3's OUT_OF_ORDER_SEQUENCE_NUMBER above the next
    # expected sequence bumps the epoch once nothing is in flight, and m1 is numbered 0 again: a duplicate
    r = semcheck.verify(RF2_MIN_ISR_2, client="librdkafka", messages=3, max_faults=1, faults=["follower-lag"],
                        properties=["no-duplicate"])
    assert r.verdict("no-duplicate") == VIOLATED
    assert any("librdkafka bumps its epoch" in st.action for st in r["no-duplicate"].trace.steps)


def test_librdkafka_idempotence_dedupes_a_lost_answer_and_keeps_order():
    # with idempotence the broker dedupes the retry (same producer id, epoch and sequence) and librdkafka
    # drains before retrying (rdkafka_request.c:4630-4651): no duplicate, no reordering on a broken connection
    v = verdicts({"enable.idempotence": "true"}, client="librdkafka", messages=2, max_faults=1, faults=["network"])
    assert set(v.values()) == {HOLDS}


def test_librdkafka_out_of_order_at_the_next_sequence_is_fatal():
    # rdkafka_request.c:4161-4199: OUT_OF_ORDER_SEQUENCE_NUMBER for the batch librdkafka expects next is a
    # fatal error (the Java client bumps its epoch and retries): the batch and every queued message fail
    from semcheck.model.kafka_codes import FAILED, INFLIGHT, OOS, QUEUED
    from test_model_steps import step

    model = semcheck.build_model({"enable.idempotence": "true"}, client="librdkafka", messages=2, max_faults=1,
                                 faults=["broker-crash"])
    d = model.layout.decode(model.initial_states()[0])
    d["status"] = [INFLIGHT, QUEUED]
    d["seq"][0], d["next_seq"] = 1, 1
    d["req_msg"][0], d["req_stage"][0], d["req_broker"][0] = 1, OOS, 0
    after = step(model, model.layout.encode(d), "producer", "receive out of order sequence", {"slot": 0})
    assert after["status"] == [FAILED, FAILED] and after["fatal"] == 1 and after["epoch"] == 0


# ---- librdkafka's transactional producer (docs/audits/librdkafka-producer-vs-model.md, 1.10, rules 7-11) ----

def librdkafka_txn_state(model, **fields):
    """The initial state of ``model`` with ``fields`` set (lists replace whole arrays)."""
    d = model.layout.decode(model.initial_states()[0])
    for name, value in fields.items():
        d[name] = value
    return d


def txn_model(faults, messages=2, **settings):
    return semcheck.build_model({"transactional.id": "t", **settings}, client="librdkafka", messages=messages,
                                max_faults=2, faults=faults)


def test_librdkafka_abort_moves_the_sequence_base_and_a_committed_message_is_never_written():
    # rd_kafka_abort_transaction (txnmgr.c:2788-2860) purges every queued message, a retry-waiting one too,
    # and rd_kafka_toppar_purge_queues (rdkafka_partition.c:4863-4879) moves the epoch's base message id up
    # by their number; no message timed out, so the epoch stays.  The next transaction's m1 gets the aborted
    # m1's sequence number, the leader answers it as a duplicate, and the commit acknowledges a message the
    # log holds only in the aborted transaction.  The Java client (3.9: protocol v1 too) sends its retry
    # before EndTxn and lets sequences run on: nothing acknowledged is lost at these bounds.
    bounds = dict(messages=1, max_faults=2, faults=["network", "app-abort"], properties=["no-acked-loss"])
    r = semcheck.verify({"transactional.id": "t"}, client="librdkafka", **bounds)
    assert r.verdict("no-acked-loss") == VIOLATED
    steps = [st.action for st in r["no-acked-loss"].trace.steps]
    assert any("moves its sequence base up by 1: the next new message takes sequence number 0" in st for st in steps)
    assert verdicts({"transactional.id": "t"}, client_version="3.9.1", **bounds)["no-acked-loss"] == HOLDS


def test_librdkafka_abort_purges_retries_and_sends_nothing_more():
    from semcheck.model.kafka_codes import ERR, FAILED, INFLIGHT, QUEUED
    from test_model_steps import step

    model = txn_model(["network", "app-abort"])
    # m1 (sequence 0) waits for its retry, m2 (sequence 1) is in flight
    d = librdkafka_txn_state(model, status=[QUEUED, INFLIGHT], seq=[1, 2], next_seq=2)
    d["req_msg"][0], d["req_broker"][0], d["req_seq"][0] = 2, 0, 1
    aborting = step(model, model.layout.encode(d), "producer", "aborts its transaction")
    assert aborting["status"] == [FAILED, INFLIGHT] and aborting["next_seq"] == 1 and aborting["app_abort"] == 1
    # m2's NOT_ENOUGH_REPLICAS: back in the queue, never sent again (BEGIN_ABORT: txnmgr.h:52-61)
    aborting["req_stage"][0] = ERR
    parked = step(model, model.layout.encode(aborting), "producer", "receive error", {"slot": 0})
    assert parked["status"] == [FAILED, QUEUED]
    assert step(model, model.layout.encode(parked), "producer", "send", {"message": 1, "slot": 0}) is None
    # it waits for message.timeout.ms, whose expiry requires an epoch bump (rdkafka_broker.c:4221-4238)
    expired = step(model, model.layout.encode(parked), "producer", "delivery timeout")
    assert expired["status"] == [FAILED, FAILED] and expired["bump_pending"] == 1


def test_librdkafka_abort_leaves_a_built_request_to_its_broker_threads_purge_which_an_answer_may_overtake():
    # rd_kafka_abort_transaction sets BEGIN_ABORT, then rd_kafka_purge purges the partition queues and sends
    # each broker thread a purge op (rdkafka.c:6537-6545); until the broker thread takes it, an answer that
    # frees a place lets it send the request it had built (rdkafka_broker.c:2779).  So the abort does not
    # fail m2's built request in the same step: the broker thread's purge is a step of its own, and m1's
    # answer may come first and m2's request go out
    from semcheck.model.kafka_codes import FAILED, INFLIGHT, OK, REQ
    from test_model_steps import step

    model = txn_model(["network", "app-abort"], **{"max.in.flight": "1"})
    d = librdkafka_txn_state(model, status=[INFLIGHT, INFLIGHT], seq=[1, 2], next_seq=2)
    d["req_msg"], d["req_stage"], d["req_broker"], d["req_seq"] = [1, 2], [OK, REQ], [0, 0], [0, 1]
    aborting = step(model, model.layout.encode(d), "producer", "aborts its transaction")
    assert aborting["status"] == [INFLIGHT, INFLIGHT] and aborting["req_msg"] == [1, 2]
    assert aborting["next_seq"] == 2 and aborting["app_abort"] == 1
    # the broker thread's purge: m2's request fails, and its sequence number stays used
    purged = step(model, model.layout.encode(aborting), "producer", "purges requests built but not sent")
    assert purged["status"] == [INFLIGHT, FAILED] and purged["req_msg"] == [1, 0] and purged["next_seq"] == 2
    # or m1's answer comes first: m2's request is no longer behind one in flight, and the leader reads it
    answered = step(model, model.layout.encode(aborting), "producer", "receive ok", {"slot": 0})
    assert answered["req_msg"] == [2, 0] and answered["status"][1] == INFLIGHT  # (the slots move up)
    assert step(model, model.layout.encode(answered), "leader", "append", {"slot": 0}) is not None
    assert step(model, model.layout.encode(answered), "producer", "purges requests built but not sent") is None


def test_librdkafka_abort_called_again_purges_a_parked_retry_without_a_bump():
    # rd_kafka_abort_transaction purges the queue at every call (txnmgr.c:2819-2820); a call that timed out
    # waiting for a parked message (a retriable error, txnmgr.c:2824-2845) is called again by the application,
    # and the parked message is purged and its sequence given back, with no expiry to require a bump
    from semcheck.model.kafka_codes import FAILED, QUEUED
    from test_model_steps import step

    model = txn_model(["network", "app-abort"])
    d = librdkafka_txn_state(model, status=[FAILED, QUEUED], seq=[1, 2], next_seq=1, app_abort=1)
    again = step(model, model.layout.encode(d), "producer", "calls abortTransaction() again")
    assert again["status"] == [FAILED, FAILED] and again["next_seq"] == 0 and again["bump_pending"] == 0
    [after_abort] = [a.text for a in model.assumptions() if a.id == "after-abort"]
    assert "calls abortTransaction() again" in after_abort


def test_librdkafka_begins_the_next_transaction_in_a_new_epoch_only_after_a_bump():
    # rd_kafka_txn_endtxn_complete (txnmgr.c:2092-2104): with txn_requires_epoch_bump, InitProducerId
    # bumps the epoch and sequences start at 0; without, the same epoch from the moved base
    from semcheck.model.kafka_codes import ABORTED, FAILED
    from test_model_steps import step

    model = txn_model(["network", "app-abort"])
    for bump, epoch, next_seq in ((1, 1, 0), (0, 0, 1)):
        d = librdkafka_txn_state(model, status=[FAILED, FAILED], seq=[1, 2], next_seq=1, txn=ABORTED, app_abort=1,
                                 bump_pending=bump)
        again = step(model, model.layout.encode(d), "producer", "begin a new transaction")
        assert (again["epoch"], again["next_seq"], again["bump_pending"]) == (epoch, next_seq, 0)


def test_librdkafka_out_of_order_above_the_next_sequence_fails_the_transaction():
    # rdkafka_request.c:4200-4246 with rd_kafka_idemp_drain_epoch_bump (rdkafka_idempotence.c:633-690): for
    # the transactional producer an abortable error that requires a bump; rd_kafka_txn_set_abortable_error0
    # (txnmgr.c:350-404) stops sends and purges the queue.  No local bump (the idempotent producer's step).
    from semcheck.model.kafka_codes import FAILED, INFLIGHT, OOS, QUEUED
    from test_model_steps import step

    model = txn_model(["follower-lag"], **{"replication.factor": "2", "min.insync.replicas": "2"})
    assert not [a for a in model.actions() if a.name == "bumps its epoch"]
    # m1 (sequence 0) waits for its retry; m2 (sequence 1) is answered OUT_OF_ORDER_SEQUENCE_NUMBER
    d = librdkafka_txn_state(model, status=[QUEUED, INFLIGHT], seq=[1, 2], next_seq=2)
    d["req_msg"][0], d["req_stage"][0], d["req_broker"][0], d["req_seq"][0] = 2, OOS, 0, 1
    after = step(model, model.layout.encode(d), "producer", "receive out of order sequence", {"slot": 0})
    assert after["status"] == [FAILED, FAILED] and after["bump_pending"] == 1 and after["fatal"] == 0
    assert after["epoch"] == 0
    # the application aborts (EndTxn); it cannot commit
    assert step(model, model.layout.encode(after), "producer", "commit transaction") is None
    assert step(model, model.layout.encode(after), "producer", "abort transaction") is not None


def test_librdkafka_fenced_transactional_producer_is_fatal_and_sends_no_end_txn():
    # rdkafka_request.c:4674-4694: INVALID_PRODUCER_EPOCH is fatal (__FENCED) for the transactional
    # producer; after a fatal error no EndTxn is sent (rdkafka.c:893-968)
    from semcheck.model.kafka_codes import FAILED, FENCED, INFLIGHT, QUEUED
    from test_model_steps import step

    model = txn_model(["network"])
    d = librdkafka_txn_state(model, status=[INFLIGHT, QUEUED], seq=[1, 0], next_seq=1)
    d["req_msg"][0], d["req_stage"][0], d["req_broker"][0] = 1, FENCED, 0
    after = step(model, model.layout.encode(d), "producer", "receive invalid epoch", {"slot": 0})
    assert after["status"] == [FAILED, FAILED] and after["fatal"] == 1
    assert step(model, model.layout.encode(after), "producer", "abort transaction") is None


def test_librdkafka_transactional_message_out_of_retries_does_not_stop_the_transaction():
    # a message out of retries is reported failed (rd_kafka_retry_msgq keeps it, rdkafka_partition.c:963-1030)
    # with no abortable error and no bump: the others are still sent; commit_transaction() then fails
    # (txn_dr_fails, txnmgr.c:2376-2386).  The idempotent producer bumps once drained instead.
    from semcheck.model.kafka_codes import ERR, FAILED, INFLIGHT, QUEUED
    from test_model_steps import step

    model = txn_model(["network"], retries="1")
    d = librdkafka_txn_state(model, status=[INFLIGHT, QUEUED], seq=[1, 0], next_seq=1, tries=[1, 0])
    d["req_msg"][0], d["req_stage"][0], d["req_broker"][0] = 1, ERR, 0
    after = step(model, model.layout.encode(d), "producer", "receive error", {"slot": 0})
    assert after["status"] == [FAILED, QUEUED] and after["bump_pending"] == 0
    assert step(model, model.layout.encode(after), "producer", "send", {"message": 1, "slot": 0}) is not None


def test_the_transaction_protocol_assumption_names_the_client_that_keeps_v1():
    # KIP-890 part 2: a 3.x client keeps protocol v1 even where the brokers offer v2
    model = semcheck.build_model({"transactional.id": "t"}, client_version="3.9.1", messages=1)
    [protocol] = [a.text for a in model.assumptions() if a.id == "transaction-protocol"]
    assert protocol.startswith("transaction protocol v1 (the Java client 3.0.1-3.9 on brokers with "
                               "transaction.version=2)")

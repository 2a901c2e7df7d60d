"""Tests for model/config.py: the effective Kafka configuration.

Sources cited below:
  [PC]  apache/kafka clients/src/main/java/org/apache/kafka/clients/producer/ProducerConfig.java,
        3.2-3.9: the ConfigDef definitions and postProcessAndValidateIdempotenceConfigs.
  [CC]  apache/kafka clients/.../consumer/ConsumerConfig.java (3.x): consumer ConfigDef.
  [KIP-679] "Producer will enable the strongest delivery guarantee by default" (Kafka 3.0/3.2).
  [DOCS] https://kafka.apache.org/documentation/#producerconfigs and #consumerconfigs.
  [DESIGN] /work/shared/DESIGN.md, "Semantics" and "The CLI contract".
"""

from __future__ import annotations

import pytest

from semcheck.model.config import (
    KNOWN_KEYS,
    UNLIMITED_RETRIES,
    ConfigError,
    KafkaConfig,
    resolve_config,
)


def idem_notes(cfg: KafkaConfig) -> list[str]:
    return [n for n in cfg.notes if n.startswith("enable.idempotence=false")]


def one_line_error(settings=None, **kw) -> str:
    with pytest.raises(ConfigError) as info:
        resolve_config(settings, **kw)
    message = str(info.value)
    assert message and "\n" not in message
    return message


# ---- public surface -------------------------------------------------------------------------

def test_known_keys_order():
    # [DESIGN] "The CLI contract": the keys -X takes, in this order; issue 10 adds the cluster
    # feature eligible.leader.replicas.version (KIP-966, brokers 4.0+), the two timeouts and the
    # feature transaction.version (KIP-890 part 2, brokers 4.0+).
    assert KNOWN_KEYS == (
        "acks", "retries", "enable.idempotence", "max.in.flight.requests.per.connection",
        "transactional.id", "replication.factor", "min.insync.replicas",
        "unclean.leader.election.enable", "enable.auto.commit", "isolation.level",
        "auto.offset.reset", "eligible.leader.replicas.version", "delivery.timeout.ms",
        "transaction.timeout.ms", "transaction.version",
    )


def test_config_error_is_value_error():
    assert issubclass(ConfigError, ValueError)


def test_unlimited_retries_is_integer_max_value():
    # [PC] define(RETRIES_CONFIG, Type.INT, Integer.MAX_VALUE, between(0, Integer.MAX_VALUE), ...)
    assert UNLIMITED_RETRIES == 2**31 - 1


# ---- defaults -------------------------------------------------------------------------------

def test_defaults():
    """[KIP-679] [PC] producer defaults acks=all, enable.idempotence=true, retries=MAX_VALUE,
    max.in.flight=5; [DOCS] enable.auto.commit=true, isolation.level=read_uncommitted,
    auto.offset.reset=latest; [DESIGN] replication.factor 3, min.insync.replicas 1, unclean false."""
    cfg = resolve_config()
    assert cfg.acks == -1
    assert cfg.retries == UNLIMITED_RETRIES and cfg.unlimited_retries
    assert cfg.enable_idempotence is True
    assert cfg.max_in_flight == 5
    assert cfg.replication_factor == 3
    assert cfg.min_insync_replicas == 1
    assert cfg.unclean_leader_election is False
    assert cfg.enable_auto_commit is True
    assert cfg.isolation_level == "read_uncommitted"
    assert cfg.auto_offset_reset == "latest"
    assert cfg.commit == "auto"
    assert cfg.processing == "sync"
    assert resolve_config({}) == cfg


def test_default_replication_factor_note():
    # [DOCS] broker config default.replication.factor defaults to 1; semcheck uses 3 and says so.
    notes = resolve_config().notes
    assert len(notes) == 1
    assert "replication.factor=3" in notes[0] and "1" in notes[0]
    assert not any("replication.factor=3" in n for n in resolve_config({"replication.factor": "3"}).notes)


def test_config_is_frozen_and_hashable():
    cfg = resolve_config()
    with pytest.raises(AttributeError):
        cfg.acks = 1  # type: ignore[misc]
    assert hash(cfg) == hash(resolve_config())


# ---- acks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["all", "-1", " all "])
def test_acks_all_equals_minus_one(raw):
    # [PC] parseAcks: "all" -> "-1"; ConfigDef trims string values.
    cfg = resolve_config({"acks": raw})
    assert cfg.acks == -1
    assert cfg.kafka_settings()["acks"] == "all"
    assert cfg == resolve_config({"acks": "all"})


@pytest.mark.parametrize("raw", ["2", "ALL", "one", "", "1.0", "-2"])
def test_acks_bad_values(raw):
    # [PC] define(ACKS_CONFIG, STRING, "all", in("all", "-1", "0", "1")): ValidString is case-sensitive.
    message = one_line_error({"acks": raw})
    assert "acks" in message and repr(raw) in message


# ---- implicit disabling of idempotence ([PC] postProcessAndValidateIdempotenceConfigs) --------

@pytest.mark.parametrize("acks", ["1", "0"])
def test_acks_not_all_disables_idempotence_implicitly(acks):
    # [PC] acks != -1 and enable.idempotence not in originals(): log.info(...), disable. [KIP-679]
    cfg = resolve_config({"acks": acks})
    assert cfg.acks == int(acks)
    assert cfg.enable_idempotence is False
    assert idem_notes(cfg) == [
        f"enable.idempotence=false: not set explicitly and acks={acks} conflicts with it "
        "(the Java client 4.0-4.2 disables idempotence silently)"
    ]
    assert cfg.kafka_settings()["acks"] == acks


def test_retries_zero_disables_idempotence_implicitly():
    # [PC] retries == 0 and enable.idempotence not set explicitly: idempotence disabled.
    cfg = resolve_config({"retries": "0"})
    assert cfg.retries == 0 and not cfg.unlimited_retries
    assert cfg.enable_idempotence is False
    assert idem_notes(cfg) == ["enable.idempotence=false: not set explicitly and retries=0 conflicts "
                               "with it (the Java client 4.0-4.2 disables idempotence silently)"]


def test_max_in_flight_six_disables_idempotence_implicitly():
    # [PC] 3.2-3.9: max.in.flight > 5, not explicit: log.warn("... in v4.0.0 and onward, this will
    # become an error."), idempotence disabled.  The note says both versions.
    cfg = resolve_config({"max.in.flight.requests.per.connection": "6"}, client_version="3.9.1")
    assert cfg.max_in_flight == 6
    assert cfg.enable_idempotence is False
    [note] = idem_notes(cfg)
    assert note.startswith("enable.idempotence=false: not set explicitly and "
                           "max.in.flight.requests.per.connection=6 conflicts with it")
    assert "4.0" in note


def test_all_three_reasons_noted_in_kafka_order():
    # [PC] checks retries, then acks, then max.in.flight; every reason is noted.
    cfg = resolve_config({"max.in.flight.requests.per.connection": "10", "acks": "1", "retries": "0"},
                         client_version="3.9.1")
    notes = idem_notes(cfg)
    assert len(notes) == 3
    assert "retries=0" in notes[0] and "acks=1" in notes[1] and "max.in.flight" in notes[2]


def test_no_conflict_keeps_idempotence():
    cfg = resolve_config({"retries": "3", "max.in.flight.requests.per.connection": "5", "acks": "-1"})
    assert cfg.enable_idempotence is True and cfg.retries == 3 and idem_notes(cfg) == []


def test_explicit_idempotence_false():
    # [PC] with idempotence off no check runs; nothing to note.
    cfg = resolve_config({"enable.idempotence": "false", "acks": "1", "retries": "0",
                          "max.in.flight.requests.per.connection": "50"})
    assert cfg.enable_idempotence is False and idem_notes(cfg) == []


# ---- explicit conflicts raise with Kafka's message ([PC] ConfigException texts) ----------------

@pytest.mark.parametrize("settings, kafka_message", [
    ({"retries": "0"}, "Must set retries to non-zero when using the idempotent producer."),
    ({"acks": "1"}, "Must set acks to all in order to use the idempotent producer. "
                    "Otherwise we cannot guarantee idempotence."),
    ({"acks": "0"}, "Must set acks to all in order to use the idempotent producer. "
                    "Otherwise we cannot guarantee idempotence."),
    ({"max.in.flight.requests.per.connection": "6"},
     "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer."),
])
def test_explicit_idempotence_conflict_raises_kafka_message(settings, kafka_message):
    message = one_line_error({"enable.idempotence": "true", **settings}, client_version="3.9.1")
    assert message.startswith("Kafka rejects this configuration")
    assert message.endswith(kafka_message)


def test_explicit_conflict_reports_first_in_kafka_order():
    # [PC] the retries check precedes the acks check; the first throw wins.
    message = one_line_error({"enable.idempotence": "TRUE", "acks": "1", "retries": "0"})
    assert message.endswith("Must set retries to non-zero when using the idempotent producer.")


# ---- transactional.id -----------------------------------------------------------------------

def test_transactional_id_makes_the_producer_transactional():
    # [PC] a transactional.id with idempotence (the default) is accepted as given
    config = resolve_config({"transactional.id": "tx-1"})
    assert config.transactional and config.kafka_settings()["transactional.id"] == "tx-1"
    assert any("read_uncommitted" in note for note in config.notes)  # says what the default reads


@pytest.mark.parametrize("settings", [
    {"enable.idempotence": "false"},
    {"acks": "1"},  # idempotence disabled implicitly first, then the transactional.id check fails
])
def test_transactional_id_without_idempotence_is_kafkas_error(settings):
    # [PC] "validate transaction.id after validating idempotence dependant configs":
    # "Cannot set a transactional.id without also enabling idempotence."
    message = one_line_error({**settings, "transactional.id": "tx-1"})
    assert message == ("Kafka rejects this configuration: "
                       "Cannot set a transactional.id without also enabling idempotence.")


def test_transactional_id_explicit_idempotence_conflict_first():
    # [PC] the idempotence ConfigException is thrown before the transactional.id check.
    message = one_line_error({"enable.idempotence": "true", "acks": "1", "transactional.id": "t"})
    assert "Must set acks to all" in message


def test_transactional_id_empty():
    # [PC] define(TRANSACTIONAL_ID_CONFIG, STRING, null, new ConfigDef.NonEmptyString())
    assert "transactional.id" in one_line_error({"transactional.id": " "})


# ---- value parsing --------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["-1", "x", "2147483648", "1.5", "1e3", "1_000", ""])
def test_retries_bad_values(raw):
    # [PC] retries: Type.INT, between(0, Integer.MAX_VALUE)
    message = one_line_error({"retries": raw})
    assert "retries" in message and repr(raw) in message


def test_retries_bounds():
    assert resolve_config({"retries": "2147483647"}).unlimited_retries
    assert resolve_config({"retries": " 7 "}).retries == 7


@pytest.mark.parametrize("raw", ["0", "-3", "101", "five"])
def test_max_in_flight_bad_values(raw):
    # [PC] atLeast(1); semcheck caps at 100.
    key = "max.in.flight.requests.per.connection"
    message = one_line_error({key: raw})
    assert key in message and repr(raw) in message


def test_max_in_flight_upper_bound_ok():
    cfg = resolve_config({"max.in.flight.requests.per.connection": "100", "enable.idempotence": "false"})
    assert cfg.max_in_flight == 100


@pytest.mark.parametrize("key", ["enable.idempotence", "unclean.leader.election.enable",
                                 "enable.auto.commit"])
@pytest.mark.parametrize("raw, expected", [("true", True), ("FALSE", False), ("True", True),
                                           (" false ", False)])
def test_booleans_case_insensitive(key, raw, expected):
    # Kafka ConfigDef.parseType BOOLEAN: trimmed.equalsIgnoreCase("true"/"false").
    cfg = resolve_config({key: raw})
    assert cfg.kafka_settings()[key] is expected


@pytest.mark.parametrize("key", ["enable.idempotence", "unclean.leader.election.enable",
                                 "enable.auto.commit"])
@pytest.mark.parametrize("raw", ["yes", "1", "on", ""])
def test_booleans_bad_values(key, raw):
    # Kafka ConfigDef: "Expected value to be either true or false".
    message = one_line_error({key: raw})
    assert key in message and repr(raw) in message and "true or false" in message


@pytest.mark.parametrize("key", ["replication.factor", "min.insync.replicas"])
@pytest.mark.parametrize("raw", ["0", "4", "-1", "two"])
def test_replica_counts_bad_values(key, raw):
    message = one_line_error({key: raw})
    assert key in message and repr(raw) in message and "1 to 3" in message


def test_replica_counts_accepted():
    cfg = resolve_config({"replication.factor": "2", "min.insync.replicas": "2"}, broker_version="3.9")
    assert (cfg.replication_factor, cfg.min_insync_replicas) == (2, 2)
    assert cfg.notes == ()


def test_min_insync_above_replication_factor_is_kept_with_note():
    # Kafka accepts a topic min.insync.replicas above the replica count; up to 3.6 acks=all produce
    # requests then fail with NOT_ENOUGH_REPLICAS [DOCS #brokerconfigs_min.insync.replicas]; from 3.7
    # the broker uses min(min.insync.replicas, replicas) (KAFKA-15583, Partition.effectiveMinIsr).
    cfg = resolve_config({"replication.factor": "1", "min.insync.replicas": "2"}, broker_version="3.6")
    assert (cfg.min_insync_replicas, cfg.effective_min_isr) == (2, 2)
    assert any("acks=all can then never succeed on brokers 3.6" in n for n in cfg.notes)
    cfg = resolve_config({"replication.factor": "1", "min.insync.replicas": "2"}, broker_version="3.7")
    assert (cfg.min_insync_replicas, cfg.effective_min_isr) == (2, 1)
    assert any("use min(min.insync.replicas, replicas) = 1" in n for n in cfg.notes)


@pytest.mark.parametrize("raw", ["READ_COMMITTED", "committed", "read-committed"])
def test_isolation_level_bad_values(raw):
    # [CC] isolation.level in(read_committed, read_uncommitted)
    message = one_line_error({"isolation.level": raw})
    assert "isolation.level" in message and repr(raw) in message


def test_read_committed_accepted_with_note():
    # Without transactions the last stable offset equals the high watermark [DOCS isolation.level].
    cfg = resolve_config({"isolation.level": "read_committed"})
    assert cfg.isolation_level == "read_committed"
    assert any("last stable offset" in n and "high watermark" in n for n in cfg.notes)


def test_auto_offset_reset():
    # [CC] auto.offset.reset default "latest", in(latest, earliest, none)
    assert resolve_config({"auto.offset.reset": "earliest"}).auto_offset_reset == "earliest"
    assert resolve_config({"auto.offset.reset": "latest"}).auto_offset_reset == "latest"


def test_auto_offset_reset_none_rejected_clearly():
    # [DOCS #consumerconfigs_auto.offset.reset] none: throw exception to the consumer if no previous
    # offset is found for the consumer's group.
    message = one_line_error({"auto.offset.reset": "none"})
    assert "latest" in message and "earliest" in message and "none" in message


def test_auto_offset_reset_bad_value():
    message = one_line_error({"auto.offset.reset": "smallest"})
    assert "auto.offset.reset" in message and "'smallest'" in message


def test_python_values_accepted():
    cfg = resolve_config({"acks": 1, "enable.idempotence": False, "retries": 3})  # type: ignore[dict-item]
    assert (cfg.acks, cfg.enable_idempotence, cfg.retries) == (1, False, 3)


# ---- unknown keys ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed, suggestion", [
    ("ack", "acks"),
    ("retry", "retries"),
    ("enable.idempotency", "enable.idempotence"),
    ("min.isr.replicas", "min.insync.replicas"),
    ("idempotence", "enable.idempotence"),
    ("max.in.flight", "max.in.flight.requests.per.connection"),
    ("ACKS", "acks"),
])
def test_unknown_key_suggests_closest(typed, suggestion):
    message = one_line_error({typed: "1"})
    assert message.startswith(f"unknown Kafka setting {typed!r} for the Java client 4.0-4.2: did you mean "
                              f"{suggestion!r}?")


def test_unknown_key_nothing_close_lists_known_keys():
    message = one_line_error({"bootstrap.servers": "localhost:9092"})
    assert message.startswith("unknown Kafka setting 'bootstrap.servers'")
    assert all(key in message for key in KNOWN_KEYS)


def test_unknown_key_reported_before_bad_values():
    assert "unknown Kafka setting" in one_line_error({"acks": "7", "ack": "1"})


# ---- consumer: commit strategy, processing --------------------------------------------------

def test_commit_derived_from_auto_commit_false():
    cfg = resolve_config({"enable.auto.commit": "false"})
    assert cfg.commit == "after-process" and cfg.enable_auto_commit is False
    assert any(n.startswith("commit=after-process") for n in cfg.notes)


@pytest.mark.parametrize("commit", ["after-process", "before-process"])
def test_auto_commit_derived_from_commit(commit):
    cfg = resolve_config(commit=commit)
    assert cfg.commit == commit and cfg.enable_auto_commit is False
    assert f"enable.auto.commit=false: derived from --commit {commit}" in cfg.notes
    explicit = resolve_config({"enable.auto.commit": "false"}, commit=commit)
    assert explicit.enable_auto_commit is False
    assert not any(n.startswith("enable.auto.commit") for n in explicit.notes)


def test_commit_auto_consistent():
    cfg = resolve_config({"enable.auto.commit": "true"}, commit="auto")
    assert cfg.commit == "auto" and cfg.enable_auto_commit is True


def test_commit_auto_contradicts_auto_commit_false():
    message = one_line_error({"enable.auto.commit": "false"}, commit="auto")
    assert "enable.auto.commit=false" in message and "auto" in message


@pytest.mark.parametrize("commit", ["after-process", "before-process"])
def test_manual_commit_contradicts_auto_commit_true(commit):
    message = one_line_error({"enable.auto.commit": "true"}, commit=commit)
    assert commit in message and "enable.auto.commit=true" in message


def test_commit_transactional_needs_a_transactional_id():
    # KafkaProducer.sendOffsetsToTransaction javadoc: it needs a transactional producer
    # (IllegalStateException "Cannot use transactional methods without enabling transactions")
    message = one_line_error(commit="transactional")
    assert "--commit transactional needs a transactional.id" in message


def test_commit_transactional_turns_auto_commit_off():
    config = resolve_config({"transactional.id": "t"}, commit="transactional")
    assert config.commit == "transactional" and not config.enable_auto_commit
    assert "enable.auto.commit=true" in one_line_error(
        {"transactional.id": "t", "enable.auto.commit": "true"}, commit="transactional")


def test_unknown_commit_lists_choices():
    message = one_line_error(commit="manual")
    assert "'manual'" in message
    assert all(c in message for c in ("auto", "after-process", "before-process"))


def test_processing():
    assert resolve_config(processing="async").processing == "async"
    assert resolve_config(commit="auto", processing="sync").processing == "sync"


@pytest.mark.parametrize("commit", ["after-process", "before-process"])
def test_async_needs_commit_auto(commit):
    message = one_line_error(commit=commit, processing="async")
    assert "async" in message and commit in message


def test_async_with_derived_manual_commit_rejected():
    assert "async" in one_line_error({"enable.auto.commit": "false"}, processing="async")


def test_unknown_processing():
    message = one_line_error(processing="parallel")
    assert "'parallel'" in message and "sync" in message and "async" in message


# ---- output ---------------------------------------------------------------------------------

def test_kafka_settings_defaults_keys_and_order():
    settings = resolve_config().kafka_settings()
    # transaction.timeout.ms and transaction.version are listed only for a transactional producer,
    # the only one that uses them
    assert tuple(settings) == KNOWN_KEYS[:-2]
    assert resolve_config({"transactional.id": "t"}).kafka_settings()["transaction.timeout.ms"] == 60000
    assert resolve_config({"transactional.id": "t"}).kafka_settings()["transaction.version"] == 2
    assert settings == {
        "acks": "all",
        "retries": 2147483647,
        "enable.idempotence": True,
        "max.in.flight.requests.per.connection": 5,
        "transactional.id": None,
        "replication.factor": 3,
        "min.insync.replicas": 1,
        "unclean.leader.election.enable": False,
        "enable.auto.commit": True,
        "isolation.level": "read_uncommitted",
        "auto.offset.reset": "latest",
        "eligible.leader.replicas.version": 1,  # on for a cluster created on 4.1+, the default line
        "delivery.timeout.ms": 120000,  # ProducerConfig's default (KIP-91)
    }


def test_kafka_settings_is_json_ready():
    import json

    cfg = resolve_config({"acks": "0", "unclean.leader.election.enable": "true"},
                         commit="before-process")
    decoded = json.loads(json.dumps(cfg.kafka_settings()))
    assert decoded["acks"] == "0"
    assert decoded["enable.idempotence"] is False
    assert decoded["unclean.leader.election.enable"] is True
    assert decoded["enable.auto.commit"] is False


def test_notes_deterministic_order_independent_of_input_order():
    a = {"acks": "1", "retries": "0", "isolation.level": "read_committed",
         "replication.factor": "1", "min.insync.replicas": "3"}
    b = dict(reversed(list(a.items())))
    ca, cb = resolve_config(a, commit="after-process"), resolve_config(b, commit="after-process")
    assert ca == cb
    assert [n.split(":")[0].split("=")[0] for n in ca.notes] == [
        "enable.idempotence", "enable.idempotence", "min.insync.replicas", "enable.auto.commit",
        "isolation.level",
    ]


# ---- delivery.timeout.ms (KIP-91) --------------------------------------------------------------

def test_delivery_timeout_below_request_timeout_is_kafkas_error():
    """KafkaProducer.configureDeliveryTimeout (3.7.0): an explicit delivery.timeout.ms below
    linger.ms + request.timeout.ms (defaults 0 + 30000) throws ConfigException."""
    message = one_line_error({"delivery.timeout.ms": "10000"})
    assert "should be equal to or larger than linger.ms + request.timeout.ms" in message


@pytest.mark.parametrize("raw", ["-1", "2m", "1e5", ""])
def test_delivery_timeout_must_be_an_int(raw):
    assert "delivery.timeout.ms" in one_line_error({"delivery.timeout.ms": raw})


def test_an_explicit_delivery_timeout_says_how_it_is_read():
    cfg = resolve_config({"delivery.timeout.ms": "300000"})
    assert cfg.delivery_timeout_ms == 300000 and cfg.kafka_settings()["delivery.timeout.ms"] == 300000
    assert cfg.request_timeouts_to_deadline == 10
    assert any("once it has waited out 10 request timeouts" in note for note in cfg.notes)
    never = resolve_config({"delivery.timeout.ms": "2147483647"})
    assert never.request_timeouts_to_deadline is None
    assert any("read as never" in note for note in never.notes)


# ---- transaction.timeout.ms (KIP-98) -----------------------------------------------------------

@pytest.mark.parametrize("raw", ["0", "-5", "900001"])
def test_transaction_timeout_outside_the_coordinators_range_is_kafkas_error(raw):
    """TransactionStateManager.validateTransactionTimeoutMs (3.7.0): 0 < transaction.timeout.ms <=
    transaction.max.timeout.ms (900000 by default), else initTransactions fails with
    INVALID_TRANSACTION_TIMEOUT."""
    message = one_line_error({"transactional.id": "t", "transaction.timeout.ms": raw})
    assert "INVALID_TRANSACTION_TIMEOUT" in message and raw in message


@pytest.mark.parametrize("raw", ["1.5", "60s", ""])
def test_transaction_timeout_must_be_an_int(raw):
    assert "transaction.timeout.ms" in one_line_error({"transactional.id": "t", "transaction.timeout.ms": raw})


def test_transaction_timeout_without_a_transactional_id_has_no_effect_and_says_so():
    cfg = resolve_config({"transaction.timeout.ms": "30000"})
    assert any(note.startswith("transaction.timeout.ms=30000: has no effect without a transactional.id")
               for note in cfg.notes)


def test_which_timeout_comes_first():
    """Both clocks start with the application's sends; the coordinator checks for timed-out
    transactions every 10 s (TransactionStateManager.DefaultAbortTimedOutTransactionsIntervalMs)."""
    assert resolve_config({"transactional.id": "t"}).transaction_times_out_first  # 60 s + 10 s < 120 s
    window = resolve_config({"transactional.id": "t", "transaction.timeout.ms": "110000"})
    assert not window.transaction_times_out_first and window.transaction_may_time_out  # either may come first
    assert not resolve_config({"transactional.id": "t", "transaction.timeout.ms": "120000"}).transaction_may_time_out
    assert resolve_config({"transactional.id": "t", "transaction.timeout.ms": "900000",
                           "delivery.timeout.ms": "2147483647"}).transaction_times_out_first

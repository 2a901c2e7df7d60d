"""The effective Kafka configuration: what the user asked for, resolved the way Kafka resolves it.

The user names settings by their Kafka keys (``--acks``, ``--retries``, ``-X key=value``).  This module
parses them as Kafka's ``ConfigDef`` would (values are trimmed, booleans are case-insensitive, enum
strings are not), applies the Kafka 3.2+ Java producer's idempotence rules (KIP-679), and adds the two
consumer-side choices semcheck models (``--commit`` and ``--processing``).  Everything a user could be
surprised by lands in :attr:`KafkaConfig.notes`, one sentence each, in a fixed order.

Bad input raises :class:`ConfigError` whose ``str()`` is one line: the CLI prints it and exits 2.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Callable, Mapping

from .errors import ConfigError
from .versions import NEWEST, BrokerLine, broker_line


# The Kafka keys ``-X`` accepts, in the order kafka_settings() reports them.
KNOWN_KEYS: tuple[str, ...] = (
    "acks",
    "retries",
    "enable.idempotence",
    "max.in.flight.requests.per.connection",
    "transactional.id",
    "replication.factor",
    "min.insync.replicas",
    "unclean.leader.election.enable",
    "enable.auto.commit",
    "isolation.level",
    "auto.offset.reset",
    "eligible.leader.replicas.version",
    "delivery.timeout.ms",
    "transaction.timeout.ms",
    "transaction.version",
)

UNLIMITED_RETRIES = 2147483647  # Kafka's default retries (Integer.MAX_VALUE), KIP-91 / Kafka 2.1+

# ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE: the broker keeps the last 5
# batch sequences per producer, so idempotence (dedup and ordering) holds for at most 5 in flight.
_MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5
# Kafka only requires >= 1; semcheck has no message count here, and more than 100 is absurd for a model.
_MAX_IN_FLIGHT_LIMIT = 100
_MAX_REPLICAS = 3  # the model has at most three brokers

_COMMIT_STRATEGIES = ("auto", "after-process", "before-process", "transactional")
# what the consume-transform-produce loop does after its transaction aborts (kafka_faults.py,
# output-failure): seek back to the aborted transaction's first record, or poll on from its position
AFTER_ABORT_CHOICES = ("seek-back", "keep-position")
_PROCESSING_MODES = ("sync", "async")


@dataclass(frozen=True)
class KafkaConfig:
    acks: int                      # 0, 1 or -1 (all)
    retries: int                   # UNLIMITED_RETRIES means unlimited
    enable_idempotence: bool
    max_in_flight: int             # max.in.flight.requests.per.connection
    replication_factor: int        # 1..3
    min_insync_replicas: int       # 1..3
    unclean_leader_election: bool
    enable_auto_commit: bool
    isolation_level: str           # "read_uncommitted" | "read_committed"
    auto_offset_reset: str         # "latest" | "earliest"
    commit: str                    # "auto" | "after-process" | "before-process" | "transactional"
    processing: str                # "sync" | "async"
    after_abort: str = "seek-back"   # --commit transactional: AFTER_ABORT_CHOICES
    transactional_id: str | None = None  # set: the producers are transactional
    notes: tuple[str, ...] = ()    # one sentence per value that differs from what the user asked or was derived
    broker: BrokerLine = NEWEST    # the brokers' release line (model/versions.py)
    eligible_leader_replicas: bool = False  # the feature eligible.leader.replicas.version is 1 (KIP-966)
    delivery_timeout_ms: int = 120_000     # the model has no clock: only finite matters (kafka_producer.py)
    transaction_timeout_ms: int = 60_000   # the coordinator aborts a transaction open this long (kafka_transactions.py)
    transaction_version: int = 0           # the brokers' feature transaction.version (4.0+; KIP-890 part 2)

    def application_choices(self) -> dict[str, str]:
        """The consumer application's choices (``--commit``, ``--processing``, ``--after-abort``),
        which are not Kafka settings: JSON-ready, the after-abort only where it applies."""
        choices = {"commit": self.commit, "processing": self.processing}
        if self.commit == "transactional":
            choices["after_abort"] = self.after_abort
        return choices

    @property
    def transactional(self) -> bool:
        return self.transactional_id is not None

    @property
    def transaction_protocol_v2(self) -> bool:
        """Transactions use protocol v2 (KIP-890 part 2): the epoch is bumped at the end of every
        transaction.  Needs the brokers' transaction.version=2 and a 4.0+ client (semcheck's Java
        client is the newest: model/assumptions.py)."""
        return self.transactional and self.transaction_version >= 2

    @property
    def effective_min_isr(self) -> int:
        """The ISR size acks=all needs on this broker line (3.7+: capped at the replica count)."""
        return self.broker.effective_min_isr(self.min_insync_replicas, self.replication_factor)

    @property
    def request_timeouts_to_deadline(self) -> int | None:
        """How many request timeouts (request.timeout.ms, 30 s) add up to delivery.timeout.ms; None:
        never (Integer.MAX_VALUE)."""
        if self.delivery_timeout_ms >= NEVER_TIMES_OUT:
            return None
        return -(-self.delivery_timeout_ms // REQUEST_TIMEOUT_MS)

    @property
    def request_timeouts_to_transaction_timeout(self) -> int:
        """How many request timeouts (30 s) add up to transaction.timeout.ms."""
        return -(-self.transaction_timeout_ms // REQUEST_TIMEOUT_MS)

    @property
    def transaction_times_out_first(self) -> bool:
        """A transaction held up from its start reaches transaction.timeout.ms, and the coordinator's
        next check for timed-out transactions (every 10 s, TransactionStateManager.
        DefaultAbortTimedOutTransactionsIntervalMs) aborts it, before its batches reach
        delivery.timeout.ms: both clocks start when the application sends (the batches' creation,
        the first AddPartitionsToTxn).  With the defaults, 60 s + 10 s < 120 s."""
        if self.delivery_timeout_ms >= NEVER_TIMES_OUT:
            return True
        return self.transaction_timeout_ms + _TIMED_OUT_TRANSACTION_CHECK_MS < self.delivery_timeout_ms

    @property
    def transaction_may_time_out(self) -> bool:
        """The coordinator can time the transaction out before its batches expire: always where it
        does so first, and also where transaction.timeout.ms is below delivery.timeout.ms by less
        than the coordinator's check interval (either may then come first)."""
        return self.transaction_times_out_first or self.transaction_timeout_ms < self.delivery_timeout_ms

    @property
    def unlimited_retries(self) -> bool:
        return self.retries >= UNLIMITED_RETRIES

    def kafka_settings(self) -> dict[str, object]:
        """Effective settings by Kafka key, JSON-ready and in KNOWN_KEYS order."""
        return {
            "acks": _acks_str(self.acks),
            "retries": self.retries,
            "enable.idempotence": self.enable_idempotence,
            "max.in.flight.requests.per.connection": self.max_in_flight,
            "transactional.id": self.transactional_id,
            "replication.factor": self.replication_factor,
            "min.insync.replicas": self.min_insync_replicas,
            "unclean.leader.election.enable": self.unclean_leader_election,
            "enable.auto.commit": self.enable_auto_commit,
            "isolation.level": self.isolation_level,
            "auto.offset.reset": self.auto_offset_reset,
            # a cluster feature (kafka-features.sh), listed only for the lines that have it
            **({"eligible.leader.replicas.version": int(self.eligible_leader_replicas)}
               if self.broker.elr_available else {}),
            "delivery.timeout.ms": self.delivery_timeout_ms,
            # a producer setting only a transactional producer uses
            **({"transaction.timeout.ms": self.transaction_timeout_ms} if self.transactional else {}),
            # a cluster feature (4.0+) only transactions use
            **({"transaction.version": self.transaction_version}
               if self.transactional and self.broker.transaction_version_available else {}),
        }


# ---------------------------------------------------------------------------------------------
# Value parsers: one per key.  Kafka's ConfigDef.parseType trims every value first; BOOLEAN accepts
# "true"/"false" in any case; STRING validators (ValidString.in) compare case-sensitively.
# ---------------------------------------------------------------------------------------------

def _bad(key: str, raw: str, expected: str) -> ConfigError:
    return ConfigError(f"invalid value {raw!r} for {key}: expected {expected}")


def _parse_acks(key: str, raw: str) -> int:
    # ProducerConfig: define(ACKS_CONFIG, STRING, "all", in("all", "-1", "0", "1")); "all" == "-1".
    # https://kafka.apache.org/documentation/#producerconfigs_acks
    value = raw.strip()
    if value in ("all", "-1"):
        return -1
    if value in ("0", "1"):
        return int(value)
    raise _bad(key, raw, "one of all, -1, 0, 1 ('all' and '-1' are the same)")


def _int_parser(low: int, high: int, expected: str, why: str = "") -> Callable[[str, str], int]:
    def parse(key: str, raw: str) -> int:
        value = raw.strip()
        # Java's Integer.parseInt: optional sign, ASCII digits (no '_', no '1e3', no '5.0').
        if not re.fullmatch(r"[+-]?[0-9]+", value) or not low <= int(value) <= high:
            raise _bad(key, raw, expected + why)
        return int(value)
    return parse


def _parse_bool(key: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("true", "false"):
        return value == "true"
    raise _bad(key, raw, "true or false")


def _choice_parser(*choices: str) -> Callable[[str, str], str]:
    def parse(key: str, raw: str) -> str:
        value = raw.strip()
        if value in choices:
            return value
        raise _bad(key, raw, "one of " + ", ".join(choices))
    return parse


def _parse_transactional_id(key: str, raw: str) -> str:
    # ProducerConfig: define(TRANSACTIONAL_ID_CONFIG, STRING, null, new ConfigDef.NonEmptyString()).
    if not raw.strip():
        raise _bad(key, raw, "a non-empty string")
    return raw.strip()


def _parse_auto_offset_reset(key: str, raw: str) -> str:
    # ConsumerConfig accepts latest, earliest, none.  With "none" poll() throws
    # NoOffsetForPartitionException when the group has no committed offset, which the model (a new
    # group, DESIGN.md) always hits first.
    value = raw.strip()
    if value == "none":
        raise ConfigError(
            "auto.offset.reset=none makes the consumer throw NoOffsetForPartitionException when the "
            "group has no committed offset; semcheck models latest and earliest"
        )
    return _choice_parser("latest", "earliest")(key, raw)


_PARSERS: dict[str, Callable[[str, str], object]] = {
    "acks": _parse_acks,
    # ProducerConfig: define(RETRIES_CONFIG, INT, Integer.MAX_VALUE, between(0, Integer.MAX_VALUE))
    "retries": _int_parser(0, UNLIMITED_RETRIES, f"an integer from 0 to {UNLIMITED_RETRIES} (unlimited)"),
    "enable.idempotence": _parse_bool,
    # ProducerConfig: atLeast(1); the upper bound is semcheck's.
    "max.in.flight.requests.per.connection": _int_parser(
        1, _MAX_IN_FLIGHT_LIMIT, f"an integer from 1 to {_MAX_IN_FLIGHT_LIMIT}"),
    "transactional.id": _parse_transactional_id,
    "replication.factor": _int_parser(
        1, _MAX_REPLICAS, "an integer from 1 to 3", " (the model supports 1 to 3 replicas)"),
    "min.insync.replicas": _int_parser(
        1, _MAX_REPLICAS, "an integer from 1 to 3", " (the model supports 1 to 3 replicas)"),
    "unclean.leader.election.enable": _parse_bool,
    "enable.auto.commit": _parse_bool,
    "isolation.level": _choice_parser("read_uncommitted", "read_committed"),
    "auto.offset.reset": _parse_auto_offset_reset,
    # a cluster feature level (kafka-storage.sh format --feature, kafka-features.sh upgrade), 0 or 1
    "eligible.leader.replicas.version": _int_parser(0, 1, "0 (off) or 1 (on), the feature's levels"),
    # ProducerConfig: define(DELIVERY_TIMEOUT_MS_CONFIG, INT, 120 * 1000, atLeast(0))
    "delivery.timeout.ms": _int_parser(0, UNLIMITED_RETRIES, f"an integer from 0 to {UNLIMITED_RETRIES} (ms)"),
    # ProducerConfig: define(TRANSACTION_TIMEOUT_CONFIG, INT, 60000); the coordinator's range is
    # checked in _check_transaction_timeout
    "transaction.timeout.ms": _int_parser(-UNLIMITED_RETRIES - 1, UNLIMITED_RETRIES, "an integer (ms)"),
    # a cluster feature level (TransactionVersion: TV_0, TV_1, TV_2), 0 to 2
    "transaction.version": _int_parser(0, 2, "0, 1 or 2, the feature's levels (2: transaction protocol v2)"),
}
assert tuple(_PARSERS) == KNOWN_KEYS

# Defaults: Kafka 3.2+ Java clients (KIP-679: acks=all, idempotence on), except replication.factor,
# whose broker default (default.replication.factor) is 1; semcheck uses 3, the usual production value.
_DEFAULTS: dict[str, object] = {
    "acks": -1,
    "retries": UNLIMITED_RETRIES,
    "enable.idempotence": True,
    "max.in.flight.requests.per.connection": 5,
    "transactional.id": None,
    "replication.factor": 3,
    "min.insync.replicas": 1,
    "unclean.leader.election.enable": False,
    "enable.auto.commit": True,
    "isolation.level": "read_uncommitted",
    "auto.offset.reset": "latest",
    "eligible.leader.replicas.version": None,  # the broker line's default (_resolve_elr)
    "delivery.timeout.ms": 120_000,
    "transaction.timeout.ms": 60_000,
    "transaction.version": None,  # the broker line's default (_resolve_transaction_version)
}


def _acks_str(acks: int) -> str:
    return "all" if acks == -1 else str(acks)


def _unknown_key(key: str) -> ConfigError:
    """Name the closest known key: difflib first, then a known key that contains what was typed
    (so 'idempotence' suggests 'enable.idempotence' and 'max.in.flight' the long name)."""
    typed = key.strip().lower()
    close = difflib.get_close_matches(typed, KNOWN_KEYS, n=1)
    if not close and len(typed) >= 3:
        close = [k for k in KNOWN_KEYS if typed in k][:1]
    if close:
        return ConfigError(f"unknown Kafka setting {key!r}: did you mean {close[0]!r}?")
    return ConfigError(f"unknown Kafka setting {key!r}: semcheck supports " + ", ".join(KNOWN_KEYS))


def _as_text(value: object) -> str:
    # The CLI passes strings; the Python API may pass True or 1, which mean what Kafka would read.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------------------------

def resolve_config(settings: Mapping[str, str] | None = None, *, commit: str | None = None,
                   processing: str | None = None, broker_version: str | None = None,
                   after_abort: str | None = None) -> KafkaConfig:
    """Parse the user's Kafka settings, consumer choices and broker release into the effective
    configuration."""
    broker = broker_line(broker_version)
    raw = {key: _as_text(value) for key, value in (settings or {}).items()}
    for key in raw:
        if key not in _PARSERS:
            raise _unknown_key(str(key))
    given = {key: _PARSERS[key](key, raw[key]) for key in KNOWN_KEYS if key in raw}
    v = {**_DEFAULTS, **given}
    notes: list[str] = []

    idempotence = _resolve_idempotence(v, given, notes)
    _check_transactional_id(idempotence, given)
    _topic_notes(v, given, notes, broker)
    elr = _resolve_elr(v, given, notes, broker)
    transaction_version = _resolve_transaction_version(given, notes, broker)
    _check_delivery_timeout(given, notes)
    _check_transaction_timeout(given, notes)
    auto_commit, commit, processing = _resolve_consumer(v, given, commit, processing, notes)
    after_abort = _resolve_after_abort(after_abort, commit)

    return KafkaConfig(
        acks=v["acks"],
        retries=v["retries"],
        enable_idempotence=idempotence,
        max_in_flight=v["max.in.flight.requests.per.connection"],
        replication_factor=v["replication.factor"],
        min_insync_replicas=v["min.insync.replicas"],
        unclean_leader_election=v["unclean.leader.election.enable"] and broker.unclean_election_in_kraft,
        enable_auto_commit=auto_commit,
        isolation_level=v["isolation.level"],
        auto_offset_reset=v["auto.offset.reset"],
        commit=commit,
        processing=processing,
        after_abort=after_abort,
        transactional_id=given.get("transactional.id"),
        notes=tuple(notes),
        broker=broker,
        eligible_leader_replicas=elr,
        delivery_timeout_ms=v["delivery.timeout.ms"],
        transaction_timeout_ms=v["transaction.timeout.ms"],
        transaction_version=transaction_version,
    )


def _resolve_idempotence(v: dict, given: dict, notes: list[str]) -> bool:
    """ProducerConfig.postProcessAndValidateIdempotenceConfigs, Kafka 3.2 to 3.9 (KIP-679,
    KAFKA-13598), checked against apache/kafka clients/src/main/java/org/apache/kafka/clients/
    producer/ProducerConfig.java.  If idempotence is on (default or explicit), each of retries == 0,
    acks != all, max.in.flight > 5 is, in this order, an error with the message below when
    enable.idempotence was set explicitly, else a reason to disable idempotence silently (the Java
    client logs it at INFO, WARN for max.in.flight).  Kafka 4.0 makes max.in.flight > 5 an error
    even when idempotence is implicit.
    https://kafka.apache.org/documentation/#producerconfigs_enable.idempotence
    """
    enabled = v["enable.idempotence"]
    if not enabled:
        return False
    explicit = "enable.idempotence" in given
    conflicts = []  # (Kafka's ConfigException message, semcheck's note when implicit)
    if v["retries"] == 0:
        conflicts.append(("Must set retries to non-zero when using the idempotent producer.",
                          "retries=0 conflicts with it (Kafka 3.2+ disables idempotence silently)"))
    if v["acks"] != -1:
        conflicts.append(("Must set acks to all in order to use the idempotent producer. "
                          "Otherwise we cannot guarantee idempotence.",
                          f"acks={v['acks']} conflicts with it (Kafka 3.2+ disables idempotence silently)"))
    in_flight = v["max.in.flight.requests.per.connection"]
    if in_flight > _MAX_IN_FLIGHT_FOR_IDEMPOTENCE:
        conflicts.append(("Must set max.in.flight.requests.per.connection to at most 5 to use the "
                          "idempotent producer.",
                          f"max.in.flight.requests.per.connection={in_flight} conflicts with it "
                          "(Kafka 3.2+ disables idempotence with a warning; Kafka 4.0+ rejects this "
                          "configuration)"))
    if conflicts and explicit:
        message = conflicts[0][0]
        raise ConfigError(
            f"Kafka rejects this configuration (enable.idempotence=true is set explicitly): {message}")
    for _, reason in conflicts:
        notes.append(f"enable.idempotence=false: not set explicitly and {reason}")
    return not conflicts


def _check_transactional_id(idempotence: bool, given: dict) -> None:
    if "transactional.id" not in given:
        return
    # Kafka's own rule comes first (same method, after the idempotence checks).
    if not idempotence:
        raise ConfigError("Kafka rejects this configuration: "
                          "Cannot set a transactional.id without also enabling idempotence.")


def _topic_notes(v: dict, given: dict, notes: list[str], broker: BrokerLine) -> None:
    if "replication.factor" not in given:
        notes.append("replication.factor=3: semcheck's default; Kafka's own broker default "
                     "(default.replication.factor) is 1")
    rf, min_isr = v["replication.factor"], v["min.insync.replicas"]
    if min_isr > rf and broker.min_isr_capped_by_replicas:
        # KAFKA-15583 (3.7.0): Partition.effectiveMinIsr = min(min.insync.replicas, replica count)
        notes.append(f"min.insync.replicas={min_isr} exceeds replication.factor={rf}: brokers {broker.name} "
                     f"use min(min.insync.replicas, replicas) = {rf} (KAFKA-15583, Kafka 3.7+)")
    elif min_isr > rf:
        # Legal in Kafka (a topic-level setting is not checked against the replica count), but every
        # acks=all produce then fails with NOT_ENOUGH_REPLICAS.
        notes.append(f"min.insync.replicas={min_isr} exceeds replication.factor={rf}: "
                     f"acks=all can then never succeed on brokers {broker.name} (NOT_ENOUGH_REPLICAS)")
    if v["unclean.leader.election.enable"] and not broker.unclean_election_in_kraft:
        notes.append(f"unclean.leader.election.enable=false: the KRaft controller of brokers {broker.name} "
                     "ignores the topic setting (ConfigurationControlManager; KAFKA-12670 honours it "
                     "from 3.9)")


# the Java client's defaults for the two settings delivery.timeout.ms must cover (3.x: linger.ms=0)
REQUEST_TIMEOUT_MS, _LINGER_MS = 30_000, 0
# Kafka Connect's source producers set delivery.timeout.ms to Integer.MAX_VALUE (Worker.java): retry
# for ever.  semcheck reads that value, and only it, as "never"
NEVER_TIMES_OUT = UNLIMITED_RETRIES


def _check_delivery_timeout(given: dict, notes: list[str]) -> None:
    """KafkaProducer.configureDeliveryTimeout: an explicit delivery.timeout.ms below linger.ms +
    request.timeout.ms is a ConfigException (semcheck knows neither setting, so their defaults)."""
    key = "delivery.timeout.ms"
    if key not in given:
        return
    value = given[key]
    if value < _LINGER_MS + REQUEST_TIMEOUT_MS:
        raise ConfigError(f"Kafka rejects this configuration: {key} should be equal to or larger than linger.ms + "
                          f"request.timeout.ms (defaults {_LINGER_MS} + {REQUEST_TIMEOUT_MS}; {key}={value})")
    if value == NEVER_TIMES_OUT:
        notes.append(f"{key}={value}: read as never (Kafka Connect's setting for retrying for ever): no send fails "
                     "by time")
        return
    waits = -(-value // REQUEST_TIMEOUT_MS)
    notes.append(f"{key}={value}: the model has no clock; the deadline passes while the producer is held up until "
                 f"a fault ends, or once it has waited out {waits} request timeout{'s' if waits > 1 else ''} "
                 f"(request.timeout.ms={REQUEST_TIMEOUT_MS}) (docs/model.md)")


# TransactionStateManager (3.7.0): the coordinator's defaults for transaction.max.timeout.ms and for
# transaction.abort.timed.out.transaction.cleanup.interval.ms
_MAX_TRANSACTION_TIMEOUT_MS, _TIMED_OUT_TRANSACTION_CHECK_MS = 900_000, 10_000


def _check_transaction_timeout(given: dict, notes: list[str]) -> None:
    """TransactionCoordinator.handleInitProducerId: initTransactions fails with
    INVALID_TRANSACTION_TIMEOUT unless 0 < transaction.timeout.ms <= transaction.max.timeout.ms
    (TransactionStateManager.validateTransactionTimeoutMs; the broker's default maximum, 15 min)."""
    key = "transaction.timeout.ms"
    if key not in given:
        return
    value = given[key]
    if "transactional.id" not in given:
        # the Java client accepts it and never uses it
        notes.append(f"{key}={value}: has no effect without a transactional.id")
        return
    if not 0 < value <= _MAX_TRANSACTION_TIMEOUT_MS:
        raise ConfigError(f"Kafka rejects this configuration: initTransactions fails with INVALID_TRANSACTION_TIMEOUT "
                          f"({key}={value}; the coordinator accepts 1 to transaction.max.timeout.ms, "
                          f"{_MAX_TRANSACTION_TIMEOUT_MS} by default)")


def _resolve_elr(v: dict, given: dict, notes: list[str], broker: BrokerLine) -> bool:
    """Eligible leader replicas (KIP-966): a cluster feature from 4.0, on by default for clusters
    created on 4.1 or later (model/versions.py)."""
    key = "eligible.leader.replicas.version"
    if key in given and not broker.elr_available:
        raise ConfigError(f"{key} does not exist on brokers {broker.name}: eligible leader replicas came with "
                          "Kafka 4.0 (KIP-966); choose --broker-version 4.0 or later")
    if not broker.elr_available:
        return False
    enabled = bool(given[key]) if key in given else broker.elr_on_by_default
    if enabled and not broker.elr_last_known_leader_checked:
        raise ConfigError(f"{key}=1 on brokers {broker.name}: its controller may elect a fenced last known leader "
                          "(KAFKA-19522, fixed in 4.1.0), which semcheck does not model; check --broker-version "
                          "4.1, or this line with the feature at 0 (its default)")
    effective_min_isr = broker.effective_min_isr(v["min.insync.replicas"], v["replication.factor"])
    if effective_min_isr >= 2 and key not in given:
        notes.append(f"{key}=1: the default of a cluster created on Kafka 4.1 or later; one upgraded from an "
                     "older release keeps 0 until it is raised (kafka-features.sh)" if enabled else
                     f"{key}=0: the default on Kafka {broker.name}")
    elif enabled and key in given and effective_min_isr < 2:
        notes.append(f"{key}=1 changes nothing with a min ISR of 1: only the last ISR member ever becomes "
                     "eligible, and it is the replica the controller would elect without the feature")
    return enabled


def _resolve_transaction_version(given: dict, notes: list[str], broker: BrokerLine) -> int:
    """The brokers' transaction.version feature (KIP-890 part 2): from 4.0, and 2 on a cluster
    created on 4.0 or later, the default here (model/versions.py).  Level 1 only changes the format
    of the coordinator's own records, so 0 and 1 both mean protocol v1 here."""
    key = "transaction.version"
    if key in given and not broker.transaction_version_available:
        raise ConfigError(f"{key} does not exist on brokers {broker.name}: transaction protocol v2 came with Kafka 4.0 "
                          "(KIP-890); choose --broker-version 4.0 or later")
    if not broker.transaction_version_available:
        return 0
    transactional = "transactional.id" in given
    if key in given:
        if not transactional:
            notes.append(f"{key}={given[key]} changes nothing without a transactional.id: only transactions use it")
        return given[key]
    if transactional:
        notes.append(f"{key}=2: the default of a cluster created on Kafka 4.0 or later (one upgraded from 3.x "
                     "keeps 0 until it is raised with kafka-features.sh); 4.0+ clients then bump the epoch at "
                     "the end of every transaction")
    return 2


def _resolve_consumer(v: dict, given: dict, commit: str | None, processing: str | None,
                      notes: list[str]) -> tuple[bool, str, str]:
    choices = "auto, after-process, before-process, transactional"
    if commit == "transactional" and "transactional.id" not in given:
        # the consume-transform-produce loop commits offsets with sendOffsetsToTransaction, which
        # only a transactional producer has
        raise ConfigError("--commit transactional needs a transactional.id: the consume-transform-produce "
                          "loop commits its offsets inside its producer's transaction "
                          "(sendOffsetsToTransaction); set -X transactional.id=...")
    if commit is not None and commit not in _COMMIT_STRATEGIES:
        raise ConfigError(f"unknown commit strategy {commit!r}: choose one of {choices}")
    if processing is not None and processing not in _PROCESSING_MODES:
        raise ConfigError(f"unknown processing mode {processing!r}: choose sync or async")

    # https://kafka.apache.org/documentation/#consumerconfigs_enable.auto.commit (default true)
    explicit_auto = given.get("enable.auto.commit")  # None when not set
    if commit is None:
        commit = "auto" if v["enable.auto.commit"] else "after-process"
        if explicit_auto is False:
            notes.append("commit=after-process: derived from enable.auto.commit=false")
    elif commit == "auto" and explicit_auto is False:
        raise ConfigError("--commit auto contradicts enable.auto.commit=false: "
                          "auto commit needs enable.auto.commit=true")
    elif commit != "auto" and explicit_auto is True:
        raise ConfigError(f"--commit {commit} contradicts enable.auto.commit=true: the consumer would "
                          "also auto-commit; set enable.auto.commit=false or use --commit auto")
    auto_commit = commit == "auto"
    if explicit_auto is None and not auto_commit:
        notes.append(f"enable.auto.commit=false: derived from --commit {commit}")

    processing = processing or "sync"
    if processing == "async" and commit != "auto":
        raise ConfigError(f"--processing async needs --commit auto (got --commit {commit}): "
                          "the other strategies commit around synchronous processing")

    if v["isolation.level"] == "read_committed" and "transactional.id" not in given:
        notes.append("isolation.level=read_committed: without transactions the last stable offset "
                     "equals the high watermark, so it reads the same records as read_uncommitted")
    if "transactional.id" in given and v["isolation.level"] == "read_uncommitted":
        notes.append("isolation.level=read_uncommitted: the consumer also reads records of open and "
                     "aborted transactions")
    return auto_commit, commit, processing


def _resolve_after_abort(after_abort: str | None, commit: str) -> str:
    """The consume-transform-produce loop's pattern after an aborted transaction: the consumer's
    position is not rewound by abortTransaction() (KAFKA-17582), so the application either seeks
    back to the first record of the aborted transaction or polls on and skips it."""
    if after_abort is None:
        return "seek-back"
    if after_abort not in AFTER_ABORT_CHOICES:
        raise ConfigError(f"unknown --after-abort {after_abort!r}: choose {' or '.join(AFTER_ABORT_CHOICES)}")
    if commit != "transactional":
        raise ConfigError(f"--after-abort {after_abort} applies to the consume-transform-produce loop "
                          f"(--commit transactional), not to --commit {commit}")
    return after_abort

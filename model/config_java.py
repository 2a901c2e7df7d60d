"""The Java client's settings: its keys by release line, their values, and how the producer resolves
them (ProducerConfig / KafkaProducer of each line; model/clients.py names the lines and
docs/audits/java-client-lines.md gives ``tag:file:line`` for every rule used here).

Everything a user could be surprised by lands in ``notes``, one sentence each, in a fixed order.
"""

from __future__ import annotations

from .clients import ClientLine
from .config_values import (INT32_MAX, ClientSettings, ConfigError, Parser, bad_value, int_parser, java_bool,
                            java_choice, non_empty_string)

# ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE: the broker keeps the last 5
# batch sequences per producer, so idempotence (dedup and ordering) holds for at most 5 in flight.
MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5
# Kafka only requires >= 1; more than 100 is absurd for a model whose runs have a handful of messages.
_MAX_IN_FLIGHT_LIMIT = 100
# TransactionStateManager (3.7.0): the coordinator's default transaction.max.timeout.ms
MAX_TRANSACTION_TIMEOUT_MS = 900_000
# Kafka Connect's source producers set delivery.timeout.ms to Integer.MAX_VALUE (Worker.java): retry
# for ever.  semcheck reads that value, and only it, as "never"
NEVER_TIMES_OUT = INT32_MAX


def _parse_acks(key: str, raw: str) -> int:
    # ProducerConfig: define(ACKS_CONFIG, STRING, "all", in("all", "-1", "0", "1")); "all" == "-1".
    value = raw.strip()
    if value in ("all", "-1"):
        return -1
    if value in ("0", "1"):
        return int(value)
    raise bad_value(key, raw, "one of all, -1, 0, 1 ('all' and '-1' are the same)")


def _parse_auto_offset_reset(key: str, raw: str) -> str:
    # ConsumerConfig accepts latest, earliest, none.  With "none" poll() throws
    # NoOffsetForPartitionException when the group has no committed offset, which the model (a new
    # group, DESIGN.md) always hits first.
    if raw.strip() == "none":
        raise ConfigError("auto.offset.reset=none makes the consumer throw NoOffsetForPartitionException when the "
                          "group has no committed offset; semcheck models latest and earliest")
    return java_choice("latest", "earliest")(key, raw)


# The Java client's keys semcheck reads, in the order the report lists them (before the cluster's).
_PRODUCER_KEYS: dict[str, Parser] = {
    "acks": _parse_acks,
    # ProducerConfig: define(RETRIES_CONFIG, INT, Integer.MAX_VALUE, between(0, Integer.MAX_VALUE))
    "retries": int_parser(0, INT32_MAX, f"an integer from 0 to {INT32_MAX} (unlimited)"),
    "enable.idempotence": java_bool,
    # ProducerConfig: atLeast(1); the upper bound is semcheck's.
    "max.in.flight.requests.per.connection": int_parser(1, _MAX_IN_FLIGHT_LIMIT,
                                                        f"an integer from 1 to {_MAX_IN_FLIGHT_LIMIT}"),
    "transactional.id": non_empty_string,
}
_CONSUMER_KEYS: dict[str, Parser] = {
    "enable.auto.commit": java_bool,
    "isolation.level": java_choice("read_uncommitted", "read_committed"),
    "auto.offset.reset": _parse_auto_offset_reset,
}
_TIMEOUT_KEYS: dict[str, Parser] = {
    # ProducerConfig: define(DELIVERY_TIMEOUT_MS_CONFIG, INT, 120 * 1000, atLeast(0)); 2.1+ (KIP-91)
    "delivery.timeout.ms": int_parser(0, INT32_MAX, f"an integer from 0 to {INT32_MAX} (ms)"),
    # ProducerConfig: define(TRANSACTION_TIMEOUT_CONFIG, INT, 60000); the coordinator's range is
    # checked in check_transaction_timeout
    "transaction.timeout.ms": int_parser(-INT32_MAX - 1, INT32_MAX, "an integer (ms)"),
}


def keys(line: ClientLine) -> dict[str, Parser]:
    """The client-side keys of this Java line, in report order (delivery.timeout.ms from 2.1)."""
    out = {**_PRODUCER_KEYS, **_CONSUMER_KEYS}
    for key, parser in _TIMEOUT_KEYS.items():
        if key == "delivery.timeout.ms" and line.delivery_timeout_key is None:
            continue
        out[key] = parser
    return out


def missing_key_reason(key: str, line: ClientLine) -> str | None:
    """Why a key semcheck knows for some Java line does not exist on this one (None: no such case)."""
    if key == "delivery.timeout.ms" and line.delivery_timeout_key is None:
        return f"delivery.timeout.ms does not exist in the Java client {line.name}: it came with 2.1 (KIP-91)"
    return None


def resolve(given: dict, line: ClientLine, notes: list[str]) -> ClientSettings:
    """The Java producer and consumer settings of this line, from the user's ``given`` values."""
    v = {"acks": line.acks, "retries": line.retries, "enable.idempotence": line.idempotence_default,
         "max.in.flight.requests.per.connection": line.max_in_flight, "transactional.id": None,
         "enable.auto.commit": True, "isolation.level": line.isolation_level, "auto.offset.reset": "latest",
         "delivery.timeout.ms": line.delivery_timeout_ms, "transaction.timeout.ms": 60_000, **given}
    _old_default_notes(given, line, notes)
    if line.idempotence == "explicit":
        idempotence = _resolve_idempotence_explicit(v, given, line, notes)
    else:
        idempotence = _resolve_idempotence_implicit(v, given, line, notes)
        _check_transactional_id(idempotence, given)
    if "transactional.id" in given and line.transactions_not_modelled:
        raise ConfigError(f"the transactional producer of the {line.label} is not modelled: "
                          f"{line.transactions_not_modelled}")
    _check_delivery_timeout(given, line, notes)
    check_transaction_timeout(given, notes)
    # before 2.1 there is no delivery deadline: batches expire in the accumulator (kafka_producer.py)
    deadline_never = line.delivery_timeout_key is None or v["delivery.timeout.ms"] >= NEVER_TIMES_OUT
    return ClientSettings(
        acks=v["acks"], retries=v["retries"], enable_idempotence=idempotence,
        max_in_flight=v["max.in.flight.requests.per.connection"],
        delivery_timeout_ms=v["delivery.timeout.ms"], deadline_never=deadline_never,
        request_timeout_ms=line.request_timeout_ms, transaction_timeout_ms=v["transaction.timeout.ms"],
        enable_auto_commit=v["enable.auto.commit"], isolation_level=v["isolation.level"],
        auto_offset_reset=v["auto.offset.reset"])


def _old_default_notes(given: dict, line: ClientLine, notes: list[str]) -> None:
    """The defaults of older lines a reader of today's documentation would not expect."""
    if "retries" not in given and line.retries == 0 and "enable.idempotence" not in given and "transactional.id" not in given:
        notes.append(f"retries=0: the default of the Java client {line.name} (unlimited from 2.1, KIP-91): a failed "
                     "request fails the send")
    if "acks" not in given and line.acks == 1 and "enable.idempotence" not in given and "transactional.id" not in given:
        notes.append(f"acks=1: the default of the Java client {line.name} (all from 3.0, KIP-679)")


def _resolve_idempotence_implicit(v: dict, given: dict, line: ClientLine, notes: list[str]) -> bool:
    """ProducerConfig.postProcessAndValidateIdempotenceConfigs, Kafka 3.0.1+ (KIP-679, KAFKA-13598,
    KAFKA-13673; 3.0.1:PC:453-504, 3.9.0-rc3:PC:562-612).  If idempotence is on (default or
    explicit), each of retries == 0, acks != all, max.in.flight > 5 is, in this order, an error with
    the message below when enable.idempotence was set explicitly, else a reason to disable
    idempotence silently (the Java client logs it at INFO, WARN for max.in.flight).  4.0
    (KAFKA-17927) makes max.in.flight > 5 an error whenever idempotence is not explicitly off, even
    where acks or retries disable it."""
    enabled = v["enable.idempotence"]
    if not enabled:
        return False
    explicit = "enable.idempotence" in given
    conflicts = []  # (Kafka's ConfigException message, semcheck's note when implicit)
    if v["retries"] == 0:
        conflicts.append(("Must set retries to non-zero when using the idempotent producer.",
                          f"retries=0 conflicts with it (the Java client {line.name} disables idempotence silently)"))
    if v["acks"] != -1:
        conflicts.append(("Must set acks to all in order to use the idempotent producer. "
                          "Otherwise we cannot guarantee idempotence.",
                          f"acks={v['acks']} conflicts with it (the Java client {line.name} disables idempotence "
                          "silently)"))
    in_flight = v["max.in.flight.requests.per.connection"]
    if in_flight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE:
        if line.idempotence == "implicit-strict-in-flight":
            if conflicts and explicit:  # the retries and acks checks come first
                raise ConfigError(f"Kafka rejects this configuration (enable.idempotence=true is set explicitly): "
                                  f"{conflicts[0][0]}")
            raise ConfigError(f"Kafka rejects this configuration (Java client {line.name}, KAFKA-17927): To use the "
                              "idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. "
                              f"Current value is {in_flight}. (set enable.idempotence=false to allow more)")
        conflicts.append(("Must set max.in.flight.requests.per.connection to at most 5 to use the "
                          "idempotent producer.",
                          f"max.in.flight.requests.per.connection={in_flight} conflicts with it (the Java client "
                          f"{line.name} disables idempotence with a warning; 4.0+ rejects this configuration)"))
    if conflicts and explicit:
        raise ConfigError(f"Kafka rejects this configuration (enable.idempotence=true is set explicitly): "
                          f"{conflicts[0][0]}")
    for _, reason in conflicts:
        notes.append(f"enable.idempotence=false: not set explicitly and {reason}")
    return not conflicts


def _resolve_idempotence_explicit(v: dict, given: dict, line: ClientLine, notes: list[str]) -> bool:
    """Java clients before 3.0.1 (and 3.1.1): idempotence is on only when enable.idempotence=true is
    set or a transactional.id is (ProducerConfig.idempotenceEnabled, 2.8.0:PC:539-547,
    3.0.0:PC:493-501; before 2.5 KafkaProducer.configureTransactionState, 2.1.0:KP:499-531).  It is
    then never disabled: an unset acks is forced to all and an unset retries to MAX, and an explicit
    conflicting value is an error (maybeOverrideAcksAndRetries, 2.8.0:PC:466-485; in-flight:
    KafkaProducer.configureInflightRequests, 2.8.0:KP:546-552)."""
    transactional = "transactional.id" in given
    if transactional and given.get("enable.idempotence") is False:
        raise ConfigError("Kafka rejects this configuration: Cannot set a transactional.id without also enabling "
                          "idempotence.")
    enabled = transactional or given.get("enable.idempotence") is True
    if not enabled:
        if line.idempotence_default and "enable.idempotence" not in given:
            notes.append(f"enable.idempotence=false: the Java client {line.name} defaults it to true but does not "
                         "apply that default (KAFKA-13598, fixed in 3.0.1, 3.1.1 and 3.2.0)")
        return False
    why = "set" if not transactional else "implied by transactional.id"
    if "retries" in given and v["retries"] == 0:
        raise ConfigError("Kafka rejects this configuration: Must set retries to non-zero when using the idempotent "
                          "producer.")
    if "acks" in given and v["acks"] != -1:
        raise ConfigError("Kafka rejects this configuration: Must set acks to all in order to use the idempotent "
                          "producer. Otherwise we cannot guarantee idempotence.")
    if v["max.in.flight.requests.per.connection"] > MAX_IN_FLIGHT_FOR_IDEMPOTENCE:
        raise ConfigError("Kafka rejects this configuration: Must set max.in.flight.requests.per.connection to at "
                          "most 5 to use the idempotent producer.")
    if "acks" not in given and v["acks"] != -1:
        v["acks"] = -1
        notes.append(f"acks=all: the Java client {line.name} overrides its default acks=1 for the idempotent producer "
                     f"(enable.idempotence {why})")
    if "retries" not in given and v["retries"] != INT32_MAX:
        v["retries"] = INT32_MAX
        notes.append(f"retries={INT32_MAX}: the Java client {line.name} overrides its default retries=0 for the "
                     f"idempotent producer (enable.idempotence {why})")
    if line.idempotence_not_modelled and not transactional:
        raise ConfigError(f"the idempotent producer of the Java client {line.name} is not modelled: "
                          f"{line.idempotence_not_modelled}; check a 2.5+ client, or a transactional producer")
    return True


def _check_transactional_id(idempotence: bool, given: dict) -> None:
    # Kafka's own rule comes after the idempotence checks (same method)
    if "transactional.id" in given and not idempotence:
        raise ConfigError("Kafka rejects this configuration: Cannot set a transactional.id without also enabling "
                          "idempotence.")


def _check_delivery_timeout(given: dict, line: ClientLine, notes: list[str]) -> None:
    """KafkaProducer.configureDeliveryTimeout: an explicit delivery.timeout.ms below linger.ms +
    request.timeout.ms is a ConfigException (semcheck knows neither setting, so their defaults of
    this line: linger.ms 0, 5 from 4.0 by KIP-1030)."""
    key = "delivery.timeout.ms"
    if key not in given:
        return
    value, linger, request = given[key], line.linger_ms, line.request_timeout_ms
    if value < linger + request:
        raise ConfigError(f"Kafka rejects this configuration: {key} should be equal to or larger than linger.ms + "
                          f"request.timeout.ms (defaults of the Java client {line.name}: {linger} + {request}; "
                          f"{key}={value})")
    if value == NEVER_TIMES_OUT:
        notes.append(f"{key}={value}: read as never (Kafka Connect's setting for retrying for ever): no send fails "
                     "by time")
        return
    waits = -(-value // request)
    notes.append(f"{key}={value}: the model has no clock; the deadline passes while the producer is held up until "
                 f"a fault ends, or once it has waited out {waits} request timeout{'s' if waits > 1 else ''} "
                 f"(request.timeout.ms={request}) (docs/model.md)")


def check_transaction_timeout(given: dict, notes: list[str]) -> None:
    """TransactionCoordinator.handleInitProducerId: initTransactions fails with
    INVALID_TRANSACTION_TIMEOUT unless 0 < transaction.timeout.ms <= transaction.max.timeout.ms
    (TransactionStateManager.validateTransactionTimeoutMs; the broker's default maximum, 15 min).
    The broker's rule, so it holds for every client."""
    key = "transaction.timeout.ms"
    if key not in given:
        return
    value = given[key]
    if "transactional.id" not in given:
        notes.append(f"{key}={value}: has no effect without a transactional.id")
        return
    if not 0 < value <= MAX_TRANSACTION_TIMEOUT_MS:
        raise ConfigError(f"Kafka rejects this configuration: initTransactions fails with INVALID_TRANSACTION_TIMEOUT "
                          f"({key}={value}; the coordinator accepts 1 to transaction.max.timeout.ms, "
                          f"{MAX_TRANSACTION_TIMEOUT_MS} by default)")

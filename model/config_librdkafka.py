"""librdkafka's settings: its keys and aliases, their values, and how it resolves them
(``rd_kafka_conf_finalize`` and ``rd_kafka_topic_conf_finalize`` in src/rdkafka_conf.c, read at
confluentinc/librdkafka 4c3b017, v2.15.0+1; the strings are the same at every tag from v2.3.0).

librdkafka differs from the Java client in ways that change verdicts (docs/audits/librdkafka.md):
idempotence is off by default and never disabled silently (an explicit conflicting setting is an
error, an unset one is adjusted); a million requests may be in flight; a send fails after
``message.timeout.ms`` (300 s, 0 = never) and one request after ``socket.timeout.ms`` (60 s; its
``request.timeout.ms`` is only the broker's ack timeout); a transactional producer lowers both to
its transaction timeout; the consumer reads committed records by default and its auto-commit commits
the offsets stored when a message is handed to the application (``enable.auto.offset.store``).
"""

from __future__ import annotations

from .clients import ClientLine
from .config_java import check_transaction_timeout
from .config_values import INT32_MAX, ClientSettings, ConfigError, Parser, bad_value, int_parser, non_empty_string

# RD_KAFKA_IDEMP_MAX_INFLIGHT (rdkafka_idempotence.h)
MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5


def _parse_bool(key: str, raw: str) -> bool:
    # rd_kafka_anyconf_set_prop0, _RK_C_BOOL: true/t/1 and false/f/0, the words in any case
    value = raw.strip()
    if value.lower() in ("true", "t") or value == "1":
        return True
    if value.lower() in ("false", "f") or value == "0":
        return False
    raise bad_value(key, raw, "true or false (librdkafka also reads t, f, 1, 0)")


def _parse_acks(key: str, raw: str) -> int:
    # request.required.acks: an integer from -1 to 1000, or "all" (= -1).  2 and more wait for that
    # many replicas, which semcheck does not model.
    value = raw.strip()
    if value.lower() == "all":
        return -1
    number = int_parser(-1, 1000, "all, or an integer from -1 to 1000")(key, raw)
    if number > 1:
        raise ConfigError(f"{key}={number}: the leader waits for {number} replicas; semcheck models acks 0, 1 and "
                          "all (-1)")
    return number


def _parse_isolation_level(key: str, raw: str) -> str:
    value = raw.strip().lower()  # _RK_C_S2I: compared without case
    if value in ("read_uncommitted", "read_committed"):
        return value
    raise bad_value(key, raw, "read_committed or read_uncommitted")


def _parse_auto_offset_reset(key: str, raw: str) -> str:
    value = raw.strip().lower()
    if value in ("smallest", "earliest", "beginning"):
        return "earliest"
    if value in ("largest", "latest", "end"):
        return "latest"
    if value == "error":
        # librdkafka's equivalent of Java's none: the consumer gets ERR__AUTO_OFFSET_RESET, which the
        # model's new group always hits first
        raise ConfigError("auto.offset.reset=error makes the consumer report ERR__AUTO_OFFSET_RESET when the group "
                          "has no committed offset; semcheck models latest (largest) and earliest (smallest)")
    raise bad_value(key, raw, "smallest, earliest, beginning, largest, latest, end or error")


# librdkafka's keys semcheck reads: its own name, the internal name config.py uses (the Java key where
# the meaning is the same) and its parser.
_CANONICAL: dict[str, tuple[str, Parser]] = {
    "request.required.acks": ("acks", _parse_acks),
    "message.send.max.retries": ("retries", int_parser(0, INT32_MAX, f"an integer from 0 to {INT32_MAX}")),
    "enable.idempotence": ("enable.idempotence", _parse_bool),
    "max.in.flight.requests.per.connection": ("max.in.flight.requests.per.connection",
                                              int_parser(1, 1_000_000, "an integer from 1 to 1000000")),
    "transactional.id": ("transactional.id", non_empty_string),
    "enable.auto.commit": ("enable.auto.commit", _parse_bool),
    "enable.auto.offset.store": ("enable.auto.offset.store", _parse_bool),
    "isolation.level": ("isolation.level", _parse_isolation_level),
    "auto.offset.reset": ("auto.offset.reset", _parse_auto_offset_reset),
    "message.timeout.ms": ("delivery.timeout.ms", int_parser(0, INT32_MAX, f"an integer from 0 (never) to {INT32_MAX} (ms)")),
    "socket.timeout.ms": ("socket.timeout.ms", int_parser(10, 300_000, "an integer from 10 to 300000 (ms)")),
    "transaction.timeout.ms": ("transaction.timeout.ms", int_parser(1000, INT32_MAX, f"an integer from 1000 to {INT32_MAX} (ms)")),
}
# rdkafka_conf.c's aliases (_RK_C_ALIAS) of those: either spelling sets the same setting, and either
# counts as set (rd_kafka_conf_is_modified follows aliases)
_ALIASES = {"acks": "request.required.acks", "retries": "message.send.max.retries",
            "max.in.flight": "max.in.flight.requests.per.connection", "delivery.timeout.ms": "message.timeout.ms"}
KEYS: dict[str, tuple[str, Parser]] = {**_CANONICAL, **{alias: _CANONICAL[key] for alias, key in _ALIASES.items()}}

_SOCKET_TIMEOUT_MS = 60_000


def resolve(given: dict, line: ClientLine, notes: list[str]) -> ClientSettings:
    """librdkafka's producer and consumer settings, from the user's ``given`` values (internal names)."""
    v = {"acks": line.acks, "retries": line.retries, "enable.idempotence": line.idempotence_default,
         "max.in.flight.requests.per.connection": line.max_in_flight, "transactional.id": None,
         "enable.auto.commit": True, "enable.auto.offset.store": True, "isolation.level": line.isolation_level,
         "auto.offset.reset": "latest", "delivery.timeout.ms": line.delivery_timeout_ms,
         "socket.timeout.ms": _SOCKET_TIMEOUT_MS, "transaction.timeout.ms": 60_000, **given}
    transactional = "transactional.id" in given
    idempotence = v["enable.idempotence"]
    # rd_kafka_conf_finalize, producer (rdkafka_conf.c:4578-4645), in its order
    if transactional:
        if not idempotence and "enable.idempotence" in given:
            raise ConfigError("librdkafka rejects this configuration: `transactional.id` requires "
                              "`enable.idempotence=true`")
        idempotence = True
        txn_timeout = v["transaction.timeout.ms"]
        if "socket.timeout.ms" not in given:
            v["socket.timeout.ms"] = max(txn_timeout - 100, 900)
            notes.append(f"socket.timeout.ms={v['socket.timeout.ms']}: librdkafka lowers it to transaction.timeout.ms - "
                         "100 for a transactional producer")
        elif txn_timeout + 100 < v["socket.timeout.ms"]:
            raise ConfigError("librdkafka rejects this configuration: `socket.timeout.ms` must be set <= "
                              "`transaction.timeout.ms` + 100")
    if idempotence:
        in_flight = v["max.in.flight.requests.per.connection"]
        if "max.in.flight.requests.per.connection" in given:
            if in_flight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE:
                raise ConfigError("librdkafka rejects this configuration: `max.in.flight` must be set <= 5 when "
                                  "`enable.idempotence` is true")
        elif in_flight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE:
            v["max.in.flight.requests.per.connection"] = MAX_IN_FLIGHT_FOR_IDEMPOTENCE
            notes.append("max.in.flight.requests.per.connection=5: librdkafka caps its default (1000000) for the "
                         "idempotent producer")
        if "retries" in given and v["retries"] < 1:
            raise ConfigError("librdkafka rejects this configuration: `retries` must be set >= 1 when "
                              "`enable.idempotence` is true")
        # rd_kafka_topic_conf_finalize (rdkafka_conf.c:4751-4782)
        if "acks" in given and v["acks"] != -1:
            raise ConfigError("librdkafka rejects this configuration: `acks` must be set to `all` when "
                              "`enable.idempotence` is true")
        if transactional:
            if "delivery.timeout.ms" not in given:
                v["delivery.timeout.ms"] = v["transaction.timeout.ms"]
                notes.append(f"message.timeout.ms={v['delivery.timeout.ms']}: librdkafka lowers it to "
                             "transaction.timeout.ms for a transactional producer")
            elif v["delivery.timeout.ms"] > v["transaction.timeout.ms"]:
                raise ConfigError("librdkafka rejects this configuration: `message.timeout.ms` must be set <= "
                                  "`transaction.timeout.ms`")
    check_transaction_timeout(given, notes)
    if not idempotence and "enable.idempotence" not in given:
        notes.append("enable.idempotence=false: librdkafka's default (the Java client's is true from 3.0.1): a retry "
                     "can write a record twice")
    if "isolation.level" not in given:
        notes.append("isolation.level=read_committed: librdkafka's default (the Java client's is read_uncommitted)")
    deadline_never = v["delivery.timeout.ms"] == 0
    if "delivery.timeout.ms" in given:
        _deadline_note(v, notes)
    if "enable.auto.offset.store" in given and not v["enable.auto.commit"]:
        notes.append(f"enable.auto.offset.store={str(v['enable.auto.offset.store']).lower()} changes nothing here: "
                     "without enable.auto.commit the application commits where --commit says")
    return ClientSettings(
        acks=v["acks"], retries=v["retries"], enable_idempotence=idempotence,
        max_in_flight=v["max.in.flight.requests.per.connection"],
        delivery_timeout_ms=v["delivery.timeout.ms"], deadline_never=deadline_never,
        request_timeout_ms=v["socket.timeout.ms"], transaction_timeout_ms=v["transaction.timeout.ms"],
        enable_auto_commit=v["enable.auto.commit"], isolation_level=v["isolation.level"],
        auto_offset_reset=v["auto.offset.reset"], enable_auto_offset_store=v["enable.auto.offset.store"])


def _deadline_note(v: dict, notes: list[str]) -> None:
    value, request = v["delivery.timeout.ms"], v["socket.timeout.ms"]
    if value == 0:
        notes.append("message.timeout.ms=0: librdkafka's infinite timeout: no send fails by time")
        return
    waits = -(-value // request)
    notes.append(f"message.timeout.ms={value}: the model has no clock; the deadline passes while the producer is held "
                 f"up until a fault ends, or once it has waited out {waits} request timeout{'s' if waits > 1 else ''} "
                 f"(socket.timeout.ms={request}) (docs/model.md)")

"""Reading one setting's value, and the client settings every client module resolves to.

Each parser takes the key as the user wrote it and the raw text, and returns the value or raises
:class:`ConfigError` with one line naming the key, the value and what was expected.  The clients read
values differently: Kafka's Java ``ConfigDef.parseType`` trims every value, reads booleans in any
case and compares enum strings case-sensitively; librdkafka (``rd_kafka_anyconf_set_prop0``) reads
booleans as true/false/t/f/1/0 and enums in any case.  Each client module (config_java.py,
config_librdkafka.py) builds its key table from these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .errors import ConfigError

Parser = Callable[[str, str], object]

INT32_MAX = 2147483647


def bad_value(key: str, raw: str, expected: str) -> ConfigError:
    return ConfigError(f"invalid value {raw!r} for {key}: expected {expected}")  # ConfigError cuts a long one


def int_parser(low: int, high: int, expected: str, why: str = "") -> Parser:
    def parse(key: str, raw: str) -> int:
        value = raw.strip()
        # Java's Integer.parseInt and librdkafka's strtol alike: optional sign, ASCII digits
        # (no '_', no '1e3', no '5.0').
        if not re.fullmatch(r"[+-]?[0-9]+", value) or not low <= int(value) <= high:
            raise bad_value(key, raw, expected + why)
        return int(value)
    return parse


def java_bool(key: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("true", "false"):
        return value == "true"
    raise bad_value(key, raw, "true or false")


def java_choice(*choices: str) -> Parser:
    def parse(key: str, raw: str) -> str:
        value = raw.strip()
        if value in choices:
            return value
        raise bad_value(key, raw, "one of " + ", ".join(choices))
    return parse


def non_empty_string(key: str, raw: str) -> str:
    # ProducerConfig: define(TRANSACTIONAL_ID_CONFIG, STRING, null, new ConfigDef.NonEmptyString());
    # librdkafka: an empty transactional.id is the same as none, which semcheck makes an error too
    if not raw.strip():
        raise bad_value(key, raw, "a non-empty string")
    return raw.strip()


@dataclass(frozen=True)
class ClientSettings:
    """What a client module resolves the user's client-side settings to (config.py takes it from
    here): the producer's and the consumer's effective values."""
    acks: int                      # 0, 1 or -1 (all)
    retries: int                   # INT32_MAX means unlimited
    enable_idempotence: bool
    max_in_flight: int
    delivery_timeout_ms: int       # the delivery deadline's setting as the client has it
    deadline_never: bool           # no send ever fails by time
    request_timeout_ms: int        # how long the client waits for an answer before it gives up the request
    transaction_timeout_ms: int
    enable_auto_commit: bool
    isolation_level: str           # "read_uncommitted" | "read_committed"
    auto_offset_reset: str         # "latest" | "earliest"
    enable_auto_offset_store: bool = True  # librdkafka only: offsets are stored when a message is handed over

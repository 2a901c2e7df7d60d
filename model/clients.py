"""Kafka client libraries and their release lines: the client rules that changed a verdict.

A user names the client their applications run (``--client java``, ``--client librdkafka``) and,
optionally, its release (``--client-version 3.1.0``); semcheck models the release by its *line*, the
releases that share every rule below.  The default is the newest Java line modelled, and every report
names the client line it checked.

The Java client (apache/kafka ``clients/``; docs/audits/java-client-lines.md gives ``tag:file:line``
for each fact):

* ``idempotence``: how ``enable.idempotence`` resolves (ProducerConfig / KafkaProducer):
  ``"explicit"`` (before 3.0, and 3.0.0 / 3.1.0): only an explicit ``true`` or a transactional.id
  turns it on, an unset ``acks`` is then forced to all, and an explicit conflicting setting is an
  error.  3.0.0 and 3.1.0 default it to ``true`` but ignore that default (KAFKA-13598: the check
  reads ``userConfiguredIdempotence && enable.idempotence``).  ``"implicit"`` (3.0.1+, 3.1.1+, 3.2+:
  ``postProcessAndValidateIdempotenceConfigs``, KAFKA-13598 and KAFKA-13673): on by default, and a
  conflicting acks, retries or max.in.flight disables it silently unless it was set explicitly.
  ``"implicit-strict-in-flight"`` (4.0+, KAFKA-17927): the same, except that max.in.flight > 5 is an
  error unless idempotence is explicitly off.
* defaults: acks=1 and retries=0 before 2.1; acks=1, retries=MAX before 3.0 (KIP-91 raised retries in
  2.1); acks=all from 3.0 (KIP-679).  ``delivery.timeout.ms`` exists from 2.1 (KIP-91).  linger.ms is
  5 from 4.0 (KIP-1030), which raises the floor an explicit delivery.timeout.ms must reach.
* ``transaction_protocol_v2``: the client speaks transaction protocol v2 when the brokers offer it
  (KIP-890 part 2, client 4.0+).

librdkafka (confluentinc/librdkafka; docs/audits/librdkafka.md): its own defaults (idempotence off,
a million requests in flight, message.timeout.ms 300 s, socket.timeout.ms 60 s as the request
timeout, isolation.level read_committed), its own effective-configuration rules (idempotence is never
disabled silently), retries re-inserted in message order rather than at the front, and an
auto-commit that commits the offsets stored when a message was handed to the application.  It has
no transaction protocol v2 in any release modelled (librdkafka#5423).

Releases outside the lines are errors, never a silently different answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ConfigError

JAVA, LIBRDKAFKA = "java", "librdkafka"
LIBRARIES = (JAVA, LIBRDKAFKA)

INT32_MAX = 2147483647


@dataclass(frozen=True)
class ClientLine:
    library: str                      # JAVA or LIBRDKAFKA
    name: str                         # how reports name the line: "3.0.1-3.9"
    first: tuple[int, int, int]       # the first release of the line
    last: tuple[int, int, int]        # the last release of the line (patch 99: any patch)
    acks: int                         # default acks (-1 = all)
    retries: int                      # default retries
    idempotence: str                  # how enable.idempotence resolves (module docstring); librdkafka: "librdkafka"
    idempotence_default: bool         # the configured default of enable.idempotence
    delivery_timeout_key: str | None  # the key of the delivery deadline (None: the line has none)
    delivery_timeout_ms: int          # its default
    request_timeout_ms: int           # how long the client waits for one answer
    linger_ms: int
    isolation_level: str              # the consumer's default
    transaction_protocol_v2: bool = False  # KIP-890 part 2 when the brokers offer it
    max_in_flight: int = 5            # default max.in.flight.requests.per.connection
    # what this line cannot be checked for, and why (None: modelled): idempotent producers (without
    # transactions), transactional producers
    idempotence_not_modelled: str | None = None
    transactions_not_modelled: str | None = None
    # the consumer validates its position after a leader change (KIP-320's consumer side, 2.3)
    validates_positions: bool = True
    # INVALID_PRODUCER_EPOCH is fatal for the idempotent producer (ProducerFencedException before KIP-588):
    # the Sender aborts every incomplete batch (2.5.0:S:300-305,481-486)
    invalid_epoch_fatal: bool = False
    # sendOffsetsToTransaction with the group's metadata and stable offset fetches (KIP-447, 2.5)
    offsets_in_transactions: bool = True

    @property
    def expires_batches_in_accumulator(self) -> bool:
        """Before 2.1 (no delivery.timeout.ms, KIP-91) a batch fails by time only while it waits in the
        accumulator, each on its own clock: request.timeout.ms after its creation or its last attempt
        (RecordAccumulator.expiredBatches, ProducerBatch.maybeExpire, 2.0.0:RA:279-311); one on the
        wire never does (docs/audits/java-client-model-rules.md, section 1)."""
        return self.is_java and self.delivery_timeout_key is None

    @property
    def expiry_check_ms(self) -> int:
        """How late after its deadline a message's expiry can come: librdkafka scans its queues for
        timed-out messages once a second (rd_kafka_broker_producer_serve, rdkafka_broker.c:4548); the
        Java Sender checks in every loop."""
        return 0 if self.is_java else 1000

    @property
    def refused_by_brokers_4(self) -> bool:
        """KIP-896 (4.0) removed the request versions clients before 2.1 use."""
        return self.is_java and self.first < (2, 1, 0)

    # only these releases (a line that is not a range: 3.0.0 and 3.1.0); checked before the ranges
    only: tuple[tuple[int, int, int], ...] = ()

    def covers(self, major: int, minor: int, patch: int | None) -> bool:
        """The release (any patch of the minor release where ``patch`` is None) is in this line."""
        if self.only:
            return any(r[:2] == (major, minor) and (patch is None or r[2] == patch) for r in self.only)
        if patch is None:
            return self.first[:2] <= (major, minor) <= self.last[:2]
        return self.first <= (major, minor, patch) <= self.last

    @property
    def label(self) -> str:
        """``Java client 3.0.1-3.9`` / ``librdkafka 2.3-2.16``."""
        return ("Java client " if self.library == JAVA else "librdkafka ") + self.name

    @property
    def first_release(self) -> str:
        """A release of the line, written the way --client-version takes it (trace files store it)."""
        return ".".join(str(part) for part in self.first)

    @property
    def request_timeout_key(self) -> str:
        """The setting that bounds the client's wait for one answer (librdkafka's own
        request.timeout.ms is only the broker's ack timeout)."""
        return "request.timeout.ms" if self.is_java else "socket.timeout.ms"

    @property
    def is_java(self) -> bool:
        return self.library == JAVA

    @property
    def retries_go_to_front(self) -> bool:
        """Without idempotence a failed batch goes back to the *front* of the partition's queue
        (Java: RecordAccumulator.reenqueue, ``deque.addFirst``), so of several failing together
        the newest is retried first; librdkafka re-inserts retried messages at their place in
        message-id order (rd_kafka_retry_msgq -> rd_kafka_msgq_insert_msgq), so the oldest unsent
        message is always next."""
        return self.is_java

    @property
    def counts_not_leader_retries(self) -> bool:
        """A retry after NOT_LEADER_OR_FOLLOWER counts against ``retries`` (Java: Sender.canRetry
        counts every attempt); librdkafka's REFRESH action retries without counting."""
        return self.is_java

    @property
    def stores_offsets_when_handed_over(self) -> bool:
        """Auto-commit commits the offsets *stored* when a message is handed to the application
        (librdkafka: rd_kafka_fetch_op_app_prepare, enable.auto.offset.store=true), on its own timer,
        so a commit can come before the message is processed.  The Java consumer commits inside
        ``poll()`` the positions the previous poll reached."""
        return self.library == LIBRDKAFKA


_NO_KIP_360 = ("its idempotent producer fails a batch on OUT_OF_ORDER_SEQUENCE_NUMBER and resets the producer id "
               "instead of bumping the epoch (KIP-360 came with 2.5)")
_EXPIRY_BEFORE_2_1 = ("a batch that expires in its retry is fatal for a transactional producer before 2.1, and 0.11 "
                      "throws; semcheck models these lines' plain producer only")

JAVA_LINES: tuple[ClientLine, ...] = (
    ClientLine(JAVA, "0.11", (0, 11, 0), (0, 11, 99), acks=1, retries=0, idempotence="explicit",
               idempotence_default=False, delivery_timeout_key=None, delivery_timeout_ms=0,
               request_timeout_ms=30_000, linger_ms=0, isolation_level="read_uncommitted",
               idempotence_not_modelled=_NO_KIP_360, transactions_not_modelled=_EXPIRY_BEFORE_2_1,
               validates_positions=False, offsets_in_transactions=False),
    ClientLine(JAVA, "1.0-2.0", (1, 0, 0), (2, 0, 99), acks=1, retries=0, idempotence="explicit",
               idempotence_default=False, delivery_timeout_key=None, delivery_timeout_ms=0,
               request_timeout_ms=30_000, linger_ms=0, isolation_level="read_uncommitted",
               idempotence_not_modelled=_NO_KIP_360, transactions_not_modelled=_EXPIRY_BEFORE_2_1,
               validates_positions=False, offsets_in_transactions=False),
    # KAFKA-7747 (2.3): the consumer validates its position after a leader change (KIP-320)
    ClientLine(JAVA, "2.1-2.2", (2, 1, 0), (2, 2, 99), acks=1, retries=INT32_MAX, idempotence="explicit",
               idempotence_default=False, delivery_timeout_key="delivery.timeout.ms", delivery_timeout_ms=120_000,
               request_timeout_ms=30_000, linger_ms=0, isolation_level="read_uncommitted",
               idempotence_not_modelled=_NO_KIP_360, validates_positions=False, offsets_in_transactions=False),
    ClientLine(JAVA, "2.3-2.4", (2, 3, 0), (2, 4, 99), acks=1, retries=INT32_MAX, idempotence="explicit",
               idempotence_default=False, delivery_timeout_key="delivery.timeout.ms", delivery_timeout_ms=120_000,
               request_timeout_ms=30_000, linger_ms=0, isolation_level="read_uncommitted",
               idempotence_not_modelled=_NO_KIP_360, offsets_in_transactions=False),
    ClientLine(JAVA, "2.5-2.6", (2, 5, 0), (2, 6, 99), acks=1, retries=INT32_MAX, idempotence="explicit",
               idempotence_default=False, delivery_timeout_key="delivery.timeout.ms", delivery_timeout_ms=120_000,
               request_timeout_ms=30_000, linger_ms=0, isolation_level="read_uncommitted",
               invalid_epoch_fatal=True),
    ClientLine(JAVA, "2.7-2.8", (2, 7, 0), (2, 8, 99), acks=1, retries=INT32_MAX, idempotence="explicit",
               idempotence_default=False, delivery_timeout_key="delivery.timeout.ms", delivery_timeout_ms=120_000,
               request_timeout_ms=30_000, linger_ms=0, isolation_level="read_uncommitted"),
    ClientLine(JAVA, "3.0.0/3.1.0", (3, 0, 0), (3, 1, 0), acks=-1, retries=INT32_MAX, idempotence="explicit",
               idempotence_default=True, delivery_timeout_key="delivery.timeout.ms", delivery_timeout_ms=120_000,
               request_timeout_ms=30_000, linger_ms=0, isolation_level="read_uncommitted",
               only=((3, 0, 0), (3, 1, 0))),
    ClientLine(JAVA, "3.0.1-3.9", (3, 0, 1), (3, 9, 99), acks=-1, retries=INT32_MAX, idempotence="implicit",
               idempotence_default=True, delivery_timeout_key="delivery.timeout.ms", delivery_timeout_ms=120_000,
               request_timeout_ms=30_000, linger_ms=0, isolation_level="read_uncommitted"),
    ClientLine(JAVA, "4.0-4.2", (4, 0, 0), (4, 2, 99), acks=-1, retries=INT32_MAX,
               idempotence="implicit-strict-in-flight", idempotence_default=True,
               delivery_timeout_key="delivery.timeout.ms", delivery_timeout_ms=120_000,
               request_timeout_ms=30_000, linger_ms=5, isolation_level="read_uncommitted",
               transaction_protocol_v2=True),
)

# librdkafka's producer rules are switched on by ``library`` (model/kafka.py: retries in message order,
# NOT_LEADER_OR_FOLLOWER uncounted, the idempotent and transactional producers' rules 4-11 of
# docs/audits/librdkafka-producer-vs-model.md)
LIBRDKAFKA_LINES: tuple[ClientLine, ...] = (
    # CONFIGURATION.md at v2.3.0 .. v2.16.0: request.required.acks -1, enable.idempotence false,
    # message.send.max.retries INT32_MAX, max.in.flight 1000000, message.timeout.ms 300000,
    # socket.timeout.ms 60000, queue.buffering.max.ms 5, isolation.level read_committed
    ClientLine(LIBRDKAFKA, "2.3-2.16", (2, 3, 0), (2, 16, 99), acks=-1, retries=INT32_MAX, idempotence=LIBRDKAFKA,
               idempotence_default=False, delivery_timeout_key="message.timeout.ms", delivery_timeout_ms=300_000,
               request_timeout_ms=60_000, linger_ms=5, isolation_level="read_committed", max_in_flight=1_000_000),
)

LINES = {JAVA: JAVA_LINES, LIBRDKAFKA: LIBRDKAFKA_LINES}
NEWEST_JAVA = JAVA_LINES[-1]


def supported(library: str) -> str:
    """The releases a library's lines cover, for messages: ``0.11, 1.0-2.0, ...``."""
    return ", ".join(line.name for line in LINES[library])


def client_line(library: str | None = None, version: str | None = None) -> ClientLine:
    """The line of a client release (``"java"``, ``"3.1.1"``); ``None`` is the newest line."""
    name = str(library or JAVA).strip().lower()
    if name not in LIBRARIES:
        raise ConfigError(f"--client {library!r}: unknown client; semcheck models {' and '.join(LIBRARIES)} "
                          "(librdkafka: confluent-kafka for Python, Go, .NET, and other clients built on it)")
    lines = LINES[name]
    if version is None:
        return lines[-1]
    text = str(version).strip().lstrip("v")
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+)(?:\.\d+)?)?", text)  # 0.11.0.3: four parts
    if not match:
        raise ConfigError(f"--client-version {version!r}: expected a {name} release such as "
                          f"{'3.9.1' if name == JAVA else '2.12.1'}; semcheck models {name} {supported(name)}")
    major, minor = int(match.group(1)), int(match.group(2))
    patch = int(match.group(3)) if match.group(3) is not None else None
    exact = [line for line in lines if line.only and line.covers(major, minor, patch)]
    ranges = [line for line in lines if not line.only and line.covers(major, minor, patch)]
    candidates = exact + ranges if patch is None else (exact or ranges)
    if patch is None and len(candidates) > 1:
        # 3.0 and 3.1: the first patch release differs from the later ones (KAFKA-13598)
        raise ConfigError(f"--client-version {version}: {name} {major}.{minor}.0 differs from {major}.{minor}.1 and "
                          "later (KAFKA-13598: the default enable.idempotence=true is not applied); name the patch "
                          f"release, e.g. {major}.{minor}.0 or {major}.{minor}.2")
    if not candidates:
        newest = lines[-1].last[:2]
        why = ("newer than the newest release semcheck's client rules were audited against"
               if (major, minor) > newest else "older than the releases semcheck models")
        raise ConfigError(f"--client-version {version}: {name} {text} is {why}; semcheck models {name} "
                          f"{supported(name)}")
    return candidates[0]

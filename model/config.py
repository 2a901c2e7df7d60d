"""The effective Kafka configuration: what the user asked for, resolved the way Kafka resolves it.

The user names settings by their keys (``--acks``, ``--retries``, ``-X key=value``) for the client
they run (``--client``, ``--client-version``; model/clients.py).  The client's own module reads its
keys and applies its producer rules (config_java.py: ProducerConfig of each Java line;
config_librdkafka.py: rd_kafka_conf_finalize); this module adds the cluster's settings (replication,
min ISR, unclean election, the brokers' features) and the consumer application's choices
(``--commit``, ``--processing``, ``--after-abort``).  Everything a user could be surprised by lands
in :attr:`KafkaConfig.notes`, one sentence each, in a fixed order.

Bad input raises :class:`ConfigError` whose ``str()`` is one line: the CLI prints it and exits 2.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Mapping

from . import config_java, config_librdkafka
from .clients import JAVA, LIBRDKAFKA, NEWEST_JAVA, ClientLine, client_line
from .config_values import INT32_MAX, Parser, int_parser, java_bool
from .errors import ConfigError
from .versions import NEWEST, BrokerLine, broker_line


# The keys ``-X`` accepts for the default client (the newest Java line), in the order
# kafka_settings() reports them.
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

UNLIMITED_RETRIES = INT32_MAX  # Kafka's default retries (Integer.MAX_VALUE), KIP-91 / Kafka 2.1+

_MAX_REPLICAS = 3  # the model has at most three brokers

# the application's choices: --commit, --processing and --after-abort (the CLI's choices, and config
# files' semcheck.commit, semcheck.processing and semcheck.after.abort: semcheck/config_files.py)
COMMIT_STRATEGIES = ("auto", "after-process", "before-process", "transactional")
# what the consume-transform-produce loop does after its transaction aborts (kafka_faults.py,
# output-failure): seek back to the aborted transaction's first record, or poll on from its position
AFTER_ABORT_CHOICES = ("seek-back", "keep-position")
PROCESSING_MODES = ("sync", "async")

# the coordinator's default transaction.abort.timed.out.transaction.cleanup.interval.ms
# (TransactionStateManager, 3.7.0)
_TIMED_OUT_TRANSACTION_CHECK_MS = 10_000


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
    client: ClientLine = NEWEST_JAVA       # the client library and release line (model/clients.py)
    request_timeout_ms: int = 30_000       # Java request.timeout.ms; librdkafka socket.timeout.ms
    deadline_never: bool = False           # the delivery deadline is never reached (Integer.MAX_VALUE; librdkafka 0)
    enable_auto_offset_store: bool = True  # librdkafka: the offset is stored when a message is handed over

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
        transaction.  Needs the brokers' transaction.version=2 and a client that speaks it (Java
        4.0+; no librdkafka release modelled)."""
        return self.transactional and self.transaction_version >= 2 and self.client.transaction_protocol_v2

    @property
    def auto_commit_may_precede_processing(self) -> bool:
        """An auto-commit can cover a record the application has not processed yet: Java's consumer
        with --processing async (poll() commits what the previous poll returned, processed or not);
        librdkafka's whenever the offset is stored as the message is handed over
        (enable.auto.offset.store=true, its default), since its timer commits the stored offsets
        at any moment.  With enable.auto.offset.store=false the application stores an offset once
        it has processed the record, so the commit never runs ahead of processing."""
        if self.commit != "auto":
            return False
        if self.client.stores_offsets_when_handed_over:
            return self.enable_auto_offset_store
        return self.processing == "async"

    @property
    def effective_min_isr(self) -> int:
        """The ISR size acks=all needs on this broker line (3.7+: capped at the replica count)."""
        return self.broker.effective_min_isr(self.min_insync_replicas, self.replication_factor)

    @property
    def request_timeouts_to_deadline(self) -> int | None:
        """How many request timeouts (the client's wait for one answer) add up to the delivery
        deadline; None: never."""
        if self.deadline_never:
            return None
        return -(-self.delivery_timeout_ms // self.request_timeout_ms)

    @property
    def request_timeouts_to_transaction_timeout(self) -> int:
        """How many request timeouts add up to transaction.timeout.ms."""
        return -(-self.transaction_timeout_ms // self.request_timeout_ms)

    @property
    def transaction_times_out_first(self) -> bool:
        """A transaction held up from its start reaches transaction.timeout.ms, and the coordinator's
        next check for timed-out transactions (every 10 s, TransactionStateManager.
        DefaultAbortTimedOutTransactionsIntervalMs) aborts it, before its batches reach the
        delivery deadline: both clocks start when the application sends (the batches' creation,
        the first AddPartitionsToTxn).  With the Java defaults, 60 s + 10 s < 120 s; librdkafka
        sets message.timeout.ms to the transaction timeout, so its batches expire first."""
        if self.deadline_never:
            return True
        return self.transaction_timeout_ms + _TIMED_OUT_TRANSACTION_CHECK_MS < self.delivery_timeout_ms

    @property
    def transaction_may_time_out(self) -> bool:
        """The coordinator can time the transaction out before its batches expire: always where it
        does so first, and also where transaction.timeout.ms is below the delivery deadline by less
        than the coordinator's check interval (either may then come first).  librdkafka finds its
        expired messages up to a second late, so there the two may also come in either order when
        they are equal, as they are by default (docs/clients.md)."""
        return (self.transaction_times_out_first
                or self.transaction_timeout_ms < self.delivery_timeout_ms + self.client.expiry_check_ms)

    @property
    def unlimited_retries(self) -> bool:
        return self.retries >= UNLIMITED_RETRIES

    def kafka_settings(self) -> dict[str, object]:
        """Effective settings by the client's keys, JSON-ready: the producer's, the cluster's, the
        consumer's, then the timeouts and the features that apply."""
        librdkafka = self.client.library == LIBRDKAFKA
        out: dict[str, object] = {
            "acks": _acks_str(self.acks),
            "retries": self.retries,
            "enable.idempotence": self.enable_idempotence,
            "max.in.flight.requests.per.connection": self.max_in_flight,
            "transactional.id": self.transactional_id,
            "replication.factor": self.replication_factor,
            "min.insync.replicas": self.min_insync_replicas,
            "unclean.leader.election.enable": self.unclean_leader_election,
            "enable.auto.commit": self.enable_auto_commit,
        }
        if librdkafka:
            out["enable.auto.offset.store"] = self.enable_auto_offset_store
        out["isolation.level"] = self.isolation_level
        out["auto.offset.reset"] = self.auto_offset_reset
        if self.broker.elr_available:  # a cluster feature (kafka-features.sh), listed only for the lines that have it
            out["eligible.leader.replicas.version"] = int(self.eligible_leader_replicas)
        if self.client.delivery_timeout_key:
            out[self.client.delivery_timeout_key] = self.delivery_timeout_ms
        if librdkafka:
            out["socket.timeout.ms"] = self.request_timeout_ms
        if self.transactional:  # a producer setting only a transactional producer uses
            out["transaction.timeout.ms"] = self.transaction_timeout_ms
            if self.broker.transaction_version_available:  # a cluster feature (4.0+) only transactions use
                out["transaction.version"] = self.transaction_version
        return out


# ---------------------------------------------------------------------------------------------
# The cluster's keys (broker and topic settings, cluster features): read the same whatever the
# client, the way the brokers' Java ConfigDef reads them.
# ---------------------------------------------------------------------------------------------

_CLUSTER_KEYS: dict[str, Parser] = {
    "replication.factor": int_parser(1, _MAX_REPLICAS, "an integer from 1 to 3", " (the model supports 1 to 3 replicas)"),
    "min.insync.replicas": int_parser(1, _MAX_REPLICAS, "an integer from 1 to 3", " (the model supports 1 to 3 replicas)"),
    "unclean.leader.election.enable": java_bool,
    # a cluster feature level (kafka-storage.sh format --feature, kafka-features.sh upgrade), 0 or 1
    "eligible.leader.replicas.version": int_parser(0, 1, "0 (off) or 1 (on), the feature's levels"),
    # a cluster feature level (TransactionVersion: TV_0, TV_1, TV_2), 0 to 2
    "transaction.version": int_parser(0, 2, "0, 1 or 2, the feature's levels (2: transaction protocol v2)"),
}
_CLUSTER_DEFAULTS = {"replication.factor": 3, "min.insync.replicas": 1, "unclean.leader.election.enable": False}


def _client_keys(client: ClientLine) -> dict[str, tuple[str, Parser]]:
    """Every key the user may give for this client: its own, then the cluster's, each with the
    internal name it sets and its parser."""
    if client.library == JAVA:
        own = {key: (key, parser) for key, parser in config_java.keys(client).items()}
    else:
        own = dict(config_librdkafka.KEYS)
    return {**own, **{key: (key, parser) for key, parser in _CLUSTER_KEYS.items()}}


# The internal names of the consumer's and the cluster's settings: config files sort keys into the
# roles that read them by these (semcheck/config_files.py); every other client key is the producer's.
CONSUMER_SETTINGS = frozenset({"enable.auto.commit", "enable.auto.offset.store", "isolation.level", "auto.offset.reset"})
# the cluster's keys: the topic's settings (those with a default here), and the cluster's feature levels
TOPIC_SETTINGS = frozenset(_CLUSTER_DEFAULTS)
CLUSTER_FEATURES = frozenset(_CLUSTER_KEYS) - TOPIC_SETTINGS


def settings_keys(client: str | None = None, client_version: str | None = None) -> dict[str, str]:
    """Every key semcheck reads for this client (its own keys and aliases, then the cluster's) ->
    the internal name it sets (the Java key where the meaning is the same)."""
    return {key: internal for key, (internal, _) in _client_keys(client_line(client, client_version)).items()}


def parse_setting(key: str, value: str, client: str | None = None, client_version: str | None = None,
                  written_as: str | None = None) -> object:
    """``value`` of ``key`` as this client reads it (ConfigError with the key and value otherwise):
    config files check each value where it is written, to name its file and line.  ``written_as``
    is the key the error names instead of ``key`` (a broker file's default.replication.factor is
    read as replication.factor)."""
    _, parse = _client_keys(client_line(client, client_version))[key]
    return parse(written_as or key, _as_text(value))


def _acks_str(acks: int) -> str:
    return "all" if acks == -1 else str(acks)


def _unknown_key(key: str, client: ClientLine, known: Mapping[str, object]) -> ConfigError:
    """Name the closest key of this client: difflib first, then a known key that contains what was
    typed (so 'idempotence' suggests 'enable.idempotence'); say so when it is the other client's."""
    if client.library == JAVA:
        reason = config_java.missing_key_reason(key.strip(), client)
        if reason:
            return ConfigError(reason)
    who = client.label if client.is_java else f"client {client.label}"
    other = LIBRDKAFKA if client.library == JAVA else JAVA
    theirs = _client_keys(client_line(other)).get(key.strip())
    if theirs is not None:
        # the other client's key: name this client's spelling of the same setting, if it has one
        ours = [name for name, (internal, _) in known.items() if internal == theirs[0]]
        if ours:
            return ConfigError(f"unknown Kafka setting {key!r} for the {who}: did you mean {ours[0]!r}? "
                               f"({key.strip()} is how {other} spells it)")
        return ConfigError(f"unknown Kafka setting {key!r} for the {who}: it is a {other} setting (--client {other})")
    typed = key.strip().lower()
    names = list(known)
    close = difflib.get_close_matches(typed, names, n=1)
    if not close and len(typed) >= 3:
        close = [k for k in names if typed in k][:1]
    if close:
        return ConfigError(f"unknown Kafka setting {key!r} for the {who}: did you mean {close[0]!r}?")
    return ConfigError(f"unknown Kafka setting {key!r} for the {who}: semcheck supports " + ", ".join(names))


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
                   after_abort: str | None = None, client: str | None = None,
                   client_version: str | None = None) -> KafkaConfig:
    """Parse the user's Kafka settings, consumer choices, broker release and client into the
    effective configuration."""
    if settings is not None and not isinstance(settings, Mapping):  # a string or list would be read key by key
        raise ConfigError(f"settings must be a mapping of Kafka keys to values, got the {type(settings).__name__} "
                          f"{settings!r}: e.g. settings={{'acks': '1'}}")
    broker = broker_line(broker_version)
    line = client_line(client, client_version)
    known = _client_keys(line)
    given: dict[str, object] = {}
    spelled: dict[str, str] = {}  # internal name -> the key the user wrote
    for key in (settings or {}):
        if key not in known:  # every key is checked before any value
            raise _unknown_key(str(key), line, known)
    for key, value in (settings or {}).items():
        name, parse = known[key]
        parsed = parse(key, _as_text(value))
        if name in given and given[name] != parsed:
            raise ConfigError(f"{spelled[name]} and {key} are the same {line.library} setting (one is an alias of the "
                              f"other) and were given different values")
        given[name], spelled[name] = parsed, key
    notes: list[str] = []

    if line.library == JAVA:
        client_settings = config_java.resolve(given, line, notes)
    else:
        client_settings = config_librdkafka.resolve(given, line, notes)
    if line.refused_by_brokers_4 and broker.major >= 4:
        raise ConfigError(f"brokers {broker.name} refuse the {line.label}: Kafka 4.0 removed the request versions "
                          "clients before 2.1 use (KIP-896); choose --broker-version 3.9 or earlier")
    if commit == "transactional" and not line.offsets_in_transactions:
        raise ConfigError(f"--commit transactional needs the Java client 2.5 or later (KIP-447: "
                          "sendOffsetsToTransaction with the group's metadata, and stable offset fetches); the "
                          f"{line.label} lets a restarted loop read a stale committed offset, which semcheck does not "
                          "model")
    cluster = {**_CLUSTER_DEFAULTS, **{k: given[k] for k in _CLUSTER_KEYS if k in given}}
    _topic_notes(cluster, given, notes, broker)
    elr = _resolve_elr(cluster, given, notes, broker)
    transaction_version = _resolve_transaction_version(given, notes, broker, line)
    consumer_view = {"enable.auto.commit": client_settings.enable_auto_commit,
                     "isolation.level": client_settings.isolation_level}
    auto_commit, commit, processing = _resolve_consumer(consumer_view, given, commit, processing, notes)
    after_abort = _resolve_after_abort(after_abort, commit)

    return KafkaConfig(
        acks=client_settings.acks,
        retries=client_settings.retries,
        enable_idempotence=client_settings.enable_idempotence,
        max_in_flight=client_settings.max_in_flight,
        replication_factor=cluster["replication.factor"],
        min_insync_replicas=cluster["min.insync.replicas"],
        unclean_leader_election=cluster["unclean.leader.election.enable"] and broker.unclean_election_in_kraft,
        enable_auto_commit=auto_commit,
        isolation_level=client_settings.isolation_level,
        auto_offset_reset=client_settings.auto_offset_reset,
        commit=commit,
        processing=processing,
        after_abort=after_abort,
        transactional_id=given.get("transactional.id"),
        notes=tuple(notes),
        broker=broker,
        eligible_leader_replicas=elr,
        delivery_timeout_ms=client_settings.delivery_timeout_ms,
        transaction_timeout_ms=client_settings.transaction_timeout_ms,
        transaction_version=transaction_version,
        client=line,
        request_timeout_ms=client_settings.request_timeout_ms,
        deadline_never=client_settings.deadline_never,
        enable_auto_offset_store=client_settings.enable_auto_offset_store,
    )


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


def _resolve_transaction_version(given: dict, notes: list[str], broker: BrokerLine, client: ClientLine) -> int:
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
    level = given.get(key, 2)
    if key in given and not transactional:
        notes.append(f"{key}={level} changes nothing without a transactional.id: only transactions use it")
    elif transactional and level >= 2 and not client.transaction_protocol_v2:
        # the brokers keep serving the older protocol to a client that does not ask for v2
        # (EndTxn below v5): KIP-890, "Compatibility"
        notes.append(f"{key}={level}{'' if key in given else ' (the default of a cluster created on Kafka 4.0 or later)'}"
                     f": {client.label} does not speak transaction protocol v2, so its transactions use v1")
    elif transactional and key not in given:
        notes.append(f"{key}=2: the default of a cluster created on Kafka 4.0 or later (one upgraded from 3.x "
                     "keeps 0 until it is raised with kafka-features.sh); 4.0+ clients then bump the epoch at "
                     "the end of every transaction")
    return level


def _resolve_consumer(v: dict, given: dict, commit: str | None, processing: str | None,
                      notes: list[str]) -> tuple[bool, str, str]:
    choices = "auto, after-process, before-process, transactional"
    if commit == "transactional" and "transactional.id" not in given:
        # the consume-transform-produce loop commits offsets with sendOffsetsToTransaction, which
        # only a transactional producer has
        raise ConfigError("--commit transactional needs a transactional.id: the consume-transform-produce "
                          "loop commits its offsets inside its producer's transaction "
                          "(sendOffsetsToTransaction); set -X transactional.id=...")
    if commit is not None and commit not in COMMIT_STRATEGIES:
        raise ConfigError(f"unknown commit strategy {commit!r}: choose one of {choices}")
    if processing is not None and processing not in PROCESSING_MODES:
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

    if v["isolation.level"] == "read_committed" and "transactional.id" not in given and "isolation.level" in given:
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

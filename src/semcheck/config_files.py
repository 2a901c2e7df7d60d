"""A set of Kafka config files in: ``--config [ROLE:]FILE`` (repeatable), merged into the settings
semcheck checks, with the file and line each one came from (docs/config-files.md).

Each file has a role: the settings semcheck reads from it.

- ``producer``, ``consumer``: a client's file; only that client's keys are read.
- ``broker``: a ``server.properties``; its topic defaults (``default.replication.factor``,
  ``min.insync.replicas``, ``unclean.leader.election.enable``) become the topic's settings unless a
  topic or combined file sets them.
- ``topic``: topic overrides (``kafka-configs --alter --entity-type topics``): they win over the
  broker's defaults.
- ``client``: one file with producer, consumer and topic keys together (semcheck's own examples):
  every key semcheck reads.

The role is the ``ROLE:`` prefix when one is given, else inferred from the file's keys
(:func:`infer_role`).  The merge rule: a key semcheck reads, given with different values in two
files of the same level, is an error naming both ``FILE:LINE``; keys it does not read may differ
(``client.id``).  Topic files win over broker files, and the command line over every file (api.py).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import Sequence

from .model.config import (CLUSTER_FEATURES, COMMIT_STRATEGIES, CONSUMER_SETTINGS, PROCESSING_MODES,
                           TOPIC_SETTINGS, AFTER_ABORT_CHOICES, ConfigError, parse_setting, settings_keys)
from .model.clients import JAVA, LIBRDKAFKA, client_line
from .properties_file import Entry, last_values, read_entries
from .redaction import redact, shorten
from .result import SettingSource
from .unmodelled import KNOWN_KAFKA_KEYS

ROLES = ("producer", "consumer", "broker", "topic", "client")

# server.properties keys semcheck reads, and the model's setting each one is the default of
BROKER_KEYS: dict[str, str] = {
    "default.replication.factor": "replication.factor",
    "min.insync.replicas": "min.insync.replicas",
    "unclean.leader.election.enable": "unclean.leader.election.enable",
    # cluster features (kafka-features.sh), which semcheck takes from the broker's file as well
    "eligible.leader.replicas.version": "eligible.leader.replicas.version",
    "transaction.version": "transaction.version",
}

# The application's choices a file may carry (semcheck's own keys; the command line wins):
# key -> (verify() argument, allowed values)
APPLICATION_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "semcheck.commit": ("commit", COMMIT_STRATEGIES),
    "semcheck.processing": ("processing", PROCESSING_MODES),
    "semcheck.after.abort": ("after_abort", AFTER_ABORT_CHOICES),
}

# Keys that only one kind of file holds: how a file without a ROLE: prefix is recognised.
_BROKER_MARKERS = frozenset({
    "process.roles", "node.id", "broker.id", "listeners", "advertised.listeners", "log.dirs", "log.dir",
    "controller.quorum.voters", "controller.quorum.bootstrap.servers", "controller.listener.names",
    "inter.broker.listener.name", "default.replication.factor", "num.partitions", "zookeeper.connect",
    "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr", "auto.create.topics.enable", "num.network.threads", "num.io.threads",
})
_BROKER_FILE_NAMES = frozenset({"server.properties", "broker.properties", "controller.properties"})
_PRODUCER_MARKERS = frozenset({
    "key.serializer", "value.serializer", "acks", "retries", "enable.idempotence", "transactional.id",
    "max.in.flight.requests.per.connection", "delivery.timeout.ms", "transaction.timeout.ms", "linger.ms",
    "batch.size", "buffer.memory", "max.block.ms", "partitioner.class", "compression.type",
    "request.required.acks", "message.send.max.retries", "message.timeout.ms", "queue.buffering.max.ms",
    "queue.buffering.max.messages", "max.in.flight",
})
_CONSUMER_MARKERS = frozenset({
    "group.id", "key.deserializer", "value.deserializer", "enable.auto.commit", "auto.offset.reset",
    "isolation.level", "max.poll.records", "max.poll.interval.ms", "session.timeout.ms",
    "heartbeat.interval.ms", "auto.commit.interval.ms", "enable.auto.offset.store", "group.instance.id",
    "partition.assignment.strategy", "group.protocol", "fetch.min.bytes", "fetch.max.wait.ms",
})
_TOPIC_MARKERS = frozenset({
    "replication.factor", "min.insync.replicas", "unclean.leader.election.enable", "cleanup.policy",
    "retention.ms", "retention.bytes", "segment.bytes", "segment.ms", "max.message.bytes",
    "message.timestamp.type", "min.compaction.lag.ms", "delete.retention.ms",
})

_LONGEST_KEY = 200  # no Kafka key is longer: a longer "key" is no misspelling, and difflib on it is slow
_TYPO_CUTOFF = 0.85  # difflib ratio from which an unread key is taken for a misspelt read key


@dataclass(frozen=True)
class ConfigFile:
    path: str
    role: str
    inferred: bool  # the role was inferred from the keys (no ROLE: prefix)


@dataclass(frozen=True)
class IgnoredSetting:
    """A key of a file that semcheck did not read: not modelled, or read only from another role."""

    key: str
    path: str
    line: int
    why: str = ""  # empty: not modelled; else why this role's file does not give it (e.g. "a producer setting")


@dataclass
class FileSettings:
    """What a set of config files says, ready for ``verify``."""

    files: list[ConfigFile] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)  # key as written (broker keys: the model's) -> value
    sources: dict[str, SettingSource] = field(default_factory=dict)  # key as written -> where
    application: dict[str, str] = field(default_factory=dict)  # commit / processing / after_abort (sources: by key)
    ignored: list[IgnoredSetting] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def split_spec(spec: str, option: str = "--config") -> tuple[str | None, str]:
    """``"producer:app.properties"`` -> ``("producer", "app.properties")``; a path without one of
    the role names before its first colon has no prefix (``C:\\x``, ``./producer:x``).  ``option``
    is what an error names as the spec's source (the action's ``config`` input, the hook's ``--with``)."""
    if not spec:  # an unset variable in a script: name the option, not an empty path
        raise ConfigError(f"{option} '': no file named; expected [ROLE:]FILE")
    head, sep, tail = spec.partition(":")
    if sep and head.strip().lower() in ROLES:
        if not tail:
            raise ConfigError(f"{option} {shorten(spec)!r}: no file after the role {head}:")
        return head.strip().lower(), tail
    return None, spec


def infer_role(path: str, keys: Sequence[str]) -> str:
    """A file's role from its name and keys: ``broker`` for a server.properties or any broker-only
    key; ``producer``, ``consumer`` or ``topic`` when only that kind's keys are there; else
    ``client`` (a combined file, or one with no telling key), which reads every key."""
    names = set(keys)
    if os.path.basename(path) in _BROKER_FILE_NAMES or names & _BROKER_MARKERS:
        return "broker"
    kinds = [role for role, markers in (("producer", _PRODUCER_MARKERS), ("consumer", _CONSUMER_MARKERS),
                                        ("topic", _TOPIC_MARKERS)) if names & markers]
    return kinds[0] if len(kinds) == 1 else "client"


def _kind(internal: str) -> str:
    if internal in CONSUMER_SETTINGS:
        return "consumer"
    if internal in TOPIC_SETTINGS:
        return "topic"
    if internal in CLUSTER_FEATURES:
        return "cluster feature"
    return "producer"


def _reads(role: str, key: str, client_keys: dict[str, str]) -> str | None:
    """The internal setting ``key`` sets when read from a ``role`` file, or None: not read there."""
    if role == "broker":
        return BROKER_KEYS.get(key)
    internal = client_keys.get(key)
    if internal is None:
        return None
    kind = _kind(internal)
    wanted = {"producer": ("producer",), "consumer": ("consumer",), "topic": ("topic",),
              "client": ("producer", "consumer", "topic", "cluster feature")}[role]
    return internal if kind in wanted else None


def _level(role: str, internal: str) -> str:
    """Which level a setting belongs to for the merge: topic files and combined files' topic keys
    (and cluster features) override the broker file's; the clients' files are one level."""
    if role == "broker":
        return "broker"
    return "topic" if _kind(internal) in ("topic", "cluster feature") else "client"


def _at(path: str, line: int) -> str:
    return f"{path}:{line}"


def read_config_files(specs: Sequence[str], client: str | None = None,
                      client_version: str | None = None) -> FileSettings:
    """Read and merge ``specs`` (``[ROLE:]FILE`` each, in order) for this client.  Raises ConfigError
    with ``FILE:LINE`` for a malformed file, a bad value, a misspelt key or a conflict."""
    client_keys = settings_keys(client, client_version)
    other = _other_client(client, client_version)
    out = FileSettings()
    chosen: dict[tuple[str, str], tuple[Entry, str, object]] = {}  # (level, internal) -> (entry, path, parsed)
    for spec in specs:
        role, path = split_spec(str(spec))
        entries = last_values(read_entries(path))
        inferred = role is None
        role = role or infer_role(path, list(entries))
        out.files.append(ConfigFile(path, role, inferred))
        for key, entry in entries.items():
            where = _at(path, entry.line)
            if not key.strip():
                raise ConfigError(f"{where}: empty key (a line starting with '=' or ':'); expected key=value")
            if key in APPLICATION_KEYS:
                _read_application(out, key, entry, path)
                continue
            internal = _reads(role, key, client_keys)
            if internal is None:
                out.ignored.append(_not_read(key, entry, path, role, client_keys, other))
                continue
            try:  # a broker key is read as the topic setting it is the default of
                parsed = parse_setting(internal if role == "broker" else key, entry.value, client, client_version,
                                       written_as=key)
            except ConfigError as err:
                raise ConfigError(f"{where}: {err}") from None
            level = _level(role, internal)
            before = chosen.get((level, internal))
            if before is not None and before[2] != parsed:
                entry0, path0, _ = before
                raise ConfigError(
                    f"{_at(path0, entry0.line)} sets {entry0.key}={redact(entry0.key, entry0.value)} and {where} sets "
                    f"{key}={redact(key, entry.value)}: files of the same level must agree on a setting semcheck "
                    "reads (give the value you mean once, or with -X)")
            chosen[(level, internal)] = (entry, path, parsed)
    _settle(out, chosen)
    return out


def _other_client(client: str | None, client_version: str | None) -> tuple[str, str, dict[str, str]]:
    """This check's client library, the other one and the keys the other reads (a librdkafka key in
    a file checked as Java is a sign the wrong --client was chosen)."""
    library = client_line(client, client_version).library
    other = LIBRDKAFKA if library == JAVA else JAVA
    return library, other, settings_keys(other)


def _not_read(key: str, entry: Entry, path: str, role: str, client_keys: dict[str, str],
              other_client: tuple[str, str, dict[str, str]]) -> IgnoredSetting:
    """Why ``key`` is not read, or a ConfigError when it looks like a mistake: a misspelt key semcheck
    reads, a semcheck.* key it does not know, the other client library's key."""
    where = _at(path, entry.line)
    if key in client_keys or (key in BROKER_KEYS and role != "broker"):
        internal = client_keys.get(key) or BROKER_KEYS[key]
        kind = "broker default" if key in BROKER_KEYS and key not in client_keys else _kind(internal)
        return IgnoredSetting(key, path, entry.line, f"a {kind} setting, not read from a {role} file")
    if key.startswith("semcheck."):
        close = difflib.get_close_matches(key, list(APPLICATION_KEYS), n=1)
        hint = f": did you mean {close[0]!r}?" if close else f": semcheck's own keys are {', '.join(APPLICATION_KEYS)}"
        raise ConfigError(f"{where}: unknown semcheck setting {key!r}{hint}")
    library, other, other_keys = other_client
    if key in other_keys:
        raise ConfigError(f"{where}: {key} is a {other} setting, and this check is for the "
                          f"{library} client: choose --client {other}, or remove it")
    if key not in KNOWN_KAFKA_KEYS and len(key) <= _LONGEST_KEY:
        readable = list(client_keys) + (list(BROKER_KEYS) if role == "broker" else [])
        close = difflib.get_close_matches(key.lower(), readable, n=1, cutoff=_TYPO_CUTOFF)
        if close:
            raise ConfigError(f"{where}: unknown setting {shorten(key)!r}: did you mean {close[0]!r}? (semcheck reads "
                              f"{close[0]}; a misspelt key would leave it at its default)")
    return IgnoredSetting(key, path, entry.line)


def _read_application(out: FileSettings, key: str, entry: Entry, path: str) -> None:
    name, allowed = APPLICATION_KEYS[key]
    where = _at(path, entry.line)
    value = entry.value.strip()
    if value not in allowed:
        raise ConfigError(f"{where}: invalid value {shorten(value)!r} for {key}: expected {', '.join(allowed)}")
    before = out.sources.get(key)
    if before is not None and out.application[name] != value:
        raise ConfigError(f"{_at(before.path, before.line)} sets {key}={out.application[name]} and {where} sets "
                          f"{key}={value}: files must agree on it")
    out.application[name] = value
    out.sources[key] = SettingSource(path, entry.line)


def _settle(out: FileSettings, chosen: dict) -> None:
    """The merged settings: the client level as written; for the topic's settings, a topic or
    combined file's value over the broker's default."""
    for (level, internal), (entry, path, parsed) in chosen.items():
        key = entry.key
        if level == "broker":
            override = chosen.get(("topic", internal))
            if override is not None:
                oentry, opath, oparsed = override
                okey = oentry.key
                if oparsed != parsed:
                    out.notes.append(f"{okey}={redact(okey, oentry.value)} from {_at(opath, oentry.line)} overrides "
                                     f"the broker default {key}={redact(key, entry.value)} "
                                     f"({_at(path, entry.line)})")
                continue
            out.settings[internal] = entry.value
            out.sources[key] = SettingSource(path, entry.line)
            if key != internal:  # default.replication.factor is where replication.factor comes from
                out.sources.setdefault(internal, SettingSource(path, entry.line))
            continue
        out.settings[key] = entry.value
        out.sources[key] = SettingSource(path, entry.line)

"""The trace file: a check's counterexamples as versioned JSON, for ``semcheck replay``.

One JSON object::

    {"format": "semcheck-trace", "version": 1, "semcheck": "0.1.0",
     "model_fingerprint": "3f9c...",          # checker/replay.py: the model's semantics, digested
     "settings": {"acks": "1", ...},          # the effective Kafka settings, by Kafka key
     "commit": "auto", "processing": "sync",
     "broker_version": "3.9",                 # the brokers' release line (model/versions.py)
     "client": "java", "client_version": "4.0.0",  # the client and a release of its line (model/clients.py)
     "bounds": {"messages": 2, "max_faults": 1, "faults": ["broker-crash"]},
     "split": [],                             # merged steps taken apart (docs/model.md)
     "variant": null,                         # or the class of a model variant (docs/extending.md)
     "counterexamples": [
        {"property": "no-acked-loss", "loop_start": null,
         "initial_state": {<field>: <value>, ...},
         "steps": [{"actor": "producer", "action": "send", "params": {"message": 0, "slot": 0},
                    "fault": null, "state": {<field>: <value>, ...}, "says": "sends m1 to broker 1"}, ...]}]}

Everything needed to build the same model again is in the file, so a replay needs no other input.
``says`` is the sentence for people; a replay reads only the data beside it.  Any other
``format``, another ``version``, or a missing or ill-typed key is bad input (``ConfigError``): one line
that names the file and the problem.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Mapping

from .checker.replay import StoredStep, StoredTrace, model_fingerprint, stored_trace_of
from .model.config import ConfigError
from .model.merges import MERGE_NAMES

FORMAT = "semcheck-trace"
VERSION = 1


@dataclass(frozen=True)
class TraceFile:
    settings: dict[str, str]
    commit: str
    processing: str
    messages: int
    max_faults: int
    faults: tuple[str, ...]
    split: list[str]
    fingerprint: str
    traces: tuple[StoredTrace, ...]
    variant: str | None = None  # the model variant's class, when not semcheck's own Kafka model
    broker_version: str | None = None  # the brokers' release line (None in files saved before it existed: the newest)
    after_abort: str | None = None  # --commit transactional only (None: the default, or not that loop)
    client: str | None = None  # the client library (None in files saved before it existed: java)
    client_version: str | None = None  # a release of the client's line (None: the newest)


def trace_file_of(result) -> dict[str, Any]:
    """The trace file's JSON object for a :class:`~semcheck.result.Result` (every counterexample)."""
    from . import __version__

    model = result.model
    if model is None:
        raise ValueError("this result does not name its model: only results of semcheck.verify can be saved")
    config = model.config
    counterexamples = []
    for r in result.results:
        if r.trace is None:
            continue
        stored = stored_trace_of(r.property, r.trace)
        counterexamples.append({
            "property": r.property,
            "loop_start": stored.loop_start,
            "initial_state": stored.initial_state,
            "steps": [{"actor": s.actor, "action": s.name, "params": dict(s.params), "fault": s.fault,
                       "state": dict(s.state), "says": step.action}
                      for s, step in zip(stored.steps, r.trace.steps)],
        })
    settings = {key: _setting(value) for key, value in config.kafka_settings().items() if value is not None}
    return {
        "format": FORMAT,
        "version": VERSION,
        "semcheck": __version__,
        "model_fingerprint": model_fingerprint(model),
        "settings": settings,
        "commit": config.commit,
        "processing": config.processing,
        **({"after_abort": config.after_abort} if config.commit == "transactional" else {}),
        "broker_version": config.broker.releases[0],
        "client": config.client.library,
        "client_version": config.client.first_release,
        "bounds": model.bounds.as_dict(),
        "split": [m for m in MERGE_NAMES if not model.merged(m)],
        "variant": _variant_name(model),
        "counterexamples": counterexamples,
    }


def _variant_name(model) -> str | None:
    from .model.kafka import KafkaModel

    cls = type(model)
    return None if cls is KafkaModel else f"{cls.__module__}.{cls.__qualname__}"


def _setting(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_trace_file(result, path: str | os.PathLike) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(trace_file_of(result), out, indent=1)
        out.write("\n")


def read_trace_file(source: str | os.PathLike | Mapping) -> TraceFile:
    """Parse and check a trace file (a path, or the parsed JSON object)."""
    where = "trace" if isinstance(source, Mapping) else str(source)
    if isinstance(source, Mapping):
        data = source
    else:
        try:
            with open(source, encoding="utf-8") as f:
                data = json.load(f)
        except OSError as err:
            raise ConfigError(f"{where}: cannot read the trace file: {err.strerror or err}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"{where}: not a semcheck trace file (not JSON: {err})") from None
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise ConfigError(f"{where}: not a semcheck trace file (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise ConfigError(f"{where}: trace file version {data.get('version')!r}; this semcheck reads version "
                          f"{VERSION} (re-create the trace with this semcheck's verify --save-trace)")
    try:
        bounds = _get(data, "bounds", Mapping)
        traces = tuple(_stored(c) for c in _get(data, "counterexamples", list))
        return TraceFile(
            settings=dict(_get(data, "settings", Mapping)),
            commit=_get(data, "commit", str),
            processing=_get(data, "processing", str),
            messages=_get(bounds, "messages", int),
            max_faults=_get(bounds, "max_faults", int),
            faults=tuple(_get(bounds, "faults", list)),
            split=list(_get(data, "split", list)),
            fingerprint=_get(data, "model_fingerprint", str),
            traces=traces,
            variant=data.get("variant") if isinstance(data.get("variant"), str) else None,
            broker_version=_get(data, "broker_version", str) if "broker_version" in data else None,
            after_abort=_get(data, "after_abort", str) if "after_abort" in data else None,
            client=_get(data, "client", str) if "client" in data else None,
            client_version=_get(data, "client_version", str) if "client_version" in data else None,
        )
    except _Malformed as err:
        raise ConfigError(f"{where}: malformed trace file: {err}") from None


class _Malformed(Exception):
    pass


def _get(data, key: str, kind):
    if not isinstance(data, Mapping) or key not in data:
        raise _Malformed(f"missing {key!r}")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Malformed(f"{key!r} has the wrong type")
    return value


def _stored(c) -> StoredTrace:
    loop_start = c.get("loop_start") if isinstance(c, Mapping) else None
    if loop_start is not None and not isinstance(loop_start, int):
        raise _Malformed("'loop_start' has the wrong type")
    steps = tuple(StoredStep(_get(s, "actor", str), _get(s, "action", str), dict(_get(s, "params", Mapping)),
                             s.get("fault"), dict(_get(s, "state", Mapping)))
                  for s in _get(c, "steps", list))
    return StoredTrace(_get(c, "property", str), dict(_get(c, "initial_state", Mapping)), steps, loop_start)

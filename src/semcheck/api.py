"""The Python API: ``semcheck.verify(...)`` for notebooks and scripts (the CLI calls it too)."""

from __future__ import annotations

import os
from typing import Callable, Iterable, Mapping

from .checker.registry import SEARCHES, UnknownStrategy, strategy_named
from .checker.replay import ReplayStrategy, model_fingerprint
from .checker.result import VIOLATED, Stats
from .checker.search import SearchSettings
from .model.bounds import ALL_FAULTS, Bounds, applicable_faults
from .model.config import ConfigError, KafkaConfig, resolve_config
from .model.kafka import KafkaModel
from .model.merges import MERGE_NAMES, merges_without
from .properties import ALL_PROPERTIES, Property
from .result import Result, SettingSource
from .tracefile import read_trace_file

ENGINES = tuple(SEARCHES)
MAX_DEPTH = 500  # symbolic unrolling depth; beyond this the formulas are absurdly large


def build_model(settings: Mapping[str, object] | None = None, *, commit: str | None = None,
                processing: str | None = None, messages: int = 3, max_faults: int = 2,
                faults: Iterable[str] | str = ALL_FAULTS, split: Iterable[str] | str | None = None,
                variant: type[KafkaModel] | None = None, broker_version: str | None = None,
                after_abort: str | None = None, client: str | None = None,
                client_version: str | None = None) -> KafkaModel:
    """The Kafka model for these settings and bounds (raises ConfigError on bad input).

    ``split`` names merged steps to take apart (``model/merges.py``; ``"all"``: the fine model).
    ``variant`` is a subclass of :class:`~semcheck.model.kafka.KafkaModel` to build instead: a
    protocol variant written outside the package (docs/extending.md).  ``broker_version`` names the
    brokers' release (``"3.8"``, ``"3.8.1"``; default: the newest line modelled, model/versions.py).
    ``after_abort`` is what the consume-transform-produce loop does after its transaction aborts
    (``"seek-back"``, the default, or ``"keep-position"``; docs/model.md, "Transactions").
    ``client`` names the client library (``"java"``, the default, or ``"librdkafka"``) and
    ``client_version`` its release (default: the newest line modelled, model/clients.py)."""
    config = resolve_config(settings, commit=commit, processing=processing, broker_version=broker_version,
                            after_abort=after_abort, client=client, client_version=client_version)
    # "all" means every class that applies; a list is taken as written (model/bounds.py)
    faults = (applicable_faults(config.transactional, KafkaModel.models_elr(config), config.commit == "transactional")
              if faults == ALL_FAULTS else tuple(faults))
    bounds = Bounds(messages=messages, max_faults=max_faults, faults=faults)
    if variant is not None and not (isinstance(variant, type) and issubclass(variant, KafkaModel)):
        raise ConfigError(f"variant must be a subclass of semcheck.model.kafka.KafkaModel, got {variant!r}")
    return (variant or KafkaModel)(config, bounds, merges_without(split))


def verify(
    settings: Mapping[str, object] | None = None,
    *,
    commit: str | None = None,
    processing: str | None = None,
    broker_version: str | None = None,
    after_abort: str | None = None,
    client: str | None = None,
    client_version: str | None = None,
    messages: int = 3,
    max_faults: int = 2,
    faults: Iterable[str] | str = ALL_FAULTS,
    split: Iterable[str] | str | None = None,
    variant: type[KafkaModel] | None = None,
    properties: Iterable[str | Property] | None = None,
    engine: str = "explicit",
    depth: int | None = None,
    max_states: int | None = None,
    timeout: float | None = None,
    keep_graph: bool = False,
    progress: Callable[[Stats], None] | None = None,
    setting_sources: Mapping[str, SettingSource] | None = None,
) -> Result:
    """Check delivery properties of a Kafka configuration.

    ``settings`` maps Kafka keys to values, e.g. ``{"acks": "1", "retries": 3}``.  Returns a
    :class:`~semcheck.result.Result` with one verdict per property (``holds`` only when the
    bounded state space was exhausted), a shortest trace for each violation, and statistics.
    ``split`` takes merged steps apart by name, or ``"all"`` of them (docs/model.md, "Merged steps").
    ``broker_version`` names the brokers' release (``"3.8"``; default: the newest line modelled,
    which the result names).  ``client`` (``"java"`` or ``"librdkafka"``) and ``client_version`` name
    the client the applications run (default: the newest Java line modelled).  ``after_abort``: what the consume-transform-produce loop does after its
    transaction aborts (``"seek-back"`` or ``"keep-position"``).  ``variant`` checks a subclass of the Kafka model instead (one rule
    changed, one action replaced), and ``properties`` may hold :class:`~semcheck.properties.base.Property` objects
    besides names: docs/extending.md.  ``setting_sources`` (key -> :class:`~semcheck.result.SettingSource`)
    says where settings were read; it is kept on the result for the reports that point at a file's
    line (``--format sarif``, docs/formats.md).
    """
    model = build_model(settings, commit=commit, processing=processing, messages=messages,
                        max_faults=max_faults, faults=faults, split=split, variant=variant,
                        broker_version=broker_version, after_abort=after_abort, client=client,
                        client_version=client_version)
    chosen = _choose_properties(properties)
    try:
        strategy = strategy_named(engine)
    except UnknownStrategy as err:
        raise ConfigError(str(err)) from None
    if max_states is not None and (not isinstance(max_states, int) or max_states < 1):
        raise ConfigError(f"--max-states must be a positive integer, got {max_states!r}")
    if timeout is not None and not timeout > 0:
        raise ConfigError(f"--timeout must be a positive number of seconds, got {timeout!r}")
    if depth is not None and (not isinstance(depth, int) or not 0 <= depth <= MAX_DEPTH):
        raise ConfigError(f"--depth must be between 0 and {MAX_DEPTH}, got {depth!r}")
    settings = SearchSettings(max_states=max_states, depth=depth, timeout=timeout, keep_graph=keep_graph,
                              progress=progress)
    found = strategy(model, chosen, settings).run()
    result = _result(model, engine, found, chosen)
    # where the settings were read, for reports that point at a line (SARIF: docs/formats.md)
    result.setting_sources = dict(setting_sources or {})
    return result


def replay(source: str | os.PathLike | Mapping, *, variant: type[KafkaModel] | None = None,
           properties: Iterable[Property] = ()) -> Result:
    """Re-run the counterexamples of a saved trace file (``verify(..., save_trace=...)``, ``semcheck
    verify --save-trace``) against today's model, step by step (``checker/replay.py``).

    ``source`` is the file's path or its parsed JSON.  Each property of the file is ``violated`` when
    its counterexample is still a run of the model that breaks it, else ``inconclusive`` with the
    first step that differs.  Raises ConfigError for an unreadable file or another format version.
    A trace of a model variant needs that ``variant`` again, and one of your own properties needs
    its ``Property`` in ``properties`` (docs/extending.md)."""
    stored = read_trace_file(source)
    if stored.variant and variant is None:
        raise ConfigError(f"the trace comes from the model variant {stored.variant}: replay it with "
                          "semcheck.replay(path, variant=...)")
    model = build_model(stored.settings, commit=stored.commit, processing=stored.processing,
                        messages=stored.messages, max_faults=stored.max_faults, faults=stored.faults,
                        split=stored.split, variant=variant, broker_version=stored.broker_version,
                        after_abort=stored.after_abort, client=stored.client, client_version=stored.client_version)
    own = {p.name: p for p in properties}
    names = [t.property for t in stored.traces]
    missing = [n for n in names if n not in ALL_PROPERTIES and n not in own]
    if missing:
        raise ConfigError(f"the trace checks properties semcheck does not know ({', '.join(missing)}): pass "
                          "them with semcheck.replay(path, properties=[...])")
    chosen = _choose_properties([own.get(n, n) for n in names] or None)
    found = ReplayStrategy(model, chosen, SearchSettings(trace=stored.traces)).run()
    result = _result(model, ReplayStrategy.name, found, chosen)
    fingerprint = model_fingerprint(model)
    if stored.fingerprint != fingerprint:
        result.notes = (*result.notes, f"the model changed since the trace was saved (model fingerprint "
                                       f"{stored.fingerprint} then, {fingerprint} now)")
    return result


def _result(model: KafkaModel, engine: str, found, chosen: list[Property]) -> Result:
    config: KafkaConfig = model.config
    notes = config.notes
    if type(model) is not KafkaModel:
        cls = type(model)
        notes = (f"model variant {cls.__module__}.{cls.__qualname__}: not semcheck's own Kafka model",
                 *notes)
    return Result(
        config=config.kafka_settings(),
        broker=config.broker.name,
        client=config.client.label,
        application=config.application_choices(),
        assumptions=model.assumptions(),
        findings=_findings(model, found.results, chosen),
        checked={p.name: p for p in chosen},
        notes=notes,
        bounds={**model.bounds.as_dict(), "merged_steps": [m for m in MERGE_NAMES if model.merged(m)]},
        engine=engine,
        stats=found.stats,
        results=found.results,
        graph=found.graph,
        engine_stats=found.engine_stats,
        model=model,
    )


def _findings(model: KafkaModel, results, chosen: list[Property]) -> dict:
    """What each violated property's ``diagnose`` reads in the state its counterexample ends in."""
    by_name = {p.name: p for p in chosen}
    out = {}
    for r in results:
        prop = by_name.get(r.property)
        if r.verdict != VIOLATED or r.trace is None or prop is None or prop.diagnose is None:
            continue
        last = dict(r.trace.steps[-1].state) if r.trace.steps else dict(r.trace.initial_state)
        finding = prop.diagnose(model, model.view(model.layout.encode(last)))
        if finding is not None:
            out[r.property] = finding
    return out


def _choose_properties(names: Iterable[str | Property] | None):
    if names is None:
        return list(ALL_PROPERTIES.values())
    names = list(names)
    if not names:
        return list(ALL_PROPERTIES.values())
    chosen = []
    own = [p for p in names if isinstance(p, Property)]  # a researcher's own, after semcheck's
    if len({p.name for p in own} | set(ALL_PROPERTIES)) != len(own) + len(ALL_PROPERTIES):
        raise ConfigError("a property of your own needs a name of its own: "
                          f"{', '.join(sorted(p.name for p in own))} (semcheck's: {', '.join(ALL_PROPERTIES)})")
    for name in (n for n in names if not isinstance(n, Property)):
        if name not in ALL_PROPERTIES:
            raise ConfigError(f"unknown property {name!r}: choose from {', '.join(ALL_PROPERTIES)}")
        if ALL_PROPERTIES[name] not in chosen:
            chosen.append(ALL_PROPERTIES[name])
    # report in the canonical order, whatever order they were asked in
    return [p for p in ALL_PROPERTIES.values() if p in chosen] + own

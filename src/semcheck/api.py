"""The Python API: ``semcheck.verify(...)`` for notebooks and scripts (the CLI calls it too)."""

from __future__ import annotations

import os
from typing import Callable, Iterable, Mapping, Sequence

from .checker.registry import SEARCHES, UnknownStrategy, strategy_named
from .checker.replay import ReplayStrategy, model_fingerprint
from .checker.result import VIOLATED, Stats
from .checker.search import SearchSettings
from .model.bounds import ALL_FAULTS, Bounds, applicable_faults
from .model.config import ConfigError, KafkaConfig, resolve_config, settings_keys
from .model.kafka import KafkaModel
from .model.merges import MERGE_NAMES, merges_without
from .config_files import APPLICATION_KEYS, BROKER_KEYS, FileSettings, read_config_files
from .properties import ALL_PROPERTIES, Property
from .redaction import redact
from .result import Result, SettingSource
from .tracefile import read_trace_file

ENGINES = tuple(SEARCHES)
MAX_DEPTH = 500  # symbolic unrolling depth; beyond this the formulas are absurdly large
# The explicit search stops inconclusive once the process's resident memory passes this
# (checker/memory.py); a default well above the peak of every check the README and the tests run
# (docs/engines.md, "Memory": the measurements), and below a 7 GB CI runner's memory.
DEFAULT_MAX_MEMORY = 6 * 2**30
MIN_MAX_MEMORY = 64 * 2**20


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
    faults = _list_or_all("faults", faults, "fault class names", "network")
    split = None if split is None else _list_or_all("split", split, "merge names", "hw-at-once")
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
    config_files: Sequence[str] | None = None,
    setting_sources: Mapping[str, SettingSource] | None = None,
    max_memory: int | None = DEFAULT_MAX_MEMORY,
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
    besides names: docs/extending.md.

    ``config_files`` lists Kafka ``.properties`` files, each ``"[ROLE:]PATH"`` (producer, consumer,
    broker, topic or client; inferred from the keys without a prefix): they are merged by the rule of
    docs/config-files.md, and ``settings``, ``commit``, ``processing`` and ``after_abort`` win over
    them.  ``setting_sources`` maps keys of ``settings`` to the :class:`~semcheck.result.SettingSource`
    they were read from, for a caller that read files itself; the result carries both.

    ``max_memory`` (bytes; ``None``: no limit) stops the explicit search ``inconclusive`` once the
    process's resident memory passes it (default DEFAULT_MAX_MEMORY, docs/engines.md).  A limit that
    does not apply to the engine is an error: ``depth`` needs the symbolic engine, ``max_states``,
    ``keep_graph`` and a ``max_memory`` other than the default the explicit one (``"both"`` runs both).
    """
    if properties is not None:
        properties = _list_or_all("properties", properties, "property names", single=(str, Property),
                                  takes_all=False)
    files = None
    from_files: dict[str, str] = {}  # --option value -> how a file wrote it, for errors about it
    if config_files is not None:
        config_files = _list_or_all("config_files", config_files, "paths", single=(str, bytes, os.PathLike),
                                    takes_all=False)
        files = read_config_files(config_files, client, client_version)
        given = {"commit": commit, "processing": processing, "after_abort": after_abort}
        settings, sources, overridden = _files_under_command_line(files, settings, client, client_version, given)
        setting_sources = {**sources, **(setting_sources or {})}
        # the caller's choice wins over a file's
        chosen = {name: files.application.get(name) if value is None else value for name, value in given.items()}
        commit, processing, after_abort = chosen["commit"], chosen["processing"], chosen["after_abort"]
        from_files = _choices_from_files(chosen, sources)
    try:
        model = build_model(settings, commit=commit, processing=processing, messages=messages,
                            max_faults=max_faults, faults=faults, split=split, variant=variant,
                            broker_version=broker_version, after_abort=after_abort, client=client,
                            client_version=client_version)
    except ConfigError as err:
        # config.py words its errors for the command-line options: name the file's key and line instead
        message = str(err)
        for option, written in from_files.items():
            message = message.replace(option, written)
        raise ConfigError(message) from None
    chosen = _choose_properties(properties)
    try:
        strategy = strategy_named(engine)
    except UnknownStrategy as err:
        raise ConfigError(str(err)) from None
    if max_states is not None and (not isinstance(max_states, int) or max_states < 1):
        raise ConfigError(f"--max-states must be a positive integer, got {max_states!r}")
    if timeout is not None and (not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0):
        raise ConfigError(f"--timeout must be a positive number of seconds, got {timeout!r}")
    if depth is not None and (not isinstance(depth, int) or not 0 <= depth <= MAX_DEPTH):
        raise ConfigError(f"--depth must be between 0 and {MAX_DEPTH}, got {depth!r}")
    if max_memory is not None and (not isinstance(max_memory, int) or isinstance(max_memory, bool)
                                   or max_memory < MIN_MAX_MEMORY):
        raise ConfigError(f"--max-memory must be a whole number of bytes, at least {MIN_MAX_MEMORY // 2**20} MB, "
                          f"got {max_memory!r}" + (" bytes" if type(max_memory) is int else ""))
    _check_engine_options(engine, depth=depth, max_states=max_states, keep_graph=keep_graph,
                          max_memory=max_memory)
    settings = SearchSettings(max_states=max_states, depth=depth, timeout=timeout, keep_graph=keep_graph,
                              progress=progress, max_memory=max_memory)
    found = strategy(model, chosen, settings).run()
    result = _result(model, engine, found, chosen)
    result.setting_sources = dict(setting_sources or {})
    if files is not None:
        result.config_files = [f.path for f in files.files]
        result.config_roles = [f.role for f in files.files]
        result.config_roles_inferred = [f.inferred for f in files.files]
        result.ignored_settings = list(files.ignored)
        result.notes = (*files.notes, *overridden, *result.notes)
    return result


def _choices_from_files(chosen: Mapping[str, str | None], sources: Mapping[str, SettingSource]) -> dict[str, str]:
    """``{"--commit auto": "semcheck.commit=auto (c.properties:4)"}`` for each application choice
    that came from a file (the caller's own choice wins and keeps its option's name)."""
    out = {}
    for key, (name, _) in APPLICATION_KEYS.items():
        where = sources.get(key)
        if where is not None and chosen.get(name) is not None:
            option = "--" + name.replace("_", "-")
            out[f"{option} {chosen[name]}"] = f"{key}={chosen[name]} ({where.path}:{where.line})"
    return out


def _files_under_command_line(files: FileSettings, settings: Mapping[str, object] | None, client: str | None,
                              client_version: str | None, application: Mapping[str, str | None]):
    """The files' settings with the caller's on top: a file's key is dropped when the caller sets the
    same setting (under any of its spellings, e.g. librdkafka's acks and request.required.acks), and a
    note says so when the values differ.  Returns (settings, the sources of those that came from a
    file, notes)."""
    given = dict(settings or {})
    keys = {**settings_keys(client, client_version), **BROKER_KEYS}
    by_caller = {keys.get(key, key): key for key in given}
    merged: dict[str, object] = {}
    notes = []
    for key, value in files.settings.items():
        caller_key = by_caller.get(keys.get(key, key))
        if caller_key is None:
            merged[key] = value
            continue
        where = files.sources.get(key)
        if str(given[caller_key]).strip() != str(value).strip():
            notes.append(f"{caller_key}={redact(caller_key, given[caller_key])} from the command line overrides "
                         f"{key}={redact(key, value)}" + (f" ({where.path}:{where.line})" if where else ""))
    sources = {}
    for key, where in files.sources.items():
        if key in APPLICATION_KEYS:
            if application.get(APPLICATION_KEYS[key][0]) is None:  # the caller's choice wins
                sources[key] = where
        elif keys.get(key, key) not in by_caller:
            sources[key] = where
    return {**merged, **given}, sources, notes


# The engines each limit applies to (the others ignore it): asking for one with an engine that
# ignores it is an error, never a silent no-op (docs/engines.md, "Limits and engines").
_OPTION_ENGINES = {"depth": ("symbolic", "both"), "max_states": ("explicit", "both"),
                   "keep_graph": ("explicit", "both"), "max_memory": ("explicit", "both")}
_OPTION_NAMES = {"depth": "--depth", "max_states": "--max-states", "keep_graph": "--dot (keep_graph)",
                 "max_memory": "--max-memory"}
_OPTION_WHY = {"depth": "the explicit engine explores every depth; limit it with --max-states or --timeout",
               "max_states": "the symbolic engine stores no states; limit it with --depth or --timeout",
               "keep_graph": "the symbolic engine builds no state graph",
               "max_memory": "the symbolic engine's memory is Z3's; limit it with --depth or --timeout"}


def check_engine_option(engine: str, option: str) -> None:
    """ConfigError when the limit ``option`` (a verify() parameter: depth, max_states, keep_graph,
    max_memory) was asked for with a known ``engine`` that ignores it."""
    if engine in SEARCHES and engine not in _OPTION_ENGINES[option]:
        raise ConfigError(f"{_OPTION_NAMES[option]} does not apply to the {engine} engine: {_OPTION_WHY[option]}")


def _check_engine_options(engine: str, **given) -> None:
    for option, value in given.items():
        if option == "max_memory" and value == DEFAULT_MAX_MEMORY:
            continue  # the default guard, not something the user asked for
        if value not in (None, False):
            check_engine_option(engine, option)


def _shown(value) -> str:
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, Property):
        return f"the property {value.name!r}"
    return f"the single {type(value).__name__} {value!r}"


def _list_or_all(parameter: str, value, what: str, example: str | None = None,
                 single: tuple[type, ...] = (str,), takes_all: bool = True):
    """A list parameter (``faults``, ``split``, ``properties``, ``config_files``): a list, tuple or
    other iterable, or, where ``takes_all``, the string ``"all"``.  A ``single`` value is an error: a
    string would be iterated one name per character, and guessing that ``"network"`` means
    ``["network"]`` hides a mistake in a script."""
    kind = f"a list of {what}" + (' or "all"' if takes_all else "")
    if takes_all and isinstance(value, str) and value == "all":
        return value
    if isinstance(value, single):
        raise ConfigError(f"{parameter} must be {kind}, got {_shown(value)}: write {parameter}=[{value!r}]"
                          + ("" if example is None else f" (e.g. {parameter}=[{example!r}])"))
    try:
        return tuple(value)
    except TypeError:
        raise ConfigError(f"{parameter} must be {kind}, got {value!r}") from None


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

"""The plain-text report: what was checked, the verdicts, and each counterexample step by step.

Deterministic (the only timing is in the statistics line), no colour, no wrapping.
"""

from __future__ import annotations

from ..checker.result import DISAGREE, HOLDS, INCONCLUSIVE, VIOLATED, PropertyResult, Stats, Step, Trace
from ..model.clients import NEWEST_JAVA
from ..model.versions import NEWEST
from ..result import Result
from ..unmodelled import delivery_effects, not_modelled_keys
from .mechanism import Mechanism, counterexamples
from .words import explain, finding_sentence, stop_phrase


# what to do about an inconclusive verdict (the text report, and JUnit's <error>)
NOT_PROVEN = ("Not proven either way: raise the limit that stopped it (--max-states, --timeout, --depth, "
              "--max-memory) or lower the bounds.")


def render_text(result: Result) -> str:
    from .. import __version__

    replaying = result.engine == "replay"
    engines = "explicit and symbolic engines" if result.engine == "both" else f"{result.engine} engine"
    title = "replay of stored counterexamples" if replaying else f"Kafka delivery check ({engines})"
    out: list[str] = [f"semcheck {__version__}: {title}", ""]
    out.append("Effective configuration")
    out.append("  " + "  ".join(f"{key}={_kafka_value(value)}" for key, value in result.config.items()))
    if result.broker:
        out.append(f"Brokers: Kafka {result.broker} in KRaft mode" + _newest(result.broker))
    if result.client:
        out.append(f"Client: {result.client}" + _newest_client(result.client))
    if result.application:
        out.append("Application: " + "  ".join(application_options(result)))
    out.extend(_files_lines(result))
    if result.notes:
        out.append("Why some values differ from what you asked:")
        out.extend(f"  - {note}" for note in result.notes)
    out.append("Bounds: " + _bounds(result.bounds))
    merged = result.bounds.get("merged_steps")
    if merged is not None:
        out.append("Merged steps: " + _merged(merged))
    out.append("")
    out.extend(_table(result.results, replaying, result.findings))
    out.extend(stats_lines(result))

    for r in result.results:
        if r.verdict == DISAGREE:
            out.append("")
            out.append(f"INTERNAL ERROR for {r.property}: the engines disagree ({explain(r.reason)}).")
            out.append("  This is a bug in semcheck: please report it with this output.")
            for name, answer in (r.by_engine or {}).items():
                said = explain(answer.reason)
                out.append(f"  {name} engine: {answer.verdict}" + (f" ({said})" if said else ""))
                if answer.trace is not None:
                    out.extend("  " + line for line in _counterexample(answer))

    for r, same in counterexamples(result):
        out.append("")
        if same is not None:
            out.append(f"Counterexample for {r.property}: {explain(r.reason)}")
            out.append(f"  the same trace as for {same.property} above")
        else:
            out.extend(_counterexample(r))
        finding = result.findings.get(r.property)
        if finding is not None:
            out.append(f"  {finding_sentence(finding)}")

    inconclusive: dict[str, list[str]] = {}
    for r in result.results:
        if r.verdict == INCONCLUSIVE:
            inconclusive.setdefault(explain(r.reason), []).append(r.property)
    for reason, names in inconclusive.items():
        out.append("")
        if replaying:
            out.append(f"Not reproduced ({', '.join(names)}): {reason}.")
            continue
        out.append(f"Inconclusive ({', '.join(names)}): {reason}.")
        out.append(f"  {NOT_PROVEN}")

    notes = [prop.note for prop in result.checked.values() if prop.note] if not replaying else []
    for note in notes:
        out.append("")
        out.append(note)
    if any(r.verdict == HOLDS for r in result.results):
        out.append("")
        out.append("holds = no counterexample exists within these bounds (proved: every reachable state "
                   "was explored, or by induction). It rests on what the model leaves out:")
        out.extend(f"  - {text}" for text in holds_rests_on(result))
    return "\n".join(out) + "\n"


def holds_rests_on(result: Result) -> list[str]:
    """The assumptions the properties that hold rest on, each with the properties it applies to
    when not all of them (``... (for no-loss, in-order)``)."""
    held = [r.property for r in result.results if r.verdict == HOLDS]
    out = []
    for assumption in result.assumptions:
        applies = [name for name in held if assumption in result.assumptions_of(name)]
        if applies:
            only = "" if len(applies) == len(held) else f" (for {', '.join(applies)})"
            out.append(assumption.text + only)
    return out


def application_options(result: Result) -> list[str]:
    """The application's choices as the options that make them: ``--commit auto``, ``--processing sync``."""
    return [f"--{key.replace('_', '-')} {value}" for key, value in result.application.items()]


_KEYS_SHOWN = 40  # not-modelled keys the text report names; a generated file may hold thousands


def _files_and_roles(result: Result) -> list[tuple[str, str, bool | None]]:
    """(path, role, whether the role was inferred) per config file; None where not recorded."""
    n = len(result.config_files)
    return list(zip(result.config_files, result.config_roles or [""] * n,
                    result.config_roles_inferred or [None] * n))


def _role_words(role: str, inferred: bool | None) -> str:
    if inferred is None:
        return role
    return f"{role}, inferred from its keys" if inferred else f"{role}, as given"


def _files_lines(result: Result) -> list[str]:
    """The config files read and what of them was not: keys only, never a value (a secret stays out)."""
    if not result.config_files:
        return []
    files = _files_and_roles(result)
    out = ["Settings from: " + ", ".join(f"{path} ({_role_words(role, inferred)})" if role else path
                                         for path, role, inferred in files)]
    if any(inferred for _, _, inferred in files):  # how to choose another role
        out[-1] += "; give ROLE:FILE to read a file as another role (docs/config-files.md, \"Roles\")"
    keys = not_modelled_keys(result.ignored_settings)
    if keys:
        shown = ", ".join(keys[:_KEYS_SHOWN])
        if len(keys) > _KEYS_SHOWN:
            shown += f", and {len(keys) - _KEYS_SHOWN} more (--format json lists them all)"
        out.append(f"Not modelled ({_plural(len(keys), 'setting')} in the files, ignored): {shown}")
    effects = delivery_effects(keys)
    if effects:
        out.append("Not modelled but they change delivery; the verdicts below do not account for them:")
        out.extend(f"  - {key}: {text}" for key, text in effects.items())
    for item in result.ignored_settings:
        if item.why:
            out.append(f"Not read: {item.key} at {item.path}:{item.line} ({item.why})")
    return out


def _kafka_value(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def driving_settings(result: Result, mechanism: Mechanism) -> str:
    """``acks=1, retries=3``: the values of a mechanism's keys in the checked configuration (--brief
    and the SARIF message)."""
    return ", ".join(f"{key}={_kafka_value(result.config.get(key))}" for key in mechanism.keys
                     if key in result.config)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _newest(line: str) -> str:
    return " (the newest line semcheck models; choose with --broker-version)" if line == NEWEST.name else ""


def _newest_client(label: str) -> str:
    if label == NEWEST_JAVA.label:
        return " (the default: the newest Java line semcheck models; choose with --client and --client-version)"
    return ""


def _bounds(bounds: dict) -> str:
    messages = _plural(bounds.get("messages", 0), "message")
    faults = list(bounds.get("faults", ()))
    max_faults = bounds.get("max_faults", 0)
    if not faults or not max_faults:
        return f"{messages}, no faults"
    return f"{messages}, at most {_plural(max_faults, 'fault')} from {', '.join(faults)}"


def _merged(merged: list) -> str:
    from ..model.merges import MERGE_NAMES

    if len(merged) == len(MERGE_NAMES):
        return f"all {len(merged)} sound merges on (docs/model.md; --split NAME or --split all takes them apart)"
    split = [m for m in MERGE_NAMES if m not in merged]
    if not merged:
        return "none: every step of the model is taken on its own (--split all)"
    return f"{', '.join(merged)} on; {', '.join(split)} split"


def _table(results: list[PropertyResult], replaying: bool = False, findings: dict | None = None) -> list[str]:
    rows = [("Property", "Replay", "Counterexample", "Engines") if replaying
            else ("Property", "Verdict", "Shortest counterexample", "Engines")]
    for r in results:
        if replaying and r.verdict != VIOLATED:
            rows.append((r.property, "NOT REPRODUCED", "-", ""))
            continue
        if r.verdict == VIOLATED:
            verdict = "reproduced" if replaying else "VIOLATED"
            example = "-" if r.trace is None else counterexample_length(r.trace, (findings or {}).get(r.property))
        elif r.verdict == DISAGREE:
            verdict, example = "ENGINES DISAGREE", "see the internal error below"
        else:
            verdict = r.verdict
            example = "-"
        rows.append((r.property, verdict, example, _engines_said(r)))
    w1 = max(len(row[0]) for row in rows) + 2
    w2 = max(len(row[1]) for row in rows) + 2
    if any(row[3] for row in rows[1:]):  # --engine both: what each engine said
        w3 = max(len(row[2]) for row in rows) + 2
        return [f"{row[0]:<{w1}}{row[1]:<{w2}}{row[2]:<{w3}}{row[3]}".rstrip() for row in rows]
    return [f"{row[0]:<{w1}}{row[1]:<{w2}}{row[2]}".rstrip() for row in rows]


def counterexample_length(trace: Trace, finding=None) -> str:
    """The verdict table's cell for a counterexample: ``12 steps (loops forever from step 9); log layer``."""
    length = _plural(len(trace), "step")
    if trace.loop_start is not None:
        length += f" (loops forever from step {trace.loop_start})"
    if finding is not None:
        length += f"; {finding.label}"
    return length


def _engines_said(r: PropertyResult) -> str:
    """``explicit holds, symbolic inconclusive``: with --engine both a verdict may rest on one
    engine alone, and the table must not hide that the other gave up."""
    if not r.by_engine:
        return ""
    return ", ".join(f"{name} {answer.verdict}" for name, answer in r.by_engine.items())


def stats_lines(result: Result, timed: bool = True) -> list[str]:
    """The statistics line of the search, or of each engine with --engine both."""
    return [_stats_line(stats, timed) for stats in result.engine_stats or [result.stats]]


def _stats_line(stats: Stats, timed: bool = True) -> str:
    """The statistics line; ``timed=False`` leaves out the seconds and the rate (what a notebook
    shows, so that a stored output is the same when run again)."""
    seconds = f"{stats.seconds:.2f}" if stats.seconds < 1 else f"{stats.seconds:.1f}"
    took = f" in {seconds} s" if timed else ""
    if stats.engine == "replay":
        return f"Replayed {stats.transitions:,} steps{took}"
    if stats.engine == "symbolic":
        line = f"Symbolic engine: paths unrolled to depth {stats.depth}{took}"
    else:
        line = f"Explored {stats.states:,} states, {stats.transitions:,} transitions, depth {stats.depth}"
        if timed:
            line += f", in {seconds} s ({round(stats.states_per_second):,} states/s)"
    how = stop_phrase(stats)
    return f"{line}; {how}" if how else line


def _counterexample(r: PropertyResult) -> list[str]:
    trace: Trace = r.trace  # type: ignore[assignment]
    return [f"Counterexample for {r.property}: {explain(r.reason)}"] + trace_lines(trace)


def step_words(step: Step) -> str:
    """A step as every report names it after its number: ``[fault: broker-crash] broker 1: crashes; ...``."""
    tag = f"[fault: {step.fault}] " if step.fault else ""
    return f"{tag}{step.actor}: {step.action}"


def trace_lines(trace: Trace) -> list[str]:
    """A trace as the text report shows it (indented by two): initial state, steps with their
    changes, final state or where a lasso loops back.  The notebook's text/plain form of a trace too."""
    out = ["  Initial state:"]
    out.extend(f"    {part}: {text}" for part, text in trace.initial.items())
    width = len(str(len(trace.steps)))
    for step in trace.steps:
        if trace.loop_start is not None and step.number == trace.loop_start:
            out.append("  -- the following steps repeat forever --")
        prefix = f"  {step.number:>{width}}. "
        out.append(prefix + step_words(step))
        indent = " " * (len(prefix) + 2)
        out.extend(f"{indent}{c.part}: {c.before} -> {c.after}" for c in step.changes)
    if trace.loop_start is not None:
        out.append(f"  -- back to the state before step {trace.loop_start}, and so on forever --")
    else:
        out.append("  Final state:")
        out.extend(f"    {part}: {text}" for part, text in trace.final.items())
    return out

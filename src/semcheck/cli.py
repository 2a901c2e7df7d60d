"""The command line: ``semcheck verify ...`` (DESIGN.md, "The CLI contract").

Exit status: 0 every checked property holds, 1 a property is violated, 2 bad input (one line on
stderr starting ``semcheck: error:``, never a traceback), 3 inconclusive, 4 the engines disagree,
130 interrupted (Ctrl-C: one line with how far the search got, never a verdict).  A reader that
closes stdout early (``| head -1``, ``| true``) does not change the exit status.  Unexpected
internal errors are not caught: a bug should be visible.
"""

from __future__ import annotations

import os
import re
import signal
import sys

import click

from .api import DEFAULT_MAX_MEMORY, ENGINES, check_engine_option, replay as run_replay, verify as run_verify
from .checker.result import VIOLATED
from .checker.registry import SEARCHES
from .model.bounds import FAULT_CLASSES, parse_faults
from .model.clients import JAVA, LIBRDKAFKA, supported
from .model.config import AFTER_ABORT_CHOICES, COMMIT_STRATEGIES, PROCESSING_MODES, ConfigError
from .model.errors import cut_long_values
from .model.merges import MERGE_NAMES
from .model.versions import NEWEST, SUPPORTED
from .progress import DEFAULT_LOG_EVERY, LastStats, make_progress
from .properties import ALL_PROPERTIES
from .redaction import redact, redact_text, shorten
from .report import FORMATS, render
from .result import EXIT_BAD_INPUT, EXIT_INTERRUPTED

DEFAULT_DOT_MAX_STATES = 50_000  # --dot refuses a bigger graph (about 2.5 MB of DOT; docs/engines.md)


class InputError(click.ClickException):
    """Bad user input found after click parsed the command line (exit 2)."""

    exit_code = EXIT_BAD_INPUT


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _error(message: str) -> None:
    click.echo(f"semcheck: error: {cut_long_values(_one_line(message))}", err=True)


def _stdout_closed() -> None:
    """The reader of stdout went away (``| head -1``): stop writing, keep the exit status.  Python's
    recipe (docs of the signal module, "Note on SIGPIPE"): point stdout at devnull, so the flush at
    exit raises no second error ("Exception ignored ... BrokenPipeError")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (a test's capture): nothing to flush at exit
        pass
    finally:
        os.close(devnull)


class SemcheckGroup(click.Group):
    """A click group whose errors are one line on stderr (``semcheck: error: ...``) with exit 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args=args, prog_name=prog_name or "semcheck", complete_var=complete_var,
                                standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as err:  # bare `semcheck`: show the help
            click.echo(err.ctx.get_help())
            code = 0
        except click.ClickException as err:  # UsageError, BadParameter, NoSuchOption, InputError
            _error(err.format_message())
            code = EXIT_BAD_INPUT
        except click.Abort:  # Ctrl-C outside a search (click has already ended the progress line)
            click.echo("semcheck: interrupted", err=True)
            code = EXIT_INTERRUPTED
        except BrokenPipeError:  # `semcheck --help | head -1`: reports catch their own (_echo_report),
            _stdout_closed()     # so only help and version text get here, whose status is 0
            code = 0
        code = 0 if code is None else code
        if standalone_mode:
            sys.exit(code)
        return code


def _parse_define(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise InputError(f"-X {redact_text(text)!r}: expected key=value, e.g. -X acks=all")
    key, value = text.split("=", 1)
    key = key.strip()
    if not key:
        raise InputError(f"-X {shorten(text)!r}: empty key; expected key=value, e.g. -X acks=all")
    return key, value


def _same_value(key: str, a: str, b: str) -> bool:
    """Whether two spellings of a setting mean the same (so repeating it is harmless)."""
    a, b = a.strip(), b.strip()
    if key == "acks":
        a, b = ("all" if v == "-1" else v for v in (a, b))
    if a.lower() in ("true", "false") and b.lower() in ("true", "false"):
        a, b = a.lower(), b.lower()
    return a == b


def build_settings(acks: tuple[str, ...] = (), retries: tuple[str, ...] = (),
                   defines: tuple[str, ...] = ()) -> dict[str, str]:
    """Merge ``--acks``, ``--retries`` and ``-X key=value`` into one settings dict (values stay
    strings: model/config.py parses them); a key given twice with different values is an error
    naming the key."""
    settings: dict[str, str] = {}
    given_as: dict[str, str] = {}
    # each origin is written as a message may show it: the key, and its value redacted only when the
    # key is a secret one (a client.id of "token-service" stays readable; a sasl.password never shows)
    pairs = [("acks", value, f"--acks {redact('acks', value)}") for value in acks]
    pairs += [("retries", value, f"--retries {redact('retries', value)}") for value in retries]
    for text in defines:
        key, value = _parse_define(text)
        pairs.append((key, value, f"-X {shorten(key)}={redact(key, value)}"))
    for key, value, origin in pairs:
        if key in settings and not _same_value(key, settings[key], value):
            raise InputError(f"{shorten(key)} is given twice with different values ({given_as[key]} and {origin})")
        if key not in settings:
            settings[key] = value
            given_as[key] = origin
    return settings


def _parse_properties(names: tuple[str, ...]) -> list[str] | None:
    if not names:
        return None
    out = []
    for text in names:
        for name in text.split(","):
            name = name.strip()
            if not name:
                raise InputError(f"--property: empty property name in {text!r}")
            out.append(name)
    return out


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int | None:
    """``--max-memory``: ``2G``, ``500M``, ``1.5GiB``, ``800MB`` (units of 1024), or a number of
    bytes; ``none`` for no limit."""
    if text.strip().lower() == "none":
        return None
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise InputError(f"--max-memory {text!r}: expected a size such as 2G or 500M, or none")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def _echo_report(text: str) -> None:
    """Write the report; a closed stdout is the reader's choice, not an error (see _stdout_closed)."""
    try:
        click.echo(text, nl=False)
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_closed()


def _handle_sigint(handler):
    """Install ``handler`` for SIGINT and return the one it replaces (None, and nothing changed,
    outside the main thread, where Python allows no signal handler)."""
    if handler is None:
        return None
    try:
        return signal.signal(signal.SIGINT, handler)
    except ValueError:
        return None


def _quiet_swallowed_interrupts():
    """Install a ``sys.unraisablehook`` that says nothing of a KeyboardInterrupt raised inside an
    object's destructor (a Z3 AstRef's ``__del__`` during a symbolic search): Python swallows it and
    would print its traceback, though the interrupt is not lost (LastStats remembers it and the next
    progress report raises it again) and the run ends with the one interrupt line.  Every other
    unraisable exception goes to the hook there was.  Returns that hook, to put back."""
    previous = sys.unraisablehook

    def hook(unraisable):
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            return
        previous(unraisable)

    sys.unraisablehook = hook
    return previous


def _interrupted(last: LastStats) -> int:
    """Ctrl-C during a search: one line with how far it got (never a verdict), exit 130."""
    stats = last.stats
    if stats is None:
        so_far = "before its first progress report"
    elif stats.engine == "symbolic":
        so_far = f"after unrolling paths to depth {stats.depth} in {stats.seconds:.1f} s"
    else:
        so_far = f"after exploring {stats.states:,} states to depth {stats.depth} in {stats.seconds:.1f} s"
    click.echo(f"semcheck: interrupted: the search was stopped {so_far}; no verdict", err=True)
    return EXIT_INTERRUPTED


def _check_writable(option: str, path: str) -> None:
    """Before a long search: the output file of ``option`` can be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise InputError(f"{option} {path!r} is a directory")
    if not os.path.isdir(directory):
        raise InputError(f"{option} {path!r}: directory {directory!r} does not exist")
    if not os.access(directory, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise InputError(f"{option} {path!r}: not writable")


@click.group(cls=SemcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="semcheck", prog_name="semcheck")
def main():
    """semcheck: a bounded model checker for Kafka delivery semantics.

    Proves or refutes, with a shortest counterexample, no-loss, no-acked-loss, no-duplicate and
    in-order delivery for a producer, a replicated partition and a consumer, within bounds.
    """


def counterexample_output_options(command):
    """--report, --brief, --trace-out and --trace-dot: further reports and how a counterexample is shown
    or exported, the same for a search (verify) and a re-checked trace file (replay)."""
    options = [
        click.option("--report", "report_specs", metavar="FORMAT=FILE", multiple=True,
                     help="Also write the report in FORMAT to FILE, from the same run (repeatable), e.g. "
                          "--report sarif=semcheck.sarif --report markdown=summary.md; stdout keeps --format."),
        click.option("--brief", is_flag=True,
                     help="Text format: one line per property naming each violation's mechanism, and each trace "
                          "without its uneventful prefix (docs/formats.md)."),
        click.option("--trace-out", "itf_path", metavar="FILE.itf.json",
                     help="Write each counterexample in the ITF trace format (Apalache/Quint), one file per "
                          "property: out.itf.json -> out.no-loss.itf.json, or put {property} in FILE."),
        click.option("--trace-dot", "trace_dot_path", metavar="FILE",
                     help="Write the first counterexample (in the report's property order) as a Graphviz DOT "
                          "picture."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@click.option("-c", "--config", "config_paths", metavar="[ROLE:]FILE", multiple=True,
              help="A Kafka .properties file: your producer's, your consumer's, the brokers' server.properties "
                   "or a topic's overrides (repeatable). ROLE (producer, consumer, broker, topic, client) is "
                   "inferred from the keys when not given. Keys semcheck does not model are listed and ignored; "
                   "secrets are never shown. --acks, --retries, -X, --commit and --processing override the files "
                   "(docs/config-files.md).")
@click.option("--acks", metavar="0|1|all|-1", multiple=True, help="Producer acks (shorthand for -X acks=...). Default all.")
@click.option("--retries", metavar="N", multiple=True, help="Producer retries (shorthand for -X retries=...). Default unlimited.")
@click.option("-X", "defines", metavar="KEY=VALUE", multiple=True,
              help="Any supported Kafka setting by its own name, e.g. -X enable.idempotence=false "
                   "-X min.insync.replicas=2. Repeatable.")
@click.option("--commit", type=click.Choice(COMMIT_STRATEGIES),
              help="Consumer offset-commit strategy; transactional is consume-transform-produce "
                   "(output and offsets in one transaction; needs -X transactional.id=...). "
                   "Default: auto, or after-process when enable.auto.commit=false.")
@click.option("--processing", type=click.Choice(PROCESSING_MODES),
              help="Consumer processing: sync (default) or async (needs --commit auto).")
@click.option("--after-abort", type=click.Choice(AFTER_ABORT_CHOICES),
              help="With --commit transactional: after its transaction aborts, the loop seeks back to the "
                   "aborted records (default) or keeps its position and skips them (KAFKA-17582).")
@click.option("--broker-version", metavar="VERSION",
              help=f"The brokers' Kafka release, e.g. 3.8 or 3.8.1 (modelled: {SUPPORTED}; KRaft mode). "
                   f"Default: {NEWEST.name}, the newest modelled; every report names it.")
@click.option("--client", metavar="NAME",
              help="The client library the applications run: java (default) or librdkafka (confluent-kafka for "
                   "Python, Go, .NET, and other clients built on it). Its defaults, rules and keys apply.")
@click.option("--client-version", metavar="VERSION",
              help=f"The client's release, e.g. 3.1.0 or 2.12.1 (modelled: Java {supported(JAVA)}; librdkafka "
                   f"{supported(LIBRDKAFKA)}). Default: the newest line modelled; every report names it.")
@click.option("--messages", type=int, default=3, show_default=True, metavar="N",
              help="Messages the application sends.")
@click.option("--faults", "faults_text", default="all", show_default=True, metavar="LIST",
              help="Fault classes, comma-separated, or all / none: " + ", ".join(FAULT_CLASSES) + ".")
@click.option("--max-faults", type=int, default=2, show_default=True, metavar="N",
              help="At most this many faults in any run.")
@click.option("--split", "split_names", multiple=True, metavar="MERGE",
              help="Take a merged step of the model apart (repeatable, or all): "
                   + ", ".join(MERGE_NAMES) + ". The verdicts must not change; it is slower.")
@click.option("--property", "property_names", multiple=True, metavar="NAME",
              help="Check only this property (repeatable): " + ", ".join(ALL_PROPERTIES) + ". Default all.")
@click.option("--engine", default="explicit", show_default=True, metavar="|".join(ENGINES),
              help="; ".join(f"{name}: {strategy.summary}" for name, strategy in SEARCHES.items())
                   + " (exit status 4).")
@click.option("--depth", type=int, metavar="N",
              help="Symbolic engine: deepest unrolling tried before giving up (default 60).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format: text, json, junit (CI test views), sarif (code scanning), markdown "
                   "(job summaries, with Mermaid diagrams); docs/formats.md.")
@click.option("--max-states", type=int, metavar="N",
              help="Stop after this many distinct states (unfinished properties are inconclusive).")
@click.option("--timeout", type=float, metavar="S",
              help="Stop after about S seconds (unfinished properties are inconclusive).")
@click.option("--dot", "dot_path", metavar="FILE",
              help="Write the explored state graph as Graphviz DOT to FILE. Meant for small bounds "
                   "(e.g. --messages 1 --max-faults 1): it keeps the whole graph in memory and "
                   "explores the full space even after every property is violated.")
@click.option("--dot-max-states", type=int, default=DEFAULT_DOT_MAX_STATES, show_default=True, metavar="N",
              help="With --dot: refuse a graph of more states (the search stops there, exit 2).")
@click.option("--max-memory", "max_memory_text", metavar="SIZE",
              help="Explicit engine: stop (inconclusive) once semcheck's resident memory passes SIZE "
                   f"(e.g. 2G, 500M; none: no limit). Default {DEFAULT_MAX_MEMORY // 2**30}G.")
@click.option("--progress", "force_progress", is_flag=True,
              help="Print a progress line on stderr every --progress-every seconds even when stderr is no "
                   "terminal (CI logs). On a terminal progress is shown anyway.")
@click.option("--progress-every", type=float, default=DEFAULT_LOG_EVERY, show_default=True, metavar="S",
              help="Seconds between two --progress lines.")
@click.option("--save-trace", "trace_path", metavar="FILE",
              help="Write every counterexample found to FILE (versioned JSON), to re-check later with "
                   "`semcheck replay FILE`.")
@counterexample_output_options
def verify(config_paths, acks, retries, defines, commit, processing, after_abort, broker_version, client, client_version,
           messages, faults_text,
           max_faults,
           split_names, property_names, engine, depth, fmt, max_states, timeout, dot_path, dot_max_states,
           max_memory_text, force_progress, progress_every, trace_path, brief, itf_path, trace_dot_path,
           report_specs):
    """Check what a Kafka configuration guarantees.

    Exit status: 0 every checked property holds, 1 a property is violated, 2 bad input,
    3 inconclusive (a limit stopped the search first), 4 the engines disagree (--engine both),
    130 interrupted (Ctrl-C; no verdict).

    \b
    Examples:
      semcheck verify --acks 1 --retries 3
      semcheck verify -X enable.idempotence=false --commit before-process --format json
      semcheck verify --config producer.properties --acks all
      semcheck verify --config producer:app.properties --config server.properties --config topic:orders.properties
      semcheck verify --client librdkafka -X enable.auto.offset.store=false
    """
    settings = build_settings(acks, retries, defines)
    # not given: the API's default guard, which the symbolic engine ignores (checker/memory.py)
    max_memory = DEFAULT_MAX_MEMORY if max_memory_text is None else parse_size(max_memory_text)
    if max_memory_text is not None:  # given, even as the default: the API cannot tell that apart
        try:
            check_engine_option(engine, "max_memory")
        except ConfigError as err:
            raise InputError(str(err)) from None
    if not progress_every > 0:
        raise InputError(f"--progress-every must be a positive number of seconds, got {progress_every!r}")
    search_states = max_states
    if dot_path is not None:
        _check_writable("--dot", dot_path)
        if dot_max_states < 1:
            raise InputError(f"--dot-max-states must be a positive integer, got {dot_max_states!r}")
        # stop the search one state past the guard: the graph is held in memory while it grows
        if engine != "symbolic" and (max_states is None or max_states > dot_max_states):
            search_states = dot_max_states + 1
    if trace_path is not None:
        _check_writable("--save-trace", trace_path)
    _check_counterexample_outputs(fmt, brief, itf_path, trace_dot_path)
    reports = parse_report_specs(report_specs)
    last = LastStats(make_progress(sys.stderr, forced=force_progress, every=progress_every))
    previous_handler = _handle_sigint(last.on_sigint)
    previous_unraisable = _quiet_swallowed_interrupts()
    try:
        faults = parse_faults(faults_text)
        result = run_verify(
            settings, commit=commit, processing=processing, broker_version=broker_version, after_abort=after_abort,
            client=client, client_version=client_version, messages=messages,
            max_faults=max_faults,
            faults=faults, split=list(split_names) or None, properties=_parse_properties(property_names),
            engine=engine, depth=depth,
            max_states=search_states, timeout=timeout, keep_graph=dot_path is not None, progress=last,
            max_memory=max_memory,
            # the command line overrides the files, as with Kafka's own tools (api.verify)
            config_files=list(config_paths) if config_paths else None)
    except ConfigError as err:
        raise InputError(str(err)) from None
    except KeyboardInterrupt:
        last.close()
        return _interrupted(last)
    except Exception:
        # A SIGINT that lands inside a C call can come out as another exception: ctypes wraps a
        # KeyboardInterrupt raised while it converts a Z3 call's arguments in ctypes.ArgumentError.
        # Once the user pressed Ctrl-C, whatever ends the search is that interrupt.
        if not last.interrupted:
            raise
        last.close()
        return _interrupted(last)
    finally:
        last.close()
        _handle_sigint(previous_handler)
        sys.unraisablehook = previous_unraisable
    if dot_path is not None:
        from .checker.graph import write_dot

        if search_states != max_states and result.stats.states > dot_max_states:
            raise InputError(f"--dot: the state graph has more than {dot_max_states:,} states (--dot-max-states); "
                             "choose smaller bounds (e.g. --messages 1 --max-faults 1) or raise --dot-max-states")
        try:
            write_dot(result.state_graph(), dot_path)
        except OSError as err:
            raise InputError(f"--dot {dot_path!r}: {err.strerror or err}") from None
    if trace_path is not None:
        try:
            result.save_trace(trace_path)
        except OSError as err:
            raise InputError(f"--save-trace {trace_path!r}: {err.strerror or err}") from None
    _write_counterexample_files(result, itf_path, trace_dot_path)
    _write_reports(result, reports)
    _echo_report(render(result, fmt, brief=brief))
    return result.exit_code


def _write_reports(result, reports: list[tuple[str, str]]) -> None:
    """--report FORMAT=FILE: each further format, rendered from the same result."""
    for report_fmt, report_path in reports:
        try:
            with open(report_path, "w", encoding="utf-8") as f:
                f.write(render(result, report_fmt))
        except OSError as err:
            raise InputError(f"--report {report_path!r}: {err.strerror or err}") from None


def parse_report_specs(specs: tuple[str, ...]) -> list[tuple[str, str]]:
    """``--report FORMAT=FILE`` (repeatable) -> ``[(format, path), ...]``, checked before the search:
    one run feeds every format (the GitHub Action writes markdown, SARIF and JSON from it)."""
    reports, paths = [], set()
    for spec in specs:
        fmt, sep, path = spec.partition("=")
        if not sep or not path:
            raise InputError(f"--report {shorten(spec)!r}: expected FORMAT=FILE, e.g. --report sarif=semcheck.sarif")
        if fmt not in FORMATS:
            raise InputError(f"--report {shorten(spec)!r}: unknown format {shorten(fmt)!r}; choose from "
                             + ", ".join(FORMATS))
        if os.path.abspath(path) in paths:
            raise InputError(f"--report: {shorten(path)!r} is given twice")
        _check_writable("--report", path)
        paths.add(os.path.abspath(path))
        reports.append((fmt, path))
    return reports


def _write_counterexample_files(result, itf_path: str | None, trace_dot_path: str | None) -> None:
    """--trace-out (ITF) and --trace-dot: each says on stderr what it wrote, or that there was nothing."""
    from .report.itf import write_itf
    from .report.trace_dot import first_counterexample, trace_dot

    if itf_path is not None:
        try:
            written = write_itf(result, itf_path)
        except OSError as err:
            raise InputError(f"--trace-out {itf_path!r}: {err.strerror or err}") from None
        for path in written:
            click.echo(f"semcheck: ITF trace written to {path}", err=True)
        if not written:
            click.echo("semcheck: --trace-out: no counterexample to write", err=True)
    if trace_dot_path is not None:
        r = first_counterexample(result)
        if r is None:
            click.echo("semcheck: --trace-dot: no counterexample to draw", err=True)
            return
        try:
            with open(trace_dot_path, "w", encoding="utf-8") as f:
                f.write(trace_dot(r.trace, f"semcheck: counterexample for {r.property}"))
        except OSError as err:
            raise InputError(f"--trace-dot {trace_dot_path!r}: {err.strerror or err}") from None


def _check_counterexample_outputs(fmt: str, brief: bool, itf_path: str | None, trace_dot_path: str | None) -> None:
    """Refuse, before any work, a --brief that does not apply and an output file that cannot be written."""
    if brief and fmt != "text":
        raise InputError(f"--brief applies to the text format only, not --format {fmt}")
    if itf_path is not None:
        _check_writable("--trace-out", itf_path)
    if trace_dot_path is not None:
        _check_writable("--trace-dot", trace_dot_path)


@main.command()
@click.argument("trace_path", metavar="FILE")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format.")
@counterexample_output_options
def replay(trace_path, fmt, report_specs, brief, itf_path, trace_dot_path):
    """Re-check stored counterexamples against this semcheck's model.

    FILE is a trace file written by `semcheck verify --save-trace FILE`.  Each counterexample is
    re-run step by step from the configuration and bounds stored with it; the report names the
    first step that is no longer enabled or ends in a different state.

    Exit status: 0 every counterexample is reproduced (it is still a run that breaks its property),
    1 some counterexample is not, 2 bad input (an unreadable file, another trace format version).
    """
    _check_counterexample_outputs(fmt, brief, itf_path, trace_dot_path)
    reports = parse_report_specs(report_specs)
    try:
        result = run_replay(trace_path)
    except ConfigError as err:
        raise InputError(str(err)) from None
    # a replayed counterexample is drawn and exported as verify drew it: same formats, same files
    _write_counterexample_files(result, itf_path, trace_dot_path)
    _write_reports(result, reports)
    _echo_report(render(result, fmt, brief=brief))
    return 0 if all(r.verdict == VIOLATED for r in result.results) else 1

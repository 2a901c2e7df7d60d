"""The pre-commit hook (``.pre-commit-hooks.yaml``, id ``semcheck``): check the ``.properties`` files
a commit changes (docs/ci.md, "pre-commit").

    python -m semcheck.pre_commit_hook [--with [ROLE:]FILE ...] [--property NAME ...]
                                       [--messages N] [--max-faults N] [--verify-args="..."] FILE...

pre-commit passes the changed files last.  How they combine:

- **each changed file is checked on its own**, its role inferred from its keys, together with the
  fixed companion files given with ``--with`` (say the brokers' ``server.properties``).  A commit may
  touch the files of several applications; checking them as one set would mix, say, two producers'
  ``acks`` (an error by semcheck's merge rule), and one file per check lets pre-commit split the
  files across processes;
- a changed file that is itself a companion is checked once, as the companions alone;
- a ``.properties`` file without a single Kafka key (``log4j.properties``, ``gradle.properties``) is
  skipped with a note: its check would be of Kafka's defaults, not of the file.

Defaults, chosen so a commit stays fast (well under a second per file) and a sound file passes:
2 messages, 1 fault of every class, and the properties a producer, broker or topic file decides on
its own, ``no-acked-loss`` and ``in-order``.  ``no-loss`` and ``no-duplicate`` also depend on the
consuming application (an at-least-once consumer duplicates by design), so they are asked for with
``--property``, which replaces the default list.

Exit status: 0 every check passed (or every file was skipped); else the worst of the checks, in
this order: 2 bad input, 4 engines disagree, 1 violated, 3 inconclusive.  Bad input stops the hook
at its first check that has it, so the one error line is not repeated for every file.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from .config_files import APPLICATION_KEYS, BROKER_KEYS, infer_role, split_spec
from .model.config import ConfigError, settings_keys
from .properties_file import read_entries
from .result import EXIT_BAD_INPUT, EXIT_DISAGREE, EXIT_INCONCLUSIVE, EXIT_VIOLATED

DEFAULT_PROPERTIES = ("no-acked-loss", "in-order")
DEFAULT_MESSAGES = "2"
DEFAULT_MAX_FAULTS = "1"
# the worst first: the status the hook exits with when checks end differently
SEVERITY = (EXIT_BAD_INPUT, EXIT_DISAGREE, EXIT_VIOLATED, EXIT_INCONCLUSIVE)

# keys that make a file a Kafka settings file even when they do not tell its role
_KAFKA_KEYS = (set(settings_keys("java")) | set(settings_keys("librdkafka")) | set(BROKER_KEYS)
               | set(APPLICATION_KEYS) | {"bootstrap.servers", "metadata.broker.list"})


class _OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are semcheck's one line and exit 2, not a usage block."""

    def error(self, message):
        print(f"semcheck: error: {message}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="python -m semcheck.pre_commit_hook",
                            description="Check changed Kafka .properties files (the semcheck pre-commit hook).")
    parser.add_argument("files", nargs="*", metavar="FILE", help="the changed files (pre-commit passes them)")
    parser.add_argument("--with", dest="companions", action="append", default=[], metavar="[ROLE:]FILE",
                        help="a file checked together with each changed file (repeatable), e.g. --with server.properties")
    parser.add_argument("--property", dest="properties", action="append", metavar="NAME",
                        help=f"a property to check (repeatable); default: {', '.join(DEFAULT_PROPERTIES)}")
    parser.add_argument("--messages", default=DEFAULT_MESSAGES, metavar="N", help="default %(default)s")
    parser.add_argument("--max-faults", default=DEFAULT_MAX_FAULTS, metavar="N", help="default %(default)s")
    parser.add_argument("--verify-args", default="", metavar="ARGS",
                        help='more semcheck verify options in one string, written with = since they start '
                             'with a dash: --verify-args="--faults network --client librdkafka"')
    return parser


def holds_kafka_settings(path: str) -> bool:
    """Whether ``path`` has a key that makes it a Kafka settings file.  A file semcheck cannot read
    counts as one, so that semcheck's own error names what is wrong with it."""
    try:
        keys = [entry.key for entry in read_entries(path)]
    except (ConfigError, OSError):
        return True
    return infer_role(path, keys) != "client" or any(key in _KAFKA_KEYS or key.startswith("semcheck.") for key in keys)


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def plan_checks(files: list[str], companions: list[str]) -> tuple[list[list[str]], list[str]]:
    """The ``--config`` lists to check, one per changed file (each with the companions), and the
    files skipped for holding no Kafka setting."""
    companion_paths = [split_spec(spec, "--with")[1] for spec in companions]
    checks: list[list[str]] = []
    skipped: list[str] = []
    for path in dict.fromkeys(files):  # a file named twice is checked once
        if any(_same_file(path, c) for c in companion_paths):
            check = list(companions)
        elif not holds_kafka_settings(path):
            skipped.append(path)
            continue
        else:
            check = [path, *companions]
        if check not in checks:
            checks.append(check)
    return checks, skipped


def worst(statuses: list[int]) -> int:
    """The hook's exit status from the checks' (0 when each passed)."""
    failed = [s for s in statuses if s != 0]
    if not failed:
        return 0
    return min(failed, key=lambda s: SEVERITY.index(s) if s in SEVERITY else -1)


def main(argv: list[str] | None = None) -> int:
    from .cli import main as semcheck

    try:
        options = _parser().parse_args(argv)
    except SystemExit as done:  # --help (0) or a bad option (2, already said in one line)
        return done.code
    try:
        extra = shlex.split(options.verify_args)
        checks, skipped = plan_checks(options.files, options.companions)
    except (ValueError, ConfigError) as err:
        print(f"semcheck: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for path in skipped:
        print(f"semcheck: skipped {path}: no Kafka setting in it")
    statuses = []
    for configs in checks:
        print(f"semcheck: {' + '.join(configs)}", flush=True)
        argv = ["verify", "--brief", "--messages", options.messages, "--max-faults", options.max_faults]
        for prop in options.properties or DEFAULT_PROPERTIES:
            argv += ["--property", prop]
        for spec in configs:
            argv += ["--config", spec]
        statuses.append(semcheck.main(args=argv + extra, standalone_mode=False))
        sys.stdout.flush()
        if statuses[-1] == EXIT_BAD_INPUT:  # one error line is enough: the options the checks share
            break                           # are likely what is wrong, and fixing comes first
    return worst(statuses)


if __name__ == "__main__":
    sys.exit(main())

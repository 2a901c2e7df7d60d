"""Before and after, in one run: the same measurements with two (or more) installations of semcheck.

This machine is noisy (two shared cores), so numbers from different days cannot be compared; this
script alternates the installations run by run, so both see the same load.  Each ``--python`` is
the interpreter of a virtual environment with one version of semcheck installed (for example a
worktree of an older commit, ``pip install`` ed into its own venv):

    git worktree add /tmp/old 5eef5b9 && python -m venv /tmp/oldvenv && /tmp/oldvenv/bin/pip install /tmp/old
    python benchmarks/compare.py --python /tmp/oldvenv/bin/python --python .venv/bin/python

Measurements, each in a fresh process:

* ``cli``: wall time of ``semcheck verify --acks=1 --retries=3 --format json`` (the issue's example),
  median of ``--repeat`` runs, with the states the search explored before it stopped;
* ``space M/F``: the default configuration's whole bounded space at M messages and F faults, all
  fault classes, explored with a trivially true invariant (no early stop): states, transitions and
  the engine's seconds (median of ``--repeat``).

A version without the native backend simply reports the Python search's figures; set
``SEMCHECK_BACKEND=python`` in the environment to measure the Python search of a newer one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import machine

CLI_ARGS = ["verify", "--acks=1", "--retries=3", "--format", "json"]

# Run inside each interpreter: explore one space with a trivially true invariant, print JSON.
# Written for every version of the API since 0.1.0 (no split=, own always-true property).
SPACE_WORKER = """
import json, sys
import semcheck
from semcheck.checker.explicit import ExplicitSearch
from semcheck.model.api import StatePredicate
from semcheck.properties.base import INVARIANT, Property
messages, faults = int(sys.argv[1]), int(sys.argv[2])
try:
    model = semcheck.build_model({}, messages=messages, max_faults=faults, faults="all")
except semcheck.ConfigError:  # before "all" was a value of faults= (issue 9): the tuple of every class
    from semcheck.model.bounds import FAULT_CLASSES
    model = semcheck.build_model({}, messages=messages, max_faults=faults, faults=FAULT_CLASSES)
prop = Property("explore-all", INVARIANT, "always true", lambda m: StatePredicate("true", lambda s: True))
found = ExplicitSearch(model, [prop]).run()
stats = found[0] if isinstance(found, tuple) else found.stats  # before 0.1.0's search interface: a tuple
assert stats.complete, "the space was not exhausted"
print(json.dumps({"states": stats.states, "transitions": stats.transitions, "seconds": stats.seconds,
                  "backend": getattr(stats, "backend", "python")}))
"""


def semcheck_of(python: str) -> str:
    return str(Path(python).with_name("semcheck"))


def cli_run(python: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run([semcheck_of(python), *CLI_ARGS], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"{python}: semcheck exited {done.returncode}: {done.stderr.strip()[-500:]}")
    stats = json.loads(done.stdout)["stats"]
    return {"seconds": seconds, "states": stats["states"], "backend": stats.get("backend", "python")}


def space_run(python: str, messages: int, faults: int) -> dict:
    done = subprocess.run([python, "-c", SPACE_WORKER, str(messages), str(faults)], capture_output=True,
                          text=True)
    if done.returncode:
        sys.exit(f"{python}: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", required=True, help="interpreter of one installation")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--space", action="append", default=None, metavar="M/F",
                        help="messages/faults of a space to exhaust (repeatable; default 3/2 and 2/2)")
    parser.add_argument("--no-cli", action="store_true")
    args = parser.parse_args()
    spaces = [tuple(map(int, s.split("/"))) for s in (args.space or ["3/2", "2/2"])]
    print(machine())
    # warm-up: a first run may compile (native backend) or fill caches
    for python in args.python:
        if not args.no_cli:
            cli_run(python)
        for m, f in spaces:
            space_run(python, m, f)
    cli = {p: [] for p in args.python}
    space = {(p, s): [] for p in args.python for s in spaces}
    for _ in range(args.repeat):
        for python in args.python:  # alternate, so both see the same load
            if not args.no_cli:
                cli[python].append(cli_run(python))
            for s in spaces:
                space[(python, s)].append(space_run(python, *s))
    print(f"after warm-up, median of {args.repeat}, runs alternated; {machine()}")
    print("| installation | measurement | backend | states | transitions | seconds (median) | min | max |")
    print("|---|---|---|---|---|---|---|---|")
    for python in args.python:
        if not args.no_cli:
            runs = cli[python]
            times = [r["seconds"] for r in runs]
            print(f"| {python} | cli `{' '.join(CLI_ARGS[:3])}` | {runs[0]['backend']} | {runs[0]['states']:,} | "
                  f"| {statistics.median(times):.3f} | {min(times):.3f} | {max(times):.3f} |")
        for s in spaces:
            runs = space[(python, s)]
            times = [r["seconds"] for r in runs]
            print(f"| {python} | space {s[0]}/{s[1]} | {runs[0]['backend']} | {runs[0]['states']:,} | "
                  f"{runs[0]['transitions']:,} | {statistics.median(times):.3f} | {min(times):.3f} | "
                  f"{max(times):.3f} |")


if __name__ == "__main__":
    main()

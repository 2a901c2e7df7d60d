"""Throughput of the explicit engine, and end-to-end time of the CLI example.

1. Distinct states per second when the default configuration (no settings: acks=all, idempotence,
   unlimited retries, replication factor 3) is explored *exhaustively* at the given bounds (default:
   3 messages, 2 faults, all fault classes).  The run checks only a trivially true invariant
   (``benchmarks/common.py``), so the search cannot stop early; the script checks that the space
   was exhausted.  ``--split`` takes merged steps apart (the fine model).  Repeated ``--repeat``
   times; the median is reported.
2. Wall time of ``semcheck verify --acks=1 --retries=3 --format json`` (output discarded) in a fresh
   process, median of ``--cli-repeat`` runs (default 5).  Target: <= 2 s.

    python benchmarks/throughput.py
    python benchmarks/throughput.py --messages 2 --max-faults 2 --repeat 5
    python benchmarks/throughput.py --no-cli
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

from common import EXPLORE_ALL, machine

import semcheck
from semcheck.checker.explicit import ExplicitSearch

CLI_ARGS = ["verify", "--acks=1", "--retries=3", "--format", "json"]
CLI_TARGET_SECONDS = 2.0


def engine_runs(messages: int, max_faults: int, split, repeat: int) -> list:
    runs = []
    for i in range(repeat):
        model = semcheck.build_model({}, messages=messages, max_faults=max_faults, faults="all",
                                     split=split)
        st = ExplicitSearch(model, [EXPLORE_ALL]).run().stats
        if not st.complete:
            sys.exit(f"throughput: the search stopped early ({st.stopped_by!r}): no throughput measurement")
        print(f"  run {i + 1}: {st.states:,} states, {st.transitions:,} transitions, depth {st.depth}, "
              f"{st.seconds:.3f} s, {st.states_per_second:,.0f} states/s", flush=True)
        runs.append(st)
    return runs


def cli_command() -> list[str]:
    exe = shutil.which("semcheck")
    if exe:
        return [exe]
    return [sys.executable, "-c", "import sys; from semcheck.cli import main; sys.exit(main())"]


def cli_runs(repeat: int) -> list[float]:
    cmd = cli_command() + CLI_ARGS
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - started
        if proc.returncode not in (0, 1, 3):  # 1: some property violated, the expected outcome here
            sys.exit(f"throughput: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr.decode()}")
        print(f"  run {i + 1}: {elapsed:.3f} s (exit {proc.returncode})", flush=True)
        times.append(elapsed)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=3)
    ap.add_argument("--max-faults", type=int, default=2)
    ap.add_argument("--split", action="append", metavar="MERGE",
                    help="take a merged step apart (repeatable, or all); default: every merge on")
    ap.add_argument("--repeat", type=int, default=3, help="engine runs; the median is reported")
    ap.add_argument("--cli-repeat", type=int, default=5, help="CLI runs; the median is reported")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI timing")
    args = ap.parse_args()

    print(f"# semcheck {semcheck.__version__} throughput, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"machine: {machine()}\n")
    merges = "every merge on" if not args.split else "split: " + ", ".join(args.split)
    print(f"engine: default configuration, {args.messages} messages, {args.max_faults} faults, "
          f"all fault classes, exhaustive ({merges})")
    runs = engine_runs(args.messages, args.max_faults, args.split, args.repeat)
    med = sorted(runs, key=lambda st: st.seconds)[len(runs) // 2]
    print(f"median: {med.states:,} states, {med.transitions:,} transitions, depth {med.depth}, "
          f"{med.seconds:.3f} s, {med.states_per_second:,.0f} states/s, "
          f"{med.transitions / med.seconds:,.0f} transitions/s\n")

    if not args.no_cli:
        print(f"cli: {' '.join(['semcheck'] + CLI_ARGS)} > /dev/null  (target <= {CLI_TARGET_SECONDS:g} s)")
        times = cli_runs(args.cli_repeat)
        median = statistics.median(times)
        verdict = "meets" if median <= CLI_TARGET_SECONDS else "MISSES"
        print(f"median: {median:.3f} s (min {min(times):.3f}, max {max(times):.3f}): "
              f"{verdict} the {CLI_TARGET_SECONDS:g} s target")


if __name__ == "__main__":
    main()

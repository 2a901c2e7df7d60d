"""Explicit vs symbolic engine on the same questions, and how deep the symbolic engine gets.

    python benchmarks/engines.py                 # the comparison table
    python benchmarks/engines.py --depth-probe 60  # deepest unrolling in 60 s, default configuration

The comparison runs both engines on a few configurations (all four properties) and prints, per
engine, the verdicts and the wall time.  The probe runs only the symbolic engine on the default
configuration (3 messages, 2 faults, all fault classes) with a time limit and reports the depth
its bounded model checking reached.
"""

from __future__ import annotations

import argparse
import time

import semcheck
from semcheck.checker.explicit import ExplicitSearch
from semcheck.checker.search import SearchSettings
from semcheck.checker.symbolic import SymbolicSearch
from semcheck.properties import ALL_PROPERTIES

QUESTIONS = [
    ("acks=1, leader crash", {"acks": "1"}, dict(faults=["broker-crash"], max_faults=1, messages=1)),
    ("acks=all, leader crash", {"acks": "all"}, dict(faults=["broker-crash"], max_faults=1, messages=1)),
    ("no idempotence, network", {"enable.idempotence": "false"}, dict(faults=["network"], max_faults=1, messages=1)),
    ("min.insync > RF (lasso, 3.6)", {"replication.factor": "1", "min.insync.replicas": "2"},
     dict(faults=[], messages=1, broker_version="3.6")),
    ("commit after process", {"auto.offset.reset": "earliest"},
     dict(commit="after-process", faults=["consumer-crash"], max_faults=1, messages=1)),
    ("acks=1 retries=3, default bounds", {"acks": "1", "retries": "3"}, {}),
]


def verdicts(results) -> str:
    return " ".join(f"{r.property}={r.verdict[0].upper()}{len(r.trace) if r.trace else ''}" for r in results)


def compare(timeout: float) -> None:
    props = list(ALL_PROPERTIES.values())
    print(f"{'question':34} {'engine':9} {'seconds':>8}  verdicts (H holds, V violated + length, I inconclusive)")
    for name, settings, options in QUESTIONS:
        model = semcheck.build_model(settings, **options)
        for engine, search in (("explicit", ExplicitSearch(model, props)),
                               ("symbolic", SymbolicSearch(model, props, SearchSettings(timeout=timeout)))):
            started = time.perf_counter()
            results = search.run().results
            print(f"{name:34} {engine:9} {time.perf_counter() - started:8.2f}  {verdicts(results)}")


def depth_probe(seconds: float) -> None:
    model = semcheck.build_model({})
    found = SymbolicSearch(model, list(ALL_PROPERTIES.values()), SearchSettings(timeout=seconds, depth=500)).run()
    stats, results = found.stats, found.results
    print(f"default configuration, {seconds:.0f} s limit: unrolled to depth {stats.depth} "
          f"({stats.seconds:.1f} s); {verdicts(results)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=300, help="per symbolic run (s)")
    ap.add_argument("--depth-probe", type=float, metavar="SECONDS", help="only run the depth probe")
    args = ap.parse_args()
    if args.depth_probe:
        depth_probe(args.depth_probe)
    else:
        compare(args.timeout)


if __name__ == "__main__":
    main()

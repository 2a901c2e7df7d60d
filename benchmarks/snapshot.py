"""What a refactoring must not change: verdicts, state counts and counterexamples, as one JSON file.

Runs a fixed list of configurations through the public ``semcheck.verify`` (the only API every
version since 0.1.0 shares) and writes, per configuration and engine: each property's verdict, its
counterexample's steps (actor, fault, sentence, changes) and the explicit engine's states,
transitions and depth.  Timings are left out, so two snapshots of the same behaviour are equal
byte for byte.  Compare two installations:

    python benchmarks/snapshot.py --python /tmp/oldvenv/bin/python > /tmp/before.json
    python benchmarks/snapshot.py > /tmp/after.json
    python benchmarks/snapshot.py --diff /tmp/before.json /tmp/after.json

The list: every row of the engine cross-check matrix that runs in the default suite (explicit and
symbolic), plus larger explicit-only configurations (the CLI's example, the default bounds, each
example .properties file at 2 messages and 2 faults).  State counts are compared with the search's
early stop on: successors are generated in the same order before and after, so an early stop
happens at the same state.  For the symbolic engine verdicts and counterexample lengths are
compared, not the steps: which of several shortest counterexamples Z3 returns depends on the exact
queries asked.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE = dict(messages=1, max_faults=1)
NET, CRASH, POWER, LAG = ["network"], ["broker-crash"], ["power-loss"], ["follower-lag"]

# (settings, options, engines)
CONFIGURATIONS = [
    ({"acks": "0"}, dict(faults=NET, **ONE), ["explicit", "symbolic"]),
    ({"acks": "0"}, dict(faults=["producer-crash"], **ONE), ["explicit", "symbolic"]),
    ({"acks": "1"}, dict(faults=LAG, **ONE), ["explicit", "symbolic"]),
    ({"acks": "1"}, dict(faults=["consumer-crash"], **ONE), ["explicit", "symbolic"]),
    ({}, dict(faults=[], messages=1), ["explicit", "symbolic"]),
    ({}, dict(faults=["consumer-crash"], **ONE), ["explicit", "symbolic"]),
    ({"auto.offset.reset": "earliest"}, dict(commit="after-process", faults=[], messages=1),
     ["explicit", "symbolic"]),
    ({"retries": "0"}, dict(faults=NET, **ONE), ["explicit", "symbolic"]),
    ({"replication.factor": "1"}, dict(faults=POWER, **ONE), ["explicit", "symbolic"]),
    ({"replication.factor": "2"}, dict(faults=LAG, **ONE), ["explicit", "symbolic"]),
    ({"replication.factor": "1", "min.insync.replicas": "2"}, dict(faults=[], messages=1),
     ["explicit", "symbolic"]),
    ({"isolation.level": "read_committed"}, dict(faults=[], messages=1), ["explicit", "symbolic"]),
    ({"transactional.id": "app-1", "isolation.level": "read_committed", "auto.offset.reset": "earliest",
      "replication.factor": "1"}, dict(commit="transactional", faults=["consumer-crash"], **ONE),
     ["explicit", "symbolic"]),
    ({"acks": "1", "retries": "3"}, dict(), ["explicit"]),
    ({}, dict(), ["explicit"]),
    ({"enable.idempotence": "false"}, dict(messages=2, max_faults=2), ["explicit"]),
    ({"acks": "1"}, dict(messages=2, max_faults=1, faults=CRASH, properties=["no-acked-loss"]), ["explicit"]),
    ({"unclean.leader.election.enable": "true", "replication.factor": "2"},
     dict(messages=2, max_faults=2, faults=["follower-lag", "power-loss"]), ["explicit"]),
]


def _example(name: str) -> dict:
    settings = {}
    for line in (ROOT / "examples" / name).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")) and "=" in line:
            key, value = line.split("=", 1)
            settings[key.strip()] = value.strip()
    return settings


for _name in sorted(p.name for p in (ROOT / "examples").glob("*.properties")):
    CONFIGURATIONS.append(({"@example": _name}, dict(messages=2, max_faults=2), ["explicit"]))


def _steps(trace: list[dict]) -> list[list]:
    return [[s["actor"], s["fault"], s["action"], [[c["part"], c["before"], c["after"]] for c in s["changes"]]]
            for s in trace]


def snapshot() -> list[dict]:
    import semcheck

    out = []
    for settings, options, engines in CONFIGURATIONS:
        if "@example" in settings:
            settings = _example(settings["@example"])
        for engine in engines:
            result = semcheck.verify(settings, engine=engine, **options).as_dict()
            stats = result["stats"]
            out.append({
                "settings": settings, "options": options, "engine": engine,
                "stats": {k: stats.get(k) for k in ("states", "transitions", "depth", "complete")},
                "results": [{"property": r["property"], "verdict": r["verdict"],
                             "loop_start": r.get("loop_starts_at_step"), "steps": _steps(r["trace"])}
                            for r in result["results"]],
            })
    return out


def _shape(record: dict) -> dict:
    """What must not change for the symbolic engine: verdicts and counterexample lengths.  Which
    shortest counterexample Z3 returns depends on the exact queries asked, so its steps may differ."""
    return {**record, "results": [{"property": r["property"], "verdict": r["verdict"], "loop_start": r["loop_start"],
                                   "length": len(r["steps"])} for r in record["results"]]}


def diff(before: list[dict], after: list[dict]) -> int:
    """Print every configuration whose record differs; return how many differ.  For the symbolic
    engine only verdicts and counterexample lengths count (see _shape); other path changes are
    counted and reported apart."""
    differ = other_paths = 0
    for a, b in zip(before, after):
        if a == b:
            continue
        if a["engine"] == "symbolic" and _shape(a) == _shape(b):
            other_paths += 1
            continue
        differ += 1
        print(f"differs: {a['settings']} {a['options']} ({a['engine']})")
        if a["stats"] != b["stats"]:
            print(f"  stats {a['stats']} -> {b['stats']}")
        for ra, rb in zip(a["results"], b["results"]):
            if ra != rb:
                print(f"  {ra['property']}: {ra['verdict']} ({len(ra['steps'])} steps) -> "
                      f"{rb['verdict']} ({len(rb['steps'])} steps)")
                for i, (sa, sb) in enumerate(zip(ra["steps"], rb["steps"]), start=1):
                    if sa != sb:
                        print(f"    first differing step {i}:\n      {sa}\n      {sb}")
                        break
    if len(before) != len(after):
        print(f"{len(before)} records before, {len(after)} after")
        differ += 1
    print(f"{len(before)} records compared, {differ} differ"
          + (f"; in {other_paths} the symbolic engine returned other shortest counterexamples of the same lengths"
             if other_paths else ""))
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="run the snapshot with this interpreter (another installation)")
    parser.add_argument("--diff", nargs=2, metavar=("BEFORE", "AFTER"), help="compare two snapshots")
    args = parser.parse_args()
    if args.diff:
        before, after = (json.loads(Path(p).read_text()) for p in args.diff)
        sys.exit(1 if diff(before, after) else 0)
    if args.python:
        sys.exit(subprocess.run([args.python, __file__], cwd="/").returncode)
    json.dump(snapshot(), sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()

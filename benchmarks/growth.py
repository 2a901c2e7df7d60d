"""How the bounded state space grows with --messages and --max-faults.

For each cell (messages 1..4, max faults 0..3, all fault classes, the default configuration) the
whole bounded space is explored: the search checks one trivially true invariant (``explore-all``,
defined here), so it never stops early, keeps no liveness edges and runs no SCC analysis.  The state
set does not depend on the properties checked, so the counts are those of any exhaustive run (e.g.
``--property in-order`` at the default configuration, where it holds); the seconds are pure
exploration (compilation included) without liveness analysis.

Cells are run in order (messages outer, faults inner) and each is printed as soon as it completes.
A cell is skipped when its time, estimated from the growth seen so far, exceeds ``--budget``
seconds (and every cell beyond a skipped one, since the space only grows).  ``--cache FILE`` keeps
finished cells in a JSON file so a later run with a larger budget only runs the new ones.

    python benchmarks/growth.py --budget 20
    python benchmarks/growth.py --cache /tmp/growth.json --budget 120
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

from common import EXPLORE_ALL

import semcheck
from semcheck.checker.explicit import ExplicitSearch
from semcheck.checker.search import SearchSettings


def run_cell(settings: dict, messages: int, faults: int, timeout: float) -> dict:
    model = semcheck.build_model(settings, messages=messages, max_faults=faults, faults="all")
    stats = ExplicitSearch(model, [EXPLORE_ALL], SearchSettings(timeout=timeout)).run().stats
    return {"messages": messages, "faults": faults, "states": stats.states,
            "transitions": stats.transitions, "depth": stats.depth, "seconds": round(stats.seconds, 3),
            "complete": stats.complete, "stopped_by": stats.stopped_by}


def estimate(cells: dict, m: int, f: int) -> tuple[float, float] | None:
    """(states, seconds) expected for cell (m, f) from its finished neighbours, or None if unknown."""
    def states(mm, ff):
        c = cells.get((mm, ff))
        return c["states"] if c and c["complete"] else None

    left, up, diag = states(m, f - 1), states(m - 1, f), states(m - 1, f - 1)
    if left and up and diag:
        est = left * up / diag  # the fault factor of the row above, applied to this row
    elif left and states(m, f - 2):
        est = left * left / states(m, f - 2)
    elif up and states(m - 2, f):
        est = up * up / states(m - 2, f)
    else:
        return None
    done = [c for c in cells.values() if c["complete"] and c["seconds"] > 0]
    big = max(done, key=lambda c: c["states"])  # the rate of the biggest cell: least overhead-bound
    return est, 0.05 + est * big["seconds"] / big["states"]


def markdown_tables(cells: dict, ms, fs) -> str:
    def cell(m, f):
        c = cells.get((m, f))
        if c is None:
            return "skipped"
        if not c["complete"]:
            return f">{c['states']:,} ({c['stopped_by']})"
        return f"{c['states']:,} / {c['seconds']:.2f} s"

    def ratio(a, b):
        ca, cb = cells.get(a), cells.get(b)
        if not (ca and cb and ca["complete"] and cb["complete"]):
            return "-"
        return f"x{ca['states'] / cb['states']:.1f}"

    head = "| messages \\ faults | " + " | ".join(str(f) for f in fs) + " |"
    rule = "|---" * (len(fs) + 1) + "|"
    out = ["States / seconds (exhaustive):", "", head, rule]
    out += [f"| {m} | " + " | ".join(cell(m, f) for f in fs) + " |" for m in ms]
    out += ["", "Growth factor per extra fault (states(m, f) / states(m, f-1)):", "",
            "| messages \\ faults | " + " | ".join(f"{f - 1}->{f}" for f in fs[1:]) + " |",
            "|---" * len(fs) + "|"]
    out += [f"| {m} | " + " | ".join(ratio((m, f), (m, f - 1)) for f in fs[1:]) + " |" for m in ms]
    out += ["", "Growth factor per extra message (states(m, f) / states(m-1, f)):", "",
            "| messages \\ faults | " + " | ".join(str(f) for f in fs) + " |", rule]
    out += [f"| {m - 1}->{m} | " + " | ".join(ratio((m, f), (m - 1, f)) for f in fs) + " |" for m in ms[1:]]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=4, help="largest message count (from 1)")
    ap.add_argument("--max-faults", type=int, default=3, help="largest fault budget (from 0)")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="skip a cell whose estimated time exceeds this many seconds (default 120)")
    ap.add_argument("--cache", help="JSON file of finished cells: read if present, updated as cells finish")
    ap.add_argument("-X", dest="defines", action="append", default=[], metavar="KEY=VALUE",
                    help="a Kafka setting (default: none, the default configuration)")
    args = ap.parse_args()
    settings = dict(d.split("=", 1) for d in args.defines)
    ms, fs = range(1, args.messages + 1), range(0, args.max_faults + 1)

    cells: dict = {}
    cache_key = json.dumps(settings, sort_keys=True)
    if args.cache and os.path.exists(args.cache):
        with open(args.cache) as fh:
            for c in json.load(fh).get(cache_key, []):
                cells[(c["messages"], c["faults"])] = c

    print(f"# semcheck {semcheck.__version__} state-space growth, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.2f}, settings {settings or 'default'}, budget {args.budget:g} s",
          flush=True)
    skipped: set = set()
    for m in ms:
        for f in fs:
            key = (m, f)
            if key in cells and cells[key]["complete"]:
                c = cells[key]
                print(f"messages={m} faults={f}: {c['states']:,} states, {c['seconds']:.2f} s (cached)",
                      flush=True)
                continue
            cells.pop(key, None)
            if (m - 1, f) in skipped or (m, f - 1) in skipped:
                skipped.add(key)
                print(f"messages={m} faults={f}: skipped (a smaller cell was skipped)", flush=True)
                continue
            guess = estimate(cells, m, f)
            if guess and guess[1] > args.budget:
                skipped.add(key)
                print(f"messages={m} faults={f}: skipped (estimated {guess[0]:,.0f} states, "
                      f"{guess[1]:.0f} s > budget {args.budget:g} s)", flush=True)
                continue
            c = run_cell(settings, m, f, timeout=args.budget)
            cells[key] = c
            if not c["complete"]:
                skipped.add(key)
            note = "" if c["complete"] else f" INCOMPLETE ({c['stopped_by']})"
            est = f" (estimated {guess[0]:,.0f} in {guess[1]:.1f} s)" if guess else ""
            print(f"messages={m} faults={f}: {c['states']:,} states{est}, {c['transitions']:,} "
                  f"transitions, depth {c['depth']}, {c['seconds']:.2f} s{note}", flush=True)
            if args.cache:
                store = {}
                if os.path.exists(args.cache):
                    with open(args.cache) as fh:
                        store = json.load(fh)
                store[cache_key] = list(cells.values())
                with open(args.cache, "w") as fh:
                    json.dump(store, fh, indent=1)

    print()
    print(markdown_tables(cells, list(ms), list(fs)))


if __name__ == "__main__":
    main()

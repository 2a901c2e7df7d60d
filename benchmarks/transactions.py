"""What transactions add to the state space: the same bounds with and without transactional.id.

For each variant and each cell (messages 1..3, max faults 0..2, all fault classes) the whole
bounded space is explored with one trivially true invariant (as in growth.py), so the counts are
those of any exhaustive run.  Variants:

* default           the default configuration (idempotent producer, auto commit)
* transactional     transactional.id set, isolation.level=read_uncommitted
* read_committed    transactional.id set, isolation.level=read_committed
* exactly-once      transactional.id, read_committed, --commit transactional (offsets in the
                    transaction), auto.offset.reset=earliest

    python benchmarks/transactions.py
    python benchmarks/transactions.py --messages 2 --max-faults 1
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import semcheck
from semcheck.checker.explicit import ExplicitSearch
from semcheck.checker.search import SearchSettings

from growth import EXPLORE_ALL

TXN = {"transactional.id": "app-1"}
VARIANTS = [
    ("default", {}, {}),
    ("transactional", TXN, {}),
    ("read_committed", {**TXN, "isolation.level": "read_committed"}, {}),
    ("exactly-once", {**TXN, "isolation.level": "read_committed", "auto.offset.reset": "earliest"},
     {"commit": "transactional"}),
]


def explore(settings: dict, options: dict, messages: int, faults: int, timeout: float):
    model = semcheck.build_model(settings, messages=messages, max_faults=faults, faults="all", **options)
    stats = ExplicitSearch(model, [EXPLORE_ALL], SearchSettings(timeout=timeout)).run().stats
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=3)
    ap.add_argument("--max-faults", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300, help="per cell (s); a cut cell prints '>'")
    args = ap.parse_args()
    print(f"# semcheck {semcheck.__version__} transactions growth, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    print("| messages / faults | " + " | ".join(name for name, _, _ in VARIANTS) + " |")
    print("|---" * (len(VARIANTS) + 1) + "|")
    for m in range(1, args.messages + 1):
        for f in range(0, args.max_faults + 1):
            cells, base = [], None
            for name, settings, options in VARIANTS:
                stats = explore(settings, options, m, f, args.timeout)
                if not stats.complete:
                    cells.append(f">{stats.states:,} ({stats.stopped_by})")
                    continue
                base = base or stats.states
                factor = "" if name == "default" else f" (x{stats.states / base:.1f})"
                cells.append(f"{stats.states:,} / {stats.seconds:.2f} s{factor}")
            print(f"| {m} / {f} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()

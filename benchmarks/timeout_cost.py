"""What delivery.timeout.ms costs in states: the same spaces with and without it, in one run.

The model with the timeout is semcheck's own; the one without is a variant whose
``models_delivery_timeout`` returns False (the model before the timeout, state for state).  Each
space is explored whole with a trivially true invariant (as in growth.py), so the counts are those
of any exhaustive run; the two runs of a row alternate, so both see the same load.

    python benchmarks/timeout_cost.py
    python benchmarks/timeout_cost.py --messages 2 --max-faults 2
"""

from __future__ import annotations

import argparse
import time

import semcheck
from semcheck.checker.explicit import ExplicitSearch
from semcheck.checker.search import SearchSettings
from semcheck.model.kafka import KafkaModel

from common import EXPLORE_ALL, machine


class WithoutDeliveryTimeout(KafkaModel):
    def models_delivery_timeout(self) -> bool:
        return False


ROWS = [
    ("defaults", {}),
    ("acks=1, retries=3", {"acks": "1", "retries": "3"}),
    ("idempotence off", {"enable.idempotence": "false"}),
    ("min.insync.replicas=2", {"min.insync.replicas": "2"}),
    ("RF 2, min.insync.replicas=2", {"replication.factor": "2", "min.insync.replicas": "2"}),
    ("RF 1", {"replication.factor": "1"}),
]


def explore(settings, variant, messages, faults, timeout):
    model = semcheck.build_model(settings, messages=messages, max_faults=faults, variant=variant)
    started = time.perf_counter()
    found = ExplicitSearch(model, [EXPLORE_ALL], SearchSettings(timeout=timeout)).run()
    return found.stats.states, found.stats.complete, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2)
    parser.add_argument("--max-faults", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    print(f"# {machine()}")
    print(f"# {args.messages} messages, at most {args.max_faults} faults, every fault class that applies")
    print(f"{'configuration':30} {'without':>12} {'with':>12} {'growth':>8}")
    for name, settings in ROWS:
        before, done_before, _ = explore(settings, WithoutDeliveryTimeout, args.messages, args.max_faults, args.timeout)
        after, done_after, _ = explore(settings, None, args.messages, args.max_faults, args.timeout)
        cut = "" if done_before and done_after else "  (cut by --timeout: not comparable)"
        print(f"{name:30} {before:>12,} {after:>12,} {after / before - 1:>+8.1%}{cut}", flush=True)


if __name__ == "__main__":
    main()

"""What delivery.timeout.ms and transaction.timeout.ms cost in states: the same spaces with and without them.

The model with the timeouts is semcheck's own; the one without is a variant whose
``models_delivery_timeout`` and ``models_transaction_timeout`` return False (the model before the
timeouts, state for state, but for the leader's verification of transactional writes, which both have).  Each
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


class WithoutTimeouts(KafkaModel):
    def models_delivery_timeout(self) -> bool:
        return False

    def models_transaction_timeout(self) -> bool:
        return False


TRANSACTIONAL = {"transactional.id": "t", "isolation.level": "read_committed"}
LOOP = {**TRANSACTIONAL, "auto.offset.reset": "earliest", "enable.auto.commit": "false"}
ROWS = [
    ("defaults", {}, {}),
    ("acks=1, retries=3", {"acks": "1", "retries": "3"}, {}),
    ("idempotence off", {"enable.idempotence": "false"}, {}),
    ("min.insync.replicas=2", {"min.insync.replicas": "2"}, {}),
    ("RF 2, min.insync.replicas=2", {"replication.factor": "2", "min.insync.replicas": "2"}, {}),
    ("RF 1", {"replication.factor": "1"}, {}),
    ("transactional", TRANSACTIONAL, {}),
    ("transactional, min ISR 2", {**TRANSACTIONAL, "min.insync.replicas": "2"}, {}),
    ("exactly-once loop", LOOP, {"commit": "transactional"}),
]


def explore(settings, options, variant, messages, faults, timeout):
    model = semcheck.build_model(settings, messages=messages, max_faults=faults, variant=variant, **options)
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
    for name, settings, options in ROWS:
        before, done_before, _ = explore(settings, options, WithoutTimeouts, args.messages, args.max_faults,
                                         args.timeout)
        after, done_after, _ = explore(settings, options, None, args.messages, args.max_faults, args.timeout)
        cut = "" if done_before and done_after else "  (cut by --timeout: not comparable)"
        print(f"{name:30} {before:>12,} {after:>12,} {after / before - 1:>+8.1%}{cut}", flush=True)


if __name__ == "__main__":
    main()

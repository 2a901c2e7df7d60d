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
from semcheck.model.bounds import FAULT_CLASSES
from semcheck.model.kafka import KafkaModel

from common import EXPLORE_ALL, machine


class WithoutTimeouts(KafkaModel):
    def models_delivery_timeout(self) -> bool:
        return False

    def models_transaction_timeout(self) -> bool:
        return False


TRANSACTIONAL = {"transactional.id": "t", "isolation.level": "read_committed"}
LOOP = {**TRANSACTIONAL, "auto.offset.reset": "earliest", "enable.auto.commit": "false"}
# two paused producer instances are beyond the model (the run is cut), so the transactional rows
# leave producer-zombie out to compare whole spaces; app-abort (an application's choice, not a
# timeout's) is left out so that the rows measure the timeouts alone
NO_ZOMBIE = [f for f in FAULT_CLASSES
             if f not in ("producer-zombie", "app-abort", "controlled-shutdown", "output-failure")]
ROWS = [
    ("defaults", {}, {}),
    ("acks=1, retries=3", {"acks": "1", "retries": "3"}, {}),
    ("idempotence off", {"enable.idempotence": "false"}, {}),
    ("min.insync.replicas=2", {"min.insync.replicas": "2"}, {}),
    ("RF 2, min.insync.replicas=2", {"replication.factor": "2", "min.insync.replicas": "2"}, {}),
    ("RF 1", {"replication.factor": "1"}, {}),
    ("transactional", TRANSACTIONAL, {"faults": NO_ZOMBIE}),
    ("transactional, min ISR 2", {**TRANSACTIONAL, "min.insync.replicas": "2"},
     {"faults": NO_ZOMBIE + ["controlled-shutdown"]}),
    ("exactly-once loop", LOOP, {"commit": "transactional", "faults": NO_ZOMBIE + ["output-failure"]}),
]


def explore(settings, options, variant, messages, faults, timeout):
    model = semcheck.build_model(settings, messages=messages, max_faults=faults, variant=variant, **options)
    started = time.perf_counter()
    found = ExplicitSearch(model, [EXPLORE_ALL], SearchSettings(timeout=timeout)).run()
    return found.stats.states, found.stats.stopped_by, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2)
    parser.add_argument("--max-faults", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    print(f"# {machine()}")
    print(f"# {args.messages} messages, at most {args.max_faults} faults, every fault class that applies "
          "(transactional rows: but producer-zombie)")
    print(f"{'configuration':30} {'without':>12} {'with':>12} {'growth':>8}")
    for name, settings, options in ROWS:
        before, cut_before, _ = explore(settings, options, WithoutTimeouts, args.messages, args.max_faults,
                                        args.timeout)
        after, cut_after, _ = explore(settings, options, None, args.messages, args.max_faults, args.timeout)
        stops = {str(stop.value) for stop in (cut_before, cut_after) if stop is not None}
        cut = f"  (cut: {', '.join(sorted(stops))}: not comparable)" if stops else ""
        print(f"{name:30} {before:>12,} {after:>12,} {after / before - 1:>+8.1%}{cut}", flush=True)


if __name__ == "__main__":
    main()

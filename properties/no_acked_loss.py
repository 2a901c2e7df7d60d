"""no-acked-loss, the log layer: once settled, every message acknowledged to the producer is in the
partition's log below the high watermark (with a transactional producer: in a committed transaction).
Jepsen's "lost write": the broker said yes, and the record is gone.

This is about the brokers only.  A consumer that moves past a record the log still holds (for
example ``auto.offset.reset=latest`` after a crash before its first commit) loses nothing here; it
breaks no-loss, whose counterexample names the consumer layer.  Until the broker-versions work this
property counted such skips too, and so answered "did Kafka lose my acknowledged write?" and "did my
consumer process it?" with one verdict (docs/model.md, "Properties").
"""

from ..model.api import And, Not, Or, StatePredicate
from .base import EVENTUALLY, Property


def _acked_in_log(model):
    return StatePredicate(
        "every acknowledged message in the log below the high watermark",
        lambda s: And([Or(Not(model.acknowledged(s, m)), model.kept_in_log(s, m)) for m in range(model.n_messages)]),
    )


NO_ACKED_LOSS = Property(
    "no-acked-loss",
    EVENTUALLY,
    "every message acknowledged to the producer eventually stays in the log below the high watermark "
    "(the log layer)",
    _acked_in_log,
    note="no-acked-loss is the log layer: an acknowledged record missing from the log below the high watermark. "
         "It used to count records the consumer skipped too; those now break no-loss, named as the consumer "
         "layer (docs/model.md, \"Properties\").",
)

"""no-acked-loss: once settled, every message acknowledged to the producer was processed
(Jepsen's "lost write": the broker said yes, the consumer never saw it)."""

from ..model.api import And, Not, Or, StatePredicate
from .base import EVENTUALLY, Property


def _acked_processed(model):
    return StatePredicate(
        "every acknowledged message processed",
        lambda s: And([Or(Not(model.acknowledged(s, m)), s.out_count[m] != 0) for m in range(model.n_messages)]),
    )


NO_ACKED_LOSS = Property(
    "no-acked-loss",
    EVENTUALLY,
    "every message acknowledged to the producer is eventually processed",
    _acked_processed,
)

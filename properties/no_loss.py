"""no-loss: once the system has settled, every message the application sent was processed."""

from ..model.api import And, StatePredicate
from .base import EVENTUALLY, Property


def _all_processed(model):
    return StatePredicate(
        "every message processed",
        lambda s: And([s.out_count[m] != 0 for m in range(model.n_messages)]),
    )


NO_LOSS = Property(
    "no-loss",
    EVENTUALLY,
    "every message the application sent is eventually processed at least once",
    _all_processed,
)

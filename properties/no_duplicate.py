"""no-duplicate: no message is ever processed twice."""

from ..model.api import And, StatePredicate
from .base import INVARIANT, Property


def _at_most_once(model):
    return StatePredicate(
        "no message processed twice",
        lambda s: And([s.out_count[m] <= 1 for m in range(model.n_messages)]),
    )


NO_DUPLICATE = Property("no-duplicate", INVARIANT, "no message is processed more than once", _at_most_once)

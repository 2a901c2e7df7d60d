"""in-order: the first processing of each message follows send order.

The consumer's output is summarised in the state by a flag the model sets when a message is
processed for the first time after some later message was already processed."""

from ..model.api import StatePredicate
from .base import INVARIANT, Property


def _first_processing_in_send_order(model):
    return StatePredicate("first processings in send order", lambda s: s.out_reordered == 0)


IN_ORDER = Property(
    "in-order",
    INVARIANT,
    "messages are first processed in the order the application sent them",
    _first_processing_in_send_order,
)

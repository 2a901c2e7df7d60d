"""The delivery properties semcheck checks; one module each."""

from .base import EVENTUALLY, INVARIANT, Finding, Property
from .in_order import IN_ORDER
from .no_acked_loss import NO_ACKED_LOSS
from .no_duplicate import NO_DUPLICATE
from .no_loss import NO_LOSS

ALL_PROPERTIES: dict[str, Property] = {
    p.name: p for p in (NO_LOSS, NO_ACKED_LOSS, NO_DUPLICATE, IN_ORDER)
}

__all__ = ["ALL_PROPERTIES", "EVENTUALLY", "Finding", "INVARIANT", "Property", "IN_ORDER", "NO_ACKED_LOSS",
           "NO_DUPLICATE", "NO_LOSS"]

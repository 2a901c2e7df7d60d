"""Which properties a search has decided, and the one rule that turns its end into verdicts.

Every strategy records here what it found (a counterexample, or a proof of one property) and, at
the end, says whether it covered the whole bounded space.  The rule that makes a wrong ``holds``
impossible lives only here: a property without a counterexample or a proof of its own is ``holds``
only when the search was complete and nothing left that property undecided; otherwise it is
``inconclusive``, with the reason the search gives.
"""

from __future__ import annotations

from typing import Callable, Sequence

from ..properties.base import INVARIANT, Property
from .result import HOLDS, INCONCLUSIVE, VIOLATED, PropertyResult, Reason, Trace, Why


def violation_reason(prop: Property, lasso: bool) -> Reason:
    """What a counterexample of ``prop`` shows (the same for every engine)."""
    if prop.kind == INVARIANT:
        return Reason(Why.BAD_STATE)
    return Reason(Why.FAIR_CYCLE if lasso else Why.SETTLES_BAD)


class PropertyLedger:
    def __init__(self, properties: Sequence[Property]):
        self.properties = list(properties)
        self._violations: dict[int, Trace] = {}
        self._proofs: dict[int, Reason] = {}
        self._undecided: dict[int, Reason] = {}

    # ---- what the search found -------------------------------------------------------------
    def violated(self, i: int, trace: Trace) -> None:
        """Property ``i`` has a counterexample (a lasso when ``trace.loop_start`` is set)."""
        self._violations[i] = trace

    def proved(self, i: int, reason: Reason) -> None:
        """Property ``i`` holds by a proof of its own (k-induction), whatever else the search covers."""
        self._proofs[i] = reason

    def undecided(self, i: int, reason: Reason) -> None:
        """The search cannot decide property ``i`` even if it covers the whole space."""
        self._undecided[i] = reason

    # ---- verdicts ------------------------------------------------------------------------------
    def results(self, complete: bool, proof: Reason | None, cut: Callable[[int], Reason]) -> list[PropertyResult]:
        """One result per property.  ``complete``: the search covered the whole bounded space, which
        ``proof`` says how; ``cut(i)``: why property ``i`` is open when it did not."""
        out = []
        for i, prop in enumerate(self.properties):
            if i in self._violations:
                trace = self._violations[i]
                reason = violation_reason(prop, trace.loop_start is not None)
                out.append(PropertyResult(prop.name, VIOLATED, trace, reason))
            elif i in self._proofs:
                out.append(PropertyResult(prop.name, HOLDS, None, self._proofs[i]))
            elif i in self._undecided:
                out.append(PropertyResult(prop.name, INCONCLUSIVE, None, self._undecided[i]))
            elif complete:
                out.append(PropertyResult(prop.name, HOLDS, None, proof))
            else:
                out.append(PropertyResult(prop.name, INCONCLUSIVE, None, cut(i)))
        return out


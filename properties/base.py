"""What a property is: a named predicate over states, and how it is judged.

* ``invariant``: must hold in every reachable state (no-duplicate, in-order).  A violation is a
  finite path to a bad state; breadth-first search finds a shortest one.
* ``eventually``: must hold once the system has settled.  Judged under fairness on the graph of
  normal (non-fault) steps: every bottom strongly connected component must satisfy it.  A quiescent
  state (no normal step enabled) is a bottom component of its own, so the common counterexample is a
  path to a quiescent bad state; a bad bottom component with a cycle is shown as a lasso.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..model.api import Model, StatePredicate, StateView

INVARIANT = "invariant"
EVENTUALLY = "eventually"


@dataclass(frozen=True)
class Finding:
    """What the last state of a counterexample says about why the property broke, beyond the trace:
    a short ``label`` for tables and tools, one sentence, and the same as data."""

    label: str
    text: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Property:
    name: str
    kind: str  # INVARIANT or EVENTUALLY
    summary: str  # one sentence for people
    holds_in: Callable[[Model], StatePredicate]  # the predicate, built for one model instance
    # for a violated property: read the state its counterexample ends in (for a lasso, a state of
    # the loop) and say more (no-loss names the layer that lost the message); None: nothing to add
    diagnose: Callable[[Model, StateView], Finding | None] | None = None
    # a sentence every report that checks the property prints: what a reader of older reports
    # must know (no-acked-loss changed its meaning); None: nothing
    note: str | None = None


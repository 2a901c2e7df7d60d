"""Actions made of several steps of the model, taken as one (the model's merges).

Where Kafka does two things with nothing able to act or observe in between (docs/model.md,
"Merged steps"), the model may take them as one step: fewer interleavings, same behaviours.  A merged
step is *built from the fine steps themselves*: ``then(first, second)`` runs ``first``, then runs
``second`` on the state ``first`` leaves behind, and records both sets of writes.  No second copy of
the semantics exists, so turning a merge off (``model/merges.py``) gives the fine model of the same
definitions, and the reduction cross-check (tests/test_merges_agree.py) compares the two.

Both helpers work on every kind of value the DSL runs on (Python ints, traced expressions, Z3 terms):
the middle state is an :class:`~semcheck.model.dsl.OverlayLeaves` view over the first step's writes.
"""

from __future__ import annotations

from typing import Callable

from .dsl import And, If, NextState, OverlayLeaves, StateView, is_const

Effect = Callable[[StateView, NextState], object]


def _run_after(s: StateView, nx: NextState, step: Effect):
    """Run ``step`` on the state ``nx``'s writes leave behind: (its guard, its writes, that state)."""
    layout = object.__getattribute__(s, "_layout")
    middle = OverlayLeaves(object.__getattribute__(s, "_leaves"), nx.writes)
    later = NextState(layout, middle)
    guard = step(StateView(layout, middle), later)
    return guard, later.writes, middle


def state_after(s: StateView, nx: NextState) -> StateView:
    """The state ``nx``'s writes so far leave behind, read without applying them."""
    layout = object.__getattribute__(s, "_layout")
    return StateView(layout, OverlayLeaves(object.__getattribute__(s, "_leaves"), nx.writes))


def then(first: Effect, *rest: Effect) -> Effect:
    """``first`` and then each of ``rest``, in one step; every guard must hold (each on the state
    the steps before it leave behind)."""

    def effect(s, nx):
        guards = [first(s, nx)]
        for step in rest:
            guard, writes, _ = _run_after(s, nx, step)
            guards.append(guard)
            nx.writes.extend(writes)
        return And(*guards)

    return effect


def then_if(first: Effect, *rest: Effect) -> Effect:
    """``first`` and then each of ``rest`` that is enabled by then, in one step; only ``first``'s
    guard is required.  A step that is not enabled leaves the state as it was."""

    def effect(s, nx):
        guard = first(s, nx)
        for step in rest:
            enabled, writes, middle = _run_after(s, nx, step)
            if is_const(enabled):
                if enabled:
                    nx.writes.extend(writes)
                continue
            for field, offset, value in writes:
                # a step that is not enabled may compute an offset out of range (from a value its
                # guard excludes): write slot 0's own value back instead
                if not is_const(offset):
                    offset = If(enabled, offset, 0)
                nx.writes.append((field, offset, If(enabled, value, middle.value_at(field, offset))))
        return guard

    return effect

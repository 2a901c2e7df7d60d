"""The interface between a protocol model and the search engines.

A model (Stateright-style) is: a state :class:`~semcheck.model.dsl.Layout`, initial states, and a list
of :class:`Action` instances, each a guarded update written in the DSL of ``dsl.py``.  Engines know
nothing else about Kafka: they read these, plus :class:`StatePredicate` objects from ``properties/``.

This module is the only door from ``properties/`` and ``checker/`` into ``model/``
(``tests/test_architecture.py`` holds it): what they need of the DSL is re-exported here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .dsl import (And, ConcreteLeaves, Count, Expr, If, Layout, Max, Min, ModelError, NextState, Not, Or, StateView,
                  TracingLeaves, Z3Leaves, clear_intern_table)

__all__ = ["Action", "Model", "StatePredicate", "replace_action", "And", "Count", "Expr", "If", "Layout", "Max", "Min",
           "ModelError", "NextState", "Not", "Or", "StateView", "TracingLeaves", "Z3Leaves", "clear_intern_table"]


@dataclass(frozen=True)
class Action:
    """One guarded transition with its parameters already fixed (replica 2, in-flight slot 0, ...).

    ``effect(s, nxt)`` reads the current state ``s``, records writes into ``nxt`` and returns the
    guard.  ``fault`` names the fault class for failure injections (they spend the fault budget and
    are not required to happen under fairness); ``None`` marks a normal step.  ``params`` names the
    values the action was built for (``{"message": 0, "slot": 1}``, zero-based), and ``says`` is the
    sentence a trace shows for it: a string, or ``says(action, before, after)`` given the decoded
    states around the step (``Layout.decode``).  It is written next to the action's definition, so
    every action has its own; a trace through an action without one is an error, never a bare name.
    """

    actor: str
    name: str
    effect: Callable[[StateView, NextState], Any] = field(compare=False, repr=False)
    fault: str | None = None
    params: tuple[tuple[str, int], ...] = ()
    says: Callable[["Action", dict, dict], str] | str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if isinstance(self.params, Mapping):
            object.__setattr__(self, "params", tuple(self.params.items()))

    @property
    def is_fault(self) -> bool:
        return self.fault is not None

    @property
    def args(self) -> dict[str, int]:
        """The parameters by name."""
        return dict(self.params)

    def describe(self, before: dict, after: dict) -> str:
        if self.says is None:
            raise ModelError(f"{self.actor}: {self.name} has no description (Action.says)")
        if isinstance(self.says, str):  # a step that always reads the same
            return self.says
        return self.says(self, before, after)


def replace_action(actions: list[Action], name: str, *, actor: str | None = None, **changes) -> list[Action]:
    """``actions`` with each action called ``name`` (by ``actor``, if given) changed by ``changes``
    (its fields, e.g. a new ``effect`` or ``says``), in place in the list's order.  For a model
    variant's ``actions()`` (docs/extending.md); a name that matches nothing is an error, not a no-op."""
    out, matched = [], False
    for action in actions:
        if action.name == name and actor in (None, action.actor):
            action, matched = dataclasses.replace(action, **changes), True
        out.append(action)
    if not matched:
        raise ModelError(f"no action {name!r}" + (f" of {actor!r}" if actor else "") + " to replace")
    return out


@dataclass(frozen=True)
class StatePredicate:
    """A DSL predicate over one state, e.g. "every message was processed"."""

    name: str
    test: Callable[[StateView], Any] = field(compare=False, repr=False)


class Model:
    """Base class of protocol models.  Subclasses fill in the four members below."""

    layout: Layout

    def initial_states(self) -> list[bytes]:
        raise NotImplementedError

    def actions(self) -> list[Action]:
        raise NotImplementedError

    def bound_exceeded(self) -> StatePredicate | None:
        """States where a fixed-size part of the state overflowed: the search cannot go on from
        them, so any verdict that depends on the rest of the space becomes inconclusive.  The
        predicate's name says which bounds these are ("its log capacity, ..."): reports quote it."""
        return None

    # ---- presentation: how a person reads a state and a step ------------------------------
    def describe_step(self, action: Action, before: bytes, after: bytes) -> str:
        """The sentence for one step of a trace: the action's own description (``Action.says``)."""
        return action.describe(self.layout.decode(before), self.layout.decode(after))

    def view(self, state: bytes) -> StateView:
        """A concrete state read through the DSL: ``predicate.test(model.view(state))`` is its value
        there (a Python bool or int)."""
        return StateView(self.layout, ConcreteLeaves(state))

    def summarize(self, state: bytes) -> dict[str, str]:
        """A few named, human-readable parts of a state; traces show the parts that change."""
        return {name: str(value) for name, value in self.layout.decode(state).items()}

"""Turn a path through the state space into a trace a person can follow."""

from __future__ import annotations

from collections import deque

from ..model.api import Action, Model
from .result import Change, Step, Trace


def _path_to(parent, via, target: int) -> list[tuple[int, int]]:
    """[(action, state id), ...] from an initial state to ``target`` (the first has action -1)."""
    path = []
    sid = target
    while sid != -1:
        path.append((via[sid], sid))
        sid = parent[sid]
    path.reverse()
    return path


def _cycle_within(successors, actions, states, index_of, start: int, members: frozenset) -> list[tuple[int, int]]:
    """Shortest cycle of normal steps from ``start`` back to itself inside ``members``."""
    came_from: dict[int, tuple[int, int]] = {}
    queue = deque([start])
    while queue:
        sid = queue.popleft()
        for action, nxt in successors(states[sid]):
            if actions[action].is_fault:
                continue
            tid = index_of[nxt]
            if tid not in members:
                continue
            if tid == start:
                cycle = [(action, start)]
                while sid != start:
                    prev, act = came_from[sid]
                    cycle.append((act, sid))
                    sid = prev
                cycle.reverse()
                return cycle
            if tid not in came_from:
                came_from[tid] = (sid, action)
                queue.append(tid)
    raise AssertionError("a bottom component without a cycle through its state")


def build_trace(model: Model, actions: list[Action], states, parent, via, target: int, loop=None,
                successors=None, index_of=None) -> Trace:
    """The trace to ``target`` through the explicit engine's parent pointers; with ``loop`` (the
    members of a bottom component) a shortest cycle back to ``target`` is appended."""
    path = _path_to(parent, via, target)
    loop_start = None
    if loop is not None:
        cycle = _cycle_within(successors, actions, states, index_of, target, loop)
        loop_start = len(path)  # steps are numbered from 1; the cycle starts after the prefix
        path = path + cycle
    return trace_from_path(model, actions, [states[sid] for _, sid in path],
                           [action for action, _ in path[1:]], loop_start)


def trace_from_path(model: Model, actions: list[Action], path_states: list[bytes], path_actions: list[int],
                    loop_start: int | None = None) -> Trace:
    """A trace from concrete states ``s0 .. sn`` and the actions between them (any engine)."""
    steps = []
    before = path_states[0]
    summary_before = model.summarize(before)
    initial = dict(summary_before)
    for number, (action, after) in enumerate(zip(path_actions, path_states[1:]), start=1):
        summary_after = model.summarize(after)
        changes = tuple(
            Change(part, summary_before.get(part, ""), text)
            for part, text in summary_after.items()
            if summary_before.get(part) != text
        )
        act = actions[action]
        steps.append(Step(number, act.actor, model.describe_step(act, before, after), changes, act.fault,
                          act.name, act.args, model.layout.decode(after)))
        before, summary_before = after, summary_after
    return Trace(initial, tuple(steps), dict(summary_before), loop_start, model.layout.decode(path_states[0]))

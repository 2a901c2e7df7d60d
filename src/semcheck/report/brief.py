"""``--brief``: the text report cut to what a CI log needs.

One line per property; for each violation the mechanism (``mechanism.py``) and the settings that
drive it, then its counterexample from the first step that matters (``first_eventful_step``): the
uneventful prefix (normal sends, appends, copies, acks before any fault or mechanism step) is
replaced by the parts of the state it changed, so the reader still sees where the run stood.
"""

from __future__ import annotations

from ..checker.result import DISAGREE, VIOLATED, Trace
from ..result import Result
from .mechanism import counterexamples, describe, first_eventful_step, mechanism_for
from .text import driving_settings, stats_lines, step_words
from .words import explain


def state_before(trace: Trace, number: int) -> dict[str, str]:
    """The trace's summary (part -> words) just before step ``number``."""
    state = dict(trace.initial)
    for step in trace.steps[: number - 1]:
        for change in step.changes:
            state[change.part] = change.after
    return state


def brief_counterexample(trace: Trace, start: int) -> list[str]:
    """The steps from ``start`` on, after one block naming what the skipped steps changed."""
    out: list[str] = []
    if start > 1:
        before = state_before(trace, start)
        changed = {part: text for part, text in before.items() if trace.initial.get(part) != text}
        skipped = "step 1" if start == 2 else f"steps 1-{start - 1}"
        out.append(f"  {skipped}: normal operation, no fault" + (", leaving:" if changed else ""))
        out.extend(f"    {part}: {text}" for part, text in changed.items())
    width = len(str(len(trace.steps)))
    for step in trace.steps[start - 1:]:
        if trace.loop_start is not None and step.number == trace.loop_start:
            out.append("  -- the following steps repeat forever --")
        out.append(f"  {step.number:>{width}}. {step_words(step)}")
    return out


def render_brief(result: Result) -> str:
    out: list[str] = []
    for r in result.results:
        if r.verdict == VIOLATED and r.trace is not None:
            mechanism = mechanism_for(result, r)
            driven = driving_settings(result, mechanism)
            out.append(f"{r.property}: VIOLATED in {len(r.trace)} steps: {describe(mechanism, r.trace)}"
                       + (f" [{driven}]" if driven else ""))
        elif r.verdict == DISAGREE:
            out.append(f"{r.property}: ENGINES DISAGREE (a bug in semcheck): {explain(r.reason)}")
        else:
            said = explain(r.reason)
            out.append(f"{r.property}: {r.verdict}" + (f" ({said})" if said else ""))
    out.extend(stats_lines(result))
    for r, same in counterexamples(result):
        out.append("")
        if same is not None:
            out.append(f"{r.property}: the same counterexample as {same.property}")
            continue
        start = first_eventful_step(mechanism_for(result, r), r.trace)
        out.append(f"{r.property}: counterexample from step {start} of {len(r.trace)}")
        out.extend(brief_counterexample(r.trace, start))
    return "\n".join(out) + "\n"

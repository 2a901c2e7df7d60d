"""``--trace-dot FILE``: one counterexample as a Graphviz DOT picture (not the whole state graph,
which ``--dot`` writes).

A chain of states ``s0 -> s1 -> ... -> sn``: each node lists the state's summary (the parts the
step before it changed, all parts for ``s0``), each edge the step's number, actor and sentence.
Fault steps are red and dashed; a lasso's last step goes back to the state it repeats from.  The
counterexample drawn is that of the first violated property in the report's order.
"""

from __future__ import annotations

from ..checker.result import VIOLATED, Trace
from .text import step_words


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def trace_dot(trace: Trace, title: str) -> str:
    lines = ["digraph counterexample {", f"  label={_quote(title)};", "  labelloc=t;",
             "  node [shape=box, fontname=monospace];"]
    initial = "\n".join(f"{part}: {text}" for part, text in trace.initial.items())
    lines.append(f"  s0 [label={_quote('initial state' + chr(10) + initial)}];")
    lasso = trace.loop_start is not None
    for step in trace.steps:
        if lasso and step.number == len(trace.steps):
            break  # the last step goes back to an earlier state: no node of its own
        changed = "\n".join(f"{c.part}: {c.after}" for c in step.changes) or "(no visible change)"
        lines.append(f"  s{step.number} [label={_quote(f'after step {step.number}' + chr(10) + changed)}];")
    for step in trace.steps:
        target = step.number
        if lasso and step.number == len(trace.steps):
            target = trace.loop_start - 1
        label = f"{step.number}. {step_words(step)}"
        style = ", color=red, style=dashed" if step.fault else ""
        lines.append(f"  s{step.number - 1} -> s{target} [label={_quote(label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def first_counterexample(result):
    """The first violated property with a trace, in the report's order (None if there is none)."""
    return next((r for r in result.results if r.verdict == VIOLATED and r.trace is not None), None)

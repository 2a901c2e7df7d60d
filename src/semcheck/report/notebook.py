"""Rich display in Jupyter: what a notebook shows for a result, a trace, a property's result, a
sequence diagram and a state graph (docs/notebooks.md).

Each object answers Jupyter's display protocol with ``_repr_mimebundle_``: ``text/html`` (report/
html.py) and a short ``text/plain`` (what a terminal IPython prints, and what a stored notebook
keeps beside the HTML).  A Mermaid diagram is ``text/markdown`` alone: JupyterLab and VS Code rank
``text/html`` above ``text/markdown`` (JupyterLab: 50 against 60, and 61 for ``text/vnd.mermaid``),
so a bundle that held both would never show the diagram.  The trace's HTML says where each step goes
in the diagram, which is the diagram's readable fallback.

:class:`~semcheck.checker.result.Trace` and ``PropertyResult`` live in the checker, which knows
nothing of Kafka or of reports (DESIGN.md, "The house"): their ``_repr_mimebundle_`` asks
``checker.result.NOTEBOOK_DISPLAY``, which :func:`install` fills when semcheck is imported.
"""

from __future__ import annotations

import networkx as nx

from ..checker import result as checker_result
from ..checker.result import PropertyResult, Trace
from .html import DRAW_LIMIT, graph_facts, graph_html, property_result_html, result_html, trace_html, verdict_rows
from .mermaid import diagram_context_of_trace, sequence_diagram
from .text import _bounds, stats_lines, trace_lines
from .words import explain


def result_bundle(result) -> dict[str, str]:
    return {"text/html": result_html(result), "text/plain": result_plain(result)}


def result_plain(result) -> str:
    """A few lines: what was checked and the verdicts, without timings (``print(render(result))``
    gives the whole text report)."""
    lines = [f"semcheck result: brokers Kafka {result.broker}, {result.client}, {_bounds(result.bounds)}"]
    rows = [("property", "verdict", "shortest counterexample", "mechanism, or what it rests on"),
            *verdict_rows(result)]
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(3)]
    lines += [f"  {r[0]:<{widths[0]}}{r[1]:<{widths[1]}}{r[2]:<{widths[2]}}{r[3]}".rstrip() for r in rows]
    lines += [f"  {line}" for line in stats_lines(result, timed=False)]
    return "\n".join(lines)


def trace_bundle(trace: Trace, brokers: int | None = None, transactional: bool | None = None) -> dict[str, str]:
    """A trace; shown on its own its participants are read from it (mermaid.diagram_context_of_trace)."""
    if brokers is None or transactional is None:
        brokers, transactional = diagram_context_of_trace(trace)
    plain = "\n".join([f"Trace of {len(trace)} steps"] + trace_lines(trace))
    return {"text/html": trace_html(trace, brokers, transactional), "text/plain": plain}


def property_result_bundle(r: PropertyResult) -> dict[str, str]:
    context = diagram_context_of_trace(r.trace) if r.trace is not None else (1, False)
    why = explain(r.reason)
    plain = f"{r.property}: {r.verdict}" + (f" ({why})" if why else "")
    if r.trace is not None:
        plain += "\n" + "\n".join(trace_lines(r.trace))
    return {"text/html": property_result_html(r, *context), "text/plain": plain}


class SequenceDiagram:
    """A counterexample as a Mermaid ``sequenceDiagram`` (the one ``--format markdown`` writes).

    Jupyter shows it as Markdown holding a ```` ```mermaid ```` block: a diagram in JupyterLab 4.1+,
    Notebook 7.1+ and on GitHub; elsewhere the block's text.  ``source`` is the Mermaid text."""

    def __init__(self, trace: Trace, brokers: int, transactional: bool):
        self.trace = trace
        self.source = sequence_diagram(trace, brokers, transactional)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": f"```mermaid\n{self.source}\n```", "text/plain": self.source}

    def __str__(self) -> str:
        return self.source


class StateGraph(nx.DiGraph):
    """The explored state space: a ``networkx.DiGraph`` like any other (``result.state_graph()``)
    that Jupyter shows as its summary, and drawn when it has at most ``draw_limit`` states."""

    draw_limit = DRAW_LIMIT

    def facts(self) -> dict[str, int]:
        """States, transitions, fault transitions, depth and terminal states (html.graph_facts)."""
        return graph_facts(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        facts = self.facts()
        plain = "State graph: " + ", ".join(f"{name} {value:,}" for name, value in facts.items())
        return {"text/html": graph_html(self, self.draw_limit), "text/plain": plain}


def install() -> None:
    """Let a trace and a property's result (checker classes) show themselves in Jupyter."""
    checker_result.NOTEBOOK_DISPLAY["trace"] = trace_bundle
    checker_result.NOTEBOOK_DISPLAY["property result"] = property_result_bundle

"""HTML for notebooks: a result's verdict table, a trace step by step, and a state graph as SVG.

What Jupyter shows for ``semcheck.verify(...)``, a counterexample and ``result.state_graph()``
(report/notebook.py hands these strings to Jupyter's display protocol).  Three rules hold here:

* every string that comes from a result (settings, sentences, summaries, paths) passes through
  :func:`esc` (``html.escape``), so a value can never become markup;
* only what the text report already shows is shown: the effective settings by Kafka key (each value
  through ``redact``, like every report), file paths and the keys of unmodelled settings, never a
  value of a file's other settings;
* no wall-clock time: a stored notebook output must come out the same when re-run (the timings are
  in ``result.stats.seconds`` and in the text report).

The markup is plain tables, lists and ``<details>`` with a few inline styles, so it reads the same
in JupyterLab, VS Code, nbviewer and GitHub's notebook view (which drop ``<style>`` and scripts).
"""

from __future__ import annotations

import html
from typing import Iterable

import networkx as nx

from ..checker.result import DISAGREE, HOLDS, INCONCLUSIVE, VIOLATED, PropertyResult, Trace
from ..redaction import redact
from .mechanism import counterexamples, describe, mechanism_for
from .mermaid import diagram_context, participants, step_arrows
from .text import (_bounds, _engines_said, _files_lines, _kafka_value, _plural, application_options,
                   counterexample_length, holds_rests_on, stats_lines)
from .words import explain, finding_sentence

# the verdict cell's words (as the text report writes them, so they read without colour, and
# without an emoji font) and colour
VERDICT_STYLE = {
    HOLDS: ("holds", "#1a7f37"),
    VIOLATED: ("VIOLATED", "#cf222e"),
    INCONCLUSIVE: ("inconclusive", "#9a6700"),
    DISAGREE: ("ENGINES DISAGREE", "#cf222e"),
}
FAULT_COLOUR = "#cf222e"
TABLE = 'style="border-collapse:collapse;text-align:left"'
CELL = 'style="border:1px solid #d0d7de;padding:2px 6px;text-align:left;vertical-align:top"'


def esc(value) -> str:
    """Any value as HTML text: quotes too, so it is safe inside attributes (SVG ``<title>``)."""
    return html.escape(str(value), quote=True)


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A table of already-escaped cells (callers escape; cells may hold markup of their own)."""
    head = "".join(f"<th {CELL}>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td {CELL}>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table {TABLE}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _verdict_cell(verdict: str) -> str:
    label, colour = VERDICT_STYLE.get(verdict, (verdict, "inherit"))
    return f'<span class="semcheck-verdict" style="color:{colour};font-weight:bold">{esc(label)}</span>'


# ---- a result ---------------------------------------------------------------------------------

def verdict_rows(result) -> list[tuple[str, str, str, str]]:
    """(property, verdict, shortest counterexample, mechanism or what the verdict rests on), as
    plain text: the notebook's table, and its text/plain form."""
    rows = []
    for r in result.results:
        if r.verdict == VIOLATED and r.trace is not None:
            length = counterexample_length(r.trace, result.findings.get(r.property))
            why = describe(mechanism_for(result, r), r.trace)
        else:
            length, why = "-", explain(r.reason)
        said = _engines_said(r)
        if said:
            why = f"{why} ({said})" if why else said
        rows.append((r.property, r.verdict, length, why))
    return rows


def result_html(result) -> str:
    from .. import __version__

    engines = "explicit and symbolic engines" if result.engine == "both" else f"{result.engine} engine"
    out = [f'<div class="semcheck-result"><p><b>semcheck {esc(__version__)}</b>: Kafka delivery check '
           f"({esc(engines)})</p>", "<ul>"]
    if result.broker:
        out.append(f"<li><b>Brokers:</b> Kafka {esc(result.broker)} (KRaft)</li>")
    if result.client:
        out.append(f"<li><b>Client:</b> {esc(result.client)}</li>")
    if result.application:
        chosen = ", ".join(f"<code>{esc(option)}</code>" for option in application_options(result))
        out.append(f"<li><b>Application:</b> {chosen}</li>")
    out.append(f"<li><b>Bounds:</b> {esc(_bounds(result.bounds))}</li>")
    out.extend(f"<li>{esc(line.strip())}</li>" for line in _files_lines(result))
    out.append("</ul>")
    rows = [(esc(p), _verdict_cell(v), esc(length), esc(why)) for p, v, length, why in verdict_rows(result)]
    out.append(_table(["Property", "Verdict", "Shortest counterexample", "Mechanism, or what the verdict rests on"],
                      rows))
    out.extend(f"<p>{esc(line)}</p>" for line in stats_lines(result, timed=False))
    settings = " ".join(f"<code>{esc(key)}={esc(redact(key, _kafka_value(value)))}</code>"
                        for key, value in result.config.items())
    out.append(f"<details><summary>Effective configuration ({len(result.config)} settings)</summary>"
               f"<p>{settings}</p></details>")
    if result.notes:
        notes = "".join(f"<li>{esc(note)}</li>" for note in result.notes)
        out.append(f"<details><summary>Why some values differ from what you asked ({len(result.notes)})"
                   f"</summary><ul>{notes}</ul></details>")
    brokers, transactional = diagram_context(result)
    for r, same in counterexamples(result):
        title = f"Counterexample for {r.property}"
        if same is not None:
            out.append(f"<p>{esc(title)}: the same trace as for {esc(same.property)}.</p>")
            continue
        summary = f"{title}: {describe(mechanism_for(result, r), r.trace)} ({_plural(len(r.trace), 'step')})"
        finding = result.findings.get(r.property)
        said = (f"<p>{esc(finding_sentence(finding))}</p>"
                if finding is not None else "")
        out.append(f"<details><summary>{esc(summary)}</summary>{said}"
                   f"{trace_html(r.trace, brokers, transactional)}</details>")
    if any(r.verdict == HOLDS for r in result.results):
        rests = "".join(f"<li>{esc(text)}</li>" for text in holds_rests_on(result))
        out.append("<details><summary>What <i>holds</i> rests on: no counterexample within these bounds, "
                   f"and what the model leaves out</summary><ul>{rests}</ul></details>")
    out.append("</div>")
    return "".join(out)


# ---- a trace ----------------------------------------------------------------------------------

def _who(pid: str, labels: dict[str, str]) -> str:
    """A participant id, or a span ``B1,B3``, in words."""
    return " … ".join(labels.get(p, p) for p in pid.split(","))


def trace_html(trace: Trace, brokers: int, transactional: bool) -> str:
    """The steps with what each changed, and where each goes in the sequence diagram (arrow or
    note: the readable fallback of ``result.sequence_diagram``)."""
    labels = dict(participants(brokers, transactional))
    arrows = step_arrows(trace, brokers, transactional)
    out = ['<div class="semcheck-trace">']
    initial = "".join(f"<li>{esc(part)}: {esc(text)}</li>" for part, text in trace.initial.items())
    out.append(f"<details><summary>Initial state</summary><ul>{initial}</ul></details>")
    rows = []
    for step, arrow in zip(trace.steps, arrows):
        if arrow.target is None:
            where = f"note over {_who(arrow.source, labels)}"
        else:
            where = f"{_who(arrow.source, labels)} → {_who(arrow.target, labels)}"
        said = esc(step.action)
        if step.fault:
            said = f'<span style="color:{FAULT_COLOUR}"><b>fault: {esc(step.fault)}</b></span> {said}'
        if trace.loop_start is not None and step.number == trace.loop_start:
            said = "<i>(from here on the steps repeat forever)</i> " + said
        changes = "<br>".join(f"{esc(c.part)}: {esc(c.before)} → {esc(c.after)}" for c in step.changes)
        rows.append((str(step.number), esc(step.actor), said, esc(where), changes))
    out.append(_table(["#", "Actor", "Step", "In the diagram", "State changes"], rows))
    if trace.loop_start is not None:
        out.append(f"<p>Back to the state before step {trace.loop_start}, and so on forever.</p>")
    else:
        final = "".join(f"<li>{esc(part)}: {esc(text)}</li>" for part, text in trace.final.items())
        out.append(f"<details><summary>Final state</summary><ul>{final}</ul></details>")
    out.append("</div>")
    return "".join(out)


def property_result_html(r: PropertyResult, brokers: int, transactional: bool) -> str:
    """One property's verdict, what it rests on, and its counterexample."""
    why = explain(r.reason)
    out = f"<p><b>{esc(r.property)}</b>: {_verdict_cell(r.verdict)}" + (f" ({esc(why)})" if why else "") + "</p>"
    if r.trace is not None:
        out += trace_html(r.trace, brokers, transactional)
    return out


# ---- a state graph ----------------------------------------------------------------------------

DRAW_LIMIT = 80  # states: more than this and a drawing is a hairball; the summary says more
LAYER_GAP, NODE_GAP, RADIUS, MARGIN = 56, 34, 11, 20


def graph_facts(graph: nx.DiGraph) -> dict[str, int]:
    """What a state graph's summary says: its size, its depth from the initial state (node 0) and
    the states with no step out of them at all (where every run that reaches them ends)."""
    depth = nx.single_source_shortest_path_length(graph, 0) if 0 in graph else {}
    return {
        "states": graph.number_of_nodes(),
        "transitions": graph.number_of_edges(),
        "fault transitions": sum(1 for _, _, d in graph.edges(data=True) if d.get("fault")),
        "depth": max(depth.values(), default=0),
        "terminal states": sum(1 for n in graph if graph.out_degree(n) == 0),
    }


def bfs_layers(graph: nx.DiGraph) -> list[list]:
    """Nodes by their distance from the initial state, each layer ordered by the mean position of
    its predecessors in the layer above (one barycentre pass: fewer crossings), then by number.
    Nodes the initial state cannot reach (none, for a graph semcheck explored) come last."""
    depth = nx.single_source_shortest_path_length(graph, 0) if 0 in graph else {}
    layers: list[list] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in sorted(depth):
        layers[depth[node]].append(node)
    rest = sorted(n for n in graph if n not in depth)
    if rest:
        layers.append(rest)
    position: dict = {}
    for i, layer in enumerate(layers):
        if i > 0:
            def centre(node):
                above = [position[p] for p in graph.predecessors(node) if p in position and depth.get(p) == i - 1]
                return (sum(above) / len(above) if above else float("inf"), node)
            layer.sort(key=centre)
        position.update((node, k) for k, node in enumerate(layer))
    return layers


def graph_svg(graph: nx.DiGraph) -> str:
    """The graph drawn top-down by BFS depth: circles numbered by state (the initial state 0 with a
    thick ring, terminal states filled), steps as arrows (faults red and dashed), and each state's
    summary and each step's label as a tooltip (``<title>``)."""
    layers = bfs_layers(graph)
    widest = max((len(layer) for layer in layers), default=1)
    width = 2 * MARGIN + max(widest - 1, 0) * NODE_GAP
    height = 2 * MARGIN + max(len(layers) - 1, 0) * LAYER_GAP
    xy = {}
    for i, layer in enumerate(layers):
        left = (width - (len(layer) - 1) * NODE_GAP) / 2
        for k, node in enumerate(layer):
            xy[node] = (left + k * NODE_GAP, MARGIN + i * LAYER_GAP)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="semcheck-graph" width="{width:.0f}" '
           f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="9">',
           "<defs>",
           '<marker id="semcheck-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker>',
           f'<marker id="semcheck-fault" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
           f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{FAULT_COLOUR}"/></marker>',
           "</defs>"]
    for src, dst, data in graph.edges(data=True):
        out.append(_edge(xy[src], xy[dst], data))
    for node, data in graph.nodes(data=True):
        x, y = xy[node]
        terminal = graph.out_degree(node) == 0
        ring = 3 if node == 0 else 1
        fill = "#d0d7de" if terminal else "#ffffff"
        title = f"state {node}" + (" (initial)" if node == 0 else "") + (" (terminal)" if terminal else "")
        label = data.get("label", "")
        out.append(f'<g class="semcheck-state"><title>{esc(title)}\n{esc(label)}</title>'
                   f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{RADIUS}" fill="{fill}" stroke="#24292f" '
                   f'stroke-width="{ring}"/><text x="{x:.1f}" y="{y + 3:.1f}" text-anchor="middle">{esc(node)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def _edge(a: tuple[float, float], b: tuple[float, float], data: dict) -> str:
    """An arrow from circle to circle; one that goes up or sideways (a cycle) bends, so it does not
    run through the states between."""
    (x1, y1), (x2, y2) = a, b
    fault = bool(data.get("fault"))
    style = (f'stroke="{FAULT_COLOUR}" stroke-dasharray="4 3" marker-end="url(#semcheck-fault)"' if fault
             else 'stroke="#57606a" marker-end="url(#semcheck-arrow)"')
    title = data.get("label", "") + (f" [fault: {data['fault']}]" if fault else "")
    if (x1, y1) == (x2, y2):  # a step that leaves the state as it was: a small loop above it
        shape = (f'<path d="M{x1 - 4:.1f},{y1 - RADIUS:.1f} C{x1 - 14:.1f},{y1 - 32:.1f} {x1 + 14:.1f},'
                 f'{y1 - 32:.1f} {x1 + 4:.1f},{y1 - RADIUS:.1f}" fill="none" {style}/>')
        return f'<g class="semcheck-step"><title>{esc(title)}</title>{shape}</g>'
    dx, dy = x2 - x1, y2 - y1
    length = (dx * dx + dy * dy) ** 0.5
    ux, uy = dx / length, dy / length
    sx, sy, ex, ey = x1 + ux * RADIUS, y1 + uy * RADIUS, x2 - ux * RADIUS, y2 - uy * RADIUS
    if y2 > y1:
        shape = f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" {style}/>'
    else:  # bend to the left of the direction of travel, so the way back does not lie on the way there
        bend = 0.35 * LAYER_GAP
        cx, cy = (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend
        shape = f'<path d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}" fill="none" {style}/>'
    return f'<g class="semcheck-step"><title>{esc(title)}</title>{shape}</g>'


def graph_html(graph: nx.DiGraph, draw_limit: int = DRAW_LIMIT) -> str:
    """The summary of a state graph, and its drawing when it has at most ``draw_limit`` states."""
    facts = graph_facts(graph)
    rows = [(esc(name), f"{value:,}") for name, value in facts.items()]
    out = ['<div class="semcheck-state-graph"><p><b>State graph</b> (a <code>networkx.DiGraph</code>: '
           "node 0 is the initial state; depth counts steps from it; a terminal state has no step out)</p>",
           _table(["", "count"], rows)]
    if facts["states"] <= draw_limit:
        out.append("<p>Drawn by distance from the initial state; hover over a state or a step for its "
                   "description. Red dashed arrows are faults, filled states terminal.</p>")
        out.append(graph_svg(graph))
    else:
        out.append(f"<p>Not drawn: more than {draw_limit:,} states. networkx answers questions of it; "
                   "<code>semcheck.checker.graph.write_dot</code> exports it for Graphviz.</p>")
    out.append("</div>")
    return "".join(out)

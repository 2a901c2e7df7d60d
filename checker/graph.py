"""The explored state space as a networkx graph, for notebooks and DOT export."""

from __future__ import annotations

import networkx as nx

from ..model.api import Action, Model


def to_networkx(model: Model, actions: list[Action], states, src, dst, act) -> nx.DiGraph:
    """Nodes are state numbers (0 = initial) with a ``summary`` attribute; edges carry the action
    label and whether it was a fault.  Parallel transitions between two states keep the first."""
    graph = nx.DiGraph()
    for sid, state in enumerate(states):
        summary = model.summarize(state)
        graph.add_node(sid, summary=summary, label="\n".join(f"{k}: {v}" for k, v in summary.items()))
    for s, d, a in zip(src, dst, act):
        if not graph.has_edge(s, d):
            action = actions[a]
            graph.add_edge(s, d, actor=action.actor, action=action.name, fault=action.fault or "",
                           label=f"{action.actor}: {action.name}")
    return graph


def write_dot(graph: nx.DiGraph, path: str) -> None:
    """Write Graphviz DOT without needing pydot or pygraphviz."""
    def quote(text) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    with open(path, "w", encoding="utf-8") as out:
        out.write("digraph semcheck {\n  node [shape=box, fontname=monospace];\n")
        for node, data in graph.nodes(data=True):
            out.write(f"  {node} [label={quote(data.get('label', node))}];\n")
        for s, d, data in graph.edges(data=True):
            style = ", style=dashed, color=red" if data.get("fault") else ""
            out.write(f"  {s} -> {d} [label={quote(data.get('label', ''))}{style}];\n")
        out.write("}\n")

# %% [markdown]
# # semcheck from Python: a walkthrough
#
# A script in notebook style: each `# %%` cell runs on its own in VS Code, PyCharm or Jupytext, and
# `python examples/notebook_walkthrough.py` runs them all (about 1 s on 2 cores).  Bounds are kept
# small (2 messages, 1 or 2 faults) so every check is exhaustive and quick; the CLI's defaults are
# 3 messages and 2 faults.  The Jupyter notebooks in examples/notebooks/ go further, with semcheck's
# rich display (docs/notebooks.md); this script prints plain text.

# %%
import os
import tempfile
from pathlib import Path

import networkx as nx

import semcheck
from semcheck.checker.graph import write_dot
from semcheck.properties_file import read_properties  # as java.util.Properties.load reads a file

HERE = Path(__file__).resolve().parent
BOUNDS = dict(messages=2, max_faults=1)


# %% [markdown]
# ## 1. Verify a few configurations and print a verdict table

# %%
configs = {
    "Kafka defaults (acks=all, idempotent)": {},
    "acks=1, retries=3": {"acks": "1", "retries": "3"},
    "fire-and-forget.properties": read_properties(HERE / "fire-and-forget.properties"),
    "at-least-once.properties": read_properties(HERE / "at-least-once.properties"),
    "exactly-once-attempt.properties": read_properties(HERE / "exactly-once-attempt.properties"),
}
results = {name: semcheck.verify(settings, **BOUNDS) for name, settings in configs.items()}

props = [r.property for r in next(iter(results.values())).results]
width = max(len(name) for name in configs)
print(f"{'configuration':<{width}}  " + "  ".join(f"{p:<13}" for p in props) + "  states")
for name, result in results.items():
    cells = "  ".join(f"{result.verdict(p):<13}" for p in props)
    print(f"{name:<{width}}  {cells}  {result.stats.states:,}")

# The effective configuration (what Kafka would really run) and why it differs from what was asked:
chosen = results["acks=1, retries=3"]
print()
print("effective:", {k: v for k, v in chosen.config.items() if v is not None})
for note in chosen.notes:
    print("  note:", note)

# %% [markdown]
# ## 2. A counterexample, step by step
#
# With `acks=1` the leader answers before the followers have the record; one broker crash is
# enough to lose an acknowledged message.  The trace is a shortest one (breadth-first search).

# %%
crash = semcheck.verify({"acks": "1", "retries": "3"}, messages=1, max_faults=1,
                        faults=["broker-crash"], properties=["no-acked-loss"])
lost = crash["no-acked-loss"]
print(f"no-acked-loss: {lost.verdict} ({crash.explain('no-acked-loss')}), {len(lost.trace)} steps")
print("initial state:")
for part, text in lost.trace.initial.items():
    print(f"    {part}: {text}")
for step in lost.trace.steps:
    fault = f"[fault: {step.fault}] " if step.fault else ""
    print(f"{step.number:>3}. {fault}{step.actor}: {step.action}")
    for change in step.changes:
        print(f"       {change.part}: {change.before} -> {change.after}")

# %% [markdown]
# ## 3. The state graph with networkx
#
# `keep_graph=True` keeps every explored state and transition (and explores the whole space even
# after every property is violated), so use it on small bounds only.  Nodes are state numbers
# (0 is the initial state) with a `summary`; edges carry the actor, the action and the fault class.

# %%
small = semcheck.verify({"acks": "1", "retries": "3"}, messages=1, max_faults=1,
                        faults=["broker-crash"], keep_graph=True)
graph = small.state_graph()
fault_edges = sum(1 for _, _, d in graph.edges(data=True) if d["fault"])
print(f"{graph.number_of_nodes()} states, {graph.number_of_edges()} edges ({fault_edges} faults), "
      f"explored depth {small.stats.depth}")

dot_path = os.path.join(tempfile.gettempdir(), "semcheck-acks1-crash.dot")
write_dot(graph, dot_path)
print(f"wrote {dot_path} (render with: dot -Tsvg {dot_path} -o graph.svg)")

# %% [markdown]
# ### Graph questions
#
# The violating state of a trace is the node whose summary is the trace's final state; the BFS
# trace must be a shortest path to it.  States with no outgoing normal step are where the system
# settles (where no-loss and no-acked-loss are judged).

# %%
trace = small["no-acked-loss"].trace
targets = [n for n, d in graph.nodes(data=True) if d["summary"] == trace.final]
distance = min(nx.shortest_path_length(graph, 0, t) for t in targets)
print(f"violating state(s): {targets}; shortest path from the initial state: {distance} steps; "
      f"trace: {len(trace)} steps")
assert distance == len(trace), "a BFS trace is a shortest path"

normal = nx.DiGraph((s, d) for s, d, data in graph.edges(data=True) if not data["fault"])
normal.add_nodes_from(graph)
settled = [n for n in normal if normal.out_degree(n) == 0]
print(f"{len(settled)} settled states (no normal step enabled); "
      f"{nx.number_strongly_connected_components(graph)} strongly connected components")
if nx.is_directed_acyclic_graph(graph):
    # no run can cycle at these bounds: the longest run is the longest path of the DAG
    print(f"acyclic: the longest possible run has {nx.dag_longest_path_length(graph)} steps")
else:
    cyclic = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
    print(f"{len(cyclic)} components with cycles, the largest of {max(map(len, cyclic))} states")

# The longest shortest path from the initial state: the graph's BFS depth
depths = nx.single_source_shortest_path_length(graph, 0)
print(f"eccentricity of the initial state: {max(depths.values())} steps")

# Which actions lead into the violating state?
for t in targets:
    for src, _, data in graph.in_edges(t, data=True):
        print(f"  state {src} -> {t}: {data['label']}")

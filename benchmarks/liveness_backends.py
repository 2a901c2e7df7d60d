"""Why liveness uses SciPy, not networkx: time both on the same normal-step graph.

    python benchmarks/liveness_backends.py [--messages 3] [--max-faults 2]

Builds the graph of normal steps of the default configuration (exhaustively, by checking only the
invariant in-order with keep_graph), then finds its strongly connected components with
scipy.sparse.csgraph (what checker/liveness.py uses) and with networkx.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import networkx as nx
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

import semcheck
from semcheck.checker.compile import compile_model
from semcheck.properties import ALL_PROPERTIES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=3)
    ap.add_argument("--max-faults", type=int, default=2)
    args = ap.parse_args()
    model = semcheck.build_model({}, messages=args.messages, max_faults=args.max_faults)
    compiled = compile_model(model, [ALL_PROPERTIES["in-order"].holds_in(model)])
    states = list(model.initial_states())
    index = {s: i for i, s in enumerate(states)}
    src, dst = [], []
    head = 0
    while head < len(states):
        for action, nxt in compiled.successors(states[head]):
            tid = index.get(nxt)
            if tid is None:
                tid = index[nxt] = len(states)
                states.append(nxt)
            if not compiled.actions[action].is_fault:
                src.append(head)
                dst.append(tid)
        head += 1
    print(f"graph: {len(states):,} states, {len(src):,} normal-step edges")

    t = time.perf_counter()
    s, d = np.array(src), np.array(dst)
    g = csr_matrix((np.ones(len(s), dtype=np.int8), (s, d)), shape=(len(states), len(states)))
    count, _ = connected_components(g, directed=True, connection="strong")
    print(f"scipy:    {time.perf_counter() - t:.3f} s for {count:,} components (incl. building the matrix)")

    t = time.perf_counter()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(states)))
    graph.add_edges_from(zip(src, dst))
    built = time.perf_counter() - t
    count = sum(1 for _ in nx.strongly_connected_components(graph))
    print(f"networkx: {time.perf_counter() - t:.3f} s for {count:,} components ({built:.3f} s building the graph)")


if __name__ == "__main__":
    main()

"""Why liveness uses SciPy, not networkx, and plain Python below a size: time them on one graph.

    python benchmarks/liveness_backends.py [--messages 3] [--max-faults 2]

Builds the graph of normal steps of the default configuration (exhaustively), then finds its
strongly connected components with scipy.sparse.csgraph (what checker/liveness.py uses for large
graphs), with checker/liveness.py's own Tarjan in plain Python (small graphs), and with networkx;
and, in a fresh interpreter, what importing SciPy's graph module costs (paid once per process).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from array import array

import numpy as np
import networkx as nx
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

import semcheck
from semcheck.checker.compile import compile_model
from semcheck.checker.liveness import _components_python, find_bad_bottom_component, find_bad_bottom_components
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
    count = max(_components_python(len(states), array("l", src), array("l", dst))[0], default=-1) + 1
    print(f"python:   {time.perf_counter() - t:.3f} s for {count:,} components (checker/liveness.py's Tarjan)")

    # checker/explicit.py judges every open eventually-property (no-loss, no-acked-loss) on one
    # computation of the components: two calls of the one-property analysis against one for both
    holds = [lambda state: True] * 2
    edges = (array("q", src), array("q", dst))
    t = time.perf_counter()
    for h in holds:
        find_bad_bottom_component(len(states), *edges, states, h, use_scipy=True)
    apart = time.perf_counter() - t
    t = time.perf_counter()
    find_bad_bottom_components(len(states), *edges, states, holds, use_scipy=True)
    print(f"two eventually-properties: {apart:.3f} s judged one by one, {time.perf_counter() - t:.3f} s on one "
          "computation of the components (SciPy)")

    code = "import time; t = time.perf_counter(); import scipy.sparse.csgraph; print(time.perf_counter() - t)"
    imports = sorted(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
                     for _ in range(3))
    print(f"importing scipy.sparse.csgraph in a fresh interpreter: {imports[1]:.3f} s (median of 3)")

    t = time.perf_counter()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(states)))
    graph.add_edges_from(zip(src, dst))
    built = time.perf_counter() - t
    count = sum(1 for _ in nx.strongly_connected_components(graph))
    print(f"networkx: {time.perf_counter() - t:.3f} s for {count:,} components ({built:.3f} s building the graph)")


if __name__ == "__main__":
    main()

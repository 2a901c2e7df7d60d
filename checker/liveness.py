"""Liveness under fairness: bottom strongly connected components of the normal-step graph.

Faults are optional and finite (a budget), so every infinite run ends in a suffix of normal steps,
and under fairness that suffix settles in a bottom strongly connected component of the graph of
normal steps.  An "eventually" property is violated when some reachable bottom component contains a
state that breaks it.  Quiescent states (no normal step at all) are one-state bottom components; the
search checks those as it meets them, so only components with a cycle are left for this module.

The graph can have tens of millions of edges, so the components are computed by SciPy's compiled
Tarjan implementation rather than by networkx (measured: see docs/performance.md).
"""

from __future__ import annotations

from array import array
from typing import Callable



def find_bad_bottom_component(
    n_states: int,
    edge_src: array,
    edge_dst: array,
    states: list[bytes],
    holds: Callable[[bytes], bool],
):
    """Return ``(state id, component ids)`` for the first (lowest-numbered, so closest to an initial
    state) state of a cyclic bottom component that breaks ``holds``; ``None`` if there is none."""
    if len(edge_src) == 0:
        return None
    # imported here: most checks stop at a counterexample and never need the graph analysis
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    src = np.frombuffer(edge_src, dtype=np.int64)
    dst = np.frombuffer(edge_dst, dtype=np.int64)
    graph = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n_states, n_states))
    count, labels = connected_components(graph, directed=True, connection="strong")
    leaving = labels[src] != labels[dst]
    not_bottom = np.zeros(count, dtype=bool)
    not_bottom[labels[src[leaving]]] = True
    has_step = np.zeros(n_states, dtype=bool)
    has_step[src] = True
    candidates = np.nonzero(has_step & ~not_bottom[labels])[0]
    for sid in candidates.tolist():  # ascending ids: BFS order
        if not holds(states[sid]):
            members = np.nonzero(labels == labels[sid])[0].tolist()
            return sid, frozenset(members)
    return None

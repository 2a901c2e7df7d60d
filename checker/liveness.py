"""Liveness under fairness: bottom strongly connected components of the normal-step graph.

Faults are optional and finite (a budget), so every infinite run ends in a suffix of normal steps,
and under fairness that suffix settles in a bottom strongly connected component of the graph of
normal steps.  An "eventually" property is violated when some reachable bottom component contains a
state that breaks it.  Quiescent states (no normal step at all) are one-state bottom components; the
search checks those as it meets them, so only components with a cycle are left for this module.

The graph can have tens of millions of edges, so large graphs go to SciPy's compiled Tarjan
implementation (38x faster than networkx here: docs/performance.md).  Importing SciPy costs about
half a second, more than a whole small check, so graphs below ``SCIPY_FROM_EDGES`` are analysed by
the Tarjan below in plain Python; both give the same answer (tests/test_liveness.py).
"""

from __future__ import annotations

import sys
from array import array
from typing import Callable

# Below this many normal-step edges the pure-Python analysis (about 0.9 us per edge) is faster than
# importing SciPy (0.25-0.3 s) and using it (0.1 us per edge): benchmarks/liveness_backends.py,
# docs/performance.md, "Liveness".
SCIPY_FROM_EDGES = 200_000

# What the analysis allocates on top of the stored graph, (per edge, per state), so that the search
# can refuse to start an analysis that would pass --max-memory.  SciPy: its sparse matrix (int8 data,
# int32 indices), the float64 copy connected_components validates it into, and the component labels,
# measured at 22.0 bytes per edge with tracemalloc on graphs of 4 and 20 million edges.  Plain Python:
# its lists and ints, about 46 per edge and 180 per state on graphs of 20,000 states.
# benchmarks/liveness_memory.py; docs/performance.md, "Liveness"; rounded up.
ANALYSIS_BYTES = {"scipy": (24, 16), "python": (64, 256)}


def _uses_scipy(n_edges: int) -> bool:
    # SciPy once it is loaded (a notebook's second check), or when it pays for its import
    return "scipy.sparse.csgraph" in sys.modules or n_edges >= SCIPY_FROM_EDGES


def analysis_memory(n_states: int, n_edges: int, use_scipy: bool | None = None) -> int:
    """Bytes :func:`find_bad_bottom_components` is expected to allocate at most for a graph of this
    size (``use_scipy`` as there: None chooses by the size of the graph)."""
    if use_scipy is None:
        use_scipy = _uses_scipy(n_edges)
    per_edge, per_state = ANALYSIS_BYTES["scipy" if use_scipy else "python"]
    return n_edges * per_edge + n_states * per_state


def find_bad_bottom_component(
    n_states: int,
    edge_src: array,
    edge_dst: array,
    states: list[bytes],
    holds: Callable[[bytes], bool],
    use_scipy: bool | None = None,
):
    """Return ``(state id, component ids)`` for the first (lowest-numbered, so closest to an initial
    state) state of a cyclic bottom component that breaks ``holds``; ``None`` if there is none.
    ``use_scipy`` forces one implementation (None: by the size of the graph)."""
    return find_bad_bottom_components(n_states, edge_src, edge_dst, states, [holds], use_scipy)[0]


def find_bad_bottom_components(
    n_states: int,
    edge_src: array,
    edge_dst: array,
    states: list[bytes],
    predicates: list[Callable[[bytes], bool]],
    use_scipy: bool | None = None,
) -> list:
    """:func:`find_bad_bottom_component` for each of ``predicates``, from one computation of the
    components: the components are the graph's, whichever property is judged on them."""
    if len(edge_src) == 0:
        return [None] * len(predicates)
    if use_scipy is None:
        use_scipy = _uses_scipy(len(edge_src))
    candidates, members_of = (_bottom_scipy if use_scipy else _bottom_python)(n_states, edge_src, edge_dst)
    found = []
    for holds in predicates:
        sid = next((sid for sid in candidates if not holds(states[sid])), None)
        found.append(None if sid is None else (sid, members_of(sid)))
    return found


def _bottom_scipy(n_states: int, edge_src: array, edge_dst: array):
    """The states of cyclic bottom components in ascending id (BFS) order, and a function from such
    a state to its component's members."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    src = np.frombuffer(edge_src, dtype=np.int64)
    dst = np.frombuffer(edge_dst, dtype=np.int64)
    graph = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n_states, n_states))
    count, labels = connected_components(graph, directed=True, connection="strong")
    del graph
    leaving = labels[src] != labels[dst]
    not_bottom = np.zeros(count, dtype=bool)
    not_bottom[labels[src[leaving]]] = True
    has_step = np.zeros(n_states, dtype=bool)
    has_step[src] = True
    candidates = np.nonzero(has_step & ~not_bottom[labels])[0].tolist()
    return candidates, lambda sid: frozenset(np.nonzero(labels == labels[sid])[0].tolist())


def _bottom_python(n_states: int, edge_src: array, edge_dst: array):
    """The same, by :func:`_components_python`."""
    labels, bottom = _components_python(n_states, edge_src, edge_dst)
    has_step = bytearray(n_states)
    for s in edge_src:
        has_step[s] = 1
    candidates = [sid for sid in range(n_states) if has_step[sid] and bottom[labels[sid]]]
    return candidates, lambda sid: frozenset(i for i in range(n_states) if labels[i] == labels[sid])


def _components_python(n_states: int, edge_src: array, edge_dst: array):
    """The same, by an iterative Tarjan (no recursion: components can be thousands of states deep)."""
    successors: list[list[int]] = [[] for _ in range(n_states)]
    for s, d in zip(edge_src, edge_dst):
        successors[s].append(d)
    index = [-1] * n_states
    low = [0] * n_states
    labels = [-1] * n_states
    on_stack = bytearray(n_states)
    stack: list[int] = []
    counter = count = 0
    for root in range(n_states):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack[v] = 1
            succ = successors[v]
            while i < len(succ):
                w = succ[i]
                i += 1
                if index[w] == -1:
                    work.append((v, i))
                    work.append((w, 0))
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:
                if low[v] == index[v]:
                    while True:
                        w = stack.pop()
                        on_stack[w] = 0
                        labels[w] = count
                        if w == v:
                            break
                    count += 1
                if work:
                    parent = work[-1][0]
                    if low[v] < low[parent]:
                        low[parent] = low[v]
    bottom = [True] * count
    for s, d in zip(edge_src, edge_dst):
        if labels[s] != labels[d]:
            bottom[labels[s]] = False
    return labels, bottom

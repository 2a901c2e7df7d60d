"""What the liveness analysis allocates, per edge and per state: the numbers behind --max-memory's
check before that analysis (checker/liveness.py, ANALYSIS_BYTES and analysis_memory).

    python benchmarks/liveness_memory.py [--states N ...] [--degree D]

Builds a random graph of N states with D edges each, stored as the explicit search stores it (two
``array('q')`` of edge ends, sources in ascending order), and measures with tracemalloc the peak of
what ``find_bad_bottom_component`` allocates (NumPy and SciPy report their buffers to tracemalloc),
once with SciPy and, below checker/liveness.py's SCIPY_FROM_EDGES, once in plain Python.  Prints
bytes per edge next to the estimate the search uses.
"""

from __future__ import annotations

import argparse
import tracemalloc
from array import array

import numpy as np

from semcheck.checker.liveness import SCIPY_FROM_EDGES, analysis_memory, find_bad_bottom_component


def random_graph(n_states: int, degree: int, seed: int = 1) -> tuple[array, array]:
    rng = np.random.default_rng(seed)
    src, dst = array("q"), array("q")
    src.frombytes(np.repeat(np.arange(n_states, dtype=np.int64), degree).tobytes())
    dst.frombytes(rng.integers(0, n_states, size=n_states * degree, dtype=np.int64).tobytes())
    return src, dst


def analysis_peak(n_states: int, src: array, dst: array, use_scipy: bool) -> int:
    """Peak bytes allocated by one analysis (every state holds, so it scans every component)."""
    import scipy.sparse.csgraph  # noqa: F401  (imported before measuring: the import is not the analysis)

    states = [b""] * n_states
    tracemalloc.start()
    try:
        find_bad_bottom_component(n_states, src, dst, states, lambda s: True, use_scipy=use_scipy)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--states", type=int, nargs="+", default=[25_000, 1_000_000, 5_000_000])
    ap.add_argument("--degree", type=int, default=4)
    args = ap.parse_args()
    print(f"{'states':>10} {'edges':>11} {'backend':>7} {'peak MB':>9} {'B/edge':>7} {'estimate MB':>12}")
    for n in args.states:
        src, dst = random_graph(n, args.degree)
        backends = [True] + ([False] if len(src) < SCIPY_FROM_EDGES else [])
        for use_scipy in backends:
            peak = analysis_peak(n, src, dst, use_scipy)
            print(f"{n:>10,} {len(src):>11,} {'scipy' if use_scipy else 'python':>7} {peak / 2**20:>9.1f} "
                  f"{peak / len(src):>7.1f} {analysis_memory(n, len(src), use_scipy) / 2**20:>12.1f}")


if __name__ == "__main__":
    main()

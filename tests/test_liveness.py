"""The liveness analysis on hand-made graphs: bottom strongly connected components of the
normal-step graph (checker/liveness.py), in both implementations (plain Python for small graphs,
SciPy for large ones), which must give the same answer on every graph."""

from __future__ import annotations

import random
from array import array

import pytest

from semcheck.checker.liveness import find_bad_bottom_component

BACKENDS = [False, True]  # use_scipy


def _find(edges, n, bad=(), use_scipy=False):
    src, dst = array("l", [s for s, _ in edges]), array("l", [d for _, d in edges])
    states = [bytes([i % 256, i // 256]) for i in range(n)]
    return find_bad_bottom_component(n, src, dst, states, lambda s: (s[0] + 256 * s[1]) not in bad,
                                     use_scipy=use_scipy)


@pytest.mark.parametrize("use_scipy", BACKENDS)
def test_a_bad_cycle_that_nothing_leaves_is_found_with_its_members(use_scipy):
    # 0 -> 1 -> 2 -> 1 (the cycle {1, 2} is a bottom component)
    assert _find([(0, 1), (1, 2), (2, 1)], 3, bad={2}, use_scipy=use_scipy) == (2, frozenset({1, 2}))
    # the lowest-numbered bad state of a bad bottom component is the one reported
    assert _find([(0, 1), (1, 2), (2, 1)], 3, bad={1, 2}, use_scipy=use_scipy) == (1, frozenset({1, 2}))


@pytest.mark.parametrize("use_scipy", BACKENDS)
def test_a_cycle_with_a_way_out_is_not_a_counterexample(use_scipy):
    # {1, 2} can leave to 3, a quiescent state (no normal step: judged by the search, not here)
    assert _find([(0, 1), (1, 2), (2, 1), (2, 3)], 4, bad={1, 2, 3}, use_scipy=use_scipy) is None
    # a good bottom cycle is no counterexample either
    assert _find([(0, 1), (1, 2), (2, 1)], 3, bad={0}, use_scipy=use_scipy) is None
    assert _find([], 3, bad={0, 1, 2}, use_scipy=use_scipy) is None


@pytest.mark.parametrize("use_scipy", BACKENDS)
def test_a_self_loop_is_a_bottom_component(use_scipy):
    assert _find([(0, 1), (1, 1)], 2, bad={1}, use_scipy=use_scipy) == (1, frozenset({1}))


def test_both_implementations_agree_on_random_graphs():
    rng = random.Random(9)
    for _ in range(300):
        n = rng.randint(1, 40)
        edges = [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 3 * n))]
        bad = {i for i in range(n) if rng.random() < 0.3}
        assert _find(edges, n, bad, use_scipy=False) == _find(edges, n, bad, use_scipy=True), (edges, bad)


def test_a_long_chain_does_not_overflow_the_stack():
    n = 50_000  # deeper than Python's recursion limit: the Tarjan is iterative
    edges = [(i, i + 1) for i in range(n - 1)] + [(n - 1, n - 2)]
    assert _find(edges, n, bad={n - 1}) == (n - 1, frozenset({n - 2, n - 1}))


# --- memory: the estimate --max-memory checks before the analysis (docs/engines.md, "Memory") -----

@pytest.mark.parametrize("use_scipy,n_states,degree", [(True, 50_000, 4), (True, 20_000, 1), (False, 20_000, 1),
                                                      (False, 20_000, 9)])
def test_the_analysis_allocates_no_more_than_its_estimate(use_scipy, n_states, degree):
    """If the analysis allocated more than ``ANALYSIS_BYTES`` says, a search could pass --max-memory
    in it after deciding the limit allowed it."""
    import tracemalloc

    import numpy as np
    import scipy.sparse.csgraph  # noqa: F401  (its import is paid once per process, not per analysis)

    from semcheck.checker.liveness import analysis_memory

    rng = np.random.default_rng(7)
    src, dst = array("q"), array("q")
    src.frombytes(np.repeat(np.arange(n_states, dtype=np.int64), degree).tobytes())
    dst.frombytes(rng.integers(0, n_states, size=n_states * degree, dtype=np.int64).tobytes())
    states = [b""] * n_states
    tracemalloc.start()
    try:
        find_bad_bottom_component(n_states, src, dst, states, lambda s: True, use_scipy=use_scipy)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = analysis_memory(n_states, len(src), use_scipy)
    assert peak <= estimate
    assert peak > 0.5 * estimate  # an estimate, not a blanket


@pytest.mark.parametrize("backend", ["python", "native"])
def test_an_analysis_past_the_memory_limit_leaves_only_eventually_properties_open(monkeypatch, backend):
    """Every state explored: the invariants are decided; the eventually-properties, which need the
    analysis the limit cannot afford, are inconclusive, never holds (checker/explicit.py)."""
    import semcheck
    from semcheck import HOLDS, INCONCLUSIVE
    import semcheck.checker.explicit as explicit

    monkeypatch.setenv("SEMCHECK_BACKEND", backend)
    monkeypatch.setattr(explicit, "analysis_memory", lambda n_states, n_edges, use_scipy=None: 2**50)
    result = semcheck.verify(messages=2, max_faults=1, faults=["network", "follower-lag"])
    verdicts = {r.property: r.verdict for r in result.results}
    assert verdicts == {"no-loss": INCONCLUSIVE, "no-acked-loss": INCONCLUSIVE, "no-duplicate": HOLDS,
                        "in-order": HOLDS}
    assert result.stats.complete and result.exit_code == 3 and result.stats.backend == backend
    assert "judging the cycles that could keep it false needs about" in result.explain("no-loss")
    assert "--max-memory (6,144 MB resident)" in result.explain("no-loss")
    monkeypatch.undo()
    assert {r.verdict for r in semcheck.verify(messages=2, max_faults=1,
                                               faults=["network", "follower-lag"]).results} == {HOLDS}

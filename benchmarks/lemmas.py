"""What the inferred lemmas (checker/lemmas.py) cost and what they save in the symbolic engine.

    python benchmarks/lemmas.py                  # both measurements below (about 8 minutes)
    python benchmarks/lemmas.py --only completeness
    python benchmarks/lemmas.py --only search --timeout 1200

* ``completeness``: acks=all, one leader crash (RF 3, one message).  How many lemmas, how long
  inferring them takes, and the time of the completeness-threshold query ("is there a loop-free path
  of N steps from an initial state?") at 3, 6, ..., 24 steps with and without the lemmas on every
  state.  The answer is the same either way (every state of such a path is reachable, so obeys the
  lemmas); only the solver's time differs.
* ``search``: the whole symbolic search on the two-fault engine row RF 2, unclean election,
  follower-lag + broker crash, with the lemmas and without (``LEMMAS_FROM_DEPTH`` out of reach):
  verdicts and seconds.  Without them it runs to ``--timeout``.

The completeness queries alternate with and without at each depth, so both see the same load.
"""

from __future__ import annotations

import argparse
import datetime
import time

import semcheck
import semcheck.checker.symbolic as symbolic
from semcheck.checker.lemmas import candidate_facts, fact_formula, prove_lemmas, sample_states
from semcheck.checker.symbolic import Encoding, SymbolicSearch, _solver
from semcheck.checker.search import SearchSettings
from semcheck.properties import ALL_PROPERTIES

from common import machine

ACKS_ALL_CRASH = ({"acks": "all"}, dict(faults=["broker-crash"], messages=1, max_faults=1))
UNCLEAN_TWO_FAULTS = ({"replication.factor": "2", "unclean.leader.election.enable": "true"},
                      dict(faults=["follower-lag", "broker-crash"], messages=1, max_faults=2))


def _query_helper(model):
    search = SymbolicSearch(model, [])
    search.deadline, search._queries = None, 0
    return search


def completeness(steps: int) -> None:
    import z3

    model = semcheck.build_model(ACKS_ALL_CRASH[0], **ACKS_ALL_CRASH[1])
    enc = Encoding(model, [])
    helper = _query_helper(model)
    started = time.perf_counter()
    lemmas = prove_lemmas(enc, candidate_facts(sample_states(model), enc.domains), helper._check, _solver)
    print(f"acks=all, leader crash: {len(lemmas)} lemmas inferred in {time.perf_counter() - started:.1f} s")
    print(f"{'steps':>5} {'with lemmas':>12} {'without':>9}  answer")
    solvers = {}
    for use in (True, False):
        solver = _solver()
        solver.add(enc.initial(), enc.domain(0))
        solvers[use] = solver
    for depth in range(1, steps + 1):
        times, answers = {}, {}
        for use in (True, False):
            solver = solvers[use]
            solver.add(enc.step(depth - 1), enc.domain(depth), z3.Not(enc.at(enc.overflow, depth - 1)))
            solver.add(*[z3.Not(enc.same(i, depth)) for i in range(depth)])
            if use:
                solver.add(*[fact_formula(z3, enc.state(depth), fact) for fact in lemmas])
            if depth % 3 == 0:
                t = time.perf_counter()
                answers[use] = helper._check(solver, z3.BoolVal(True))
                times[use] = time.perf_counter() - t
        if depth % 3 == 0:
            assert answers[True] == answers[False], answers
            print(f"{depth:>5} {times[True]:>11.1f}s {times[False]:>8.1f}s  {answers[True]}", flush=True)
            if answers[True] == "unsat":
                break


def search(timeout: float) -> None:
    model = semcheck.build_model(UNCLEAN_TWO_FAULTS[0], **UNCLEAN_TWO_FAULTS[1])
    props = list(ALL_PROPERTIES.values())
    default = symbolic.LEMMAS_FROM_DEPTH
    for name, start in (("with lemmas", default), ("without", 10**9)):
        symbolic.LEMMAS_FROM_DEPTH = start
        try:
            t = time.perf_counter()
            found = SymbolicSearch(model, props, SearchSettings(timeout=timeout)).run()
            stats, results = found.stats, found.results
            seconds = time.perf_counter() - t
        finally:
            symbolic.LEMMAS_FROM_DEPTH = default
        verdicts = " ".join(f"{r.property}={r.verdict}" for r in results)
        print(f"RF 2 unclean, follower-lag + broker crash, {name}: {seconds:.1f} s, depth {stats.depth}: {verdicts}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["completeness", "search"])
    parser.add_argument("--steps", type=int, default=24, help="deepest completeness query (default 24)")
    parser.add_argument("--timeout", type=float, default=300, help="time limit of each search (default 300 s)")
    args = parser.parse_args()
    print(f"{datetime.date.today()}  {machine()}")
    if args.only in (None, "completeness"):
        completeness(args.steps)
    if args.only in (None, "search"):
        search(args.timeout)


if __name__ == "__main__":
    main()

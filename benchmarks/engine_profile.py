"""Where the explicit engine's time goes, per state: the compiled ``successors()`` alone versus the
whole BFS loop of ``ExplicitSearch``.

The space is first explored by a bare BFS (a dict and a list, nothing else) with the compiled model,
which collects every state.  A fixed, evenly spaced sample of them (``--sample``, default 20000;
deterministic: every k-th state in BFS order) is then timed three ways:

* ``successors(s)`` alone (the compiled model: guards, byte writes, ``bytes(b)``);
* ``successors(s)`` plus a dict look-up of every successor (the hashing the BFS must do);
* the compiled property predicates, once per state.

and compared with ``ExplicitSearch.run()`` on the same bounds checking ``--property`` (default
``in-order``, which holds at the default configuration, so the search is exhaustive).  Useful before
and after an optimisation of checker/compile.py or checker/explicit.py.

    python benchmarks/engine_profile.py
    python benchmarks/engine_profile.py --messages 2 --max-faults 2 --sample 5000
"""

from __future__ import annotations

import argparse
import sys
import time

import semcheck
from semcheck.checker.compile import compile_model
from semcheck.checker.explicit import ExplicitSearch
from semcheck.properties import ALL_PROPERTIES


def bare_bfs(successors, initial):
    states = list(dict.fromkeys(initial))
    index = {s: i for i, s in enumerate(states)}
    head = transitions = 0
    while head < len(states):
        for _a, nxt in successors(states[head]):
            transitions += 1
            if nxt not in index:
                index[nxt] = len(states)
                states.append(nxt)
        head += 1
    return states, transitions


def best_of(fn, repeat: int) -> float:
    return min(_timed(fn) for _ in range(repeat))


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=3)
    ap.add_argument("--max-faults", type=int, default=2)
    ap.add_argument("--property", default="in-order", help="property for the ExplicitSearch run")
    ap.add_argument("--sample", type=int, default=20000, help="states in the timed sample")
    ap.add_argument("--repeat", type=int, default=3, help="timings are the best of this many")
    args = ap.parse_args()

    model = semcheck.build_model({}, messages=args.messages, max_faults=args.max_faults)
    prop = ALL_PROPERTIES[args.property]
    preds = [p.holds_in(model) for p in ALL_PROPERTIES.values()]

    started = time.perf_counter()
    compiled = compile_model(model, preds)
    compile_s = time.perf_counter() - started
    succ = compiled.successors
    n_lines = compiled.source.count("\n")

    started = time.perf_counter()
    states, transitions = bare_bfs(succ, model.initial_states())
    bare_s = time.perf_counter() - started

    step = max(1, len(states) // args.sample)
    sample = states[::step][: args.sample]
    sample_copies = [bytes(bytearray(s)) for s in sample]  # fresh objects: no cached hash
    index = dict.fromkeys(states)
    n_succ = sum(len(succ(s)) for s in sample)

    def only_successors():
        for s in sample:
            succ(s)

    def successors_and_lookup():
        get = index.get
        for s in sample:
            for _a, nxt in succ(s):
                get(nxt)

    def predicates():
        for s in sample:
            for p in compiled.predicates:
                p(s)

    def hash_states():
        for s in sample_copies:
            hash(bytes(s))

    t_succ = best_of(only_successors, args.repeat)
    t_lookup = best_of(successors_and_lookup, args.repeat)
    t_pred = best_of(predicates, args.repeat)
    t_hash = best_of(hash_states, args.repeat)

    search = ExplicitSearch(model, [prop])
    started = time.perf_counter()
    found = search.run()
    stats, results = found.stats, found.results
    search_s = time.perf_counter() - started
    verdict = results[0].verdict

    n, k = len(sample), len(ALL_PROPERTIES)
    us = 1e6
    print(f"# engine profile: default configuration, {args.messages} messages, {args.max_faults} faults, "
          f"all fault classes")
    print(f"model: {len(compiled.actions)} actions, state {len(states[0])} bytes, compiled source "
          f"{n_lines} lines, compiled in {compile_s * 1000:.0f} ms")
    print(f"space: {len(states):,} states, {transitions:,} transitions "
          f"({transitions / len(states):.2f} successors per state)")
    print(f"sample: {n:,} states (every {step}th), {n_succ:,} successors "
          f"({n_succ / n:.2f} per state)\n")
    print("| what | us per state | us per successor |")
    print("|---|---|---|")
    print(f"| successors() alone | {t_succ / n * us:.2f} | {t_succ / n_succ * us:.2f} |")
    print(f"| successors() + dict look-up of each successor | {t_lookup / n * us:.2f} | "
          f"{t_lookup / n_succ * us:.2f} |")
    print(f"| (of which look-up and hashing) | {(t_lookup - t_succ) / n * us:.2f} | "
          f"{(t_lookup - t_succ) / n_succ * us:.2f} |")
    print(f"| copy + hash of one fresh state | {t_hash / n * us:.3f} | |")
    print(f"| all {k} property predicates | {t_pred / n * us:.2f} | |")
    print(f"| bare BFS loop (dict + list, whole space) | {bare_s / len(states) * us:.2f} | "
          f"{bare_s / transitions * us:.2f} |")
    print(f"| ExplicitSearch.run() ({args.property}: {verdict}, {stats.states:,} states) | "
          f"{search_s / stats.states * us:.2f} | {search_s / max(stats.transitions, 1) * us:.2f} |")
    print()
    per_state = search_s / stats.states
    print(f"successors() is {t_succ / n / per_state:.0%} of ExplicitSearch's time per state; the bare "
          f"BFS loop {bare_s / len(states) / per_state:.0%}; ExplicitSearch: {stats.seconds:.2f} s, "
          f"{stats.states_per_second:,.0f} states/s")
    if stats.states != len(states):
        print(f"note: ExplicitSearch saw {stats.states:,} states, the bare BFS {len(states):,} "
              f"({'the property was violated, so the search stopped early' if verdict == 'violated' else 'cut states'})",
              file=sys.stderr)


if __name__ == "__main__":
    main()

"""No option combination ends in a traceback (issue 12): every pair of values from the option groups
below appears together in at least one run, and each run ends with a report (exit 0, 1 or 3) or with
one line naming the problem (exit 2).  The pairs are covered by a greedy all-pairs set built in a
fixed order, so the runs are the same every time."""

from __future__ import annotations

import itertools

import pytest
from click.testing import CliRunner

from semcheck.cli import main

BASE = ["verify", "--messages", "1", "--max-faults", "1", "--faults", "network"]

# option group -> its alternatives ("{out}" is replaced by a path in the test's directory)
GROUPS: dict[str, list[list[str]]] = {
    "engine": [[], ["--engine", "symbolic", "--depth", "2"], ["--engine", "both", "--depth", "2"]],
    "format": [[], ["--format", "json"], ["--format", "junit"], ["--format", "sarif"], ["--format", "markdown"]],
    "brief": [[], ["--brief"]],
    "file": [[], ["--dot", "{out}"], ["--trace-out", "{out}"], ["--trace-dot", "{out}"], ["--save-trace", "{out}"]],
    "limit": [[], ["--max-states", "10"], ["--max-memory", "64M"], ["--timeout", "30"]],
    "property": [[], ["--property", "in-order"]],
    "settings": [[], ["-X", "acks=1"], ["--commit", "transactional", "-X", "transactional.id=t"],
                 ["--client", "librdkafka"]],
}


def all_pairs(groups: dict[str, list]) -> list[tuple[int, ...]]:
    """A small set of runs (one alternative index per group) in which every pair of alternatives of
    two different groups occurs: greedy, deterministic (first best candidate in product order)."""
    names = list(groups)
    sizes = [len(groups[n]) for n in names]
    uncovered = {((g, a), (h, b)) for g, h in itertools.combinations(range(len(names)), 2)
                 for a in range(sizes[g]) for b in range(sizes[h])}
    runs = []
    candidates = list(itertools.product(*(range(s) for s in sizes)))
    while uncovered:
        def gain(run):
            return sum(((g, run[g]), (h, run[h])) in uncovered for g, h in itertools.combinations(range(len(run)), 2))
        best = max(candidates, key=gain)
        runs.append(best)
        uncovered -= {((g, best[g]), (h, best[h])) for g, h in itertools.combinations(range(len(best)), 2)}
    return runs


RUNS = all_pairs(GROUPS)


def test_the_runs_cover_every_pair():
    names = list(GROUPS)
    for g, h in itertools.combinations(range(len(names)), 2):
        seen = {(run[g], run[h]) for run in RUNS}
        assert seen == set(itertools.product(range(len(GROUPS[names[g]])), range(len(GROUPS[names[h]]))))


@pytest.mark.parametrize("run", RUNS, ids=["-".join(map(str, r)) for r in RUNS])
def test_no_option_combination_ends_in_a_traceback(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = list(BASE)
    for name, choice in zip(GROUPS, run):
        args += [a.replace("{out}", str(tmp_path / "out.txt")) for a in GROUPS[name][choice]]
    res = CliRunner().invoke(main, args)
    assert res.exception is None or isinstance(res.exception, SystemExit), (args, res.exception)
    assert "Traceback" not in res.output, args
    assert res.exit_code in (0, 1, 2, 3), (args, res.exit_code, res.output[-500:])
    if res.exit_code == 2:  # bad input: one line naming the problem
        lines = res.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("semcheck: error: "), (args, res.output)
    else:
        assert res.stdout.strip(), args  # a report came out

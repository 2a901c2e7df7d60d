"""Replay: a stored counterexample is re-run step by step against today's model (checker/replay.py).

The trace file (src/semcheck/tracefile.py) carries the configuration, the bounds and the model's
fingerprint; a replay reports the first step that is not enabled or ends in a different state,
compared by named fields.  Bad files are exit 2 with one line.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import semcheck
from semcheck import INCONCLUSIVE, VIOLATED
from semcheck.checker.explicit import ExplicitSearch
from semcheck.checker.replay import ReplayStrategy, stored_trace_of
from semcheck.checker.result import Why
from semcheck.checker.search import SearchSettings
from semcheck.cli import main
from semcheck.report import explain
from semcheck.tracefile import trace_file_of

from test_symbolic_fairness import DELIVERED, LeaderDown

ROOT = Path(__file__).resolve().parent.parent
CRASH = dict(messages=2, max_faults=1, faults=["broker-crash"])


@pytest.fixture(scope="module")
def saved():
    """The issue's example: acks=1, one broker crash; every property has a counterexample."""
    result = semcheck.verify({"acks": "1", "retries": "3"}, **CRASH)
    assert {r.verdict for r in result.results} == {VIOLATED}
    return trace_file_of(result)


def _replay(data):
    return semcheck.replay(copy.deepcopy(data))


def test_a_saved_counterexample_replays_exactly(saved):
    replayed = _replay(saved)
    assert [r.verdict for r in replayed.results] == [VIOLATED] * 4
    for stored, r in zip(saved["counterexamples"], replayed.results):
        assert [s["says"] for s in stored["steps"]] == [s.action for s in r.trace.steps]
    assert not any("model changed" in note for note in replayed.notes)


def test_a_step_that_ends_in_a_different_state_is_named(saved):
    data = copy.deepcopy(saved)
    steps = data["counterexamples"][3]["steps"]  # in-order
    steps[4]["state"]["log_len"][1] += 1
    r = _replay(data)["in-order"]
    assert r.verdict == INCONCLUSIVE and r.reason.kind == Why.REPLAY_DIVERGED
    assert r.reason.details["step"] == 5 and r.reason.details["problem"] == "different-state"
    assert set(r.reason.details["fields"]) == {"log_len"}
    assert "step 5" in explain(r.reason)


def test_a_step_that_is_not_enabled_is_named(saved):
    data = copy.deepcopy(saved)
    steps = data["counterexamples"][0]["steps"]  # no-loss: send m1, send m2, ...
    steps[0], steps[1] = steps[1], steps[0]  # m2 cannot be sent first... and the states differ
    r = _replay(data)["no-loss"]
    assert r.reason.details["step"] == 1 and r.reason.details["problem"] in ("not-enabled", "different-state")
    steps.insert(0, {**steps[0], "action": "no such action"})
    assert _replay(data)["no-loss"].reason.details["problem"] == "no-such-action"


def test_a_run_that_no_longer_breaks_the_property_is_not_reproduced(saved):
    data = copy.deepcopy(saved)
    del data["counterexamples"][2]["steps"][-1]  # no-duplicate: stop before the second processing
    r = _replay(data)["no-duplicate"]
    assert r.reason.details["problem"] == "property-holds"


def test_states_are_compared_by_named_fields(saved):
    """A field the stored trace does not know (a layout that grew) is not a false alarm."""
    data = copy.deepcopy(saved)
    for c in data["counterexamples"]:
        del c["initial_state"]["c_pos"]
        for step in c["steps"]:
            del step["state"]["c_pos"]
    assert [r.verdict for r in _replay(data).results] == [VIOLATED] * 4


def test_a_changed_model_is_noted(saved):
    data = copy.deepcopy(saved)
    data["model_fingerprint"] = "0000000000000000"
    assert any("model changed since the trace was saved" in note for note in _replay(data).notes)


def test_a_lasso_replays_with_its_loop():
    """Lassos too: the loop must come back to its start with the property false throughout."""
    model = LeaderDown(restart=False)
    found = ExplicitSearch(model, [DELIVERED]).run().results[0]
    assert found.verdict == VIOLATED and found.trace.loop_start is not None
    stored = stored_trace_of("delivered", found.trace)
    again = ReplayStrategy(model, [DELIVERED], SearchSettings(trace=[stored])).run().results[0]
    assert again.verdict == VIOLATED and again.trace.loop_start == found.trace.loop_start
    assert len(stored.steps) == 2 and stored.loop_start == 1  # refresh, refresh: back where it started
    broken = type(stored)("delivered", stored.initial_state, stored.steps[:-1], stored.loop_start)
    outcome = ReplayStrategy(model, [DELIVERED], SearchSettings(trace=[broken])).run().results[0]
    assert outcome.reason.details["problem"] == "loop-not-closed"


def test_the_command_line_round_trip(tmp_path):
    path = tmp_path / "trace.json"
    runner = CliRunner()
    found = runner.invoke(main, ["verify", "--acks=1", "--messages", "2", "--max-faults", "1", "--faults",
                                 "broker-crash", "--property", "no-acked-loss", "--save-trace", str(path)])
    assert found.exit_code == 1
    saved = json.loads(path.read_text())
    assert saved["format"] == "semcheck-trace" and saved["version"] == 1
    assert [c["property"] for c in saved["counterexamples"]] == ["no-acked-loss"]
    again = runner.invoke(main, ["replay", str(path), "--format", "json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["results"][0]["verdict"] == VIOLATED
    saved["counterexamples"][0]["steps"][2]["state"]["faults"] = 1
    path.write_text(json.dumps(saved))
    diverged = runner.invoke(main, ["replay", str(path)])
    assert diverged.exit_code == 1
    assert "NOT REPRODUCED" in diverged.output and "step 3" in diverged.output


@pytest.mark.parametrize("content,message", [
    ("not json", "not JSON"),
    ('{"format": "other"}', "not a semcheck trace file"),
    ('{"format": "semcheck-trace", "version": 99}', "version 99"),
    ('{"format": "semcheck-trace", "version": 1}', "missing 'bounds'"),
])
def test_an_unreadable_trace_file_is_exit_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "trace.json"
    path.write_text(content)
    run = CliRunner().invoke(main, ["replay", str(path)])
    assert run.exit_code == 2
    lines = run.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and str(path) in lines[0]
    missing = CliRunner().invoke(main, ["replay", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and len(missing.output.strip().splitlines()) == 1


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "traces").glob("*.json")), ids=lambda p: p.name)
def test_the_stored_example_traces_still_reproduce(path):
    """The CI check of a stored counterexample: examples/traces/ holds counterexamples saved with
    `semcheck verify --save-trace`; after any change to the model they must still be runs of it."""
    result = semcheck.replay(path)
    assert result.results and all(r.verdict == VIOLATED for r in result.results), \
        [explain(r.reason) for r in result.results]


def test_replay_draws_and_exports_the_replayed_counterexample_as_verify_does(tmp_path):
    """--brief, --trace-out and --trace-dot on replay: a reader of a CI artifact (the trace file) gets the
    same short report, ITF file and picture as the search that found it (docs/formats.md)."""
    import networkx as nx
    import pydot
    from itf_py import trace_from_json

    path = tmp_path / "trace.json"
    runner = CliRunner()
    bounds = ["--messages", "2", "--max-faults", "1", "--faults", "broker-crash", "--property", "no-acked-loss"]
    found = runner.invoke(main, ["verify", "--acks=1", *bounds, "--save-trace", str(path), "--brief",
                                 "--trace-out", str(tmp_path / "found.itf.json")])
    assert found.exit_code == 1
    again = runner.invoke(main, ["replay", str(path), "--brief", "--trace-out", str(tmp_path / "again.itf.json"),
                                 "--trace-dot", str(tmp_path / "again.dot")])
    assert again.exit_code == 0, again.output
    # the brief line names the same mechanism and length as the search's
    brief_line = next(line for line in found.stdout.splitlines() if line.startswith("no-acked-loss:"))
    assert brief_line in again.stdout and "acks below all" in brief_line
    first = trace_from_json(json.loads((tmp_path / "found.no-acked-loss.itf.json").read_text()))
    replayed = trace_from_json(json.loads((tmp_path / "again.no-acked-loss.itf.json").read_text()))
    assert [s.values for s in replayed.states] == [s.values for s in first.states]
    graph = nx.nx_pydot.from_pydot(pydot.graph_from_dot_file(str(tmp_path / "again.dot"))[0])
    assert graph.number_of_edges() == len(first.states) - 1
    wrong = runner.invoke(main, ["replay", str(path), "--brief", "--format", "json"])
    assert wrong.exit_code == 2 and "--brief applies to the text format only" in wrong.output

"""One counterexample out of semcheck for other tools and people: ``--trace-out`` (ITF, read back
with itf-py), ``--trace-dot`` (a DOT picture, read with pydot into networkx) and ``--brief``."""

from __future__ import annotations

import json

import networkx as nx
import pydot
import pytest
from click.testing import CliRunner
from itf_py import trace_from_json

import semcheck
from semcheck.checker.result import Change, PropertyResult, Step, Trace
from semcheck.cli import main
from semcheck.report.brief import render_brief, state_before
from semcheck.report.itf import itf_paths, itf_trace
from semcheck.report.mechanism import first_eventful_step, mechanism_for
from semcheck.report.trace_dot import trace_dot

VIOLATING = ["verify", "--acks", "1", "--messages", "2", "--max-faults", "1"]


@pytest.fixture(scope="module")
def acks1():
    return semcheck.verify({"acks": "1"}, messages=2, max_faults=1)


# ------------------------------------------------------------------------------------------------
# ITF
# ------------------------------------------------------------------------------------------------

def test_trace_out_writes_every_counterexample_as_itf_read_back_by_itf_py(tmp_path, acks1):
    out = tmp_path / "ce.itf.json"
    res = CliRunner().invoke(main, [*VIOLATING, "--trace-out", str(out)])
    assert res.exit_code == 1, res.output
    for r in acks1.results:
        path = tmp_path / f"ce.{r.property}.itf.json"
        assert f"ITF trace written to {path}" in res.stderr
        itf = trace_from_json(json.loads(path.read_text()))
        trace = r.trace
        assert itf.vars == list(trace.initial_state)
        assert len(itf.states) == len(trace.steps) + 1 and itf.loop is None
        states = [dict(trace.initial_state)] + [dict(step.state) for step in trace.steps]
        for index, (state, want) in enumerate(zip(itf.states, states)):
            assert state.meta["index"] == index
            assert {name: (list(v) if isinstance(v, list) else v) for name, v in state.values.items()} == want
        for state, step in zip(itf.states[1:], trace.steps):
            assert (state.meta["action"], state.meta["fault"], state.meta["says"]) == (step.name, step.fault, step.action)


def test_itf_integers_are_bigints_and_a_lasso_names_its_loop():
    step = Step(1, "producer", "sends m1", (Change("producer", "a", "b"),), None, "send", {"message": 0}, {"x": 1, "l": [2, 3]})
    back = Step(2, "producer", "goes back", (Change("producer", "b", "a"),), None, "back", {}, {"x": 0, "l": [0, 0]})
    trace = Trace({"producer": "a"}, (step, back), {"producer": "a"}, loop_start=1, initial_state={"x": 0, "l": [0, 0]})

    class Fake:
        config = {"acks": "1"}

    doc = itf_trace(Fake(), PropertyResult("no-loss", "violated", trace))
    assert doc["states"][1]["x"] == {"#bigint": "1"} and doc["states"][1]["l"] == [{"#bigint": "2"}, {"#bigint": "3"}]
    assert trace_from_json(doc).loop == 0  # the loop returns to the state before step 1


def test_itf_file_names():
    assert itf_paths("out.itf.json", ["no-loss"]) == {"no-loss": "out.no-loss.itf.json"}
    assert itf_paths("ce-{property}.json", ["in-order"]) == {"in-order": "ce-in-order.json"}
    assert itf_paths("out", ["no-loss"]) == {"no-loss": "out.no-loss.itf.json"}


def test_trace_out_says_so_when_there_is_nothing_to_write(tmp_path):
    res = CliRunner().invoke(main, ["verify", "--faults", "none", "--messages", "1", "--trace-out",
                                    str(tmp_path / "x.itf.json")])
    assert res.exit_code == 0
    assert "no counterexample to write" in res.stderr and list(tmp_path.iterdir()) == []


def test_trace_out_into_a_missing_directory_is_bad_input(tmp_path):
    res = CliRunner().invoke(main, [*VIOLATING, "--trace-out", str(tmp_path / "nowhere" / "x.itf.json")])
    assert res.exit_code == 2 and res.stderr.startswith("semcheck: error: --trace-out")


# ------------------------------------------------------------------------------------------------
# DOT picture of one counterexample
# ------------------------------------------------------------------------------------------------

def _read_dot(text: str) -> nx.MultiDiGraph:
    (graph,) = pydot.graph_from_dot_data(text)
    return nx.drawing.nx_pydot.from_pydot(graph)


def test_trace_dot_draws_the_first_counterexample_as_a_path(tmp_path, acks1):
    out = tmp_path / "ce.dot"
    res = CliRunner().invoke(main, [*VIOLATING, "--trace-dot", str(out)])
    assert res.exit_code == 1, res.output
    graph = _read_dot(out.read_text())
    trace = acks1.results[0].trace  # no-loss: the first property in the report
    n = len(trace.steps)
    assert sorted(graph.nodes, key=lambda s: int(s[1:])) == [f"s{i}" for i in range(n + 1)]
    assert nx.is_directed_acyclic_graph(graph) and list(nx.topological_sort(graph))[0] == "s0"
    for step in trace.steps:
        ((u, v, data),) = [(u, v, d) for u, v, d in graph.edges(data=True) if u == f"s{step.number - 1}"]
        assert v == f"s{step.number}"
        assert step.action in data["label"].strip('"').replace('\\"', '"')
        assert (data.get("color") == "red") == bool(step.fault)


def test_a_lasso_goes_back_to_the_state_it_repeats_from():
    steps = tuple(Step(i, "producer", f"step {i}", (Change("producer", "a", "b"),), None, "x") for i in (1, 2, 3))
    graph = _read_dot(trace_dot(Trace({"producer": "a"}, steps, {}, loop_start=2), "t"))
    assert set(graph.nodes) == {"s0", "s1", "s2"}
    assert ("s2", "s1") in graph.edges and len(list(nx.simple_cycles(graph))) == 1


# ------------------------------------------------------------------------------------------------
# --brief
# ------------------------------------------------------------------------------------------------

def test_brief_one_line_per_property_naming_the_mechanism(acks1):
    lines = render_brief(acks1).split("\n")
    for line, r in zip(lines, acks1.results):
        mechanism = mechanism_for(acks1, r)
        assert line.startswith(f"{r.property}: VIOLATED in {len(r.trace)} steps: {mechanism.summary}")
        assert f"{mechanism.keys[0]}=" in line


def test_brief_drops_the_uneventful_prefix_but_says_where_it_left_the_run(acks1):
    text = render_brief(acks1)
    r = acks1["no-loss"]
    start = first_eventful_step(mechanism_for(acks1, r), r.trace)
    assert r.trace.steps[start - 1].fault == "broker-crash"  # the first step that matters
    section = text.split("no-loss: counterexample")[1].split("\n\n")[0]
    assert f"steps 1-{start - 1}: normal operation, no fault" in section
    for step in r.trace.steps:
        assert (step.action in section) == (step.number >= start)
    # what the prefix left behind: both messages acked, on the old leader only
    assert "producer: m1 acked, m2 acked" in section
    assert state_before(r.trace, start)["producer"] == "m1 acked, m2 acked"


def test_brief_on_the_command_line_and_only_for_text():
    res = CliRunner().invoke(main, [*VIOLATING, "--brief"])
    assert res.exit_code == 1 and res.stdout.startswith("no-loss: VIOLATED")
    res = CliRunner().invoke(main, [*VIOLATING, "--brief", "--format", "json"])
    assert res.exit_code == 2
    assert res.stderr == "semcheck: error: --brief applies to the text format only, not --format json\n"


def test_brief_of_holds_and_inconclusive():
    holds = render_brief(semcheck.verify({}, messages=1, faults=[]))
    assert holds.split("\n")[0] == "no-loss: holds (every reachable state was explored)"
    cut = render_brief(semcheck.verify({"acks": "1"}, messages=2, max_faults=1, max_states=50))
    assert cut.startswith("no-loss: inconclusive (search stopped at --max-states")

"""The Python API and the search's promises: verdicts never claim more than the search saw."""

from __future__ import annotations

import networkx as nx
import pytest

import semcheck
from semcheck import HOLDS, INCONCLUSIVE, VIOLATED
from semcheck.checker.explicit import ExplicitSearch
from semcheck.checker.graph import write_dot
from semcheck.checker.result import Stop, Why
from semcheck.properties import ALL_PROPERTIES
from semcheck.report import explain


def test_a_search_cut_by_max_states_is_inconclusive_never_holds():
    full = semcheck.verify({}, faults=["network"], max_faults=1, messages=2)
    assert all(r.verdict == HOLDS for r in full.results)
    cut = semcheck.verify({}, faults=["network"], max_faults=1, messages=2, max_states=100)
    assert {r.verdict for r in cut.results} == {INCONCLUSIVE}
    assert all(r.reason.kind == Why.CUT and r.reason.details["stop"] == Stop.MAX_STATES for r in cut.results)
    assert all("--max-states" in cut.explain(r.property) for r in cut.results)
    assert cut.exit_code == 3 and not cut.stats.complete


def test_a_search_cut_by_timeout_is_inconclusive():
    r = semcheck.verify({}, properties=["in-order"], timeout=1e-9)
    assert r.verdict("in-order") == INCONCLUSIVE
    assert r.stats.stopped_by == Stop.TIMEOUT


def test_a_violation_found_before_the_cut_is_still_reported():
    r = semcheck.verify({"acks": "0"}, faults=["network"], max_faults=1, messages=1, max_states=10_000)
    assert r.verdict("no-acked-loss") == VIOLATED
    assert r.verdict("no-duplicate") == HOLDS  # the space is small enough to finish


def test_log_capacity_overflow_makes_the_verdict_inconclusive():
    """If a run outgrows the model's fixed log, the rest of that run is not explored: no 'holds'."""
    model = semcheck.build_model({}, faults=["network"], max_faults=1, messages=2)
    model.capacity = 1  # too small for two messages
    model.layout = model._declare_layout()
    found = ExplicitSearch(model, [ALL_PROPERTIES["no-duplicate"]]).run()
    stats, results = found.stats, found.results
    assert results[0].verdict == INCONCLUSIVE
    assert results[0].reason.details["stop"] == Stop.MODEL_BOUND
    assert "log capacity" in explain(results[0].reason)
    assert not stats.complete


def test_state_graph_and_dot_export(tmp_path):
    r = semcheck.verify({"acks": "1"}, faults=["broker-crash"], max_faults=1, messages=1, keep_graph=True)
    graph = r.state_graph()
    assert isinstance(graph, nx.DiGraph)
    assert graph.number_of_nodes() == r.stats.states
    # the counterexample is a path in the graph from the initial state
    trace_len = len(r["no-acked-loss"].trace)
    lengths = nx.single_source_shortest_path_length(graph, 0)
    assert trace_len in lengths.values()
    assert any(d["fault"] == "broker-crash" for _, _, d in graph.edges(data=True))
    out = tmp_path / "space.dot"
    write_dot(graph, str(out))
    text = out.read_text()
    assert text.startswith("digraph semcheck {") and "->" in text


def test_without_keep_graph_the_graph_is_not_available():
    r = semcheck.verify({}, faults=[], messages=1)
    with pytest.raises(ValueError):
        r.state_graph()


def test_results_follow_the_canonical_property_order():
    r = semcheck.verify({}, faults=[], messages=1, properties=["in-order", "no-loss"])
    assert [p.property for p in r.results] == ["no-loss", "in-order"]


def test_bad_input_raises_config_error():
    with pytest.raises(semcheck.ConfigError):
        semcheck.verify({"ack": "1"})
    with pytest.raises(semcheck.ConfigError):
        semcheck.verify({}, messages=0)
    with pytest.raises(semcheck.ConfigError):
        semcheck.verify({}, properties=["no-such-property"])
    with pytest.raises(semcheck.ConfigError):
        semcheck.verify({"retries": "51"})


def test_every_reason_and_stop_has_its_words():
    """A new Why or Stop without its sentence in semcheck/report/words.py fails here, not in a report."""
    from semcheck.checker.result import Reason, Stats, Stop, Why
    from semcheck.report.words import FIXED_SENTENCES, STOP_PHRASES, explain, stop_phrase

    assert set(STOP_PHRASES) == set(Stop)
    numbers = {Why.COMPLETENESS_THRESHOLD: {"steps": 3}, Why.K_INDUCTION: {"k": 2},
               Why.CUT: {"stop": Stop.TIMEOUT, "depth": 4},
               Why.ENGINES_AGREE: {"reasons": {"explicit": Reason(Why.EXHAUSTED), "symbolic": None}},
               Why.ONE_ENGINE_DECIDED: {"reason": Reason(Why.BAD_STATE), "inconclusive": "symbolic"},
               Why.ENGINES_DISAGREE: {"verdicts": {"explicit": "holds", "symbolic": "violated"}},
               Why.REPLAY_DIVERGED: {"step": 2, "problem": "not-enabled"}}
    for why in Why:
        assert why in FIXED_SENTENCES or why in numbers, why
        assert explain(Reason(why, numbers.get(why, {}))).strip()
    for stop in Stop:
        assert stop_phrase(Stats(stopped_by=stop)) == STOP_PHRASES[stop]

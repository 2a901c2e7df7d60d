"""Choosing the engine: --engine symbolic|both, --depth, and how a disagreement is reported."""

from __future__ import annotations

import json

from click.testing import CliRunner

import semcheck
from semcheck import HOLDS, INCONCLUSIVE, VIOLATED
from semcheck.checker.both import combine
from semcheck.checker.result import DISAGREE, PropertyResult, Reason, Stats, Stop, Why
from semcheck.cli import main
from semcheck.report import explain
from semcheck.report.text import render_text
from semcheck.result import Result

# acks=0 with one network fault: two properties violated, two proved, in seconds for both engines
SMALL = ["--acks", "0", "--faults", "network", "--max-faults", "1", "--messages", "1"]


def test_api_symbolic_engine_gives_the_same_verdicts_as_explicit():
    kwargs = dict(faults=["network"], max_faults=1, messages=1)
    explicit = semcheck.verify({"acks": "0"}, **kwargs)
    symbolic = semcheck.verify({"acks": "0"}, engine="symbolic", **kwargs)
    assert {r.verdict for r in explicit.results} == {HOLDS, VIOLATED}
    assert [r.verdict for r in symbolic.results] == [r.verdict for r in explicit.results]
    assert symbolic.stats.engine == "symbolic"
    assert [len(r.trace) for r in symbolic.results if r.trace] == [len(r.trace) for r in explicit.results if r.trace]


def test_cli_both_engines_agree_and_report_both_statistics():
    r = CliRunner().invoke(main, ["verify", *SMALL, "--engine", "both", "--format", "json"])
    assert r.exit_code == 1, r.output
    out = json.loads(r.output)
    assert out["engine"] == "both"
    assert [s["engine"] for s in out["engine_stats"]] == ["explicit", "symbolic"]
    for res in out["results"]:
        assert set(res["engines"]) == {"explicit", "symbolic"}
        assert res["engines"]["explicit"]["verdict"] == res["engines"]["symbolic"]["verdict"]


def test_a_depth_limit_leaves_the_symbolic_engine_inconclusive():
    r = semcheck.verify({"acks": "all"}, faults=["broker-crash"], max_faults=1, messages=1,
                        engine="symbolic", depth=2, properties=["no-loss"])
    assert r.verdict("no-loss") == INCONCLUSIVE
    assert r["no-loss"].reason.details == {"stop": Stop.DEPTH_LIMIT, "depth": 2, "limit": 2}
    assert "--depth 2" in r.explain("no-loss")
    assert r.exit_code == 3


def _violation(length: int) -> PropertyResult:
    model_result = semcheck.verify({"acks": "1"}, faults=["broker-crash"], max_faults=1, messages=1,
                                   properties=["no-duplicate"])
    trace = model_result["no-duplicate"].trace
    trace = type(trace)(trace.initial, trace.steps[:length], trace.final, None)
    return PropertyResult("no-duplicate", VIOLATED, trace, Reason(Why.BAD_STATE))


def test_a_disagreement_is_an_internal_error_with_both_answers():
    violated = _violation(11)
    holds = PropertyResult("no-duplicate", HOLDS, None, Reason(Why.EXHAUSTED))
    for a, b in ((holds, violated), (violated, holds), (violated, _violation(10))):
        merged = combine(a, b)
        assert merged.verdict == DISAGREE
    merged = combine(violated, holds)
    result = Result(config={}, notes=(), bounds={"messages": 1}, engine="both", stats=Stats(),
                    results=[merged], engine_stats=[Stats(), Stats(engine="symbolic")])
    assert result.exit_code == 4
    text = render_text(result)
    assert "INTERNAL ERROR for no-duplicate" in text
    assert "explicit engine: violated" in text and "symbolic engine: holds" in text
    assert "Counterexample for no-duplicate" in text


def test_an_inconclusive_engine_does_not_disagree():
    violated = _violation(11)
    unknown = PropertyResult("no-duplicate", INCONCLUSIVE, None, Reason(Why.CUT, {"stop": Stop.TIMEOUT, "depth": 3}))
    merged = combine(violated, unknown)
    assert merged.verdict == VIOLATED
    assert merged.reason.kind == Why.ONE_ENGINE_DECIDED and merged.reason.details["inconclusive"] == "symbolic"
    assert "symbolic engine was inconclusive" in explain(merged.reason)

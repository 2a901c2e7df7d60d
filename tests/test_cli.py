"""Tests for the command line (src/semcheck/cli.py), its reports (src/semcheck/report/) and the progress line.

The contract is DESIGN.md, "The CLI contract": exit status 0 every checked property holds, 1 a
property is violated, 2 bad input (one clear line, no traceback), 3 inconclusive; ``--format json``
prints one object with config, bounds, engine, stats and results.  Every check uses small bounds.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from semcheck.checker.result import HOLDS, INCONCLUSIVE, VIOLATED, Change, PropertyResult, Reason, Stats, Step, Trace, Why
from semcheck.result import Result
from semcheck.cli import build_settings, main
from semcheck.model.bounds import FAULT_CLASSES
from semcheck.model.config import KNOWN_KEYS
from semcheck.model.merges import MERGE_NAMES
from semcheck.progress import Progress, make_progress
from semcheck.properties import ALL_PROPERTIES
from semcheck.report import render
from semcheck.report.json import render_json
from semcheck.report.text import render_text

SMALL = ["--messages", "2", "--max-faults", "1"]
VIOLATING = ["--acks", "1", "--retries", "3", *SMALL]  # acks=1 loses acknowledged records
HOLDING = ["--faults", "none", "--messages", "2"]  # no faults: everything holds (71 states)


def run(*args: str):
    return CliRunner().invoke(main, ["verify", *args])


def run_json(*args: str):
    res = run(*args, "--format", "json")
    return res, json.loads(res.stdout)


# ------------------------------------------------------------------------------------------------
# Exit status
# ------------------------------------------------------------------------------------------------

def test_exit_0_when_every_property_holds():
    res, data = run_json(*HOLDING)
    assert res.exit_code == 0, res.output
    assert [r["verdict"] for r in data["results"]] == [HOLDS] * len(ALL_PROPERTIES)
    assert data["stats"]["complete"] is True
    assert res.stderr == ""


def test_exit_1_when_a_property_is_violated():
    res, data = run_json(*VIOLATING)
    assert res.exit_code == 1, res.output
    assert data["results"][0] == {**data["results"][0], "property": "no-loss", "verdict": VIOLATED}


def test_exit_3_when_a_limit_stops_the_search():
    res, data = run_json(*HOLDING, "--max-states", "50")
    assert res.exit_code == 3, res.output
    assert {r["verdict"] for r in data["results"]} == {INCONCLUSIVE}
    assert data["stats"]["stopped_by"] == "max-states"
    assert all("max-states" in r["reason"] for r in data["results"])


def test_violation_wins_over_inconclusive():
    # no-duplicate is violated within 9 steps; with a small state limit the others stay open
    res, data = run_json("--acks", "1", *SMALL, "--max-states", "5000")
    verdicts = {r["property"]: r["verdict"] for r in data["results"]}
    assert VIOLATED in verdicts.values() and INCONCLUSIVE in verdicts.values(), verdicts
    assert res.exit_code == 1


# ------------------------------------------------------------------------------------------------
# JSON report
# ------------------------------------------------------------------------------------------------

def test_json_schema():
    res, data = run_json(*VIOLATING)
    assert res.stdout.endswith("}\n")
    assert {"config", "bounds", "engine", "stats", "results"} <= set(data)
    assert list(data["config"]) == [k for k in KNOWN_KEYS if not k.startswith("transaction.")]  # not transactional
    assert data["config"]["acks"] == "1" and data["config"]["retries"] == 3
    assert data["config"]["enable.idempotence"] is False
    # "all" without a transactional.id: every class but producer-zombie and app-abort, which need
    # one, controlled-shutdown, which needs eligible leader replicas and a min ISR of 2, and
    # output-failure, which needs --commit transactional
    assert data["bounds"] == {"messages": 2, "max_faults": 1,
                              "faults": [f for f in FAULT_CLASSES
                                         if f not in ("producer-zombie", "app-abort", "controlled-shutdown",
                                                      "output-failure")],
                              "merged_steps": list(MERGE_NAMES)}
    assert data["engine"] == "explicit"
    stats = data["stats"]
    for key in ("states", "transitions", "depth", "states_per_second"):
        assert isinstance(stats[key], int) and stats[key] >= 0, key
    assert isinstance(stats["seconds"], (int, float))
    assert isinstance(stats["complete"], bool)
    assert isinstance(data["notes"], list) and all(isinstance(n, str) for n in data["notes"])
    assert [r["property"] for r in data["results"]] == list(ALL_PROPERTIES)
    for r in data["results"]:
        assert r["verdict"] in (HOLDS, VIOLATED, INCONCLUSIVE)
        assert isinstance(r["trace"], list)
        if r["verdict"] != VIOLATED:
            assert r["trace"] == []
            continue
        assert r["trace"], r["property"]
        for number, step in enumerate(r["trace"], start=1):
            assert step["step"] == number
            assert isinstance(step["actor"], str) and step["actor"]
            assert isinstance(step["action"], str) and step["action"]
            assert step["fault"] is None or step["fault"] in FAULT_CLASSES
            assert isinstance(step["changes"], list)
            for change in step["changes"]:
                assert set(change) == {"part", "before", "after"}
        # a counterexample within these bounds uses at most one fault
        assert sum(1 for s in r["trace"] if s["fault"]) <= 1


def test_json_render_matches_as_dict():
    import semcheck

    result = semcheck.verify({"acks": "1"}, messages=1, max_faults=0)
    text = render_json(result)
    assert text.endswith("\n") and json.loads(text) == json.loads(json.dumps(result.as_dict()))
    assert render(result, "json") == text


# ------------------------------------------------------------------------------------------------
# Text report
# ------------------------------------------------------------------------------------------------

def test_text_report_has_table_and_numbered_steps():
    res = run(*VIOLATING)
    assert res.exit_code == 1
    out = res.stdout
    lines = out.splitlines()
    assert lines[0] == "semcheck 0.1.0: Kafka delivery check (explicit engine)"
    assert "Effective configuration" in lines
    assert any(line.startswith("  acks=1  retries=3  enable.idempotence=false  ") for line in lines)
    assert "transactional.id=-" in out
    assert "Why some values differ from what you asked:" in lines
    assert any("acks=1 conflicts" in line and line.startswith("  - ") for line in lines)
    assert ("Bounds: 2 messages, at most 1 fault from network, follower-lag, broker-crash, power-loss, "
            "producer-crash, consumer-crash") in lines
    header = next(line for line in lines if line.startswith("Property"))
    assert header.split() == ["Property", "Verdict", "Shortest", "counterexample"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[lines.index(header) + 1:][:4]}
    assert set(rows) == set(ALL_PROPERTIES)
    assert rows["no-loss"][0] == "VIOLATED" and rows["no-loss"][2].rstrip(";") == "steps"
    assert rows["no-loss"][-2:] in (["log", "layer"], ["consumer", "layer"])  # which layer lost it
    assert any(line.startswith("Explored ") and " states, " in line and " transitions, depth " in line
               for line in lines)
    assert "Counterexample for no-loss: " in out
    assert "  Initial state:" in lines
    assert any(line.lstrip().startswith("1. producer: sends m1") for line in lines)
    assert any("[fault: " in line for line in lines)
    assert any(" -> " in line and line.startswith("       ") for line in lines)  # change lines
    assert "\x1b" not in out  # no colour


def test_text_report_when_everything_holds_and_when_inconclusive():
    ok = run(*HOLDING).stdout
    assert "Bounds: 2 messages, no faults" in ok
    assert "Counterexample" not in ok
    assert "the bounded state space was exhausted" in ok
    cut = run(*HOLDING, "--max-states", "50").stdout
    assert "inconclusive" in cut
    assert "Inconclusive (no-loss, no-acked-loss, no-duplicate, in-order): search stopped at --max-states" in cut


def test_text_report_marks_the_loop_of_a_lasso():
    # built by hand: no small configuration of the current model yields a lasso quickly
    def step(n, action, fault=None):
        return Step(n, "producer", action, (Change("producer", "a", "b"),), fault)

    trace = Trace(initial={"producer": "m1 queued", "partition": "OFFLINE"},
                  steps=(step(1, "sends m1"), step(2, "times out", "network"), step(3, "retries m1")),
                  final={"producer": "m1 in flight"}, loop_start=2)
    result = Result(config={"acks": "all", "enable.idempotence": True, "transactional.id": None},
                    notes=(), bounds={"messages": 1, "max_faults": 1, "faults": ["network"]},
                    engine="explicit", stats=Stats(states=10, transitions=20, depth=3, seconds=0.5, complete=True),
                    results=[PropertyResult("no-loss", VIOLATED, trace, Reason(Why.FAIR_CYCLE)),
                             PropertyResult("no-acked-loss", VIOLATED, trace, Reason(Why.FAIR_CYCLE))])
    text = render_text(result)
    lines = text.splitlines()
    assert "  acks=all  enable.idempotence=true  transactional.id=-" in lines
    assert "Bounds: 1 message, at most 1 fault from network" in lines
    assert "Why some values differ" not in text
    assert lines.index("  -- the following steps repeat forever --") == lines.index("  2. [fault: network] producer: times out") - 1
    assert "  1. producer: sends m1" in lines
    assert "       producer: a -> b" in lines
    assert "  -- back to the state before step 2, and so on forever --" in lines
    assert "loops forever from step 2" in text
    assert ("Counterexample for no-loss: the system can cycle forever, under fairness, without it ever "
            "becoming true") in lines
    assert "  the same trace as for no-loss above" in lines  # identical traces are not repeated
    assert render(result, "text") == text
    assert render_text(result) == text  # deterministic


# ------------------------------------------------------------------------------------------------
# Options
# ------------------------------------------------------------------------------------------------

def test_property_filter():
    res, data = run_json(*VIOLATING, "--property", "no-duplicate")
    assert [r["property"] for r in data["results"]] == ["no-duplicate"]
    assert res.exit_code == 1
    # repeated (and comma lists) are reported in the canonical order
    _, data = run_json(*HOLDING, "--property", "in-order", "--property", "no-loss,no-duplicate")
    assert [r["property"] for r in data["results"]] == ["no-loss", "no-duplicate", "in-order"]


def test_settings_reach_the_model():
    _, data = run_json(*HOLDING, "-X", "enable.idempotence=false", "-X", "min.insync.replicas=2",
                       "--commit", "before-process", "--faults", "none")
    cfg = data["config"]
    assert cfg["enable.idempotence"] is False and cfg["min.insync.replicas"] == 2
    assert cfg["enable.auto.commit"] is False
    _, data = run_json(*HOLDING, "--faults", "network,broker-crash", "--max-faults", "0")
    assert data["bounds"]["faults"] == ["network", "broker-crash"] and data["bounds"]["max_faults"] == 0


def test_same_key_twice_with_the_same_value_is_fine():
    assert build_settings(("1",), (), ("acks=1",)) == {"acks": "1"}
    assert build_settings(("-1",), (), ("acks=all",)) == {"acks": "-1"}
    assert build_settings((), (), ("enable.idempotence=TRUE", "enable.idempotence=true")) == {
        "enable.idempotence": "TRUE"}
    assert build_settings((), ("3",), ("x.y= a=b ",)) == {"retries": "3", "x.y": " a=b "}
    assert run(*HOLDING, "--acks", "all", "-X", "acks=-1").exit_code == 0


def test_dot_export(tmp_path):
    path = tmp_path / "graph.dot"
    res = run("--messages", "1", "--faults", "none", "--dot", str(path))
    assert res.exit_code == 0, res.output
    text = path.read_text()
    assert text.startswith("digraph semcheck {") and text.rstrip().endswith("}")
    assert "0 -> " in text and "producer: m1 queued" in text


def test_help_exits_0():
    for args in (["--help"], ["verify", "--help"], ["verify", "-h"], []):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 0, (args, res.output)
        assert "Usage:" in res.stdout
    assert "--dot FILE" in CliRunner().invoke(main, ["verify", "--help"]).stdout


# ------------------------------------------------------------------------------------------------
# Bad input: exit 2, exactly one line on stderr starting "semcheck: error:", nothing on stdout
# ------------------------------------------------------------------------------------------------

BAD_INPUTS = [
    (["-X", "idempotence=true"], "did you mean 'enable.idempotence'"),
    (["-X", "ack=1"], "did you mean 'acks'"),
    (["-X", "foo.bar=1"], "unknown Kafka setting 'foo.bar'"),
    (["--acks", "2"], "acks"),
    (["--acks", "ALL"], "acks"),
    (["-X", "acks="], "acks"),
    (["--retries", "-1"], "retries"),
    (["--retries", "three"], "retries"),
    (["--acks", "1", "-X", "acks=all"], "acks is given twice"),
    (["--acks", "1", "--acks", "0"], "acks is given twice"),
    (["--retries", "3", "-X", "retries=4"], "retries is given twice"),
    (["-X", "acks"], "key=value"),
    (["-X", "=1"], "empty key"),
    (["-X", "max.in.flight.requests.per.connection=0"], "max.in.flight.requests.per.connection"),
    (["-X", "replication.factor=4"], "replication.factor"),
    (["-X", "unclean.leader.election.enable=yes"], "unclean.leader.election.enable"),
    (["-X", "auto.offset.reset=none"], "auto.offset.reset"),
    (["--faults", "bogus"], "unknown fault class 'bogus'"),
    (["--faults", "network,,broker-crash"], "--faults"),
    (["--property", "bogus"], "unknown property 'bogus'"),
    (["--property", "no-loss,"], "--property"),
    (["--engine", "bogus"], "unknown engine 'bogus'"),
    (["--depth", "-1"], "--depth"),
    (["--depth", "100000"], "--depth"),
    (["--depth", "x"], "--depth"),
    (["--messages", "0"], "--messages"),
    (["--messages", "99"], "--messages"),
    (["--messages", "abc"], "--messages"),
    (["--messages", "1.5"], "--messages"),
    (["--max-faults", "-1"], "--max-faults"),
    (["--max-faults", "99"], "--max-faults"),
    (["--max-faults", "x"], "--max-faults"),
    (["--max-states", "0"], "--max-states"),
    (["--max-states", "abc"], "--max-states"),
    (["--timeout", "0"], "--timeout"),
    (["--timeout", "-1"], "--timeout"),
    (["--timeout", "soon"], "--timeout"),
    (["--commit", "bogus"], "--commit"),
    (["--commit", "transactional"], "--commit transactional needs a transactional.id"),
    (["--processing", "bogus"], "--processing"),
    (["--processing", "async", "--commit", "after-process"], "--processing async needs --commit auto"),
    (["--commit", "auto", "-X", "enable.auto.commit=false"], "enable.auto.commit"),
    (["--acks", "1", "-X", "enable.idempotence=true"],
     "Must set acks to all in order to use the idempotent producer"),
    (["--retries", "0", "-X", "enable.idempotence=true"], "Must set retries to non-zero"),
    (["--acks", "1", "-X", "transactional.id=tx-1"], "Cannot set a transactional.id without also enabling idempotence"),
    (["--format", "xml"], "--format"),
    (["--split", "bogus"], "--split: unknown merge 'bogus'"),
    (["--split", "poll-and-process,"], "--split: empty merge name"),
    (["--bogus-option"], "--bogus-option"),
    (["--messages"], "--messages"),
    (["unexpected-argument"], "unexpected-argument"),
    (["--dot", "/nonexistent-dir/graph.dot"], "--dot"),
]


@pytest.mark.parametrize("args, needle", BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input(args, needle):
    res = run(*args)
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("semcheck: error: ")
    assert needle in lines[0]
    assert "Traceback" not in res.stderr
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_split_takes_merged_steps_apart_and_says_so():
    """--split turns a merge of model/merges.py off by name (docs/model.md, "Merged steps"); the
    text and JSON reports name the merges still on, and the verdicts do not change."""
    res, merged = run_json(*VIOLATING)
    res_split, split = run_json(*VIOLATING, "--split", "append-and-respond", "--split", "poll-and-process")
    assert res_split.exit_code == res.exit_code
    assert [r["verdict"] for r in split["results"]] == [r["verdict"] for r in merged["results"]]
    assert split["bounds"]["merged_steps"] == [m for m in MERGE_NAMES
                                                if m not in ("append-and-respond", "poll-and-process")]
    assert split["stats"]["states"] != merged["stats"]["states"]
    _, fine = run_json(*VIOLATING, "--split", "all")
    assert fine["bounds"]["merged_steps"] == []
    text = run(*VIOLATING, "--split", "all").stdout
    assert "Merged steps: none: every step of the model is taken on its own" in text
    assert f"Merged steps: all {len(MERGE_NAMES)} sound merges on" in run(*VIOLATING).stdout


def test_unknown_command():
    res = CliRunner().invoke(main, ["check"])
    assert res.exit_code == 2
    assert res.stderr.startswith("semcheck: error: ") and len(res.stderr.splitlines()) == 1


# ------------------------------------------------------------------------------------------------
# Progress line
# ------------------------------------------------------------------------------------------------

class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_on_a_terminal_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert make_progress(io.StringIO()) is None
    tty = FakeTTY()
    progress = make_progress(tty)
    assert isinstance(progress, Progress)
    progress(Stats(states=1234567, depth=17, seconds=10.0))
    progress(Stats(states=2000, depth=3, seconds=1.0))
    progress.close()
    out = tty.getvalue()
    assert out.startswith("\r  explored 1,234,567 states, depth 17, 123,457 states/s")
    assert "\r  explored 2,000 states, depth 3, 2,000 states/s" in out
    assert out.endswith("\r") and out.rsplit("\r", 2)[1].strip() == ""  # the line is erased
    progress.close()  # twice is harmless
    monkeypatch.setenv("CI", "true")
    assert make_progress(FakeTTY()) is None


def test_cli_is_quiet_when_not_on_a_terminal():
    res = run(*HOLDING)
    assert res.stderr == ""
    assert "\r" not in res.stdout


# ------------------------------------------------------------------------------------------------
# The installed console script, in real processes
# ------------------------------------------------------------------------------------------------

def _script() -> list[str]:
    exe = shutil.which("semcheck") or os.path.join(os.path.dirname(sys.executable), "semcheck")
    if not os.path.exists(exe):
        pytest.skip("the semcheck console script is not installed")
    return [exe]


def _run_script(args, **env):
    full_env = {**os.environ, **env}
    full_env.pop("CI", None)
    return subprocess.run(_script() + args, capture_output=True, text=True, env=full_env, timeout=120)


def test_console_script_exit_codes_and_errors():
    proc = _run_script(["verify", *HOLDING])
    assert proc.returncode == 0, proc.stderr
    assert "no-loss" in proc.stdout and proc.stderr == ""
    proc = _run_script(["verify", "--messages", "abc"])
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("semcheck: error: ") and len(proc.stderr.splitlines()) == 1
    assert "Traceback" not in proc.stderr
    proc = _run_script(["verify", "-X", "idempotence=true"])
    assert proc.returncode == 2 and "enable.idempotence" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1


def test_output_is_deterministic_across_hash_seeds():
    args = ["verify", "--acks=1", "--retries=3", "--format", "json", "--max-faults", "1"]
    outputs = []
    for seed in ("0", "12345"):
        proc = _run_script(args, PYTHONHASHSEED=seed)
        assert proc.returncode == 1, proc.stderr
        data = json.loads(proc.stdout)
        del data["stats"]["seconds"], data["stats"]["states_per_second"]
        outputs.append(data)
    assert outputs[0] == outputs[1]
    assert json.dumps(outputs[0]) == json.dumps(outputs[1])  # same key order too


def test_the_application_choices_are_printed_with_the_configuration():
    """--commit, --processing and --after-abort are not Kafka settings, so the effective
    configuration does not hold them; the report names them (never a silent default)."""
    res, data = run_json("-X", "transactional.id=t", "-X", "enable.auto.commit=false", "--commit", "transactional",
                         "--after-abort", "keep-position", "--messages", "1", "--max-faults", "1",
                         "--faults", "output-failure")
    assert data["application"] == {"commit": "transactional", "processing": "sync", "after_abort": "keep-position"}
    text = CliRunner().invoke(main, ["verify", "--messages", "1", "--max-faults", "0"]).output
    assert "Application: --commit auto  --processing sync\n" in text


def test_after_abort_without_the_transactional_loop_is_one_line_and_exit_2():
    run = CliRunner().invoke(main, ["verify", "--after-abort", "keep-position", "--messages", "1"])
    assert run.exit_code == 2 and len(run.output.strip().splitlines()) == 1
    assert "applies to the consume-transform-produce loop" in run.output
    run = CliRunner().invoke(main, ["verify", "--faults", "output-failure", "--messages", "1"])
    assert run.exit_code == 2 and "output-failure needs --commit transactional" in run.output

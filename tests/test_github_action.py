"""The GitHub Action (action.yml, src/semcheck/github_action.py; docs/ci.md), without GitHub: the
script runs with file-backed GITHUB_STEP_SUMMARY and GITHUB_OUTPUT, and what it wrote is read back
with each format's own rules (GitHub's output-file syntax, the official SARIF schema, the Markdown
table and a strict Mermaid parser).  action.yml and the example workflow are parsed with PyYAML and
held against the script's tables, so neither can drift from it.  Bounds stay at 1-2 messages and
1 fault: each check takes well under a second.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from semcheck import cli
from semcheck.github_action import INPUTS, NOT_CHECKED, OUTPUTS, expand_config, run, verdict_output, write_outputs
from semcheck.properties import ALL_PROPERTIES
from test_formats import SARIF_SCHEMA, _markdown_table, _mermaid_blocks, parse_mermaid

REPO = Path(__file__).resolve().parent.parent
VIOLATING = "examples/fire-and-forget.properties"  # acks=0: no-acked-loss is violated
PASSING = "examples/at-least-once.properties"  # acks=all, min.insync.replicas=2: no-acked-loss holds
SECRETS = ("example-password-not-real", "example-truststore-password")  # in examples/team/*.properties


def parse_github_output(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as GitHub reads it: ``name=value`` lines, or ``name<<DELIMITER`` then the
    value's lines up to a line that is exactly DELIMITER."""
    outputs, lines = {}, text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i)
            outputs[name] = "\n".join(lines[i:end])
            i = end + 1
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
        assert name not in list(outputs)[:-1], f"output {name} written twice"
    return outputs


class ActionRun:
    """One run of the action's script: its exit status and everything it wrote."""

    def __init__(self, tmp_path: Path, capsys, **inputs: str):
        self.summary_file, self.output_file = tmp_path / "summary.md", tmp_path / "github_output"
        self.sarif_path = tmp_path / "semcheck.sarif"
        env = {"GITHUB_STEP_SUMMARY": str(self.summary_file), "GITHUB_OUTPUT": str(self.output_file),
               "RUNNER_TEMP": str(tmp_path), INPUTS["sarif-file"]: str(self.sarif_path)}
        for name, value in inputs.items():
            env[INPUTS[name.replace("_", "-")]] = value
        self.status = run(env)
        captured = capsys.readouterr()
        self.stdout, self.stderr = captured.out, captured.err
        self.summary = self.summary_file.read_text(encoding="utf-8") if self.summary_file.exists() else ""
        self.outputs = parse_github_output(self.output_file.read_text(encoding="utf-8"))

    def sarif(self) -> dict:
        return json.loads(self.sarif_path.read_text(encoding="utf-8"))

    def everything_written(self) -> str:
        files = [self.sarif_path, Path(self.outputs["json-file"])] if self.outputs["json-file"] else []
        return "\n".join([self.stdout, self.stderr, self.summary, self.output_file.read_text()]
                         + [f.read_text() for f in files])


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch):
    # config paths are relative to the workspace on GitHub: here the repository root, which SARIF's
    # artifact locations are relative to as well
    monkeypatch.chdir(REPO)


def _line_of(path: str, key: str) -> int:
    lines = (REPO / path).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(f"{key}="))


def test_a_violating_file_fails_with_summary_diagram_sarif_and_outputs(tmp_path, capsys):
    act = ActionRun(tmp_path, capsys, config=VIOLATING, properties="no-acked-loss in-order", messages="1",
                    max_faults="1")
    assert act.status == 1
    assert act.outputs == {
        "result": "violated", "exit-code": "1",
        "verdict-no-loss": NOT_CHECKED, "verdict-no-acked-loss": "violated",
        "verdict-no-duplicate": NOT_CHECKED, "verdict-in-order": "holds",
        "sarif-file": str(act.sarif_path), "json-file": act.outputs["json-file"]}
    report = json.loads(Path(act.outputs["json-file"]).read_text())
    assert {r["property"]: r["verdict"] for r in report["results"]} == {"no-acked-loss": "violated",
                                                                         "in-order": "holds"}
    # the summary: the verdict table and one Mermaid diagram, of the no-acked-loss counterexample
    table = _markdown_table(act.summary)
    assert table[0] == ["Property", "Verdict", "Why"]
    assert [(row[0], row[1]) for row in table[1:]] == [("no-acked-loss", "❌ violated"), ("in-order", "✅ holds")]
    assert "acks=0: the producer counts each send as successful" in table[1][2]
    (block,) = _mermaid_blocks(act.summary)
    participants, events = parse_mermaid(block)
    assert "producer" in participants.values() and "consumer" in participants.values()
    trace = next(r["trace"] for r in report["results"] if r["property"] == "no-acked-loss")
    assert len(events) == len(trace)
    assert any(text.startswith("fault: ") for _, _, text in events)
    # SARIF: valid, one result, on the line of the file that sets acks
    log = act.sarif()
    jsonschema.validate(log, SARIF_SCHEMA)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "no-acked-loss"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == VIOLATING
    assert location["region"]["startLine"] == _line_of(VIOLATING, "acks")
    # the step's log carries the text report
    assert "Counterexample for no-acked-loss" in act.stdout


def test_a_passing_file_passes_and_still_writes_every_output(tmp_path, capsys):
    act = ActionRun(tmp_path, capsys, config=PASSING, properties="no-acked-loss,", messages="2", max_faults="1")
    assert act.status == 0
    assert act.outputs["result"] == "holds" and act.outputs["exit-code"] == "0"
    assert act.outputs[verdict_output("no-acked-loss")] == "holds"
    assert [act.outputs[verdict_output(p)] for p in ALL_PROPERTIES if p != "no-acked-loss"] == [NOT_CHECKED] * 3
    assert [row[:2] for row in _markdown_table(act.summary)[1:]] == [["no-acked-loss", "✅ holds"]]
    assert _mermaid_blocks(act.summary) == []
    log = act.sarif()
    jsonschema.validate(log, SARIF_SCHEMA)
    assert log["runs"][0]["results"] == []
    assert [a["location"]["uri"] for a in log["runs"][0]["artifacts"]] == [PASSING]


def test_inconclusive_fails_by_default_and_passes_when_told(tmp_path, capsys):
    cut = dict(config=VIOLATING, messages="1", max_faults="1", args="--max-states 5")
    (tmp_path / "strict").mkdir()
    strict = ActionRun(tmp_path / "strict", capsys, **cut)
    assert strict.status == 3
    assert strict.outputs["result"] == "inconclusive" and strict.outputs["exit-code"] == "3"
    assert {strict.outputs[verdict_output(p)] for p in ALL_PROPERTIES} == {"inconclusive"}
    (tmp_path / "lenient").mkdir()
    lenient = ActionRun(tmp_path / "lenient", capsys, fail_on_inconclusive="false", **cut)
    assert lenient.status == 0
    # the outputs still say what happened: only the job's status changes
    assert lenient.outputs["result"] == "inconclusive" and lenient.outputs["exit-code"] == "3"
    jsonschema.validate(lenient.sarif(), SARIF_SCHEMA)


@pytest.mark.parametrize("inputs, error", [
    (dict(config=VIOLATING, messages="abc"), "Invalid value for '--messages': 'abc' is not a valid integer."),
    (dict(config=VIOLATING, properties="no-loss no-such-property"), "no-such-property"),
    (dict(config=VIOLATING, args="--no-such-option"), "No such option '--no-such-option'."),
    (dict(config="examples/no-such-file.properties"), "examples/no-such-file.properties"),
    (dict(config="examples/nothing-*.properties"), "config: no file matches 'examples/nothing-*.properties'"),
    (dict(config=""), "config: no settings file given"),
    (dict(config=VIOLATING, args="--timeout '600"), "args: cannot split into words: No closing quotation"),
    (dict(config=VIOLATING, fail_on_inconclusive="maybe"), "fail-on-inconclusive: expected true or false"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, inputs, error):
    act = ActionRun(tmp_path, capsys, **inputs)
    assert act.status == 2
    (line,) = act.stderr.splitlines()
    assert line.startswith("semcheck: error: ") and error in line
    assert "Traceback" not in act.stdout + act.stderr
    assert act.outputs["result"] == "error" and act.outputs["exit-code"] == "2"
    assert act.outputs["sarif-file"] == "" and act.outputs["json-file"] == ""
    assert {act.outputs[verdict_output(p)] for p in ALL_PROPERTIES} == {NOT_CHECKED}
    assert line in act.summary  # the summary says why, not only the log


def test_globs_keep_their_role_and_secrets_reach_no_output(tmp_path, capsys):
    assert expand_config(["topic:examples/team/orders-*.properties", "examples/team/*.properties"]) == [
        "topic:examples/team/orders-topic.properties", "examples/team/consumer.properties",
        "examples/team/orders-topic.properties", "examples/team/producer.properties",
        "examples/team/server.properties"]
    act = ActionRun(tmp_path, capsys, config="examples/team/*.properties", messages="1", max_faults="1")
    assert act.status == 1
    log = act.sarif()
    jsonschema.validate(log, SARIF_SCHEMA)
    assert [a["location"]["uri"] for a in log["runs"][0]["artifacts"]] == [
        f"examples/team/{name}.properties" for name in ("consumer", "orders-topic", "producer", "server")]
    written = act.everything_written()
    assert "sasl.jaas.config" in act.stdout  # the key is listed as not modelled: the file was read
    for secret in SECRETS:
        assert secret not in written


def test_one_search_feeds_every_output(tmp_path, capsys, monkeypatch):
    calls = []
    real_verify = cli.run_verify
    monkeypatch.setattr(cli, "run_verify", lambda *a, **k: calls.append(1) or real_verify(*a, **k))
    act = ActionRun(tmp_path, capsys, config=VIOLATING, messages="1", max_faults="1")
    assert len(calls) == 1
    report = json.loads(Path(act.outputs["json-file"]).read_text())
    states = f"Explored {report['stats']['states']:,} states"
    assert states in act.summary and states in act.stdout
    assert act.sarif()["runs"][0]["properties"]["verdicts"] == {r["property"]: r["verdict"] for r in report["results"]}


def test_verify_report_option_writes_each_format_from_the_same_run(tmp_path):
    paths = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "markdown", "sarif", "text")}
    args = ["verify", "--config", VIOLATING, "--messages", "1", "--max-faults", "1", "--format", "sarif"]
    for fmt, path in paths.items():
        args += ["--report", f"{fmt}={path}"]
    res = CliRunner().invoke(cli.main, args)
    assert res.exit_code == 1
    assert res.stdout == paths["sarif"].read_text()  # one Result, rendered twice the same
    states = json.loads(paths["json"].read_text())["stats"]["states"]
    for fmt in ("markdown", "text"):
        assert f"Explored {states:,} states" in paths[fmt].read_text()


@pytest.mark.parametrize("spec, error", [
    ("pdf=out.pdf", "unknown format 'pdf'; choose from text, json, junit, sarif, markdown"),
    ("sarif", "expected FORMAT=FILE"),
    ("sarif=", "expected FORMAT=FILE"),
    ("sarif=no-such-dir/out.sarif", "does not exist"),
])
def test_verify_report_option_refuses_bad_specs_before_the_search(spec, error):
    res = CliRunner().invoke(cli.main, ["verify", "--messages", "1", "--report", spec])
    assert res.exit_code == 2
    (line,) = res.stderr.splitlines()
    assert line.startswith("semcheck: error: --report") and error in line


def test_verify_report_option_refuses_one_file_twice(tmp_path):
    path = tmp_path / "out"
    res = CliRunner().invoke(cli.main, ["verify", "--report", f"json={path}", "--report", f"sarif={path}"])
    assert res.exit_code == 2 and "is given twice" in res.stderr


def test_multiline_outputs_use_a_delimiter_the_value_does_not_hold(tmp_path):
    path = tmp_path / "out"
    values = {"plain": "holds", "lines": "a\nSEMCHECK_EOF\nb", "empty": ""}
    write_outputs(str(path), values)
    assert parse_github_output(path.read_text()) == values


# ------------------------------------------------------------------------------------------------
# action.yml and the example workflow, against the script
# ------------------------------------------------------------------------------------------------

def _action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text())


def _step(action: dict, step_id: str) -> dict:
    return next(step for step in action["runs"]["steps"] if step.get("id") == step_id)


def test_action_yml_passes_every_script_input_and_maps_every_output():
    action = _action()
    assert action["runs"]["using"] == "composite"
    step = _step(action, "semcheck")
    assert "-m semcheck.github_action" in step["run"]
    env = {k: v for k, v in step["env"].items() if k.startswith("INPUT_")}
    assert env == {var: f"${{{{ inputs.{name} }}}}" for name, var in INPUTS.items()}
    # the inputs the script does not read are used by another step, so none is dead
    others = yaml.safe_dump([s for s in action["runs"]["steps"] if s is not step])
    for name in set(action["inputs"]) - set(INPUTS):
        assert f"inputs.{name} " in others, name
    assert action["inputs"]["config"]["required"] is True
    assert set(INPUTS) <= set(action["inputs"])
    outputs = action["outputs"]
    assert tuple(outputs) == OUTPUTS
    for name, output in outputs.items():
        assert output["value"] == f"${{{{ steps.semcheck.outputs.{name} }}}}"


def test_action_yml_installs_from_the_action_and_uploads_sarif_even_after_a_failure():
    action = _action()
    assert '"$GITHUB_ACTION_PATH"' in _step(action, "install")["run"]
    upload = next(s for s in action["runs"]["steps"] if "upload-sarif" in s.get("uses", ""))
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "!cancelled()" in upload["if"] and "inputs.upload-sarif == 'true'" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ steps.semcheck.outputs.sarif-file }}"
    # the check step records the script's status instead of failing, and the last step fails the job
    # with it, so the upload above never relies on the outputs of a failed step
    assert "|| status=$?" in _step(action, "semcheck")["run"]
    assert 'echo "status=$status" >> "$GITHUB_OUTPUT"' in _step(action, "semcheck")["run"]
    last = action["runs"]["steps"][-1]
    assert last["if"] == "${{ steps.semcheck.outputs.status != '0' }}"
    assert last["env"]["STATUS"] == "${{ steps.semcheck.outputs.status }}" and 'exit "$STATUS"' in last["run"]
    # no expression inside a shell script: inputs reach scripts through env (GitHub's hardening guide)
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("id")


def test_the_example_workflow_uses_the_action_on_pull_requests():
    workflow = yaml.safe_load((REPO / "examples/github/semcheck.yml").read_text())
    on = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in on and on["pull_request"]["paths"] == ["**.properties"]
    assert workflow["permissions"]["security-events"] == "write"
    (job,) = workflow["jobs"].values()
    (uses,) = [s for s in job["steps"] if s.get("uses", "").endswith("/semcheck@main")]
    assert set(uses["with"]) <= set(_action()["inputs"])
    assert "config" in uses["with"]
    for line in uses["with"]["config"].split():
        assert re.fullmatch(r"((producer|consumer|broker|topic|client):)?[\w/*.-]+\.properties", line)


def test_the_readme_shows_what_a_local_run_writes(tmp_path, capsys):
    """README "In CI": the summary and the outputs of its local run are this script's, except for
    what the README says varies (the search's time and rate, the JSON report's temporary folder)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## In CI"):readme.index("## Exactly-once")]
    command = re.search(r"\$ (GITHUB_STEP_SUMMARY=.*?python -m semcheck\.github_action)", section, flags=re.S)[1]
    inputs = dict(re.findall(r"INPUT_(\w+)=(\"[^\"]*\"|\S+)", command))
    assert inputs["SARIF_FILE"] == "/tmp/semcheck.sarif"
    act = ActionRun(tmp_path, capsys, **{name.lower(): value.strip('"') for name, value in inputs.items()
                                         if name != "SARIF_FILE"})
    timing = re.compile(r"in [0-9.]+ s \([0-9,]+ states/s\)")
    shown_summary = re.search(r"````markdown\n(.*?)````", section, flags=re.S)[1]
    assert timing.sub("TIME", act.summary) == timing.sub("TIME", shown_summary)
    shown_outputs = parse_github_output(re.search(r"step outputs to .*?```\n(.*?)```", section, flags=re.S)[1])
    assert shown_outputs == {**act.outputs, "sarif-file": "/tmp/semcheck.sarif",
                             "json-file": "/tmp/semcheck-XXXXXXXX/report.json"}
    assert act.status == 1 and "exits with status 1" in section
    (result,) = act.sarif()["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 3  # "on line 3", as shown

"""The JSON Schema of ``--format json`` (src/semcheck/report/json_schema.json, shipped in the package)
checked with jsonschema against real outputs: holds, violated, inconclusive, --engine both, replay."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from click.testing import CliRunner

import semcheck
from semcheck.cli import main
from semcheck.model.bounds import FAULT_CLASSES
from semcheck.report.json import json_schema, render_json

VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def _errors(doc) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in VALIDATOR.iter_errors(doc)]


def test_the_schema_is_a_valid_draft_2020_12_schema_and_ships_with_the_package():
    jsonschema.Draft202012Validator.check_schema(json_schema())


def test_the_schema_names_every_fault_class():
    faults = json_schema()["properties"]["bounds"]["properties"]["faults"]["items"]["enum"]
    assert faults == list(FAULT_CLASSES)


def test_the_schema_names_every_way_a_search_stops():
    """Each Stop an explicit search can report (Stats.stopped_by) is a value the schema accepts."""
    from semcheck.checker.result import Stop

    explicit = json_schema()["$defs"]["stats"]["oneOf"][1]["properties"]["stopped_by"]["enum"]
    assert set(explicit) == {stop.value for stop in Stop} | {None}


CASES = {
    "violated": dict(settings={"acks": "1"}, messages=2, max_faults=1),
    "holds": dict(settings={}, messages=2, faults=[]),
    "inconclusive": dict(settings={"acks": "1"}, messages=2, max_faults=1, max_states=50),
    # --engine both also covers the symbolic engine's statistics (engine_stats) and answers (engines)
    "both": dict(settings={"acks": "0"}, messages=1, max_faults=1, faults=["network"], engine="both"),
    "transactional": dict(settings={"transactional.id": "t"}, commit="transactional", messages=2,
                          max_faults=1, faults=["app-abort"]),
}


@pytest.mark.parametrize("name", CASES)
def test_real_outputs_match_the_schema(name):
    kwargs = dict(CASES[name])
    doc = json.loads(render_json(semcheck.verify(kwargs.pop("settings"), **kwargs)))
    assert _errors(doc) == []
    verdicts = {r["verdict"] for r in doc["results"]}
    expected = {"violated": {"violated"}, "holds": {"holds"}, "inconclusive": {"inconclusive"}}.get(name)
    if expected:
        assert verdicts == expected
    if name == "both":
        assert all(set(r["engines"]) == {"explicit", "symbolic"} for r in doc["results"])


def test_a_replay_matches_the_schema(tmp_path):
    path = tmp_path / "trace.json"
    semcheck.verify({"acks": "1"}, messages=2, max_faults=1).save_trace(path)
    res = CliRunner().invoke(main, ["replay", str(path), "--format", "json"])
    doc = json.loads(res.stdout)
    assert doc["engine"] == "replay" and _errors(doc) == []


def test_the_schema_rejects_outputs_that_break_the_contract():
    doc = json.loads(render_json(semcheck.verify({"acks": "1"}, messages=2, max_faults=1)))
    for mutate in (lambda d: d["results"][0].update(verdict="VIOLATED"),  # not a verdict
                   lambda d: d.pop("stats"),  # a required key
                   lambda d: d["results"][0]["trace"][0].update(step=0),  # steps count from 1
                   lambda d: d.update(extra=1),  # an undocumented key
                   lambda d: d["results"][0].pop("why")):  # a violation without its reason
        broken = copy.deepcopy(doc)
        mutate(broken)
        assert _errors(broken), mutate


def test_a_violation_names_its_mechanism_in_the_json():
    doc = json.loads(render_json(semcheck.verify({"acks": "1"}, messages=2, max_faults=1)))
    no_loss = doc["results"][0]
    assert no_loss["mechanism"]["id"] == "acks-below-all" and no_loss["mechanism"]["keys"] == ["acks"]


def test_the_config_file_keys_are_described():
    """settings_from, setting_sources, not_modelled, not_read: what a --config file reader adds to the
    report (docs/config-files.md); optional, but checked when present."""
    doc = json.loads(render_json(semcheck.verify({}, messages=1, faults=[])))
    doc.update(settings_from=[{"path": "app.properties", "role": "producer", "role_inferred": False}],
               setting_sources={"acks": {"path": "app.properties", "line": 3}},
               not_modelled={"count": 1, "keys": ["linger.ms"], "change_delivery": {}},
               not_read=[{"key": "group.id", "path": "app.properties", "line": 4, "why": "a consumer setting"}])
    assert _errors(doc) == []
    doc["setting_sources"]["acks"]["line"] = 0  # lines count from 1
    assert _errors(doc)

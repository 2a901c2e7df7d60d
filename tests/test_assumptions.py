"""Every holds names what it rests on (the broker-versions issue: "so a reader knows what was not
checked"): the bounds, the broker line, the client, the timeouts the model leaves out, the topology,
the coordinators, and for an eventually-property fairness.  The list depends on the configuration;
a violated or inconclusive verdict lists nothing (a counterexample rests on no such assumption: it is
a run Kafka's code allows)."""

from __future__ import annotations

import json

from click.testing import CliRunner

import semcheck
from semcheck.model.versions import NEWEST
from semcheck import HOLDS, VIOLATED
from semcheck.cli import main

SMALL = dict(messages=1, max_faults=1, faults=["network"])


def _ids(assumed):
    return [a.id for a in assumed]


def test_a_holds_lists_its_assumptions_and_fairness_only_for_liveness():
    r = semcheck.verify({}, **SMALL)
    assert {p.verdict for p in r.results} == {HOLDS}
    assert _ids(r.assumptions_of("no-loss")) == ["bounds", "broker-line", "client", "delivery-timeout",
                                                "topology", "coordinators", "fairness"]
    assert "fairness" not in _ids(r.assumptions_of("no-duplicate"))  # an invariant needs no fairness
    bounds = r.assumptions_of("in-order")[0].text
    assert "at most 1 message and 1 fault (classes: network)" in bounds
    assert f"Kafka {NEWEST.name} in KRaft mode" in r.assumptions_of("in-order")[1].text


def test_the_list_follows_the_configuration():
    r = semcheck.verify({"transactional.id": "t", "isolation.level": "read_committed"}, messages=1, max_faults=1,
                        faults=["producer-zombie"], broker_version="3.8")
    held = [p.property for p in r.results if p.verdict == HOLDS]
    assert held
    assumed = r.assumptions_of(held[0])
    assert "transaction-timeout" in _ids(assumed)
    texts = " ".join(a.text for a in assumed)
    assert "one paused old instance" in texts and "transaction coordinator" in texts
    assert "Kafka 3.7-3.8" in texts
    plain = semcheck.verify({}, **SMALL)
    assert "transaction-timeout" not in _ids(plain.assumptions_of("no-loss"))
    assert "transaction coordinator" not in " ".join(a.text for a in plain.assumptions_of("no-loss"))


def test_a_violated_verdict_rests_on_no_assumption():
    r = semcheck.verify({"acks": "0"}, **SMALL)
    assert r.verdict("no-loss") == VIOLATED
    assert r.assumptions_of("no-loss") == []


def test_json_and_text_carry_them():
    run = CliRunner().invoke(main, ["verify", "--acks", "0", "--messages", "1", "--max-faults", "1",
                                    "--faults", "network", "--format", "json"])
    results = {r["property"]: r for r in json.loads(run.output)["results"]}
    assert "assumptions" not in results["no-loss"]  # violated
    held = results["no-duplicate"]
    assert held["verdict"] == "holds"
    assert [a["id"] for a in held["assumptions"]][:2] == ["bounds", "broker-line"]
    assert all(set(a) == {"id", "text"} and a["text"] for a in held["assumptions"])
    text = CliRunner().invoke(main, ["verify", "--messages", "1", "--max-faults", "1", "--faults", "network"]).output
    assert "It rests on what the model leaves out:" in text
    assert "delivery.timeout.ms passes only while the producer is held up until a fault ends" in text
    transactional = semcheck.verify({"transactional.id": "t"}, messages=1, max_faults=1, faults=["network"])
    ids = [a.id for a in transactional.assumptions_of("no-duplicate")]
    assert "transaction-timeout" in ids and "after-abort" in ids
    assert "(for no-loss, no-acked-loss)" in text  # fairness, for the eventually-properties only

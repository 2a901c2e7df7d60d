"""The mechanism named for a counterexample (src/semcheck/report/mechanism.py), on real searches:
the table docs/formats.md documents, one configuration per mechanism."""

from __future__ import annotations

import pytest

import semcheck
from semcheck.report.mechanism import MECHANISMS, RULES, UNCLASSIFIED, mechanism_for

CASES = [
    # (settings, options, property, mechanism id, the key it points at)
    ({"acks": "1"}, dict(max_faults=1), "no-acked-loss", "acks-below-all", "acks"),
    ({"acks": "0"}, dict(max_faults=1, faults=["network"]), "no-loss", "acks-below-all", "acks"),
    ({"unclean.leader.election.enable": "true", "replication.factor": "2"},
     dict(messages=1, max_faults=2, faults=["follower-lag", "broker-crash"]), "no-acked-loss", "unclean-election",
     "unclean.leader.election.enable"),
    ({"min.insync.replicas": "1"}, dict(max_faults=2, faults=["follower-lag", "broker-crash"]), "no-loss",
     "min-insync-replicas-one", "min.insync.replicas"),
    ({}, dict(max_faults=1, faults=["power-loss"]), "no-loss", "unflushed-tail-lost", "min.insync.replicas"),
    ({"retries": "0"}, dict(max_faults=1, faults=["network"]), "no-loss", "producer-gave-up", "retries"),
    ({}, dict(max_faults=1), "no-loss", "commit-before-processing", "enable.auto.commit"),
    ({}, dict(max_faults=1), "no-duplicate", "consumer-redelivery", "enable.auto.commit"),
    ({}, dict(commit="before-process", max_faults=1, faults=["producer-crash"]), "no-duplicate",
     "producer-restart-resend", "transactional.id"),
    ({"enable.idempotence": "false"}, dict(max_faults=1, faults=["network"]), "no-duplicate",
     "retry-without-idempotence", "enable.idempotence"),
    ({"enable.idempotence": "false"}, dict(max_faults=1, faults=["network"]), "in-order", "retry-reordering",
     "max.in.flight.requests.per.connection"),
    # idempotence off (acks=1 turns it off): the leader's crash closes the connection, so the producer
    # resends a record already written (Sender.failBatch on disconnect, retried), or re-queues two
    # failed batches in reverse order (RecordAccumulator.reenqueue puts each at the front; 3.9.1)
    ({"acks": "1", "retries": "3"}, dict(max_faults=1, faults=["broker-crash"]), "no-duplicate",
     "retry-without-idempotence", "enable.idempotence"),
    ({"acks": "1", "retries": "3"}, dict(max_faults=1, faults=["broker-crash"]), "in-order", "retry-reordering",
     "max.in.flight.requests.per.connection"),
    ({"min.insync.replicas": "1"}, dict(max_faults=2, faults=["follower-lag", "broker-crash"]), "in-order",
     "epoch-bump-resend", "enable.idempotence"),
    ({"transactional.id": "t"}, dict(commit="transactional", max_faults=1, faults=["app-abort"]), "no-duplicate",
     "reads-aborted-records", "isolation.level"),
]


@pytest.mark.parametrize("settings, options, prop, expected, key", CASES,
                         ids=[f"{c[2]}-{c[3]}" for c in CASES])
def test_the_mechanism_of_a_real_counterexample(settings, options, prop, expected, key):
    options = {"messages": 2, **options}
    result = semcheck.verify(settings, properties=[prop], **options)
    r = result[prop]
    assert r.verdict == "violated"
    mechanism = mechanism_for(result, r)
    assert mechanism.id == expected
    assert mechanism.keys[0] == key


def test_every_mechanism_has_a_rule_and_a_key_except_unclassified():
    ruled = [m for m, _ in RULES]
    assert sorted(m.id for m in ruled) == sorted(m.id for m in MECHANISMS if m is not UNCLASSIFIED)
    assert len({m.id for m in MECHANISMS}) == len(MECHANISMS)
    assert all(m.keys for m in MECHANISMS if m is not UNCLASSIFIED)


def test_a_trace_no_rule_explains_is_unclassified_and_named_by_its_faults():
    from semcheck.checker.result import Change, PropertyResult, Step, Trace
    from semcheck.report.mechanism import describe, mechanism_of

    step = Step(1, "broker 2", "stops fetching", (Change("broker 2", "a", "b"),), "follower-lag", "stops fetching")
    trace = Trace({}, (step,), {})
    mechanism = mechanism_of(PropertyResult("in-order", "violated", trace), {"acks": "all"})
    assert mechanism is UNCLASSIFIED
    assert describe(mechanism, trace).endswith("(faults: follower-lag)")

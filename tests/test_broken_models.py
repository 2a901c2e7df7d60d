"""Both engines must catch a deliberately broken action.

Each case breaks one action of the Kafka model in a subclass, and names a property that holds for
the real model but must then be violated.  Both engines run the same broken definition, so this
checks that a change to an action reaches both searches, and that neither misses the consequence.
The explicit engine proves the property for the real model; the symbolic engine, which needs far
longer for a proof at the model's granularity, must find no counterexample for it at the depth
where it finds the broken model's.
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck import HOLDS, VIOLATED
from semcheck.checker.explicit import ExplicitSearch
from semcheck.checker.search import SearchSettings
from semcheck.checker.symbolic import SymbolicSearch
from semcheck.model.kafka import KafkaModel
from semcheck.model.kafka_codes import OK
from semcheck.properties import ALL_PROPERTIES


class LeaderForgetsSequences(KafkaModel):
    """The leader never finds an earlier sequence of the producer id: it appends retries again."""

    def _producer_state(self, s, pid, epoch, seq):
        _, offset, fenced, _ = super()._producer_state(s, pid, epoch, seq)
        return False, offset, fenced, True


class AcksAllAnswersAtOnce(KafkaModel):
    """acks=all answered as soon as the leader has appended, without waiting for the ISR."""

    def _append(self, c):
        effect = super()._append(c)

        def broken(s, nx):
            guard = effect(s, nx)
            nx.req_stage[c] = OK
            return guard

        return broken


class LeaderIgnoresProducerEpochs(KafkaModel):
    """The leader never fences: a paused old producer instance's request is appended even after
    the new instance's epoch is known (KIP-98's zombie fencing removed)."""

    def _producer_state(self, s, pid, epoch, seq):
        duplicate, offset, _, in_sequence = super()._producer_state(s, pid, epoch, seq)
        return duplicate, offset, False, True


CASES = [
    (LeaderForgetsSequences, {}, dict(faults=["network"], max_faults=1, messages=1), "no-duplicate"),
    (AcksAllAnswersAtOnce, {"acks": "all"}, dict(faults=["broker-crash"], max_faults=1, messages=1),
     "no-acked-loss"),
    (LeaderIgnoresProducerEpochs,
     {"transactional.id": "app-1", "isolation.level": "read_committed", "replication.factor": "1",
      "auto.offset.reset": "earliest"},
     dict(faults=["producer-zombie"], max_faults=1, messages=1), "no-duplicate"),
]


@pytest.mark.parametrize("broken,settings,options,prop", CASES, ids=[c[0].__name__ for c in CASES])
def test_both_engines_catch_a_broken_action(broken, settings, options, prop):
    good = semcheck.build_model(settings, **options)
    bad = broken(good.config, good.bounds, good.merges)
    chosen = [ALL_PROPERTIES[prop]]
    assert ExplicitSearch(good, chosen).run().results[0].verdict == HOLDS
    explicit = ExplicitSearch(bad, chosen).run().results[0]
    symbolic = SymbolicSearch(bad, chosen, SearchSettings(timeout=120)).run().results[0]
    assert explicit.verdict == VIOLATED and symbolic.verdict == VIOLATED
    assert len(explicit.trace) == len(symbolic.trace)
    unbroken = SymbolicSearch(good, chosen, SearchSettings(depth=len(explicit.trace) + 1, timeout=120)).run().results[0]
    assert unbroken.verdict != VIOLATED, unbroken.reason

"""Both engines must catch a deliberately broken action.

Each case breaks one action of the Kafka model in a subclass, and names a property that holds for
the real model but must then be violated.  Both engines run the same broken definition, so this
checks that a change to an action reaches both searches, and that neither misses the consequence.
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck import HOLDS, VIOLATED
from semcheck.checker.explicit import ExplicitSearch
from semcheck.checker.symbolic import SymbolicSearch
from semcheck.model.kafka import KafkaModel
from semcheck.model.kafka_codes import OK
from semcheck.properties import ALL_PROPERTIES


class LeaderForgetsSequences(KafkaModel):
    """The leader never finds an earlier sequence of the producer id: it appends retries again."""

    def _sequence_check(self, s, c):
        seq, _ = super()._sequence_check(s, c)
        return seq, seq - 1


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

    def _epoch_known(self, s):
        return 0


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
    bad = broken(good.config, good.bounds)
    chosen = [ALL_PROPERTIES[prop]]
    verdicts = {}
    for name, model in (("good", good), ("bad", bad)):
        _, explicit, _ = ExplicitSearch(model, chosen).run()
        _, symbolic, _ = SymbolicSearch(model, chosen, timeout=120).run()
        verdicts[name] = (explicit[0], symbolic[0])
    assert [r.verdict for r in verdicts["good"]] == [HOLDS, HOLDS]
    explicit, symbolic = verdicts["bad"]
    assert explicit.verdict == VIOLATED and symbolic.verdict == VIOLATED
    assert len(explicit.trace) == len(symbolic.trace)

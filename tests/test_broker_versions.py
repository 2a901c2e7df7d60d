"""The brokers' release line (``--broker-version``): each rule that changed between Kafka releases,
checked on every line semcheck models.  Sources, checked against apache/kafka at the tags:

* KAFKA-15583 (PR #14594, in 3.7.0): ``Partition.maybeIncrementLeaderHW`` returns early while
  ``isUnderMinIsr``; ``Partition.effectiveMinIsr`` = min(min.insync.replicas, replica count).  Its
  unit test PartitionTest.testHighWatermarkAdvanceShouldNotAdvanceWhenUnderMinISR (3.7.0).
* KAFKA-12670 (PR #16866, in 3.9.0): the KRaft controller honours unclean.leader.election.enable;
  before, ConfigurationControlManager.uncleanLeaderElectionEnabledForTopic returns false (3.6.2,
  3.7.0, 3.8.0).
* Partition.isFollowerInSync (3.6.2 and 3.7.0): a follower rejoins once its log end reaches the high
  watermark, so a frozen high watermark lets a follower rejoin before it has the leader's whole log.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import semcheck
from semcheck import HOLDS, VIOLATED
from semcheck.cli import main
from semcheck.model.api import And, Count, Or, StatePredicate
from semcheck.model.config import ConfigError
from semcheck.model.kafka import KafkaModel
from semcheck.model.versions import LINES, NEWEST
from semcheck.properties import INVARIANT, Property

from test_model_steps import step

OLD, FROZEN = "3.6", ["3.7", "3.8", "3.9", "4.0", "4.1"]  # before and after KAFKA-15583
EVERY_LINE = [OLD, *FROZEN]


# ---- choosing a line ------------------------------------------------------------------------------

@pytest.mark.parametrize("version,line", [("3.6", "3.6"), ("3.6.2", "3.6"), ("3.7", "3.7-3.8"), ("3.8.1", "3.7-3.8"),
                                          ("3.9", "3.9"), ("3.9.0", "3.9"), (" 3.9 ", "3.9"), ("4.0.1", "4.0"),
                                          ("4.1", "4.1-4.2"), ("4.2.0", "4.1-4.2")])
def test_a_release_is_checked_by_its_line(version, line):
    model = semcheck.build_model({}, messages=1, max_faults=0, broker_version=version)
    assert model.config.broker.name == line


def test_the_default_is_the_newest_line_and_every_report_names_it():
    result = semcheck.verify({}, messages=1, max_faults=0)
    assert result.broker == NEWEST.name == LINES[-1].name
    run = CliRunner().invoke(main, ["verify", "--messages", "1", "--max-faults", "0", "--format", "json"])
    assert json.loads(run.output)["broker_version"] == NEWEST.name
    run = CliRunner().invoke(main, ["verify", "--messages", "1", "--max-faults", "0", "--broker-version", "3.8"])
    assert "Brokers: Kafka 3.7-3.8 in KRaft mode" in run.output


@pytest.mark.parametrize("version,says", [
    ("4.3", "audited up to 4.2"),  # not audited yet: never a silently older answer
    ("5.0.1", "audited up to 4.2"),
    ("3.5", "audited against 3.6.2 and later"),
    ("2.8", "audited against 3.6.2 and later"),
    ("latest", "expected a Kafka release such as 4.1"),
    ("3", "expected a Kafka release such as 4.1"),
    ("3.9.x", "expected a Kafka release such as 4.1"),
    ("", "expected a Kafka release such as 4.1"),
])
def test_a_release_semcheck_does_not_model_is_one_line_and_exit_2(version, says):
    with pytest.raises(ConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        semcheck.verify({}, messages=1, max_faults=0, broker_version=version)
    run = CliRunner().invoke(main, ["verify", "--broker-version", version])
    assert run.exit_code == 2
    assert says in run.output and run.output.count("\n") == 1
    assert "Traceback" not in run.output


# ---- min.insync.replicas above the replica count (KAFKA-15583) -------------------------------------

def test_min_isr_above_the_replica_count_blocks_acks_all_until_the_delivery_timeout_before_3_7():
    """3.6.2 Partition.appendRecordsToLeader compares the ISR with min.insync.replicas as written:
    with more than there are replicas every acks=all produce gets NOT_ENOUGH_REPLICAS, retried until
    delivery.timeout.ms fails the send (KIP-91).  Without the timeout it would be a lasso: the
    variant below shows the retry cycle the deadline ends."""
    r = semcheck.verify({"replication.factor": "1", "min.insync.replicas": "2"}, faults=[], messages=1,
                        broker_version=OLD)
    assert r.verdict("no-loss") == VIOLATED
    assert any("delivery.timeout.ms" in st.action for st in r["no-loss"].trace.steps)
    assert any("acks=all can then never succeed on brokers 3.6" in note for note in r.notes)
    endless = semcheck.verify({"replication.factor": "1", "min.insync.replicas": "2"}, faults=[], messages=1,
                              broker_version=OLD, variant=WithoutDeliveryTimeout)
    trace = endless["no-loss"].trace
    loop = [st for st in trace.steps if st.number >= trace.loop_start]
    assert any("NOT_ENOUGH_REPLICAS" in st.action for st in loop)


class WithoutDeliveryTimeout(KafkaModel):
    def models_delivery_timeout(self):
        return False


@pytest.mark.parametrize("version", FROZEN)
def test_min_isr_above_the_replica_count_is_capped_from_3_7(version):
    """3.7.0 Partition.effectiveMinIsr: min(min.insync.replicas, replica count), so a one-replica
    topic with min.insync.replicas=2 accepts acks=all writes and every property holds without faults."""
    r = semcheck.verify({"replication.factor": "1", "min.insync.replicas": "2"}, faults=[], messages=1,
                        broker_version=version)
    assert all(p.verdict == HOLDS for p in r.results), [(p.property, p.verdict) for p in r.results]
    assert any("use min(min.insync.replicas, replicas) = 1" in note for note in r.notes)


# ---- the high watermark under the min ISR (KAFKA-15583) -----------------------------------------------

def _read_only_by_the_leader(model):
    """The consumer has processed a message that one replica alone holds."""
    def test(s):
        held = [Count([Or([s.log[r][k] == m + 1 for k in range(model.capacity)]) for r in range(model.n_replicas)])
                for m in range(model.n_messages)]
        return And([Or(s.out_count[m] == 0, held[m] >= 2) for m in range(model.n_messages)])
    return StatePredicate("every processed message is on two replicas", test)


ON_TWO_REPLICAS = Property("read-from-two-replicas", INVARIANT,
                           "the consumer processes only messages that two replicas hold", _read_only_by_the_leader)
UNDER_MIN_ISR = {"replication.factor": "2", "min.insync.replicas": "2", "acks": "1"}


@pytest.mark.parametrize("version", EVERY_LINE)
def test_a_consumer_reads_what_only_the_leader_has_only_before_3_7(version):
    """acks=1, two replicas, min.insync.replicas=2: once the follower has left the ISR, the leader's
    high watermark follows its own log before 3.7, so a consumer reads a record that one broker
    holds; from 3.7 the high watermark stops until the ISR is back (KAFKA-15583)."""
    r = semcheck.verify(UNDER_MIN_ISR, faults=["follower-lag"], messages=1, max_faults=1, broker_version=version,
                        properties=[ON_TWO_REPLICAS])
    assert r.verdict("read-from-two-replicas") == (VIOLATED if version == OLD else HOLDS)
    if version == OLD:
        said = [st.action for st in r["read-from-two-replicas"].trace.steps]
        assert any("leader drops it from the ISR" in s for s in said)
        assert any("processes m1" in s for s in said)


def _after(model, state, *moves):
    d = model.layout.decode(state)
    for actor, name, params in moves:
        d = step(model, model.layout.encode(d), actor, name, params)
        assert d is not None, f"{actor}: {name} is not enabled"
    return d


@pytest.mark.parametrize("version", EVERY_LINE)
@pytest.mark.parametrize("split", [None, "all"])
def test_the_high_watermark_stops_while_the_isr_is_below_the_min_isr(version, split):
    """The follower leaves the ISR, the leader appends m1 (acks=1): the high watermark moves to 1
    before 3.7 and stays at 0 from 3.7; the follower copies m1 and rejoins, and it moves on
    (PartitionTest.testHighWatermarkAdvanceShouldNotAdvanceWhenUnderMinISR).  With every merged step
    split (hw-at-once off) the leader learns the follower's log end from its fetches."""
    model = semcheck.build_model(UNDER_MIN_ISR, messages=1, max_faults=1, faults=["follower-lag"],
                                 broker_version=version, split=split)
    hw = model.text.hw
    d = _after(model, model.initial_states()[0],
               ("broker 2", "stops fetching", {"broker": 1}), ("leader", "drops a follower that stopped fetching", {"broker": 1}), ("broker 2", "resumes fetching", {"broker": 1}), ("producer", "send", {"message": 0, "slot": 0}),
               ("leader", "append", {"slot": 0}))
    assert hw(d) == (1 if version == OLD else 0)
    state = model.layout.encode(d)
    moves = [("broker 2", "fetch", {"broker": 1})]
    if split == "all":
        moves.append(("broker 2", "fetch (nothing new)", {"broker": 1}))  # reports its new log end
    d = _after(model, state, *moves, ("broker 2", "rejoin ISR", {"broker": 1}))
    assert d["isr"] == [1, 1] and hw(d) == 1


@pytest.mark.parametrize("version", EVERY_LINE)
def test_a_frozen_high_watermark_lets_a_follower_rejoin_before_it_has_the_leaders_log(version):
    """Partition.isFollowerInSync compares the follower's log end with the high watermark.  Before
    3.7 the ISR of the leader alone has the leader's log end as high watermark, so the follower must
    copy m1 first; from 3.7 the frozen high watermark (0) lets it rejoin at once, and the high
    watermark then waits for it (min over the ISR)."""
    model = semcheck.build_model(UNDER_MIN_ISR, messages=1, max_faults=1, faults=["follower-lag"],
                                 broker_version=version)
    d = _after(model, model.initial_states()[0],
               ("broker 2", "stops fetching", {"broker": 1}), ("leader", "drops a follower that stopped fetching", {"broker": 1}), ("broker 2", "resumes fetching", {"broker": 1}), ("producer", "send", {"message": 0, "slot": 0}),
               ("leader", "append", {"slot": 0}))
    rejoined = step(model, model.layout.encode(d), "broker 2", "rejoin ISR", {"broker": 1})
    if version == OLD:
        assert rejoined is None
    else:
        assert rejoined is not None and rejoined["log_len"] == [1, 0] and model.text.hw(rejoined) == 0


# ---- unclean leader election in KRaft (KAFKA-12670) ---------------------------------------------------

@pytest.mark.parametrize("version", EVERY_LINE)
def test_the_kraft_controller_honours_unclean_election_from_3_9(version):
    model = semcheck.build_model({"unclean.leader.election.enable": "true"}, messages=1, max_faults=1,
                                 broker_version=version)
    unclean = [a for a in model.actions() if a.name == "unclean election"]
    if version not in ("3.6", "3.7", "3.8"):
        assert unclean and model.config.unclean_leader_election
    else:
        assert not unclean and not model.config.unclean_leader_election
        assert any("ignores the topic setting" in note for note in model.config.notes)


def test_the_old_unclean_duplicate_is_cut_off_by_the_frozen_high_watermark():
    """The issue's example (RF 2, min.insync.replicas 2, unclean election, follower-lag and
    broker-crash, 2 messages, 2 faults).  On 3.9 the unclean election path to a duplicate that the
    model without the frozen high watermark found in 13 steps is gone: a consumer cannot read the
    records the unclean leader loses.  no-duplicate is still violated, by a longer run with no
    unclean election in it (a request for a record already appended fails on the client, then an
    epoch bump writes it again); no-acked-loss holds."""
    r = semcheck.verify({"replication.factor": "2", "min.insync.replicas": "2",
                         "unclean.leader.election.enable": "true"},
                        faults=["follower-lag", "broker-crash"], messages=2, max_faults=2, broker_version="3.9")
    assert r.verdict("no-acked-loss") == HOLDS
    assert r.verdict("no-duplicate") == VIOLATED
    said = [st.action for st in r["no-duplicate"].trace.steps]
    assert len(said) > 13
    assert not any("unclean" in s for s in said)
    assert any("bumps its epoch" in s for s in said)

"""Eligible leader replicas (KIP-966 part 1), brokers 4.0+: who may lead once the ISR is empty, and
what a crash, a power loss and a controlled shutdown do to that.  Sources:

* KIP-966 and the docs page "Eligible Leader Replicas" (kafka.apache.org/41/operations/
  eligible-leader-replicas): 4.0 has the feature at level 0, a cluster created on 4.1+ at 1; election
  order ISR member, then unfenced ELR member, then the last known leader.
* apache/kafka metadata/src/main/java/org/apache/kafka/controller/PartitionChangeBuilder.java
  (maybePopulateTargetElr, electAnyLeader, isValidNewLeader, canElectLastKnownLeader,
  maybeUpdateLastKnownLeader, tryElection) and ReplicationControlManager.java (handleBrokerFenced,
  handleBrokerUncleanShutdown, handleBrokerInControlledShutdown), trunk of 2024-10 (4.0's).
* KAFKA-15586 (PR #14706): a broker registering with another broker epoch than its clean-shutdown
  file holds had an unclean shutdown and leaves every ELR.
* KAFKA-19522 (PR #20200, in 4.1.0): canElectLastKnownLeader elected a fenced last known leader before.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import semcheck
from semcheck import HOLDS, VIOLATED
from semcheck.cli import main
from semcheck.model.config import ConfigError
from semcheck.model.kafka import KafkaModel

from test_model_steps import step, walk

TWO_OF_TWO = {"replication.factor": "2", "min.insync.replicas": "2"}


# m1 is acknowledged by both replicas (acks=all), then broker 2 falls behind and broker 1, the leader,
# loses power with nothing of m1 on its disk
ACKED_THEN_LAG_THEN_LEADER_POWER_LOSS = (
    ("producer", "send", {"message": 0, "slot": 0}),
    ("leader", "append", {"slot": 0}),
    ("broker 2", "fetch", {"broker": 1}),
    ("broker 2", "stops fetching", {"broker": 1}), ("leader", "drops a follower that stopped fetching", {"broker": 1}), ("broker 2", "resumes fetching", {"broker": 1}),
    ("broker 1", "loses power", {"broker": 0, "kept": 0}),
)


@pytest.mark.parametrize("version", ["3.9", "4.1"])
def test_a_follower_that_left_the_isr_below_the_min_isr_may_lead_once_the_isr_is_empty(version):
    """maybePopulateTargetElr: an ISR below the min ISR adds whoever leaves it to the ELR; fencing the
    last ISR member empties the ISR (ELR only) and isValidNewLeader then accepts an unfenced ELR
    member.  Without the feature the last member stays in the ISR and only it may lead."""
    model = semcheck.build_model(TWO_OF_TWO, messages=1, max_faults=2, faults=["follower-lag", "power-loss"],
                                 broker_version=version)
    d = walk(model, None, *ACKED_THEN_LAG_THEN_LEADER_POWER_LOSS)
    elected = step(model, model.layout.encode(d), "controller", "elect leader", {"broker": 1})
    if version == "3.9":
        assert d["isr"] == [1, 0] and elected is None
        return
    assert d["isr"] == [0, 0] and d["elr"] == [1, 1] and d["last_leader"] == 1
    assert elected["leader"] == 1 and elected["isr"] == [0, 1] and elected["elr"] == [1, 0]
    assert elected["log"][1][0] == 1  # m1 survives on the new leader


def test_an_unclean_restart_leaves_the_elr_and_the_last_known_leader_comes_back_last():
    """KAFKA-15586: broker 1 restarts after its power loss (no clean-shutdown file with its epoch) and
    leaves the ELR; broker 2, still eligible, is elected before anyone thinks of the last known
    leader (canElectLastKnownLeader needs ISR and ELR empty)."""
    model = semcheck.build_model(TWO_OF_TWO, messages=1, max_faults=2, faults=["follower-lag", "power-loss"])
    d = walk(model, None, *ACKED_THEN_LAG_THEN_LEADER_POWER_LOSS, ("broker 1", "restart", {"broker": 0}))
    assert d["elr"] == [0, 1] and d["log_len"][0] == 0
    state = model.layout.encode(d)
    assert step(model, state, "controller", "elect the last known leader", {"broker": 0}) is None
    assert step(model, state, "controller", "elect leader", {"broker": 1})["leader"] == 1


def test_the_last_known_leader_is_elected_only_once_isr_and_elr_are_empty_and_it_runs():
    """Both replicas lose power holding m1 only in memory.  Each restart is unclean, so the ELR
    empties; the last leader (broker 1) is then elected although its log lost m1
    (canElectLastKnownLeader, 4.1+: only while it is acceptable, KAFKA-19522), and m1 is gone."""
    model = semcheck.build_model(TWO_OF_TWO, messages=1, max_faults=2, faults=["power-loss"])
    d = walk(model, None, ("producer", "send", {"message": 0, "slot": 0}), ("leader", "append", {"slot": 0}),
              ("broker 2", "fetch", {"broker": 1}), ("broker 2", "loses power", {"broker": 1, "kept": 0}),
              ("broker 1", "loses power", {"broker": 0, "kept": 0}))
    assert d["isr"] == [0, 0] and d["elr"] == [1, 1] and d["last_leader"] == 1
    state = model.layout.encode(d)
    assert step(model, state, "controller", "elect the last known leader", {"broker": 0}) is None  # it is down
    d = walk(model, d, ("broker 1", "restart", {"broker": 0}))
    assert step(model, model.layout.encode(d), "controller", "elect the last known leader", {"broker": 0}) is None
    d = walk(model, d, ("broker 2", "restart", {"broker": 1}),
                   ("controller", "elect the last known leader", {"broker": 0}))
    assert d["leader"] == 0 and d["isr"] == [1, 0] and d["elr"] == [0, 0] and d["last_leader"] == 0
    assert d["log_len"] == [0, 0]


def test_a_controlled_shutdown_keeps_the_broker_eligible():
    """handleBrokerInControlledShutdown takes broker 2 out of the ISR (it joins the ELR: the ISR is
    below the min ISR); it stops cleanly, so when it registers again it stays in the ELR
    (KAFKA-15586), and after the leader's power loss it is elected with m1."""
    model = semcheck.build_model(TWO_OF_TWO, messages=1, max_faults=2, faults=["power-loss", "controlled-shutdown"])
    d = walk(model, None, ("producer", "send", {"message": 0, "slot": 0}), ("leader", "append", {"slot": 0}),
              ("broker 2", "fetch", {"broker": 1}),
              ("broker 2", "begins a controlled shutdown", {"broker": 1}))
    assert d["isr"] == [1, 0] and d["elr"] == [0, 1] and d["stopping"] == [0, 1]
    # the controller does not let a broker in controlled shutdown back into the ISR
    assert step(model, model.layout.encode(d), "broker 2", "rejoin ISR", {"broker": 1}) is None
    d = walk(model, d, ("broker 2", "shuts down cleanly", {"broker": 1}), ("broker 2", "restart", {"broker": 1}),
                   ("broker 1", "loses power", {"broker": 0, "kept": 0}), ("controller", "elect leader", {"broker": 1}))
    assert d["leader"] == 1 and d["log"][1][0] == 1


def test_a_crash_during_a_controlled_shutdown_is_unclean():
    model = semcheck.build_model(TWO_OF_TWO, messages=1, max_faults=2, faults=["broker-crash", "controlled-shutdown"])
    d = walk(model, None, ("broker 2", "begins a controlled shutdown", {"broker": 1}), ("broker 2", "crashes", {"broker": 1}),
              ("broker 2", "restart", {"broker": 1}))
    assert d["elr"] == [0, 0] and d["clean_stop"] == [0, 0]


# ---- whole searches ------------------------------------------------------------------------------

class PowerLossOnlyOnBroker1(KafkaModel):
    """Power loss strikes broker 1 only: two brokers losing the same unflushed record lose it on any
    line, and the question here is what the other replica's eligibility saves."""

    def actions(self):
        return [a for a in super().actions() if not (a.name == "loses power" and a.args["broker"] != 0)]


@pytest.mark.parametrize("version,settings,verdict", [
    ("3.9", {}, VIOLATED),  # the leader comes back alone as the ISR's last member, without m1
    ("4.0", {}, VIOLATED),  # the feature is at 0 on 4.0
    ("4.1", {"eligible.leader.replicas.version": "0"}, VIOLATED),  # a cluster upgraded to 4.1
    ("4.1", {}, HOLDS),  # broker 2 is an eligible leader replica and holds m1
])
def test_a_lagging_follower_and_the_leaders_power_loss_lose_an_acked_record_only_without_elr(
        version, settings, verdict):
    r = semcheck.verify({**TWO_OF_TWO, **settings}, messages=1, max_faults=2, faults=["follower-lag", "power-loss"],
                        broker_version=version, variant=PowerLossOnlyOnBroker1, properties=["no-acked-loss"])
    assert r.verdict("no-acked-loss") == verdict
    if verdict == VIOLATED:
        said = [st.action for st in r["no-acked-loss"].trace.steps]
        assert any("stops fetching" in s for s in said) and any("loses power" in s for s in said)


class EveryElr(KafkaModel):
    """Eligible leader replicas tracked whatever the min ISR (the model skips them below 2)."""

    @staticmethod
    def models_elr(config):
        return config.eligible_leader_replicas


@pytest.mark.parametrize("settings,faults", [
    ({"replication.factor": "2"}, ["follower-lag", "power-loss"]),
    ({"replication.factor": "2", "unclean.leader.election.enable": "true"}, ["broker-crash", "power-loss"]),
    ({"replication.factor": "2", "acks": "1"}, ["follower-lag", "broker-crash"]),
])
def test_with_a_min_isr_of_1_eligible_leader_replicas_change_no_verdict(settings, faults):
    """The reduction in KafkaModel.models_elr: with min ISR 1 the ELR only ever holds the ISR's last
    member, which is also the last known leader, so tracking it changes no verdict."""
    plain = semcheck.verify(settings, messages=1, max_faults=2, faults=faults)
    tracked = semcheck.verify(settings, messages=1, max_faults=2, faults=faults, variant=EveryElr)
    assert tracked.stats.states > plain.stats.states  # the variant does track them
    assert [(p.property, p.verdict, p.trace and len(p.trace.steps)) for p in tracked.results] == \
        [(p.property, p.verdict, p.trace and len(p.trace.steps)) for p in plain.results]


# ---- settings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("settings,version,says", [
    ({"eligible.leader.replicas.version": "1"}, "3.9", "does not exist on brokers 3.9"),
    ({"eligible.leader.replicas.version": "0"}, "3.6", "does not exist on brokers 3.6"),
    ({"eligible.leader.replicas.version": "1"}, "4.0", "KAFKA-19522"),
    ({"eligible.leader.replicas.version": "2"}, "4.1", "expected 0 (off) or 1 (on)"),
    ({"eligible.leader.replicas.version": "on"}, "4.1", "expected 0 (off) or 1 (on)"),
])
def test_a_feature_level_the_line_does_not_have_is_one_line_and_exit_2(settings, version, says):
    with pytest.raises(ConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        semcheck.verify(settings, messages=1, max_faults=0, broker_version=version)
    args = ["verify", "--broker-version", version, "--messages", "1", "--max-faults", "0"]
    for key, value in settings.items():
        args += ["-X", f"{key}={value}"]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 2 and says in run.output and run.output.count("\n") == 1


@pytest.mark.parametrize("settings,version", [({}, "3.9"), ({}, "4.0"), ({"replication.factor": "3"}, "4.1")])
def test_controlled_shutdown_where_it_adds_nothing_is_one_line_and_exit_2(settings, version):
    """Without eligible leader replicas (or with a min ISR of 1) a controlled shutdown can do nothing a
    broker-crash cannot, so naming it is an error, and "all" leaves it out."""
    run = CliRunner().invoke(main, ["verify", "--broker-version", version, "--faults", "controlled-shutdown",
                                    *[arg for k, v in settings.items() for arg in ("-X", f"{k}={v}")]])
    assert run.exit_code == 2 and "use broker-crash" in run.output and run.output.count("\n") == 1
    model = semcheck.build_model(settings, broker_version=version)
    assert "controlled-shutdown" not in model.bounds.faults
    assert "controlled-shutdown" in semcheck.build_model(TWO_OF_TWO, broker_version="4.1").bounds.faults


def test_the_default_and_the_upgraded_cluster_are_named_in_the_notes():
    r = semcheck.build_model(TWO_OF_TWO).config
    assert r.eligible_leader_replicas
    assert any("upgraded from an older release keeps 0" in note for note in r.notes)
    assert not semcheck.build_model(TWO_OF_TWO, broker_version="4.0").config.eligible_leader_replicas

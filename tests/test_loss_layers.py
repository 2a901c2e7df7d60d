"""Two layers of loss (the broker-versions issue): no-acked-loss asks "did Kafka lose my acknowledged
write?" (the log layer: Jepsen's lost write, an acknowledged record missing from the log below the
high watermark), and no-loss asks "did my application process every message?", naming in its
counterexample which layer lost the message.  Sources: the producer docs for `acks` ("the leader
will write the record to its local log but will respond without awaiting full acknowledgement from
all followers ... the record will be lost" if it fails first); the consumer docs for
`auto.offset.reset` ("latest: automatically reset the offset to the latest offset"); Jepsen's
Kafka analysis (2022) for the lost-write definition; KIP-98 for what a committed transaction is.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

import semcheck
from semcheck import HOLDS, VIOLATED
from semcheck.cli import main

ONE = dict(messages=1, max_faults=1)


def test_a_consumer_that_skips_a_record_breaks_no_loss_at_the_consumer_layer_only():
    """auto.offset.reset=latest (the default) and a consumer crash before its first commit: the
    restarted consumer starts past m1, which the log still holds."""
    r = semcheck.verify({}, commit="after-process", faults=["consumer-crash"], **ONE)
    assert r.verdict("no-loss") == VIOLATED
    finding = r.findings["no-loss"]
    assert (finding.label, finding.data) == ("consumer layer", {"layer": "consumer", "messages": [1]})
    assert r.verdict("no-acked-loss") == HOLDS


def test_a_leader_that_dies_before_replicating_loses_the_write_at_the_log_layer():
    """acks=1: the leader answers before the followers copy the record; it crashes, a follower
    without it is elected, and the acknowledged record is gone from the log."""
    r = semcheck.verify({"acks": "1"}, faults=["broker-crash"], **ONE)
    assert r.verdict("no-acked-loss") == VIOLATED
    said = [st.action for st in r["no-acked-loss"].trace.steps]
    assert any("the application is told the send succeeded" in s for s in said)
    assert r.findings["no-loss"].data["layer"] == "log"


def test_with_transactions_only_a_committed_copy_counts():
    """An acknowledged message of a transactional producer is one whose transaction committed
    (KIP-98); a copy in an aborted transaction does not keep it in the log.  With a producer
    restart the committed retry is there, so nothing acknowledged is lost."""
    r = semcheck.verify({"transactional.id": "t", "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                         "replication.factor": "1"}, faults=["producer-crash"], **ONE)
    assert r.verdict("no-acked-loss") == HOLDS
    model = r.model
    d = model.layout.decode(model.initial_states()[0])
    commit, abort = model.commit_marker, model.abort_marker
    for marker, kept in ((commit, True), (abort, False)):
        d["log"][0][:2], d["log_len"][0] = [1, marker], 2  # m1, then its transaction's marker
        assert bool(model.kept_in_log(model.view(model.layout.encode(d)), 0)) is kept


def test_the_report_says_which_layer_and_that_the_meaning_changed():
    args = ["verify", "--commit", "after-process", "--faults", "consumer-crash", "--messages", "1",
            "--max-faults", "1"]
    text = CliRunner().invoke(main, args).output
    assert "Consumer layer: the log holds m1 below the high watermark, but the consumer moved past it" in text
    assert "no-acked-loss is the log layer" in text and "It used to count records the consumer skipped" in text
    data = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).output)
    no_loss = next(r for r in data["results"] if r["property"] == "no-loss")
    assert no_loss["finding"]["layer"] == "consumer" and no_loss["finding"]["messages"] == [1]
    acked = next(r for r in data["results"] if r["property"] == "no-acked-loss")
    assert acked["note"].startswith("no-acked-loss is the log layer")

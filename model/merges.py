"""The model's merged steps: where one step of the model does what Kafka does in several.

Each merge is a named switch.  With a merge on (the default) the model takes the steps as one,
built from the fine steps themselves (``model/compose.py``); with it off the fine steps are separate
actions and anything may happen between them.  "Fine" means every merge off.  A merge is kept on
only where nothing another actor or a fault can do or see in between changes what can happen; the
reason is written here and in docs/model.md ("Merged steps"), and tests/test_merges_agree.py checks,
on a matrix of configurations, that every verdict is the same with the merge on and off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .config import ConfigError


@dataclass(frozen=True)
class Merge:
    name: str
    kafka_steps: str  # what Kafka does in several steps
    why: str  # why no other actor and no fault can act or observe in between


MERGES: tuple[Merge, ...] = (
    Merge(
        "append-and-respond",
        "acks=1: the leader appends the batch, then queues the response (ReplicaManager.appendRecords "
        "calls the response callback after the local append)",
        "between the two only the connection's mute differs: the next request on it cannot be read "
        "yet, but it could not be handled before this one either; a crash or power loss in between "
        "fails the request exactly as it fails a response still on its way, and the client reading "
        "the response is its own later step either way",
    ),
    Merge(
        "crash-closes-connection",
        "a broker process dies, then the client sees its connection close and fails every request "
        "on it, oldest first (NetworkClient.handleDisconnections, InFlightRequests.clearAll)",
        "the client sees the reset within milliseconds; the controller fences the broker and elects "
        "a new leader only after broker.session.timeout.ms, so the client cannot learn of a new "
        "leader, or send anywhere, first; a request it writes to the dying socket fails with the "
        "rest, which is the same as having sent it before the crash",
    ),
    Merge(
        "fence-on-crash",
        "a broker dies, then the controller fences it when its session times out: out of the ISR "
        "(never emptying it) and, if it led, leadership taken away (ReplicationControlManager."
        "handleBrokerFenced); until then metadata still names it",
        "in between the dead broker fetches, answers and serves nothing, and keeps the high watermark "
        "where it was, so what a live broker does in the window it could do just before the death "
        "with the same result; what a client can observe, metadata naming the dead leader, the "
        "merged model keeps: while the partition has no leader a metadata refresh may still name "
        "the dead one",
    ),
    Merge(
        "metadata-refresh",
        "the client finds itself without a leader (a disconnect, NOT_LEADER_OR_FOLLOWER, a restart, "
        "or an election it has not heard of), then fetches metadata",
        "a client that knows no leader can do nothing but wait for metadata, so learning the "
        "current leader in the same step only drops states in which it waits; metadata that is "
        "stale (naming a broker that no longer leads) is still a separate step",
    ),
    Merge(
        "hw-at-once",
        "a follower fetches a record, and tells the leader its new log end only with its next "
        "fetch (the fetch offset), from which the leader advances the high watermark; a new leader "
        "starts from its own high watermark and forgets what it knew of the followers "
        "(Partition.updateFollowerFetchState, maybeIncrementLeaderHW, makeLeader)",
        "with the merge the high watermark is the smallest ISR log end, never below Kafka's, so "
        "every read and every acks=all answer Kafka allows is allowed no later; what a lower "
        "value could change (where auto.offset.reset=latest lands) is bounded by KIP-207, which "
        "both keep, and the cross-check confirms no verdict changes",
    ),
    Merge(
        "truncate-at-once",
        "a new leader is elected (or a replica restarts), then each follower's next fetch reports "
        "a diverging epoch and it truncates its log to where it agrees with the leader "
        "(AbstractFetcherThread.truncateOnFetchResponse; becoming follower truncates nothing)",
        "until it truncates, a follower fetches nothing and serves nothing, and the leader counts "
        "it in the high watermark only as far as they agree; it could be elected itself with its "
        "old suffix if the new leader failed first, but that suffix holds only records no "
        "acks=all request was answered for, which the cross-check confirms changes no verdict",
    ),
    Merge(
        "poll-and-process",
        "--processing sync: poll() returns a record, then the application processes it",
        "the classic consumer commits (auto-commit) only inside poll(), so no commit falls between; "
        "a crash in between loses the fetched record and the position, as a crash before the poll",
    ),
    Merge(
        "restart-and-position",
        "the consumer restarts and joins the group, then fetches its committed offset or resets "
        "by auto.offset.reset (ListOffsets)",
        "a joining consumer reads nothing and commits nothing, so it is the same as a consumer still "
        "down that restarts one step later",
    ),
)

MERGE_NAMES: tuple[str, ...] = tuple(m.name for m in MERGES)


def merges_without(split: Iterable[str] | str | None) -> frozenset[str]:
    """The merges left on when the named ones are split (``"all"``: every merge off, the fine
    model).  Unknown names are an error naming the known ones."""
    if split is None:
        return frozenset(MERGE_NAMES)
    if isinstance(split, str):
        split = [split]
    names = []
    for item in split:
        for name in str(item).split(","):
            name = name.strip()
            if not name:
                raise ConfigError("--split: empty merge name; choose from all, " + ", ".join(MERGE_NAMES))
            names.append(name)
    if "all" in names:
        return frozenset()
    unknown = [n for n in names if n not in MERGE_NAMES]
    if unknown:
        raise ConfigError(f"--split: unknown merge {unknown[0]!r}: choose from all, " + ", ".join(MERGE_NAMES))
    return frozenset(MERGE_NAMES) - set(names)

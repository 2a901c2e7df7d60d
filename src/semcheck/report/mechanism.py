"""Name the mechanism behind a counterexample, and the settings that drive it.

One table (:data:`MECHANISMS`) and one classifier (:func:`mechanism_of`) shared by ``--brief``,
``--format sarif`` (the location is the line of the mechanism's first key) and ``--format markdown``.
The classifier reads only what every trace step carries (``checker/result.py``: the action's
``name``, its ``fault`` class, its actor) plus the violated property, the effective configuration and
the finding read from the counterexample's last state (e.g. no-loss's "log layer").  The rules are
tried in order and the first that matches wins; a trace no rule matches is ``unclassified``, named
by its faults, and points at no key.  docs/formats.md, "Mechanisms", is the table for users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..checker.result import VIOLATED, PropertyResult, Trace

LOSS = ("no-loss", "no-acked-loss")


@dataclass(frozen=True)
class Mechanism:
    id: str  # stable, for tools: "acks-below-all"
    summary: str  # one phrase for people
    keys: tuple[str, ...]  # the Kafka settings that drive it, most decisive first
    steps: frozenset[str]  # action names (Step.name) that are part of it, besides faults


@dataclass(frozen=True)
class Context:
    """What a rule may look at."""

    property: str
    trace: Trace
    config: dict
    layer: str | None  # no-loss's finding: "log", "consumer", "producer", or None

    @property
    def faults(self) -> list[str]:
        return [s.fault for s in self.trace.steps if s.fault]

    def names(self) -> set[str]:
        return {s.name for s in self.trace.steps}

    def resent_without_idempotence(self) -> bool:
        """The producer, idempotence off, sent some message more than once: a retry the broker cannot
        tell from the first attempt, whatever fault failed that attempt (a lost answer, a connection
        the crash of its leader closed)."""
        if self.config.get("enable.idempotence") not in (False, "false"):
            return False
        sent = [s.params.get("message") for s in self.trace.steps if s.name == "send"]
        return len(sent) != len(set(sent))


def _m(id: str, summary: str, keys: tuple[str, ...], steps: tuple[str, ...] = ()) -> Mechanism:
    return Mechanism(id, summary, keys, frozenset(steps))


UNCLEAN = _m("unclean-election", "an out-of-sync replica was elected leader (unclean election) and the log lost "
             "acknowledged records", ("unclean.leader.election.enable",), ("unclean election",))
ACKS_ZERO = _m("acks-zero", "acks=0: the producer counts each send as successful without an answer, so a record "
               "lost on the way or with its leader is never sent again", ("acks",))
ACKS_BELOW_ALL = _m("acks-below-all", "acks below all: the leader acknowledged records before the followers "
                    "had them, then lost leadership or the records", ("acks",))
MIN_ISR_ONE = _m("min-insync-replicas-one", "min.insync.replicas=1: an acks=all write was acknowledged with the "
                 "leader alone in sync, then the leader failed", ("min.insync.replicas",))
UNFLUSHED = _m("unflushed-tail-lost", "a broker lost power and the unflushed tail of its log, which the other "
               "in-sync replicas did not all have", ("min.insync.replicas", "acks"))
PRODUCER_GAVE_UP = _m("producer-gave-up", "the producer gave up on a record (retries or delivery.timeout.ms "
                      "exhausted) and it never reached the log", ("retries", "delivery.timeout.ms"),
                      ("time out", "delivery timeout", "expires a batch in the accumulator"))
OFFSET_RESET = _m("offset-reset-skips", "the consumer reset its position (auto.offset.reset) past records it "
                  "never processed", ("auto.offset.reset",), ("reset offset",))
COMMIT_BEFORE_PROCESSING = _m("commit-before-processing", "the consumer committed an offset before processing "
                              "the records below it, then restarted past them", ("enable.auto.commit",),
                              ("auto-commit", "commit"))
TRANSACTION_ABORT = _m("transaction-abort", "a transaction aborted or timed out and its records were dropped or "
                       "skipped", ("transactional.id", "isolation.level"),
                       ("abort transaction", "transaction timeout", "its transaction aborts"))
PRODUCER_RESTART_RESEND = _m("producer-restart-resend", "the producing application restarted and sent again "
                             "records it had already written (a new producer id defeats idempotence)",
                             ("transactional.id", "enable.idempotence"))
CONSUMER_REDELIVERY = _m("consumer-redelivery", "the consumer processed records, restarted from an older "
                         "committed offset and processed them again", ("enable.auto.commit",),
                         ("auto-commit", "commit"))
RETRY_DUPLICATE = _m("retry-without-idempotence", "a retried send was written twice: the first attempt reached "
                     "the log but its answer was lost", ("enable.idempotence", "max.in.flight.requests.per.connection",
                                                         "retries"),
                     ("time out", "executes an orphaned request", "sees the connection close"))
RETRY_REORDER = _m("retry-reordering", "a failed request was retried after a later one was written, or "
                   "failed requests went back to the queue in reverse order (several requests in flight "
                   "without idempotence)",
                   ("max.in.flight.requests.per.connection", "enable.idempotence", "retries"),
                   ("time out", "executes an orphaned request", "sees the connection close", "receive error",
                    "receive not leader"))
EPOCH_BUMP = _m("epoch-bump-resend", "the idempotent producer bumped its epoch after an error and sent a record "
                "again under the new epoch, so the broker could not tell it from (or order it after) the first "
                "attempt", ("enable.idempotence", "max.in.flight.requests.per.connection"),
                ("receive out of order sequence", "bumps its epoch", "receive invalid epoch"))
READS_ABORTED = _m("reads-aborted-records", "the consumer read records of an aborted transaction "
                   "(isolation.level=read_uncommitted) and then the records sent again", ("isolation.level",),
                   ("abort transaction", "transaction timeout", "its transaction aborts"))
RETRY_AFTER_ERROR = ("receive error", "receive not leader", "time out", "sees the connection close",
                     "executes an orphaned request")
UNCLASSIFIED = _m("unclassified", "a counterexample semcheck has no mechanism name for", ())

MECHANISMS = (UNCLEAN, ACKS_ZERO, ACKS_BELOW_ALL, MIN_ISR_ONE, UNFLUSHED, PRODUCER_GAVE_UP, OFFSET_RESET,
              COMMIT_BEFORE_PROCESSING, TRANSACTION_ABORT, PRODUCER_RESTART_RESEND, CONSUMER_REDELIVERY,
              RETRY_DUPLICATE, RETRY_REORDER, EPOCH_BUMP, READS_ABORTED, UNCLASSIFIED)


def _acks(c: Context) -> str:
    return str(c.config.get("acks", "all"))


def _log_loss(c: Context) -> bool:
    return c.property == "no-acked-loss" or (c.property == "no-loss" and c.layer in ("log", None))


def _consumer_loss(c: Context) -> bool:
    return c.property == "no-loss" and c.layer == "consumer"


# (mechanism, does it explain this counterexample?), tried in order
RULES: tuple[tuple[Mechanism, Callable[[Context], bool]], ...] = (
    (UNCLEAN, lambda c: "unclean election" in c.names()),
    (TRANSACTION_ABORT, lambda c: c.property in LOSS and bool(TRANSACTION_ABORT.steps & c.names())
     and c.config.get("transactional.id") is not None),
    (UNFLUSHED, lambda c: _log_loss(c) and "power-loss" in c.faults),
    (ACKS_ZERO, lambda c: _log_loss(c) and _acks(c) == "0"),
    (ACKS_BELOW_ALL, lambda c: _log_loss(c) and _acks(c) == "1"),
    (MIN_ISR_ONE, lambda c: _log_loss(c) and str(c.config.get("min.insync.replicas")) == "1"
     and any(f in ("broker-crash", "follower-lag") for f in c.faults)),
    (PRODUCER_GAVE_UP, lambda c: c.property in LOSS and bool(PRODUCER_GAVE_UP.steps & c.names())),
    (OFFSET_RESET, lambda c: c.property in LOSS and "reset offset" in c.names()),
    (COMMIT_BEFORE_PROCESSING, lambda c: _consumer_loss(c)),
    (READS_ABORTED, lambda c: c.property in ("no-duplicate", "in-order") and bool(READS_ABORTED.steps & c.names())
     and c.config.get("isolation.level") != "read_committed"),
    (EPOCH_BUMP, lambda c: c.property in ("no-duplicate", "in-order") and bool(EPOCH_BUMP.steps & c.names())),
    (PRODUCER_RESTART_RESEND, lambda c: c.property == "no-duplicate" and "producer-crash" in c.faults),
    (CONSUMER_REDELIVERY, lambda c: c.property == "no-duplicate" and "consumer-crash" in c.faults),
    (RETRY_DUPLICATE, lambda c: c.property == "no-duplicate" and ("network" in c.faults
                                                                  or c.resent_without_idempotence())),
    (RETRY_REORDER, lambda c: c.property == "in-order" and ("network" in c.faults
                                                            or bool(set(RETRY_AFTER_ERROR) & c.names())
                                                            or c.resent_without_idempotence())),
)


def mechanism_of(r: PropertyResult, config: dict, finding=None) -> Mechanism:
    """The mechanism behind ``r``'s counterexample (``r`` must carry a trace)."""
    if r.trace is None:
        raise ValueError(f"{r.property} has no counterexample to name a mechanism for")
    layer = (finding.data.get("layer") if finding is not None else None)
    context = Context(r.property, r.trace, dict(config), layer)
    for mechanism, applies in RULES:
        if applies(context):
            return mechanism
    return UNCLASSIFIED


def mechanism_for(result, r: PropertyResult) -> Mechanism:
    """:func:`mechanism_of` with what a :class:`~semcheck.result.Result` knows."""
    return mechanism_of(r, result.config, result.findings.get(r.property))


def describe(mechanism: Mechanism, trace: Trace) -> str:
    """One phrase: the mechanism, and for an unclassified one the faults of its trace."""
    if mechanism is UNCLASSIFIED:
        faults = sorted({s.fault for s in trace.steps if s.fault})
        return f"{mechanism.summary} (faults: {', '.join(faults) or 'none'})"
    return mechanism.summary


def first_eventful_step(mechanism: Mechanism, trace: Trace) -> int:
    """The number of the first step that matters (docs/formats.md, "--brief"): the first fault, or
    the first step that is part of the mechanism, whichever comes first.  A trace with neither
    (a run with no fault that breaks a property by its normal steps) starts at step 1."""
    for step in trace.steps:
        if step.fault or step.name in mechanism.steps:
            return step.number
    return 1


def counterexamples(result):
    """Each violated property with a trace, in report order, with the earlier property whose trace
    is the same (None for the first of its kind): the reports show a repeated trace once."""
    shown: list = []
    for r in result.results:
        if r.verdict != VIOLATED or r.trace is None:
            continue
        same = next((s for s in shown if s.trace == r.trace), None)
        if same is None:
            shown.append(r)
        yield r, same

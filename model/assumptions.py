"""What a ``holds`` rests on: the parts of Kafka the model leaves out or fixes, for one configuration.

A verdict of ``holds`` is a proof about the model within its bounds, so the reader needs to know
what the model does not contain.  Each assumption has a stable ``id`` (for JSON readers and CI
rules) and one sentence.  The list is derived from the configuration and the bounds: an assumption
that cannot matter for this check (transaction timeouts without transactions) is left out.
Eventually-properties (no-loss, no-acked-loss) also rest on fairness; invariants do not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Assumption:
    id: str
    text: str
    eventually_only: bool = False  # only liveness verdicts rest on it

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text}


def assumptions_of(model) -> list[Assumption]:
    """Every assumption a ``holds`` of this model rests on, in a fixed order."""
    config, bounds = model.config, model.bounds
    faults = ", ".join(bounds.faults) if bounds.max_faults and bounds.faults else "none"
    plural = "" if bounds.messages == 1 else "s"
    out = [
        Assumption("bounds", f"runs of at most {bounds.messages} message{plural} and {bounds.max_faults} "
                             f"fault{'' if bounds.max_faults == 1 else 's'} (classes: {faults}); longer runs "
                             "and other faults were not explored"),
        Assumption("broker-line", f"brokers of Kafka {config.broker.name} in KRaft mode{_elr(config)}; ZooKeeper mode "
                                  "(removed in 4.0) and other releases behave differently in places "
                                  "(docs/model.md, \"Broker versions\")"),
        _client(config),
        _delivery_timeout(model),
    ]
    if config.transactional:
        out += [_transaction_timeout(model), _transaction_protocol(model), _after_abort(model)]
    zombie = " (and, with producer-zombie faults, one paused old instance)" if model.zombies else ""
    coordinators = ("the group coordinator and the transaction coordinator do not fail" if config.transactional
                    else "the group coordinator does not fail")
    out += [
        Assumption("topology", f"one partition, one producer instance{zombie}, one consumer in its group; no "
                               "rebalance other than the consumer's own restart"),
        Assumption("coordinators", coordinators),
        Assumption("fairness", "every step that stays possible eventually happens (weak fairness): followers "
                               "keep fetching, the consumer keeps polling, requests are answered or time "
                               "out", eventually_only=True),
    ]
    return out


def _client(config) -> Assumption:
    client = config.client
    if client.is_java:
        text = (f"the producer and consumer follow the {client.label} (the rules audited at 3.7.0: Sender, "
                "RecordAccumulator, TransactionManager, the classic consumer group protocol; what differs in this "
                "line is modelled: docs/clients.md)")
    else:
        text = (f"the producer and consumer follow {client.label}: its defaults, configuration rules, retry order "
                "and counting, in-flight limit per connection, timeouts and offset store, for the idempotent and "
                "transactional producers its drains, implicit acknowledgements, epoch bumps and fatal errors, and "
                "in transactions its abortable errors and the abort's purge of queued messages; the rest of the "
                "producer's rules as in the Java client, which librdkafka shares there (docs/clients.md; "
                "docs/audits/librdkafka-producer-vs-model.md)")
    return Assumption("client", text)


def _elr(config) -> str:
    if not config.broker.elr_available:
        return ""
    level = int(config.eligible_leader_replicas)
    return f" with eligible.leader.replicas.version={level}"


def _delivery_timeout(model) -> Assumption:
    config = model.config
    if model.accumulator_expiry:
        return Assumption("delivery-timeout", f"the {config.client.label} has no delivery.timeout.ms: a batch waiting in "
                                              "the accumulator fails request.timeout.ms after its creation or last "
                                              "attempt, one on the wire never; with no clock, the model lets the head "
                                              "batch fail after a request timeout, while the producer is held up until a "
                                              "fault ends, or while it cannot be sent and a request is lost or waits for "
                                              "the ISR (docs/clients.md)")
    key = config.client.delivery_timeout_key
    if config.request_timeouts_to_deadline is None:
        return Assumption("delivery-timeout", f"{key}={config.delivery_timeout_ms} is read as never: no send fails by time")
    if not config.client.is_java:
        return Assumption("delivery-timeout", f"{key} passes only while the producer is held up until a fault ends or "
                                              "once its request timeouts (socket.timeout.ms) add up to it, never in a "
                                              "healthy but slow run; a request on the wire then may still be written "
                                              "(librdkafka closes the connection: the model has a few more runs) "
                                              "(docs/clients.md)")
    return Assumption("delivery-timeout", "delivery.timeout.ms passes only while the producer is held up until a "
                                          "fault ends (the partition offline with no one to elect, acks=all refused "
                                          "for want of ISR, a stuck sequence) or once its request timeouts add up to "
                                          "it, never in a healthy but slow run; all "
                                          "batches share one deadline, as the application sends them together "
                                          "(docs/model.md, \"delivery.timeout.ms\")")


def _transaction_timeout(model) -> Assumption:
    config = model.config
    ctp = ("; the consume-transform-produce loop's own transaction (--commit transactional) never times out"
           if config.commit == "transactional" else "")
    if model.transaction_timeout:
        text = ("transaction.timeout.ms passes only while the producer is held up until a fault ends or once its "
                "request timeouts add up to it, never in a healthy but slow run or a slow application")
    elif not config.transaction_may_time_out:
        text = (f"transaction.timeout.ms={config.transaction_timeout_ms} is not below "
                f"{config.client.delivery_timeout_key}={config.delivery_timeout_ms}: the batches expire and the application aborts first, so the "
                "coordinator is taken never to time the transaction out")
    else:
        text = ("transaction.timeout.ms cannot pass at these bounds: no fault here holds the producer up for long, "
                "and a healthy but slow run or a slow application is not modelled")
    return Assumption("transaction-timeout", text + ctp)


def _transaction_protocol(model) -> Assumption:
    config = model.config
    if config.transaction_protocol_v2:
        text = (f"transaction protocol v2 (KIP-890 part 2: brokers {config.broker.name} with transaction.version=2 and "
                f"the {config.client.label}): the epoch is bumped at the end of every transaction; a 3.x Java client "
                "keeps v1 (--client-version 3.9.1 checks it), as does an upgraded cluster (-X transaction.version=0)")
    else:
        if not config.broker.transaction_version_available:
            where = f"brokers {config.broker.name}"
        elif config.transaction_version >= 2:  # the brokers offer v2, the client does not speak it
            client = f"the {config.client.label}" if config.client.is_java else config.client.label
            where = f"{client} on brokers with transaction.version={config.transaction_version}"
        else:
            where = f"transaction.version={config.transaction_version}"
        text = (f"transaction protocol v1 ({where}): the epoch stays across transactions unless an error or a "
                "restart bumps it; a delayed EndTxn (the client's request to the coordinator) is not modelled, and "
                "on v1 one can end a later transaction of the same epoch (KAFKA-17754)")
    return Assumption("transaction-protocol", text + " (docs/model.md, \"Transaction protocol\")")


def _after_abort(model) -> Assumption:
    config = model.config
    text = ("after a send failed for good the producing application aborts and gives up on its messages (a fenced "
            "producer is closed)")
    if model.librdkafka_transactions:
        text += ("; after a fatal error librdkafka sends no EndTxn and the application closes the producer, leaving "
                 "the transaction open until a new instance or the coordinator's timeout aborts it")
    text += "; only a restart (producer-crash) re-sends what is not committed"
    text += ("; an application that aborts of its own accord (app-abort) sends its messages again in a new transaction"
             if model.app_aborts else "; no application aborts of its own accord (the fault class app-abort)")
    if model.parks_messages():
        text += ("; with librdkafka its abort_transaction() may time out while a retried message waits for "
                 "message.timeout.ms and be called again, which purges that message too (an application that calls "
                 "it with no timeout gets the same purge only when the retried message was put back in the queue "
                 "between the abort's state change and its purge of the partition queues, a moment's window: a "
                 "counterexample through \"calls abortTransaction() again\" applies to it only through that window)")
    if config.commit == "transactional":
        how = ("seeks back to the aborted records" if config.after_abort == "seek-back"
               else "keeps its position and skips the aborted records")
        text += (f"; the consume-transform-produce loop {how} (--after-abort {config.after_abort}), and a write of an "
                 "aborted transaction's output never joins a later one (the output topic is not modelled; on "
                 "transaction protocol v1 a delayed one can, as app-abort shows for the input partition)")
    return Assumption("after-abort", text + " (docs/model.md, \"Transactions\")")

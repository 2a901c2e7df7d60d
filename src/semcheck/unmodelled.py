"""Kafka settings semcheck does not model: which of them change delivery, and what that means for
a verdict (docs/config-files.md, "Not modelled").

A team's real file holds dozens of keys semcheck never reads (bootstrap.servers, serializers, TLS
and SASL settings).  They are listed once, with their count, and ignored.  The ones below can change
what is delivered, lost or duplicated, so the report names each with one sentence and says that the
verdict does not account for it.
"""

from __future__ import annotations

from .redaction import shorten

# key -> what it means for the verdict, one sentence.  Java and librdkafka spellings both.
DELIVERY_EFFECTS: dict[str, str] = {
    "max.block.ms": "send() can fail before the record is queued (metadata or a full buffer): "
                    "a loss at the application the model does not have",
    "buffer.memory": "a full buffer blocks send() and then fails it after max.block.ms: a loss the model does not have",
    "linger.ms": "records wait to be batched: changes timing only, but with delivery.timeout.ms it "
                 "brings the delivery deadline closer",
    "batch.size": "how many records share a batch: the model sends one record per request, so a failed "
                  "batch losing or duplicating several records at once is not modelled",
    "partitioner.class": "the model has one partition: ordering and loss across partitions are not checked",
    "partitioner.ignore.keys": "the model has one partition: ordering across partitions is not checked",
    "interceptor.classes": "an interceptor can drop, change or duplicate records outside the model",
    "compression.type": "a compressed batch fails or succeeds as a whole: the model's per-record batches do not show that",
    "max.request.size": "a record larger than this fails at send (RecordTooLargeException): a loss the model does not have",
    "request.timeout.ms": "the Java client's wait for one answer: the model counts the delivery deadline in 30 s "
                          "request timeouts, whatever this value is",
    "retry.backoff.ms": "the pause between retries: timing only, but it spends delivery.timeout.ms",
    "retry.backoff.max.ms": "the longest pause between retries: timing only, but it spends delivery.timeout.ms",
    "max.poll.interval.ms": "a consumer slower than this leaves the group and its uncommitted work is "
                            "redelivered to another: the model has one consumer",
    "session.timeout.ms": "a consumer missing heartbeats this long is removed and its partitions "
                          "reassigned: the model has one consumer and no rebalance",
    "heartbeat.interval.ms": "with session.timeout.ms, decides when a consumer is removed from the group: "
                             "no rebalance is modelled",
    "auto.commit.interval.ms": "how often auto-commit runs: the model lets the commit happen at any moment, "
                               "so every interval is covered",
    "group.instance.id": "static membership delays rebalances: the model has one consumer and no rebalance",
    "partition.assignment.strategy": "how partitions move between consumers: the model has one consumer",
    "group.protocol": "the consumer group protocol (KIP-848): the model has one consumer and no rebalance",
    "max.poll.records": "how many records one poll returns: the model processes one record at a time",
    "queue.buffering.max.ms": "librdkafka's linger.ms: timing only, but it brings the delivery deadline closer",
    "queue.buffering.max.messages": "librdkafka's producer queue: when full, produce() fails: a loss the model does not have",
    "queue.buffering.max.kbytes": "librdkafka's producer queue: when full, produce() fails: a loss the model does not have",
    "enable.gapless.guarantee": "librdkafka: a gap in an idempotent producer's sequence is fatal: not modelled",
    "retry.backoff.jitter": "timing only, but it spends the delivery deadline",
    "topic.metadata.refresh.interval.ms": "how soon a new leader is found: timing only",
    "metadata.max.age.ms": "how soon a new leader is found: timing only",
    "allow.auto.create.topics": "a missing topic may be created with broker defaults, not the settings checked",
    "enable.partition.eof": "librdkafka: an end-of-partition event, no change to what is delivered",
}

# Real Kafka keys close in spelling to a key semcheck reads: a file holding one of these is not
# misspelling the modelled key (config_files.py flags near misses of modelled keys).
KNOWN_KAFKA_KEYS: frozenset[str] = frozenset({
    *DELIVERY_EFFECTS,
    "bootstrap.servers", "client.id", "client.dns.lookup", "key.serializer", "value.serializer",
    "key.deserializer", "value.deserializer", "group.id", "security.protocol", "sasl.mechanism",
    "transaction.state.log.min.isr", "transaction.state.log.replication.factor",
    "offsets.topic.replication.factor", "default.replication.factor", "num.partitions",
    "auto.create.topics.enable", "auto.include.jmx.reporter", "enable.metrics.push",
    "socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.max.ms",
    "connections.max.idle.ms", "transaction.max.timeout.ms", "transactional.id.expiration.ms",
    "transaction.abort.timed.out.transaction.cleanup.interval.ms", "delivery.report.only.error",
    "message.max.bytes", "message.copy.max.bytes", "message.send.max.retries", "max.in.flight",
    "request.required.acks", "socket.timeout.ms", "fetch.min.bytes", "fetch.max.bytes",
    "fetch.max.wait.ms", "max.partition.fetch.bytes", "receive.buffer.bytes", "send.buffer.bytes",
    "reconnect.backoff.ms", "reconnect.backoff.max.ms", "check.crcs", "exclude.internal.topics",
    "default.api.timeout.ms", "isolation.level", "enable.auto.offset.store", "offset.store.method",
    "unclean.leader.election.interval.ms", "min.insync.replicas", "replica.lag.time.max.ms",
    "log.flush.interval.messages", "log.flush.interval.ms", "acks", "retries",
})


def not_modelled_keys(ignored) -> list[str]:
    """The distinct keys of the files semcheck does not model, sorted (each listed once however many
    files hold it); ``ignored`` holds config_files.IgnoredSetting records."""
    return sorted({shorten(item.key) for item in ignored if not item.why})  # a 5 MB "key" is shown cut


def delivery_effects(keys) -> dict[str, str]:
    """Of ``keys``, those that change delivery, with what that means for the verdict (table order)."""
    present = set(keys)
    return {key: text for key, text in DELIVERY_EFFECTS.items() if key in present}

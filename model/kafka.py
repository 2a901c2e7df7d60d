"""The Kafka delivery model: producer, connections, replicated partition, consumer and faults.

Written once, in the DSL of ``dsl.py``; both engines run these functions.  The semantics follow
DESIGN.md ("Semantics") and the audits of Kafka's source cited in docs/model.md; choices the design
leaves open are explained where they are made and listed in docs/model.md.

One module per actor, each a mixin of ``KafkaModel`` that declares its own part of the state, its
initial values and its actions:

=====================  ==========================================================================
kafka_producer.py      the accumulator, sends, responses, retries, timeouts, metadata
kafka_connection.py    the requests on the wire (in flight, a zombie's, orphaned by a broken connection)
kafka_broker.py        the partition leader handling produce requests (checks, append, answer)
kafka_cluster.py       logs, replication, ISR, high watermark, restarts, fencing, elections
kafka_consumer.py      the consumer group member: polls, processing, commits, KIP-320 validation
kafka_faults.py        the fault injections, each spending one unit of --max-faults
kafka_transactions.py  the transactional producer, its coordinator, markers, read_committed, zombies
=====================  ==========================================================================

A rule one actor uses from another is a public method (no leading underscore) and is named in the
``REQUIRES`` table at the top of the module that uses it; a name with a leading underscore is private to
its module.  tests/test_architecture.py holds both.  This module holds what they share: the sizes
derived from the configuration and bounds, the assembled state layout, the order of the actions,
and the switches that merge steps (``merges.py``).
"""

from __future__ import annotations

from .api import Action, Model, StatePredicate
from .assumptions import Assumption, assumptions_of
from .bounds import Bounds
from .config import UNLIMITED_RETRIES, ConfigError, KafkaConfig
from .dsl import If, Layout
from .kafka_broker import BrokerMixin
from .kafka_cluster import ClusterMixin
from .kafka_connection import ConnectionMixin
from .kafka_consumer import ConsumerMixin
from .kafka_faults import FaultsMixin
from .kafka_producer import ProducerMixin
from .kafka_text import KafkaText
from .kafka_transactions import TransactionsMixin
from .merges import MERGE_NAMES

MAX_FINITE_RETRIES = 50


class KafkaModel(ProducerMixin, ConnectionMixin, BrokerMixin, ClusterMixin, ConsumerMixin, FaultsMixin,
                 TransactionsMixin, Model):
    def __init__(self, config: KafkaConfig, bounds: Bounds, merges: frozenset[str] = frozenset(MERGE_NAMES)):
        self.config = config
        self.bounds = bounds
        self.merges = frozenset(merges)
        n = self.n_messages = bounds.messages
        self.n_replicas = config.replication_factor
        self.idempotent = config.enable_idempotence
        # the accumulator's queue order must be stored: only the Java client without idempotence
        # puts a retried batch back at the front (kafka_producer.py)
        self.tracks_queue_order = not self.idempotent and config.client.retries_go_to_front
        # librdkafka's idempotent producer: drains before retries and leader changes, acknowledges
        # earlier messages implicitly, bumps its epoch itself, and has fatal errors (kafka_producer.py)
        self.librdkafka_idempotence = self.idempotent and not config.client.is_java
        # a client error can stop the producer for good: librdkafka's idempotent producer, and the
        # Java 2.5-2.6 idempotent producer on INVALID_PRODUCER_EPOCH (ProducerFencedException)
        self.fatal_errors = self.librdkafka_idempotence or (self.idempotent and not config.transactional
                                                            and config.client.invalid_epoch_fatal)
        # Java clients before 2.1: batches expire in the accumulator, one by one (kafka_producer.py)
        self.accumulator_expiry = config.client.expires_batches_in_accumulator
        # follower-lag: a follower stops fetching, then the leader drops it (kafka_cluster.py)
        self.fetch_stalls = bounds.enabled("follower-lag")
        self.transactional = config.transactional
        # librdkafka's transactional producer: an abortable error with an epoch bump stops its sends
        # and purges its queue, the bump comes from the coordinator after the abort, the application's
        # abort purges queued messages and moves sequence numbers back, and INVALID_PRODUCER_EPOCH is
        # fatal (docs/audits/librdkafka-producer-vs-model.md, rules 7-11)
        self.librdkafka_transactions = self.librdkafka_idempotence and self.transactional
        # Control records (transaction markers) share the log with data records: message + 1 for
        # data (1..n), then these two values.
        self.commit_marker, self.abort_marker = n + 1, n + 2
        self.acks = config.acks
        self.unlimited_retries = config.unlimited_retries
        self.retries = 0 if self.unlimited_retries else config.retries
        if self.retries > MAX_FINITE_RETRIES:
            # each retry count is a distinct state; beyond this the bound is absurd, not informative
            raise ConfigError(
                f"retries={config.retries}: semcheck models 0 to {MAX_FINITE_RETRIES} retries, "
                f"or unlimited ({UNLIMITED_RETRIES}, Kafka's default)"
            )
        # max.in.flight=1 mutes the partition while its batch is in flight (Sender,
        # guaranteeMessageOrder), so one request exists at a time; otherwise a message is in at
        # most one request, on whichever connection carries it.
        # librdkafka mutes nothing: its limit is per connection, and one more request may be built
        # and wait behind those in flight (queue.buffering.backpressure.threshold=1, its default:
        # rd_kafka_broker_outbufs_space), ahead of any retry put back in the queue later
        # (docs/audits/librdkafka-producer-vs-model.md, 1.1; tests/test_real_client.py).
        self.slots = 1 if config.max_in_flight == 1 and config.client.is_java else n
        self.pipeline = config.max_in_flight + (0 if config.client.is_java else 1)
        restarts = bounds.enabled("producer-crash") or bounds.enabled("producer-zombie")
        # A zombie is only modelled where something fences it: without a transactional.id the old
        # instance would go on sending unchecked, which the model does not follow.
        if bounds.enabled("producer-zombie") and not self.transactional:
            raise ConfigError("--faults producer-zombie needs a transactional.id: without one nothing "
                              "fences the old producer instance, and semcheck does not model it")
        self.zombies = bounds.enabled("producer-zombie")
        if bounds.enabled("app-abort") and not self.transactional:
            raise ConfigError("--faults app-abort needs a transactional.id: it is the application's "
                              "abortTransaction(), which only a transactional producer has")
        # the application aborts a transaction of its own accord and sends its messages again in a
        # new one (kafka_transactions.py).  On transaction protocol v1 nothing bumps the epoch then
        # (no send failed, so no KIP-360 bump), and sequence numbers run on across the transactions;
        # on v2 (KIP-890 part 2) every transaction ends with an epoch bump.
        self.app_aborts = bounds.enabled("app-abort")
        self.protocol_v2 = config.transaction_protocol_v2
        self.sequences_run_on = self.app_aborts and not self.protocol_v2
        # sequence numbers a producer epoch can reach: each transaction sends each message at most
        # once with a new sequence, and each new transaction needs an app-abort (a fault)
        self.sequences = n * (1 + bounds.max_faults) if self.sequences_run_on else n
        if bounds.enabled("output-failure") and config.commit != "transactional":
            raise ConfigError("--faults output-failure needs --commit transactional: it aborts the "
                              "consume-transform-produce loop's transaction, which no other commit strategy has")
        self.delivery_timeout = self.models_delivery_timeout()
        # request timeouts that add up to delivery.timeout.ms, counted where enough silent faults
        # (a broken connection, a power loss: each waits out request.timeout.ms) fit in the bounds
        waits = config.request_timeouts_to_deadline
        silent = sum(1 for f in ("network", "power-loss") if bounds.enabled(f))
        self.deadline_waits = waits if self.delivery_timeout and silent and waits <= bounds.max_faults else 0
        self.deadline_may_pass = self.delivery_timeout and self.deadline_can_pass()
        # transaction.timeout.ms: the coordinator aborts a transaction held up that long
        # (kafka_transactions.py), counted through request timeouts the same way
        txn_waits = config.request_timeouts_to_transaction_timeout
        self.transaction_timeout = (self.models_transaction_timeout()
                                    and (self.can_stall() or (silent > 0 and txn_waits <= bounds.max_faults)))
        self.txn_waits = txn_waits if self.transaction_timeout and silent and txn_waits <= bounds.max_faults else 0
        # the ``waited`` counter saturates one short of the delivery timeout's count, and it must also
        # be able to say that the transaction timeout's count was reached
        self.wait_bound = max(self.deadline_waits, self.txn_waits + 1 if self.txn_waits else 0)
        # eligible leader replicas (KIP-966; kafka_cluster.py)
        self.elr = self.models_elr(config)
        if bounds.enabled("controlled-shutdown") and not self.elr:
            raise ConfigError(
                "--faults controlled-shutdown: " + (
                    "with a min ISR of 1 eligible leader replicas change nothing" if config.eligible_leader_replicas
                    else f"without eligible leader replicas (brokers {config.broker.name}, "
                         f"eligible.leader.replicas.version={int(config.eligible_leader_replicas)})")
                + ", and a controlled shutdown can then do nothing a broker-crash cannot; use broker-crash")
        self.clean_stops = bounds.enabled("controlled-shutdown")
        # a request the broker read just before the connection broke is still executed later
        # (kafka_faults.py, _break_connection); with acks=0 nothing waits for it, so executing it
        # then is the same as executing it before the break
        # On protocol v1 a request of an aborted transaction that was still on its way when the
        # application began the next one (a batch that expired with its request on the wire) may
        # still be read and written: it is kept as an orphan (kafka_transactions.py,
        # _begin_again), at most one per message.
        self.stale_requests = self.sequences_run_on and self.deadline_may_pass
        self.orphans = (bounds.enabled("network") and config.acks != 0) or self.stale_requests
        self.n_orphans = ((bounds.max_faults if bounds.enabled("network") and config.acks != 0 else 0)
                          + (n if self.stale_requests else 0))
        # Producer identity (pid, epoch).  An idempotent restart gets a new producer id; a
        # transactional restart keeps it (same transactional.id) and bumps the epoch; the idempotent
        # client bumps its own epoch after a sequence gap (TransactionManager.bumpIdempotentEpoch...).
        # Each restart needs a fault, and each bump needs records lost on a broker (a fault) or an
        # earlier bump, so these bounds hold in every run we know of; a run that would pass them
        # is cut, never silently left out.
        faults = bounds.max_faults
        if self.transactional:
            # a transaction timeout moves the coordinator one epoch on, once per producer instance
            # (and an application's abort, on transaction protocol v2 or, after an expiry or a sequence
            # gap, with librdkafka)
            bumps = restarts or (self.app_aborts and (self.protocol_v2 or self.librdkafka_transactions))
            self.pids, self.epochs = 1, (1 + (faults if bumps else 0)) * (2 if self.transaction_timeout else 1)
        elif self.idempotent:
            self.pids, self.epochs = 1 + (faults if restarts else 0), 1 + 2 * faults
        else:
            self.pids, self.epochs = 1 + (faults if restarts else 0), 1
        # Every re-append of a message needs a fault (a lost request/response, a crash, an ISR
        # shrink), and one fault can re-append each message at most once, so a log never holds more
        # than messages * (1 + faults) records.  Overflow is still detected, never ignored.
        # A transaction adds one marker per attempt (the first, and one per fault at most).
        self.capacity = (n + (1 if self.transactional else 0)) * (1 + faults)
        # every election follows the death of a leader, a fault; a run that would need more leader
        # epochs is cut
        self.leader_epochs = 1 + faults
        self.power_losses = bounds.enabled("power-loss")
        # 3.7+: the high watermark stops while the ISR is below the min ISR (kafka_cluster.py); the
        # ISR is empty only with eligible leader replicas, so otherwise only a min ISR of 2 or more
        # can freeze it
        self.hw_freezes = config.broker.hw_frozen_under_min_isr and (config.effective_min_isr >= 2 or self.elr)
        self.no_broker = self.n_replicas  # the value of ``meta`` when no leader is known
        self.layout = self._declare_layout()

    @staticmethod
    def models_elr(config: KafkaConfig) -> bool:
        """Whether the model tracks eligible leader replicas.  Only with a min ISR of 2 or more: with
        1 the ELR only ever holds the ISR's last member, the replica the controller elects without
        it, and its last known leader is that replica too (docs/model.md)."""
        return config.eligible_leader_replicas and config.effective_min_isr >= 2

    def models_delivery_timeout(self) -> bool:
        """Whether sends can fail by delivery.timeout.ms (kafka_producer.py): not with
        delivery.timeout.ms=2147483647 (never).  benchmarks/timeout_cost.py overrides this to
        measure it."""
        return self.config.request_timeouts_to_deadline is not None

    def models_transaction_timeout(self) -> bool:
        """Whether the coordinator can abort the transaction for transaction.timeout.ms
        (kafka_transactions.py): only where it comes before the batches' delivery.timeout.ms.
        benchmarks/timeout_cost.py overrides this to measure it."""
        return self.transactional and self.config.transaction_may_time_out

    # the fault classes that can hold the producer up until they end (kafka_producer.py, ``stalled``)
    _STALLING_FAULTS = ("network", "follower-lag", "broker-crash", "power-loss", "controlled-shutdown")

    def deadline_can_pass(self) -> bool:
        """Whether delivery.timeout.ms can pass at these bounds: only a fault of the brokers or the
        network, or a min ISR above the replica count (3.6), can hold the producer up (``stalled``).
        Elsewhere the step could never be taken, and leaving it out keeps those models as they were
        (tests/test_delivery_timeout.py checks that against a variant that keeps it)."""
        return self.can_stall() or self.deadline_waits > 0 or self.parks_messages()

    def parks_messages(self) -> bool:
        """Whether a message can wait in the queue, never to be sent, until message.timeout.ms:
        librdkafka's transactional producer sends nothing once the application aborts, so a retry
        that comes back then waits for its deadline (kafka_producer.py, ``_parked``)."""
        return self.librdkafka_transactions and self.app_aborts

    def can_stall(self) -> bool:
        """Whether something can hold the producer up until a fault ends, or for ever
        (kafka_producer.py, ``stalled``): a fault of the brokers or the network, or a min ISR above
        the replica count (3.6)."""
        config = self.config
        return (any(self.bounds.enabled(f) for f in self._STALLING_FAULTS)
                or (config.acks == -1 and config.effective_min_isr > config.replication_factor))

    def merged(self, name: str) -> bool:
        """Whether the named merge (``merges.py``) is on: its steps are taken as one."""
        return name in self.merges

    # ------------------------------------------------------------------------------------------
    # the state: each actor declares its own fields.  Their order is the order of a state's bytes;
    # nothing depends on it (stored traces name fields, not offsets), but the Z3 encoding follows
    # it, so keeping it keeps the symbolic engine's choice among equally short counterexamples.
    # ------------------------------------------------------------------------------------------
    def _declare_layout(self) -> Layout:
        lay = Layout()
        self.declare_producer_fields(lay)
        self.declare_connection_fields(lay)
        self.declare_cluster_fields(lay)
        self.declare_consumer_fields(lay)
        self.declare_fault_fields(lay)
        self.declare_transaction_fields(lay)
        # set when a run reaches a bound of the model: the search then says inconclusive, never holds
        lay.scalar("overflow", 2)
        return lay

    def initial_states(self) -> list[bytes]:
        """One initial state; a field no actor names starts at 0 (the faults spent, the transaction's
        state ONGOING, the overflow flag)."""
        values = {}
        for part in (self.initial_producer_values(), self.initial_connection_values(), self.initial_cluster_values(),
                     self.initial_consumer_values()):
            assert not values.keys() & part.keys(), "two actors initialise the same field"
            values.update(part)
        return [self.layout.encode(values)]

    # ---- presentation (model/kafka_text.py) -----------------------------------------------------
    @property
    def text(self) -> KafkaText:
        """The pieces of text traces are made of (``kafka_text.py``)."""
        return KafkaText(self)

    def summarize(self, state: bytes) -> dict[str, str]:
        return self.text.summarize(self.layout.decode(state))

    def assumptions(self) -> list[Assumption]:
        """What a ``holds`` of this model rests on (``assumptions.py``)."""
        return assumptions_of(self)

    def bound_exceeded(self) -> StatePredicate:
        # the name is what the reports say was reached (semcheck/report/words.py)
        return StatePredicate("its log capacity, or a second paused producer instance", lambda s: s.overflow == 1)

    def overflow_unless(self, nx, within):
        """Cut the run (the search then says inconclusive) where ``within`` fails: a bound of the
        model, not of Kafka, was reached."""
        nx.overflow = If(within, nx.overflow, 1)

    # ------------------------------------------------------------------------------------------
    # actions, in this order: the breadth-first search expands successors in it, so it decides
    # which of several equally short counterexamples is shown
    # ------------------------------------------------------------------------------------------
    def actions(self) -> list[Action]:
        acts = (self.producer_actions() + self.broker_actions() + self.cluster_actions() + self.orphan_actions()
                + self.transaction_actions() + self.consumer_actions() + self.fault_actions())
        if self.hw_freezes:
            acts = [self.keep_high_watermark(action) for action in acts]
        return acts

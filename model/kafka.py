"""The Kafka delivery model: producer, connections, replicated partition, consumer and faults.

Written once, in the DSL of ``dsl.py``; both engines run these functions.  The semantics follow
DESIGN.md ("Semantics") and the audits of Kafka's source cited in docs/model.md; choices the design
leaves open are explained where they are made and listed in docs/model.md.  The actions live in one
module per actor (``kafka_producer.py``, ``kafka_broker.py``, ``kafka_consumer.py``,
``kafka_faults.py``, ``kafka_transactions.py``); this module holds the state layout, the values
derived from a state, and the switches that merge steps (``merges.py``).

State (all small integers; ``_declare_layout`` has the exact fields):

* producer: per message a status (queued / in flight / acked / failed), retries spent and sequence
  number; its producer id and epoch; without idempotence the accumulator's queue order (a retried
  batch goes back to the front); the broker its metadata names as leader;
* requests: up to ``slots`` in send order, each with its message, stage (on its way, answered, lost,
  appended and waiting), the broker whose connection carries it, and (idempotence) the epoch and
  sequence it was sent with;
* cluster: per broker alive?, log (fixed capacity; a record is message, producer id, epoch and
  sequence), log length, in ISR?; the leader (if any) and the log end it had when elected;
  the high watermark is *derived*: the smallest log among ISR members;
* consumer: process state, position, committed offset (0 = none, k+1 = offset k), a one-record
  hand-off buffer, an "uncommitted processing" flag, and the application's output summarised as a
  per-message count (0, 1, 2 = more than once) plus a flag set when a message is first processed
  after a later one;
* the number of faults spent, and a flag set when a run reaches a bound of the model (the search
  then says inconclusive, never holds).
"""

from __future__ import annotations

from .api import Action, Model, StatePredicate
from .bounds import Bounds
from .config import UNLIMITED_RETRIES, ConfigError, KafkaConfig
from .dsl import And, Count, If, Layout, Max, Min
from .kafka_broker import BrokerMixin
from .kafka_codes import ACKED, C_UP, COMMITTED, QUEUED, TXN_NAMES, WAIT
from .kafka_consumer import ConsumerMixin
from .kafka_faults import FaultsMixin
from .kafka_producer import ProducerMixin
from .kafka_text import KafkaText
from .kafka_transactions import TransactionsMixin
from .merges import MERGE_NAMES

# a record is these parallel slots of a log (see _declare_layout)
RECORD_FIELDS = ("log", "log_pid", "log_epoch", "log_seq", "log_lepoch")

MAX_FINITE_RETRIES = 50


class KafkaModel(ProducerMixin, BrokerMixin, ConsumerMixin, FaultsMixin, TransactionsMixin, Model):
    def __init__(self, config: KafkaConfig, bounds: Bounds, merges: frozenset[str] = frozenset(MERGE_NAMES)):
        self.config = config
        self.bounds = bounds
        self.merges = frozenset(merges)
        n = self.n_messages = bounds.messages
        self.n_replicas = config.replication_factor
        self.idempotent = config.enable_idempotence
        self.transactional = config.transactional
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
        self.slots = 1 if config.max_in_flight == 1 else n
        restarts = bounds.enabled("producer-crash") or bounds.enabled("producer-zombie")
        # A zombie is only modelled where something fences it: without a transactional.id the old
        # instance would go on sending unchecked, which the model does not follow.
        if bounds.enabled("producer-zombie") and not self.transactional:
            raise ConfigError("--faults producer-zombie needs a transactional.id: without one nothing "
                              "fences the old producer instance, and semcheck does not model it")
        self.zombies = bounds.enabled("producer-zombie")
        # a request the broker read just before the connection broke is still executed later
        # (kafka_faults.py, _break_connection); with acks=0 nothing waits for it, so executing it
        # then is the same as executing it before the break
        self.orphans = bounds.enabled("network") and config.acks != 0
        self.n_orphans = bounds.max_faults if self.orphans else 0
        # Producer identity (pid, epoch).  An idempotent restart gets a new producer id; a
        # transactional restart keeps it (same transactional.id) and bumps the epoch; the idempotent
        # client bumps its own epoch after a sequence gap (TransactionManager.bumpIdempotentEpoch...).
        # Each restart needs a fault, and each bump needs records lost on a broker (a fault) or an
        # earlier bump, so these bounds hold in every run we know of; a run that would pass them
        # is cut, never silently left out.
        faults = bounds.max_faults
        if self.transactional:
            self.pids, self.epochs = 1, 1 + (faults if restarts else 0)
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
        self.no_broker = self.n_replicas  # the value of ``meta`` when no leader is known
        self.layout = self._declare_layout()

    def merged(self, name: str) -> bool:
        """Whether the named merge (``merges.py``) is on: its steps are taken as one."""
        return name in self.merges

    # ------------------------------------------------------------------------------------------
    # state layout
    # ------------------------------------------------------------------------------------------
    def _declare_layout(self) -> Layout:
        n, r, cap, slots = self.n_messages, self.n_replicas, self.capacity, self.slots
        lay = Layout()
        lay.array("status", (n,), 4)
        lay.array("tries", (n,), self.retries + 1)
        lay.array("seq", (n,), n + 1)  # sequence number + 1 under the current epoch; 0 = none yet
        lay.scalar("next_seq", n + 1)
        lay.scalar("pid", self.pids)
        lay.scalar("epoch", self.epochs)
        if not self.idempotent:
            # the accumulator's queue, head first (message + 1; 0 = empty): a retried batch goes
            # back to the front (RecordAccumulator.reenqueue, deque.addFirst).  With idempotence the
            # queue is always in sequence order (insertInSequenceOrder), so the lowest queued
            # message is its head and nothing needs storing.
            lay.array("queue", (n,), n + 1)
        lay.scalar("meta", r + 1)  # the broker the producer's metadata names as leader; r = none
        lay.array("req_msg", (slots,), n + 1)  # message + 1; 0 = empty slot
        lay.array("req_stage", (slots,), WAIT + cap)
        lay.array("req_broker", (slots,), r)
        if self.idempotent:
            # what the request carries; a client epoch bump renumbers the batch but not the bytes
            # already on the wire
            lay.array("req_epoch", (slots,), self.epochs)
            lay.array("req_seq", (slots,), n)
        if self.zombies:
            # the old instance's requests the broker has not read yet, in order, and its epoch
            lay.array("z_msg", (slots,), n + 1)
            lay.array("z_seq", (slots,), n)
            lay.scalar("z_epoch", self.epochs)
        if self.orphans:
            # requests a broker had read when their connection broke, executed later; each needs a
            # network fault, so there are at most max-faults of them (in the order they were read)
            k = self.n_orphans
            lay.array("o_msg", (k,), n + 1)
            lay.array("o_broker", (k,), r)
            if self.idempotent:
                lay.array("o_pid", (k,), self.pids)
                lay.array("o_epoch", (k,), self.epochs)
                lay.array("o_seq", (k,), n)
        lay.array("alive", (r,), 2)
        if self.power_losses:
            # after a power loss: the offset from which the broker's log did not reach the disk
            # (cap: nothing lost); applied when it restarts
            lay.array("lost_from", (r,), cap + 1)
        lay.array("isr", (r,), 2)
        lay.array("log_len", (r,), cap + 1)
        # a record is four parallel slots: message + 1 (0 = empty slot) and, with idempotence,
        # the producer id, epoch and sequence number it was written with
        lay.array("log", (r, cap), n + 3 if self.transactional else n + 1)
        lay.array("log_pid", (r, cap), self.pids if self.idempotent else 1)
        lay.array("log_epoch", (r, cap), self.epochs if self.idempotent else 1)
        lay.array("log_seq", (r, cap), n if self.idempotent else 1)
        # the leader epoch the record was appended in: truncation compares it (KIP-101), and the
        # consumer's truncation detection asks for an epoch's end offset (KIP-320)
        lay.array("log_lepoch", (r, cap), self.leader_epochs)
        lay.scalar("has_leader", 2)
        lay.scalar("leader", r)
        lay.scalar("leader_epoch", self.leader_epochs)
        lay.scalar("epoch_start", cap + 1)  # the leader's log end when it was elected
        if not self.merged("hw-at-once"):
            # what the leader knows of each follower's log end (+1; 0 = unknown), its high
            # watermark when it was elected, and each replica's own high watermark
            lay.array("known", (r,), cap + 2)
            lay.scalar("hw_floor", cap + 1)
            lay.array("hw_local", (r,), cap + 1)
        lay.scalar("c_alive", 3)
        lay.scalar("c_pos", cap + 1)
        lay.scalar("c_committed", cap + 2)
        lay.scalar("c_buf", n + 1)
        lay.scalar("c_dirty", 2)
        # KIP-320: the leader epoch of the last record consumed and of the committed offset
        # (leader epoch + 1; 0 = none), and whether the position awaits validation after a leader
        # change
        lay.scalar("c_epoch", self.leader_epochs + 1)
        lay.scalar("c_committed_epoch", self.leader_epochs + 1)
        lay.scalar("c_pending", 2)
        lay.array("out_count", (n,), 3)
        lay.scalar("out_reordered", 2)
        lay.scalar("faults", self.bounds.max_faults + 1)
        if self.transactional:
            lay.scalar("txn", len(TXN_NAMES))
        lay.scalar("overflow", 2)
        return lay

    def initial_states(self) -> list[bytes]:
        r, n, cap = self.n_replicas, self.n_messages, self.capacity
        values = {
            "alive": [1] * r,
            "isr": [1] * r,
            "log_len": [0] * r,
            **{name: [[0] * cap for _ in range(r)] for name in RECORD_FIELDS},
            "has_leader": 1,
            "leader": 0,
            "meta": 0,  # the producer has fetched metadata before its first send
            "c_alive": C_UP,
            # The consumer joins before the first send with no committed offset:
            # auto.offset.reset (latest or earliest) both give offset 0 on an empty log.
            "c_pos": 0,
            "c_committed": 0,
            "status": [QUEUED] * n,
            "tries": [0] * n,
            "seq": [0] * n,
            "req_msg": [0] * self.slots,
            "req_stage": [0] * self.slots,
            "req_broker": [0] * self.slots,
            "out_count": [0] * n,
        }
        if not self.idempotent:
            values["queue"] = [m + 1 for m in range(n)]
        if self.idempotent:
            values["req_epoch"] = [0] * self.slots
            values["req_seq"] = [0] * self.slots
        if self.power_losses:
            values["lost_from"] = [cap] * r
        if not self.merged("hw-at-once"):
            values["known"] = [1] * r  # every log is empty and every follower has fetched it
            values["hw_local"] = [0] * r
        if self.orphans:
            for name in self._orphan_fields():
                values[name] = [0] * self.n_orphans
        if self.zombies:
            values["z_msg"] = [0] * self.slots
            values["z_seq"] = [0] * self.slots
        return [self.layout.encode(values)]

    # ---- presentation (model/kafka_text.py) -----------------------------------------------------
    @property
    def text(self) -> KafkaText:
        """The pieces of text traces are made of (``kafka_text.py``)."""
        return KafkaText(self)

    def summarize(self, state: bytes) -> dict[str, str]:
        return self.text.summarize(self.layout.decode(state))

    def bound_exceeded(self) -> StatePredicate:
        # the name is what the reports say was reached (semcheck/report/words.py)
        return StatePredicate("its log capacity, or a second paused producer instance", lambda s: s.overflow == 1)

    # ------------------------------------------------------------------------------------------
    # derived values (DSL expressions over a state view)
    # ------------------------------------------------------------------------------------------
    def is_data(self, record):
        """A record holding a message (not an empty slot, not a transaction marker)."""
        if not self.transactional:
            return record != 0
        return And(record != 0, record <= self.n_messages)

    def is_marker(self, record):
        return record > self.n_messages if self.transactional else False

    def same_record(self, s, r1, k1, r2, k2):
        """Whether offset k1 of replica r1 and offset k2 of r2 hold the same record: content,
        producer id, epoch and sequence (which tell a retry from a re-send), and the leader epoch it
        was appended in (truncation by leader epoch, KIP-101/279)."""
        return And([getattr(s, f)[r1][k1] == getattr(s, f)[r2][k2] for f in RECORD_FIELDS])

    def write_record(self, nx, r, k, msg_plus_one, pid, epoch, seq, leader_epoch):
        for field, value in zip(RECORD_FIELDS, (msg_plus_one, pid, epoch, seq, leader_epoch)):
            getattr(nx, field)[r][k] = value

    def append_record(self, s, nx, msg_plus_one, pid, epoch, seq):
        """The leader appends a record at its log end, in its leader epoch."""
        length = self.leader_len(s)
        self.write_record(nx, s.leader, length, msg_plus_one, pid, epoch, seq, s.leader_epoch)
        nx.log_len[s.leader] = length + 1

    def copy_record(self, s, nx, dst, k, src, j, keep=False):
        """Offset k of replica ``dst`` gets offset j of ``src`` (or keeps its own where ``keep``;
        ``src`` None with ``keep`` False clears it)."""
        for field in RECORD_FIELDS:
            own = getattr(s, field)[dst][k]
            value = 0 if src is None else getattr(s, field)[src][j]
            getattr(nx, field)[dst][k] = If(keep, own, value) if keep is not False else value

    def acknowledged(self, s, m):
        """The application was told message ``m`` is delivered: its send succeeded or, with a
        transactional producer, the transaction holding it committed."""
        if self.transactional:
            return And(s.status[m] == ACKED, s.txn == COMMITTED)
        return s.status[m] == ACKED

    def high_watermark(self, s):
        """The smallest log end among the ISR, as the leader knows it: a follower that has not yet
        truncated a divergent suffix counts only as far as it agrees with the leader (the leader
        learns its log end from its next, non-diverging, fetch).  With hw-at-once off the leader
        knows a follower's log end only from its last fetch offset, and after an election only its
        own high watermark until every ISR follower has fetched (Partition.maybeIncrementLeaderHW)."""
        if not self.merged("hw-at-once"):
            unknown = -1
            ends = [If(r == s.leader, s.log_len[r], If(s.known[r] == 0, unknown, s.known[r] - 1))
                    for r in range(self.n_replicas)]
            known_min = Min([If(s.isr[r] == 1, ends[r], self.capacity) for r in range(self.n_replicas)])
            return Max(s.hw_floor, known_min)
        if self.merged("truncate-at-once"):
            ends = [s.log_len[r] for r in range(self.n_replicas)]
        else:
            ends = [self.common_prefix_length(s, r, s.leader) for r in range(self.n_replicas)]
        return Min([If(s.isr[r] == 1, ends[r], self.capacity) for r in range(self.n_replicas)])

    def isr_size(self, s):
        return Count([s.isr[r] == 1 for r in range(self.n_replicas)])

    def leader_len(self, s):
        return s.log_len[s.leader]

    def leader_up(self, s):
        """A leader exists and its process runs.  A dead leader keeps the title until the
        controller fences it (kafka_broker.py, _fence)."""
        return And(s.has_leader == 1, s.alive[s.leader] == 1)

    def current_metadata(self, view):
        """What a metadata response says leads the partition: its leader, or none while offline."""
        return If(view.has_leader == 1, view.leader, self.no_broker)

    def forget_leader(self, nx, view):
        """The client no longer trusts its metadata and asks for more.  With the metadata-refresh
        merge it has the answer in the same step (``view``: the state the answer describes)."""
        nx.meta = self.current_metadata(view) if self.merged("metadata-refresh") else self.no_broker

    def overflow_unless(self, nx, within):
        """Cut the run (the search then says inconclusive) where ``within`` fails: a bound of the
        model, not of Kafka, was reached."""
        nx.overflow = If(within, nx.overflow, 1)

    # ------------------------------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------------------------------
    def actions(self) -> list[Action]:
        acts: list[Action] = []
        acts += self._producer_actions()
        acts += self._broker_actions()
        acts += self._consumer_actions()
        acts += self._fault_actions()
        return acts

"""The Kafka delivery model: producer, network, replicated partition, consumer and faults.

Written once, in the DSL of ``dsl.py``; both engines run these functions.  The semantics follow
DESIGN.md ("Semantics"); choices the design leaves open are explained where they are made and listed
in docs/model.md.

State (all small integers; see ``_declare_layout`` for the exact fields):

* producer: per message a status (queued / in flight / acked / failed), retries spent, sequence number
  under the current producer id, and the producer generation (a new producer id per restart);
* connection: up to ``max.in.flight`` requests in send order, each with a stage
  (request in transit, response ok, response error, lost, or waiting in purgatory for offset o);
* cluster: per broker alive?, log (fixed capacity), log length, in ISR?; the leader (if any);
  the high watermark is *derived*: the smallest log length among ISR members (every live follower's
  log is a prefix of the leader's, because followers truncate as soon as they learn of a new leader);
* consumer: alive?, position, committed offset (0 = none, k+1 = offset k), a one-record hand-off
  buffer, an "uncommitted processing" flag, and the application's output summarised as a per-message
  count (0, 1, 2 = more than once) plus a flag set when a message is first processed after a later one;
* the number of faults spent, and a flag set if a log outgrows its capacity (search then inconclusive).
"""

from __future__ import annotations

from .api import Action, Model, StatePredicate
from .bounds import Bounds
from .config import UNLIMITED_RETRIES, ConfigError, KafkaConfig
from .dsl import And, Count, If, Layout, Max, Min, Not, Or
from .kafka_codes import (ABORTED, ABORTING, ACKED, COMMITTED, COMMITTING, ERR, FAILED, INFLIGHT, LOST, OK,
                          ONGOING, QUEUED, REQ, TXN_NAMES, WAIT)
from .kafka_transactions import TransactionsMixin

MAX_FINITE_RETRIES = 50


class KafkaModel(TransactionsMixin, Model):
    def __init__(self, config: KafkaConfig, bounds: Bounds):
        self.config = config
        self.bounds = bounds
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
        # one slot per request the connection can hold; never more than there are messages
        self.slots = min(config.max_in_flight, n)
        restarts = bounds.enabled("producer-crash") or bounds.enabled("producer-zombie")
        self.generations = 1 + (bounds.max_faults if restarts else 0)
        # A zombie is only modelled where something fences it: without a transactional.id the old
        # instance would go on sending unchecked, which the model does not follow.
        if bounds.enabled("producer-zombie") and not self.transactional:
            raise ConfigError("--faults producer-zombie needs a transactional.id: without one nothing "
                              "fences the old producer instance, and semcheck does not model it")
        self.zombies = bounds.enabled("producer-zombie")
        # Every re-append of a message needs a fault (a lost request/response, a crash, an ISR
        # shrink), and one fault can re-append each message at most once, so a log never holds more
        # than messages * (1 + faults) records.  Overflow is still detected, never ignored.
        # A transaction adds one marker per attempt (the first, and one per fault at most).
        self.capacity = (n + (1 if self.transactional else 0)) * (1 + bounds.max_faults)
        self.layout = self._declare_layout()

    # ------------------------------------------------------------------------------------------
    # state layout
    # ------------------------------------------------------------------------------------------
    def _declare_layout(self) -> Layout:
        n, r, cap = self.n_messages, self.n_replicas, self.capacity
        lay = Layout()
        lay.array("status", (n,), 4)
        lay.array("tries", (n,), self.retries + 1)
        lay.array("seq", (n,), n + 1)  # sequence number + 1 under the current producer id; 0 = none yet
        lay.scalar("next_seq", n + 1)
        lay.scalar("gen", self.generations)
        lay.array("req_msg", (self.slots,), n + 1)  # message + 1; 0 = empty slot
        lay.array("req_stage", (self.slots,), WAIT + cap)
        if self.zombies:
            # the old instance's requests the broker has not read yet, in order, and its epoch
            lay.array("z_msg", (self.slots,), n + 1)
            lay.array("z_seq", (self.slots,), n)
            lay.scalar("z_gen", self.generations)
        lay.array("alive", (r,), 2)
        lay.array("isr", (r,), 2)
        lay.array("log_len", (r,), cap + 1)
        # a record is three parallel slots: message + 1 (0 = empty slot), and with idempotence the
        # producer generation (producer id) and sequence number it was written with
        lay.array("log", (r, cap), n + 3 if self.transactional else n + 1)
        lay.array("log_pid", (r, cap), self.generations if self.idempotent else 1)
        lay.array("log_seq", (r, cap), n if self.idempotent else 1)
        lay.scalar("has_leader", 2)
        lay.scalar("leader", r)
        lay.scalar("c_alive", 2)
        lay.scalar("c_pos", cap + 1)
        lay.scalar("c_committed", cap + 2)
        lay.scalar("c_buf", n + 1)
        lay.scalar("c_dirty", 2)
        lay.array("out_count", (n,), 3)
        lay.scalar("out_reordered", 2)
        lay.scalar("faults", self.bounds.max_faults + 1)
        if self.transactional:
            lay.scalar("txn", len(TXN_NAMES))
        lay.scalar("overflow", 2)
        return lay

    def initial_states(self) -> list[bytes]:
        r = self.n_replicas
        return [
            self.layout.encode(
                {
                    "alive": [1] * r,
                    "isr": [1] * r,
                    "log_len": [0] * r,
                    "log": [[0] * self.capacity for _ in range(r)],
                    "log_pid": [[0] * self.capacity for _ in range(r)],
                    "log_seq": [[0] * self.capacity for _ in range(r)],
                    "has_leader": 1,
                    "leader": 0,
                    "c_alive": 1,
                    # The consumer joins before the first send with no committed offset:
                    # auto.offset.reset (latest or earliest) both give offset 0 on an empty log.
                    "c_pos": 0,
                    "c_committed": 0,
                    "status": [QUEUED] * self.n_messages,
                    "tries": [0] * self.n_messages,
                    "seq": [0] * self.n_messages,
                    "req_msg": [0] * self.slots,
                    "req_stage": [0] * self.slots,
                    "out_count": [0] * self.n_messages,
                    **({"z_msg": [0] * self.slots, "z_seq": [0] * self.slots} if self.zombies else {}),
                }
            )
        ]

    # ---- presentation (model/kafka_text.py) -----------------------------------------------------
    def summarize(self, state: bytes) -> dict[str, str]:
        from .kafka_text import KafkaText

        return KafkaText(self).summarize(self.layout.decode(state))

    def describe_step(self, action: Action, before: bytes, after: bytes) -> str:
        from .kafka_text import KafkaText

        return KafkaText(self).describe(action, self.layout.decode(before), self.layout.decode(after))

    def bound_exceeded(self) -> StatePredicate:
        return StatePredicate("log capacity", lambda s: s.overflow == 1)

    # ------------------------------------------------------------------------------------------
    # derived values (DSL expressions over a state view)
    # ------------------------------------------------------------------------------------------
    def message_of(self, record):
        """The message a record holds (``log`` slots store message + 1)."""
        return record - 1

    def is_data(self, record):
        """A record holding a message (not an empty slot, not a transaction marker)."""
        if not self.transactional:
            return record != 0
        return And(record != 0, record <= self.n_messages)

    def is_marker(self, record):
        return record > self.n_messages if self.transactional else False

    def same_record(self, s, r1, k1, r2, k2):
        """Whether offset k1 of replica r1 and offset k2 of r2 hold the same record (content,
        including producer id and sequence, which tell a retry from a re-send)."""
        return And(s.log[r1][k1] == s.log[r2][k2], s.log_pid[r1][k1] == s.log_pid[r2][k2],
                   s.log_seq[r1][k1] == s.log_seq[r2][k2])

    def write_record(self, nx, r, k, msg_plus_one, pid, seq):
        nx.log[r][k] = msg_plus_one
        nx.log_pid[r][k] = pid
        nx.log_seq[r][k] = seq

    def acknowledged(self, s, m):
        """The application was told message ``m`` is delivered: its send succeeded or, with a
        transactional producer, the transaction holding it committed."""
        if self.transactional:
            return And(s.status[m] == ACKED, s.txn == COMMITTED)
        return s.status[m] == ACKED

    def high_watermark(self, s):
        return Min([If(s.isr[r] == 1, s.log_len[r], self.capacity) for r in range(self.n_replicas)])

    def isr_size(self, s):
        return Count([s.isr[r] == 1 for r in range(self.n_replicas)])

    def leader_len(self, s):
        return s.log_len[s.leader]

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

    # ---- producer ----------------------------------------------------------------------------
    def _producer_actions(self) -> list[Action]:
        acts = []
        for i in range(self.n_messages):
            for c in range(self.slots):
                acts.append(Action("producer", "send", self._send(i, c), params=(i, c)))
        acts.append(Action("producer", "receive ok", self._receive_ok))
        if self.acks != 0:
            acts.append(Action("producer", "receive error", self._receive_error))
            acts.append(Action("producer", "time out", self._time_out))
        if self.transactional:
            acts.append(Action("producer", "commit transaction", self._commit_transaction))
            if not self.unlimited_retries:
                acts.append(Action("producer", "abort transaction", self._abort_transaction))
        return acts

    def _send(self, i, c):
        def effect(s, nx):
            guard = And(
                s.status[i] == QUEUED,
                s.req_msg[c] == 0,
                s.has_leader == 1,
                True if c == 0 else s.req_msg[c - 1] != 0,
                # the accumulator drains in order: the lowest queued message goes first
                [s.status[j] != QUEUED for j in range(i)],
                # a transactional producer sends only inside its (one) ongoing transaction
                s.txn == ONGOING if self.transactional else True,
            )
            nx.req_msg[c] = i + 1
            nx.req_stage[c] = REQ
            # acks=0: the client counts the record as sent successfully once it is on the wire
            nx.status[i] = ACKED if self.acks == 0 else INFLIGHT
            if self.idempotent:
                # a sequence number is assigned at the first send under a producer id; retries keep it
                fresh = s.seq[i] == 0
                nx.seq[i] = If(fresh, s.next_seq + 1, s.seq[i])
                nx.next_seq = If(fresh, s.next_seq + 1, s.next_seq)
            return guard

        return effect

    def _response_ready(self, s, success):
        """The head request's response has arrived: a plain response, or acks=all purgatory done."""
        stage = s.req_stage[0]
        plain = stage == (OK if success else ERR)
        if self.acks != -1:
            return And(s.req_msg[0] != 0, plain)
        offset_replicated = And(stage >= WAIT, self.high_watermark(s) > stage - WAIT)
        # Kafka's DelayedProduce: once the high watermark passes the record, the answer is
        # NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below min.insync.replicas meanwhile.
        enough = self.isr_size(s) >= self.config.min_insync_replicas
        return And(s.req_msg[0] != 0, Or(plain, And(offset_replicated, enough if success else Not(enough))))

    def _remove_request(self, s, nx, c):
        """Request ``c`` leaves the connection; the ones behind it move up."""
        for j in range(c, self.slots - 1):
            nx.req_msg[j] = s.req_msg[j + 1]
            nx.req_stage[j] = s.req_stage[j + 1]
        nx.req_msg[self.slots - 1] = 0
        nx.req_stage[self.slots - 1] = 0

    def _receive_ok(self, s, nx):
        guard = self._response_ready(s, success=True)
        nx.status[s.req_msg[0] - 1] = ACKED
        self._remove_request(s, nx, 0)
        return guard

    def _retry_or_fail(self, s, nx, msg):
        """A request for ``msg`` failed: retry while retries remain, else tell the application."""
        if self.unlimited_retries:
            nx.status[msg] = QUEUED
            return
        can_retry = s.tries[msg] < self.retries
        nx.status[msg] = If(can_retry, QUEUED, FAILED)
        nx.tries[msg] = If(can_retry, s.tries[msg] + 1, s.tries[msg])

    def _receive_error(self, s, nx):
        guard = self._response_ready(s, success=False)
        self._retry_or_fail(s, nx, s.req_msg[0] - 1)
        self._remove_request(s, nx, 0)
        return guard

    def _time_out(self, s, nx):
        # request.timeout.ms expired for a lost request or response.  Kafka's NetworkClient then
        # closes the connection, which fails every in-flight request on it; each is retried.
        self._fail_connection(s, nx, True)
        return Or([And(s.req_msg[c] != 0, s.req_stage[c] == LOST) for c in range(self.slots)])

    def _fail_connection(self, s, nx, when):
        """The producer's connection closes (``when`` holds): every request on it fails."""
        for m in range(self.n_messages):
            failed = And(when, Or([s.req_msg[c] == m + 1 for c in range(self.slots)]))
            if self.acks == 0:
                continue  # acks=0 sends already counted as successful
            if self.unlimited_retries:
                nx.status[m] = If(failed, QUEUED, s.status[m])
            else:
                can_retry = s.tries[m] < self.retries
                nx.status[m] = If(failed, If(can_retry, QUEUED, FAILED), s.status[m])
                nx.tries[m] = If(And(failed, can_retry), s.tries[m] + 1, s.tries[m])
        for c in range(self.slots):
            nx.req_msg[c] = If(when, 0, s.req_msg[c])
            nx.req_stage[c] = If(when, 0, s.req_stage[c])

    # ---- brokers -----------------------------------------------------------------------------
    def _broker_actions(self) -> list[Action]:
        acts = []
        for c in range(self.slots):
            if self.acks == -1:
                acts.append(Action("leader", "reject: not enough replicas", self._reject_ner(c), params=(c,)))
            if self.idempotent:
                acts.append(Action("leader", "dedupe", self._duplicate(c), params=(c,)))
                acts.append(Action("leader", "reject: out of order sequence", self._out_of_order(c), params=(c,)))
            acts.append(Action("leader", "append", self._append(c), params=(c,)))
            acts.append(Action("leader", "log full", self._log_full(c), params=(c,)))
        for f in range(self.n_replicas):
            acts.append(Action(f"broker {f + 1}", "fetch", self._fetch(f), params=(f,)))
            acts.append(Action(f"broker {f + 1}", "rejoin ISR", self._rejoin(f), params=(f,)))
        for r in range(self.n_replicas):
            acts.append(Action(f"broker {r + 1}", "restart", self._restart(r), params=(r,)))
        for r in range(self.n_replicas):
            acts.append(Action("controller", "elect leader", self._elect(r, unclean=False), params=(r,)))
            if self.config.unclean_leader_election:
                acts.append(Action("controller", "unclean election", self._elect(r, unclean=True), params=(r,)))
        if self.zombies:
            acts += self._zombie_actions()
        if self.transactional:
            acts.append(Action("coordinator", "write marker", self._write_marker))
            acts.append(Action("coordinator", "log full", self._marker_log_full))
            acts.append(Action("coordinator", "complete transaction", self._complete_transaction))
        return acts

    def _next_request(self, s, c):
        """Slot ``c`` holds the next request the leader reads from the connection.

        The broker reads one request per connection at a time and mutes the connection until its
        response is sent, so a request waiting in purgatory (acks=all) holds back the ones behind it.
        """
        return And(
            s.has_leader == 1,
            s.req_msg[c] != 0,
            s.req_stage[c] == REQ,
            [And(s.req_stage[j] != REQ, s.req_stage[j] < WAIT) for j in range(c)],
        )

    def _enough_isr(self, s):
        if self.acks != -1:
            return True
        return self.isr_size(s) >= self.config.min_insync_replicas

    def _sequence_check(self, s, c):
        """(seq of the request, last seq of this producer id in the leader's log); idempotence only.
        The broker's producer state is rebuilt from its log, so it is read from the log here."""
        msg = s.req_msg[c] - 1
        return s.seq[msg] - 1, self._last_sequence(s, s.gen)

    def _last_sequence(self, s, pid):
        """The highest sequence number of producer id ``pid`` among the leader's records (-1: none)."""
        log, pids, seqs = s.log[s.leader], s.log_pid[s.leader], s.log_seq[s.leader]
        return Max([If(And(self.is_data(log[k]), pids[k] == pid), seqs[k], -1) for k in range(self.capacity)])

    def _request_seq(self, s, c):
        return s.seq[s.req_msg[c] - 1] - 1 if self.idempotent else 0

    def _request_pid(self, s):
        return s.gen if self.idempotent else 0

    def _reject_ner(self, c):
        def effect(s, nx):
            nx.req_stage[c] = ERR
            return And(self._next_request(s, c), Not(self._enough_isr(s)))

        return effect

    def _duplicate(self, c):
        def effect(s, nx):
            seq, last = self._sequence_check(s, c)
            if self.acks == -1:
                pid, seqs = s.log_pid[s.leader], s.log_seq[s.leader]
                offset = Max([If(And(self.is_data(s.log[s.leader][k]), pid[k] == s.gen, seqs[k] == seq), k, 0)
                              for k in range(self.capacity)])
                nx.req_stage[c] = WAIT + offset
            else:
                nx.req_stage[c] = OK
            # Kafka answers a duplicate sequence with the original offset, as a success
            return And(self._next_request(s, c), self._enough_isr(s), seq <= last)

        return effect

    def _out_of_order(self, c):
        def effect(s, nx):
            seq, last = self._sequence_check(s, c)
            nx.req_stage[c] = ERR
            return And(self._next_request(s, c), self._enough_isr(s), seq > last + 1)

        return effect

    def _append_guard(self, s, c):
        in_sequence = True
        if self.idempotent:
            seq, last = self._sequence_check(s, c)
            in_sequence = seq == last + 1
        return And(self._next_request(s, c), self._enough_isr(s), in_sequence)

    def _append(self, c):
        def effect(s, nx):
            length = self.leader_len(s)
            self.write_record(nx, s.leader, length, s.req_msg[c], self._request_pid(s), self._request_seq(s, c))
            nx.log_len[s.leader] = length + 1
            if self.acks == 0:
                self._remove_request(s, nx, c)  # no response is ever sent
            elif self.acks == 1:
                nx.req_stage[c] = OK
            else:
                nx.req_stage[c] = WAIT + length
            return And(self._append_guard(s, c), length < self.capacity)

        return effect

    def _log_full(self, c):
        def effect(s, nx):
            nx.overflow = 1
            return And(self._append_guard(s, c), self.leader_len(s) == self.capacity)

        return effect

    def _truncate_to_common_prefix(self, s, nx, f, leader, when=True):
        """Follower ``f`` drops its divergent suffix: everything from the first offset where its log
        differs from the leader's (KIP-101/279: truncation by leader epoch).  Records are compared by
        content, which includes the producer id and sequence when idempotence is on."""
        common = True
        length = 0
        for k in range(self.capacity):
            common = And(common, s.log[f][k] != 0, self.same_record(s, f, k, leader, k))
            length = length + If(common, 1, 0)
            drop = And(when, Not(common))
            self.write_record(nx, f, k, If(drop, 0, s.log[f][k]), If(drop, 0, s.log_pid[f][k]),
                              If(drop, 0, s.log_seq[f][k]))
        nx.log_len[f] = If(when, length, s.log_len[f])

    def _fetch(self, f):
        def effect(s, nx):
            mine = s.log_len[f]
            lead = s.leader
            self.write_record(nx, f, mine, s.log[lead][mine], s.log_pid[lead][mine], s.log_seq[lead][mine])
            nx.log_len[f] = mine + 1
            # caught up with the leader's log end: the leader adds it back to the ISR
            nx.isr[f] = If(mine + 1 == self.leader_len(s), 1, s.isr[f])
            return And(s.alive[f] == 1, s.has_leader == 1, s.leader != f, mine < self.leader_len(s))

        return effect

    def _rejoin(self, f):
        def effect(s, nx):
            nx.isr[f] = 1
            return And(
                s.alive[f] == 1, s.isr[f] == 0, s.has_leader == 1, s.leader != f,
                s.log_len[f] == self.leader_len(s),
            )

        return effect

    def _restart(self, r):
        def effect(s, nx):
            nx.alive[r] = 1
            # a restarted replica asks the current leader where their logs diverge, and truncates
            self._truncate_to_common_prefix(s, nx, r, s.leader, when=s.has_leader == 1)
            return s.alive[r] == 0

        return effect

    def _elect(self, r, unclean):
        def effect(s, nx):
            live_isr = [And(s.alive[x] == 1, s.isr[x] == 1) for x in range(self.n_replicas)]
            if unclean:
                # unclean.leader.election.enable: no live ISR member, so take the first live replica
                eligible = And(Not(Or(live_isr)), s.alive[r] == 1, [s.alive[x] == 0 for x in range(r)])
            else:
                # the controller takes the first live ISR member in replica order
                eligible = And(live_isr[r], [Not(live_isr[x]) for x in range(r)])
            nx.has_leader = 1
            nx.leader = r
            for x in range(self.n_replicas):
                if x != r:
                    self._truncate_to_common_prefix(s, nx, x, r, when=s.alive[x] == 1)
                    if unclean:
                        nx.isr[x] = 0
            if unclean:
                nx.isr[r] = 1
            return And(s.has_leader == 0, eligible)

        return effect

    # ---- consumer ----------------------------------------------------------------------------
    def _consumer_actions(self) -> list[Action]:
        commit = self.config.commit
        acts = []
        if commit == "transactional":
            # consume-transform-produce: poll, process into an open transaction, then commit the
            # output and the offsets together
            acts.append(Action("consumer", "poll", self._poll_to_buffer))
            acts.append(Action("consumer", "commit transaction", self._commit_consumer_transaction))
        elif commit == "before-process" or (commit == "auto" and self.config.processing == "async"):
            acts.append(Action("consumer", "poll", self._poll_to_buffer))
            acts.append(Action("consumer", "process", self._process_buffer))
        else:
            acts.append(Action("consumer", "poll and process", self._poll_and_process))
        if commit == "after-process":
            acts.append(Action("consumer", "commit", self._commit_after_process))
        if commit == "auto":
            acts.append(Action("consumer", "auto-commit", self._auto_commit))
        acts.append(Action("consumer", "reset offset", self._reset_offset))
        acts.append(Action("consumer", "restart", self._consumer_restart))
        return acts

    def _readable(self, s):
        return And(s.c_alive == 1, s.has_leader == 1, s.c_pos < self.read_limit(s))

    def _output(self, s, nx, msg, when=True):
        """The application processes ``msg`` (if ``when``): count it, and note if a later message
        came first."""
        seen = s.out_count[msg]
        nx.out_count[msg] = If(when, Min(seen + 1, 2), seen)
        later_seen = Or([And(s.out_count[j] != 0, msg < j) for j in range(self.n_messages)])
        nx.out_reordered = If(And(when, seen == 0, later_seen), 1, s.out_reordered)

    def _poll_and_process(self, s, nx):
        record = s.log[s.leader][s.c_pos]
        if self.transactional:
            delivered = self.delivered(s)
            # (a marker names no message: point the unchanged count at message 0)
            msg = If(self.is_data(record), self.message_of(record), 0)
        else:
            delivered, msg = True, self.message_of(record)
        self._output(s, nx, msg, delivered)
        nx.c_pos = s.c_pos + 1
        if self.config.commit == "after-process":
            nx.c_dirty = If(delivered, 1, 0)
            return And(self._readable(s), s.c_dirty == 0)
        return self._readable(s)

    def _poll_to_buffer(self, s, nx):
        record = s.log[s.leader][s.c_pos]
        nx.c_buf = If(self.delivered(s), record, 0) if self.transactional else record
        nx.c_pos = s.c_pos + 1
        if self.config.commit == "before-process":
            nx.c_committed = s.c_pos + 2  # commit the new position before processing
        return And(self._readable(s), s.c_buf == 0)

    def _process_buffer(self, s, nx):
        self._output(s, nx, s.c_buf - 1)
        nx.c_buf = 0
        return And(s.c_alive == 1, s.c_buf != 0)

    def _commit_after_process(self, s, nx):
        nx.c_committed = s.c_pos + 1
        nx.c_dirty = 0
        return And(s.c_alive == 1, s.c_dirty == 1)

    def _auto_commit(self, s, nx):
        # enable.auto.commit: poll() commits the position reached by the previous poll
        nx.c_committed = s.c_pos + 1
        return And(s.c_alive == 1, s.c_committed != s.c_pos + 1)

    def _reset_value(self, s):
        # "latest" is the log end a read_committed consumer can see: the LSO (ListOffsets)
        return self.read_limit(s) if self.config.auto_offset_reset == "latest" else 0

    def _reset_offset(self, s, nx):
        # OFFSET_OUT_OF_RANGE: the log was truncated below the consumer's position
        nx.c_pos = self._reset_value(s)
        return And(s.c_alive == 1, s.has_leader == 1, s.c_pos > self.leader_len(s))

    def _consumer_restart(self, s, nx):
        nx.c_alive = 1
        has_commit = s.c_committed != 0
        nx.c_pos = If(has_commit, s.c_committed - 1, self._reset_value(s))
        needs_leader = self.config.auto_offset_reset == "latest"
        return And(s.c_alive == 0, Or(has_commit, s.has_leader == 1) if needs_leader else True)

    # ---- faults ------------------------------------------------------------------------------
    def _fault_actions(self) -> list[Action]:
        b = self.bounds
        acts = []
        if b.enabled("network"):
            for c in range(self.slots):
                acts.append(Action("network", "lose request", self._fault(self._lose_request(c)), "network", (c,)))
                if self.acks != 0:
                    acts.append(Action("network", "lose response", self._fault(self._lose_response(c)), "network", (c,)))
        if b.enabled("follower-lag"):
            for f in range(self.n_replicas):
                acts.append(Action(f"broker {f + 1}", "falls behind", self._fault(self._lag(f)), "follower-lag", (f,)))
        if b.enabled("broker-crash"):
            for r in range(self.n_replicas):
                acts.append(Action(f"broker {r + 1}", "crashes", self._fault(self._crash(r, None)), "broker-crash", (r,)))
        if b.enabled("power-loss"):
            for r in range(self.n_replicas):
                for k in range(self.capacity):
                    acts.append(Action(f"broker {r + 1}", "loses power", self._fault(self._crash(r, k)), "power-loss", (r, k)))
        if b.enabled("producer-crash"):
            acts.append(Action("producer", "crashes and restarts", self._fault(self._producer_crash), "producer-crash"))
        if self.zombies:
            acts.append(Action("producer", "restarted while the old instance still runs",
                               self._fault(self._zombie_restart), "producer-zombie"))
            acts.append(Action("producer", "restarted while two old instances still run",
                               self._fault(self._second_zombie), "producer-zombie"))
        if b.enabled("consumer-crash"):
            acts.append(Action("consumer", "crashes", self._fault(self._consumer_crash), "consumer-crash"))
        return acts

    def _fault(self, effect):
        """Wrap a failure: it spends one unit of the fault budget."""
        limit = self.bounds.max_faults

        def wrapped(s, nx):
            guard = effect(s, nx)
            nx.faults = s.faults + 1
            return And(s.faults < limit, guard)

        return wrapped

    def _lose_request(self, c):
        def effect(s, nx):
            if self.acks == 0:
                self._remove_request(s, nx, c)  # nothing waits for an answer
            else:
                nx.req_stage[c] = LOST
            return And(s.req_msg[c] != 0, s.req_stage[c] == REQ)

        return effect

    def _lose_response(self, c):
        def effect(s, nx):
            nx.req_stage[c] = LOST
            stage = s.req_stage[c]
            return And(s.req_msg[c] != 0, Or(stage == OK, stage == ERR, stage >= WAIT))

        return effect

    def _lag(self, f):
        def effect(s, nx):
            nx.isr[f] = 0
            return And(s.alive[f] == 1, s.isr[f] == 1, s.has_leader == 1, s.leader != f)

        return effect

    def _crash(self, r, keep):
        """Broker ``r`` stops.  ``keep`` is None for a process crash (the log survives) or, for a
        power loss, how many records of its log reached the disk (Kafka acknowledges before fsync;
        the page cache may have written back any prefix)."""

        def effect(s, nx):
            was_leader = And(s.has_leader == 1, s.leader == r)
            nx.alive[r] = 0
            # the controller drops a dead broker from the ISR, but never empties the ISR
            nx.isr[r] = If(And(s.isr[r] == 1, self.isr_size(s) > 1), 0, s.isr[r])
            nx.has_leader = If(was_leader, 0, s.has_leader)
            # The producer's connection was to the leader.  It sees the connection close at once
            # (no timeout to wait for) and fails every request on it, which it then retries.
            self._fail_connection(s, nx, was_leader)
            guard = s.alive[r] == 1
            if keep is not None:
                for k in range(keep, self.capacity):
                    self.write_record(nx, r, k, 0, 0, 0)
                nx.log_len[r] = keep
                guard = And(guard, keep < s.log_len[r])
            return guard

        return effect

    def _producer_crash(self, s, nx):
        # The application restarts: a new producer (new producer id) re-sends, in order, every
        # message it has no acknowledgement for.  Requests on the old connection are gone.
        if self.transactional:
            # Same transactional.id: initTransactions bumps the epoch (the generation here) and the
            # coordinator aborts an ongoing transaction, or finishes one it already decided to
            # commit.  The application then learns what is committed and re-sends the rest: it
            # keeps its progress in its transactions, as exactly-once source connectors do
            # (KIP-618), rather than re-sending what it last heard nothing about.
            decided = Or(s.txn == COMMITTING, s.txn == COMMITTED)
            nx.txn = If(s.txn == ONGOING, ABORTING, If(s.txn == ABORTED, ONGOING, s.txn))
        for m in range(self.n_messages):
            if self.transactional:
                nx.status[m] = If(decided, s.status[m], QUEUED)
            else:
                nx.status[m] = If(s.status[m] == ACKED, ACKED, QUEUED)
            nx.tries[m] = 0
            nx.seq[m] = 0
        nx.next_seq = 0
        for c in range(self.slots):
            nx.req_msg[c] = 0
            nx.req_stage[c] = 0
        # A restart only changes what happens next when the producer holds something in flight
        # (including acks=0 requests still on the wire), a failed send, or a sequence number.  A
        # restart while every unacknowledged message merely waits in the queue reaches the same
        # state as sending the first of them and then restarting, so it is left out.
        guard = Or(
            s.req_msg[0] != 0,
            [Or(s.status[m] == INFLIGHT, s.status[m] == FAILED, And(s.status[m] == QUEUED, s.seq[m] != 0))
             for m in range(self.n_messages)],
            # Transactional: acknowledged sends of an ongoing transaction are aborted and re-sent.
            # (A restart once the commit is decided changes nothing the model can observe: the
            # application finds everything committed.)
            And(s.txn == ONGOING, Or([s.status[m] == ACKED for m in range(self.n_messages)]))
            if self.transactional else False,
        )
        if self.generations > 1:
            nx.gen = s.gen + 1
            guard = And(guard, s.gen + 1 < self.generations)
        return guard

    def _consumer_crash(self, s, nx):
        nx.c_alive = 0
        nx.c_pos = 0
        nx.c_buf = 0
        nx.c_dirty = 0
        return s.c_alive == 1

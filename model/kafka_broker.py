"""The broker in the Kafka model: the partition leader handling produce requests.

Reads a request from its connection, checks leadership, the ISR size (acks=all) and the producer's
sequence and epoch (idempotence), appends and answers; it also executes the orphaned requests it had
read before their connection broke.  It keeps no state of its own: the requests are the
connection's, and the producer state its idempotence check consults is read from the log, as the
broker rebuilds it from the log after a restart (ProducerStateManager).  Replication, elections and
restarts are the cluster's (kafka_cluster.py).  Sources (audited at Kafka 3.7.0, docs/model.md):
core/.../network/SocketServer.scala, core/.../cluster/Partition.scala (appendRecordsToLeader,
checkEnoughReplicasReachOffset), core/.../server/KafkaApis.scala (handleProduceRequest),
storage/.../log/ProducerAppendInfo.java and ProducerStateEntry.java (idempotence).
"""

from __future__ import annotations

from .api import Action
from .compose import then
from .dsl import And, Count, If, Max, Not, Or
from .kafka_codes import ERR, FENCED, NOT_LEADER, OK, OOS, WAIT

# The rules this actor uses from the others (their public methods).  kafka.py's shared sizes,
# merged(), text and overflow_unless() need no entry; tests/test_architecture.py checks this
# table against the code, so a new call across actors is a visible change here.
REQUIRES = {
    "kafka_cluster": ("append_record", "high_watermark", "is_data", "isr_size", "leader_len", "leader_up",
                      "note_stall_timeouts", "waits_on_stalled_follower"),
    "kafka_connection": ("next_on_connection", "remove_orphans", "remove_request"),
    "kafka_transactions": ("passes_verification",),
}

DUPLICATE_WINDOW = 5  # ProducerStateEntry.NUM_BATCHES_TO_RETAIN: batches a producer's state remembers


class BrokerMixin:
    def broker_actions(self) -> list[Action]:
        """The leader handling each request slot: leadership, ISR and idempotence checks, append, answer."""
        acts = []
        respond_at_once = self.acks == 1 and self.merged("append-and-respond")
        for c in range(self.slots):
            slot = {"slot": c}
            acts.append(Action("broker", "not the leader", self._not_leader(c), params=slot, says=self._says_not_leader))
            if self.transactional:
                acts.append(Action("leader", "reject: not in the transaction", self._unverified(c), params=slot,
                                   says=self._says_unverified))
            if self.acks == -1:
                acts.append(Action("leader", "reject: not enough replicas", self._reject_ner(c), params=slot,
                                   says=self._says_reject_ner))
            if self.idempotent:
                dedupe = self._duplicate(c)
                acts.append(Action("leader", "dedupe", then(dedupe, self._respond(c)) if respond_at_once else dedupe,
                                   params=slot, says=self._says_idempotence_check))
                acts.append(Action("leader", "reject: out of order sequence", self._out_of_order(c), params=slot,
                                   says=self._says_idempotence_check))
                acts.append(Action("leader", "reject: invalid producer epoch", self._fenced(c), params=slot,
                                   says=self._says_idempotence_check))
            append = self._append(c)
            acts.append(Action("leader", "append", then(append, self._respond(c)) if respond_at_once else append,
                               params=slot, says=self._says_append))
            acts.append(Action("leader", "log full", self._log_full(c), params=slot, says=self.says_log_full))
            if self.acks != 0 and not respond_at_once:
                acts.append(Action("leader", "respond", self._respond(c), params=slot, says=self._says_respond))
            if self.fetch_stalls and self.acks == -1:
                acts.append(Action("leader", "answers REQUEST_TIMED_OUT", self._ack_timeout(c), params=slot,
                                   says=lambda action, b, a: (f"{self.text.leader(b)} answers REQUEST_TIMED_OUT: the "
                                                              "request's ack timeout (its request.timeout.ms) passed "
                                                              "while a follower that stopped fetching lacks the record")))
        return acts

    def _ack_timeout(self, c):
        def effect(s, nx):
            # DelayedProduce.onExpiration: an acks=all request still waiting for the ISR when its
            # timeout (the request.timeout.ms the client sent) passes is answered REQUEST_TIMED_OUT,
            # retriable, and the connection stays open.  The record is in the log.  It races the
            # client's own request timeout (kafka_producer.py): either may come first, once per stall.
            nx.req_stage[c] = ERR
            self.note_stall_timeouts(s, nx, [j == c for j in range(self.slots)])
            return self.waits_on_stalled_follower(s, c)

        return effect

    def orphan_actions(self) -> list[Action]:
        """The leader executing the requests it read before their connection broke."""
        acts = []
        for k in range(self.n_orphans):
            orphan = {"orphan": k}
            acts.append(Action("leader", "executes an orphaned request", self._orphan_append(k), params=orphan,
                               says=self._says_orphan_append))
            acts.append(Action("leader", "log full", self._orphan_log_full(k), params=orphan,
                               says=self.says_log_full))
            acts.append(Action("broker", "drops an orphaned request", self._orphan_dropped(k), params=orphan,
                               says=self._says_orphan_dropped))
        return acts

    # ---- what a trace says for each step (Action.says; pieces of text in kafka_text.py) --------
    def _says_not_leader(self, action, b, a) -> str:
        t, c = self.text, action.args["slot"]
        return (f"{t.broker_name(b['req_broker'][c])} does not lead the partition: answers "
                f"{t.msg(b['req_msg'][c] - 1)} with NOT_LEADER_OR_FOLLOWER")

    def _says_reject_ner(self, action, b, a) -> str:
        t, c = self.text, action.args["slot"]
        return (f"{t.leader(b)} rejects {t.msg(b['req_msg'][c] - 1)}: NOT_ENOUGH_REPLICAS "
                f"(ISR has {sum(b['isr'])}, {self.text.min_isr()})")

    # what the leader's idempotence check answers a batch, by action ({} is the request)
    IDEMPOTENCE_ANSWERS = {
        "dedupe": "sees {} again: a duplicate of one of the producer's last five batches, answered as a "
                  "success without appending",
        "reject: out of order sequence": "rejects {}: OUT_OF_ORDER_SEQUENCE_NUMBER (not the next sequence of "
                                         "the producer's state)",
        "reject: invalid producer epoch": "rejects {}: INVALID_PRODUCER_EPOCH (the producer already wrote with "
                                          "a newer epoch)",
    }

    def _says_unverified(self, action, b, a) -> str:
        t, c = self.text, action.args["slot"]
        return (f"{t.leader(b)} asks the transaction coordinator about {t.msg(b['req_msg'][c] - 1)} (epoch "
                f"{b['req_epoch'][c]}): the partition has no ongoing transaction of the producer, and the coordinator's "
                "transaction is over or has a newer epoch, so the write is rejected (KIP-890 verification)")

    def _says_idempotence_check(self, action, b, a) -> str:
        t = self.text
        return f"{t.leader(b)} " + self.IDEMPOTENCE_ANSWERS[action.name].format(t.request(b, action.args["slot"]))

    def _says_append(self, action, b, a) -> str:
        t, c = self.text, action.args["slot"]
        offset = b["log_len"][b["leader"]]
        text = f"{t.leader(b)} appends {t.record(a, b['leader'], offset)} at offset {offset}"
        if self.acks == 1:
            text += " and answers at once (acks=1)" if a["req_stage"][c] == OK else "; the answer follows (acks=1)"
        elif self.acks == -1:
            text += "; the answer waits until the ISR has it (acks=all)"
        return text

    def says_log_full(self, action, b, a) -> str:
        return f"{self.text.leader(b)}'s log reached the model's capacity ({self.capacity}): run not explored further"

    def _says_respond(self, action, b, a) -> str:
        t, c = self.text, action.args["slot"]
        m = t.msg(b["req_msg"][c] - 1)
        if self.acks == 1:
            return f"{t.leader(b)} sends the answer for {m} (acks=1)"
        if a["req_stage"][c] == OK:
            return (f"{t.leader(b)} answers {m}: the high watermark passed offset {b['req_stage'][c] - WAIT} "
                    "(acks=all); the connection is read again")
        return (f"{t.leader(b)} answers {m} with NOT_ENOUGH_REPLICAS_AFTER_APPEND: the ISR shrank below "
                f"{t.min_isr()} while it waited")

    def _says_orphan_append(self, action, b, a) -> str:
        t = self.text
        offset = b["log_len"][b["leader"]]
        return (f"{t.leader(b)} executes the request it read before the connection broke: appends "
                f"{t.record(a, b['leader'], offset)} at offset {offset}, answering nobody")

    def _says_orphan_dropped(self, action, b, a) -> str:
        k = action.args["orphan"]
        return (f"broker {b['o_broker'][k] + 1} executes the request for {self.text.msg(b['o_msg'][k] - 1)} it "
                "read before the connection broke: rejected (a duplicate, out of sequence, too few replicas, or "
                "it no longer leads), answering nobody")

    def _next_at_leader(self, s, c):
        return And(self.next_on_connection(s, c), self.leader_up(s), s.req_broker[c] == s.leader)

    def _not_leader(self, c):
        def effect(s, nx):
            # NOT_LEADER_OR_FOLLOWER: the client's metadata named a broker that does not lead
            # (Partition.appendRecordsToLeader); nothing is appended.  With acks=0 the broker closes
            # the connection instead of answering (KafkaApis.handleProduceRequest); the client had
            # already counted the record as sent.
            if self.acks == 0:
                self.remove_request(s, nx, c)
            else:
                nx.req_stage[c] = ERR if self.config.client.counts_not_leader_retries else NOT_LEADER
            return And(self.next_on_connection(s, c), Or(s.has_leader == 0, s.req_broker[c] != s.leader))

        return effect

    def enough_isr(self, s):
        """acks=all: the ISR has at least min.insync.replicas members (checked before the append,
        Partition.appendRecordsToLeader, and again when the answer is due); from 3.7 at most as many
        as there are replicas (Partition.effectiveMinIsr, KAFKA-15583)."""
        if self.acks != -1:
            return True
        return self.isr_size(s) >= self.config.effective_min_isr

    def _reject_ner(self, c):
        def effect(s, nx):
            # NOT_ENOUGH_REPLICAS, before any idempotence check (so a duplicate gets it too)
            nx.req_stage[c] = ERR
            return And(self._verified(s, c), Not(self.enough_isr(s)))

        return effect

    # ---- idempotence: the leader's producer state -------------------------------------------
    def producer_state(self, s, pid, epoch, seq):
        """What the leader's producer state says of a batch (pid, epoch, seq).  The state is built
        from the leader's own log (while replicating, and rebuilt after a truncation), so it is read
        from the log here.  Returns (duplicate, offset of the original, fenced, in sequence):

        * duplicate: the same epoch and sequence as one of the producer's last five batches
          (ProducerStateEntry.findDuplicateBatch): answered as a success with the original offset;
        * fenced: an epoch older than the producer's newest: INVALID_PRODUCER_EPOCH;
        * in sequence (ProducerAppendInfo.checkSequence): no state for the producer id at all
          (any sequence is accepted), or the newest epoch and last sequence + 1, or a newer epoch
          starting at 0.  Anything else is OUT_OF_ORDER_SEQUENCE_NUMBER.
        """
        leader, cap = s.leader, self.capacity
        log, pids, epochs, seqs = s.log[leader], s.log_pid[leader], s.log_epoch[leader], s.log_seq[leader]
        mine = [And(log[k] != 0, pids[k] == pid) for k in range(cap)]  # its records and markers
        has_state = Or(mine)
        newest = Max([If(mine[k], epochs[k], -1) for k in range(cap)])
        batches = [And(mine[k], self.is_data(log[k]), epochs[k] == epoch) for k in range(cap)]
        last = Max([If(batches[k], seqs[k], -1) for k in range(cap)])
        recent = [And(batches[k], Count(batches[k + 1:]) < DUPLICATE_WINDOW) for k in range(cap)]
        original = [And(recent[k], seqs[k] == seq) for k in range(cap)]
        duplicate = And(has_state, newest == epoch, Or(original))
        offset = Max([If(original[k], k, 0) for k in range(cap)])
        fenced = And(has_state, epoch < newest)
        in_sequence = Or(Not(has_state), And(epoch == newest, seq == last + 1), And(epoch > newest, seq == 0))
        return duplicate, offset, fenced, in_sequence

    def _request_state(self, s, c):
        return self.producer_state(s, s.pid, s.req_epoch[c], s.req_seq[c])

    def _verified(self, s, c):
        """The leader reads request ``c`` and, for a transactional producer, it gets past the
        coordinator's verification (kafka_transactions.py, KIP-890), which comes before the ISR
        check (ReplicaManager.appendRecords verifies, then Partition.appendRecordsToLeader)."""
        if not self.transactional:
            return self._next_at_leader(s, c)
        return And(self._next_at_leader(s, c), self.passes_verification(s, s.req_epoch[c]))

    def _unverified(self, c):
        def effect(s, nx):
            # INVALID_PRODUCER_EPOCH / INVALID_TXN_STATE: not retriable, the send fails
            nx.req_stage[c] = FENCED
            return And(self._next_at_leader(s, c), Not(self.passes_verification(s, s.req_epoch[c])))

        return effect

    def _handled(self, s, c):
        """The leader reads request ``c``, it is verified, and the ISR check passes."""
        return And(self._verified(s, c), self.enough_isr(s))

    def _duplicate(self, c):
        def effect(s, nx):
            duplicate, offset, _, _ = self._request_state(s, c)
            nx.req_stage[c] = WAIT + offset
            return And(self._handled(s, c), duplicate)

        return effect

    def _fenced(self, c):
        def effect(s, nx):
            duplicate, _, fenced, _ = self._request_state(s, c)
            nx.req_stage[c] = FENCED
            return And(self._handled(s, c), Not(duplicate), fenced)

        return effect

    def _out_of_order(self, c):
        def effect(s, nx):
            duplicate, _, fenced, in_sequence = self._request_state(s, c)
            nx.req_stage[c] = OOS
            return And(self._handled(s, c), Not(duplicate), Not(fenced), Not(in_sequence))

        return effect

    def _append_guard(self, s, c):
        if not self.idempotent:
            return self._handled(s, c)
        duplicate, _, fenced, in_sequence = self._request_state(s, c)
        return And(self._handled(s, c), Not(duplicate), Not(fenced), in_sequence)

    def _request_record(self, s, c):
        """(message + 1, pid, epoch, seq) of request ``c``, as it is written to the log."""
        if self.idempotent:
            return s.req_msg[c], s.pid, s.req_epoch[c], s.req_seq[c]
        return s.req_msg[c], 0, 0, 0

    def _append(self, c):
        def effect(s, nx):
            length = self.leader_len(s)
            self.append_record(s, nx, *self._request_record(s, c))
            if self.acks == 0:
                self.remove_request(s, nx, c)  # no response is ever sent
            else:
                nx.req_stage[c] = WAIT + length
            return And(self._append_guard(s, c), length < self.capacity)

        return effect

    def _log_full(self, c):
        def effect(s, nx):
            nx.overflow = 1
            return And(self._append_guard(s, c), self.leader_len(s) == self.capacity)

        return effect

    def _respond(self, c):
        def effect(s, nx):
            # The response is sent and the connection unmuted.  acks=1: right after the append.
            # acks=all: once the high watermark passes the record (DelayedProduce), and then
            # NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below min.insync.replicas
            # meanwhile (Partition.checkEnoughReplicasReachOffset).
            stage = s.req_stage[c]
            waiting = And(s.req_msg[c] != 0, stage >= WAIT, self.leader_up(s), s.req_broker[c] == s.leader)
            if self.acks == -1:
                nx.req_stage[c] = If(self.enough_isr(s), OK, ERR)
                return And(waiting, self.high_watermark(s) > stage - WAIT)
            nx.req_stage[c] = OK
            return waiting

        return effect

    def _orphan_accepted(self, s, k):
        """The orphan's broker leads and would append it: the ISR check passes and (idempotence) it
        is in sequence and not a duplicate."""
        at_leader = And(s.o_msg[k] != 0, self.leader_up(s), s.leader == s.o_broker[k], self.enough_isr(s),
                        self.passes_verification(s, s.o_epoch[k]) if self.transactional else True)
        if not self.idempotent:
            return at_leader
        duplicate, _, fenced, in_sequence = self.producer_state(s, s.o_pid[k], s.o_epoch[k], s.o_seq[k])
        return And(at_leader, Not(duplicate), Not(fenced), in_sequence)

    def _orphan_append(self, k):
        def effect(s, nx):
            # the handler appends it; the answer goes to a connection that no longer exists
            length = self.leader_len(s)
            if self.idempotent:
                self.append_record(s, nx, s.o_msg[k], s.o_pid[k], s.o_epoch[k], s.o_seq[k])
            else:
                self.append_record(s, nx, s.o_msg[k], 0, 0, 0)
            self.remove_orphans(s, nx, [j == k for j in range(self.n_orphans)])
            return And(self._orphan_accepted(s, k), length < self.capacity)

        return effect

    def _orphan_log_full(self, k):
        def effect(s, nx):
            nx.overflow = 1
            return And(self._orphan_accepted(s, k), self.leader_len(s) == self.capacity)

        return effect

    def _orphan_dropped(self, k):
        def effect(s, nx):
            # a duplicate, an out-of-order sequence, too few replicas, or its broker no longer
            # leads: an error answer to nobody
            self.remove_orphans(s, nx, [j == k for j in range(self.n_orphans)])
            return And(s.o_msg[k] != 0, Not(self._orphan_accepted(s, k)))

        return effect

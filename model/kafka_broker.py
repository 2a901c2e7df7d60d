"""The brokers in the Kafka model: the leader handling produce requests, replication, the ISR,
elections and restarts.

A mixin of ``KafkaModel`` (``kafka.py``).  Sources (audited at Kafka 3.7.0, docs/model.md):
core/.../network/SocketServer.scala (one request per connection at a time: the connection is muted
from reading a request until its response is sent), core/.../cluster/Partition.scala
(appendRecordsToLeader, maybeIncrementLeaderHW, isFollowerInSync, checkEnoughReplicasReachOffset),
storage/.../log/ProducerAppendInfo.java and ProducerStateEntry.java (idempotence), the KRaft
controller's ReplicationControlManager and PartitionChangeBuilder (fencing, election).
"""

from __future__ import annotations

from .api import Action
from .compose import then
from .dsl import And, Count, If, Max, Min, Not, Or
from .kafka_codes import COMMITTING, ERR, FENCED, OK, ONGOING, OOS, REQ, WAIT

DUPLICATE_WINDOW = 5  # ProducerStateEntry.NUM_BATCHES_TO_RETAIN: batches a producer's state remembers


class BrokerMixin:
    def _broker_actions(self) -> list[Action]:
        acts = []
        respond_at_once = self.acks == 1 and self.merged("append-and-respond")
        for c in range(self.slots):
            slot = {"slot": c}
            acts.append(Action("broker", "not the leader", self._not_leader(c), params=slot, says=self._says_not_leader))
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
            acts.append(Action("leader", "log full", self._log_full(c), params=slot, says=self._says_log_full))
            if self.acks != 0 and not respond_at_once:
                acts.append(Action("leader", "respond", self._respond(c), params=slot, says=self._says_respond))
        for f in range(self.n_replicas):
            follower = {"broker": f}
            acts.append(Action(f"broker {f + 1}", "fetch", self._fetch(f), params=follower, says=self._says_fetch))
            if not self.merged("hw-at-once"):
                acts.append(Action(f"broker {f + 1}", "fetch (nothing new)", self._empty_fetch(f), params=follower,
                                   says=lambda action, b, a: ("fetches from the leader: nothing new, but the leader "
                                                              "learns its log end")))
            if not self.merged("truncate-at-once"):
                acts.append(Action(f"broker {f + 1}", "truncates", self._truncate(f), params=follower,
                                   says=self._says_truncate))
            acts.append(Action(f"broker {f + 1}", "rejoin ISR", self._rejoin(f), params=follower,
                               says=self._says_rejoin))
        for r in range(self.n_replicas):
            acts.append(Action(f"broker {r + 1}", "restart", self._restart(r), params={"broker": r},
                               says=self._says_restart))
        for r in range(self.n_replicas):
            acts.append(Action("controller", "elect leader", self._elect(r, unclean=False), params={"broker": r},
                               says=self._says_elect))
            if self.config.unclean_leader_election:
                acts.append(Action("controller", "unclean election", self._elect(r, unclean=True),
                                   params={"broker": r}, says=self._says_elect))
        if not self.merged("fence-on-crash"):
            for r in range(self.n_replicas):
                acts.append(Action("controller", "fences a dead broker", self._fence(r), params={"broker": r},
                                   says=self._says_fence))
        for k in range(self.n_orphans):
            orphan = {"orphan": k}
            acts.append(Action("leader", "executes an orphaned request", self._orphan_append(k), params=orphan,
                               says=self._says_orphan_append))
            acts.append(Action("leader", "log full", self._orphan_log_full(k), params=orphan,
                               says=self._says_log_full))
            acts.append(Action("broker", "drops an orphaned request", self._orphan_dropped(k), params=orphan,
                               says=self._says_orphan_dropped))
        if self.zombies:
            acts += self._zombie_actions()
        if self.transactional:
            acts.append(Action("coordinator", "write marker", self._write_marker, says=self._says_write_marker))
            acts.append(Action("coordinator", "log full", self._marker_log_full,
                               says=lambda action, b, a: (f"broker {b['leader'] + 1}'s log reached the model's "
                                                          f"capacity ({self.capacity}) with a marker: run not "
                                                          "explored further")))
            acts.append(Action("coordinator", "complete transaction", self._complete_transaction,
                               says=self._says_complete_transaction))
        return acts

    # ---- what a trace says for each step (Action.says; pieces of text in kafka_text.py) --------
    def _says_not_leader(self, action, b, a) -> str:
        t, c = self.text, action.args["slot"]
        return (f"{t.broker_name(b['req_broker'][c])} does not lead the partition: answers "
                f"{t.msg(b['req_msg'][c] - 1)} with NOT_LEADER_OR_FOLLOWER")

    def _says_reject_ner(self, action, b, a) -> str:
        t, c = self.text, action.args["slot"]
        return (f"{t.leader(b)} rejects {t.msg(b['req_msg'][c] - 1)}: NOT_ENOUGH_REPLICAS "
                f"(ISR has {sum(b['isr'])}, min.insync.replicas={self.config.min_insync_replicas})")

    # what the leader's idempotence check answers a batch, by action ({} is the request)
    IDEMPOTENCE_ANSWERS = {
        "dedupe": "sees {} again: a duplicate of one of the producer's last five batches, answered as a "
                  "success without appending",
        "reject: out of order sequence": "rejects {}: OUT_OF_ORDER_SEQUENCE_NUMBER (not the next sequence of "
                                         "the producer's state)",
        "reject: invalid producer epoch": "rejects {}: INVALID_PRODUCER_EPOCH (the producer already wrote with "
                                          "a newer epoch)",
    }

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

    def _says_log_full(self, action, b, a) -> str:
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
                f"min.insync.replicas={self.config.min_insync_replicas} while it waited")

    def _says_fetch(self, action, b, a) -> str:
        f = action.args["broker"]
        k = b["log_len"][f]
        return f"copies {self.text.record(a, f, k)} (offset {k}) from the leader"

    def _says_truncate(self, action, b, a) -> str:
        t, f = self.text, action.args["broker"]
        return (f"fetches, learns its log diverges from the leader's, and truncates: "
                f"{t.log(b, f)} -> {t.log(a, f)}")

    def _says_rejoin(self, action, b, a) -> str:
        return (f"rejoins the ISR: its log end {b['log_len'][action.args['broker']]} has reached the high "
                f"watermark ({self.text.hw(b)}) and the leader's epoch start offset ({b['epoch_start']})")

    def _says_restart(self, action, b, a) -> str:
        t, r = self.text, action.args["broker"]
        text = "restarts"
        if self.power_losses and b["lost_from"][r] < b["log_len"][r]:
            text += ", recovering only what reached the disk"
        if a["log_len"][r] < b["log_len"][r]:
            text += f"; its log {t.log(b, r)} -> {t.log(a, r)}"
            if a["has_leader"]:
                text += " (truncated to where it agrees with the leader)"
        return text

    def _says_elect(self, action, b, a) -> str:
        t, r = self.text, action.args["broker"]
        text = (f"elects broker {r + 1} leader" if action.name == "elect leader" else
                f"elects broker {r + 1} leader although it is NOT in the ISR (unclean election)")
        truncated = [f"broker {x + 1} truncates {t.log(b, x)} -> {t.log(a, x)}"
                     for x in range(self.n_replicas) if a["log_len"][x] < b["log_len"][x]]
        if truncated:
            text += "; " + "; ".join(truncated)
        return text

    def _says_fence(self, action, b, a) -> str:
        r = action.args["broker"]
        text = f"fences dead broker {r + 1}"
        if b["has_leader"] and b["leader"] == r:
            text += ": the partition goes offline"
        return text

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

    def _says_write_marker(self, action, b, a) -> str:
        marker = "COMMIT" if b["txn"] == COMMITTING else "ABORT"
        return (f"the transaction coordinator writes the {marker} marker to {self.text.leader(b)} at offset "
                f"{b['log_len'][b['leader']]}")

    def _says_complete_transaction(self, action, b, a) -> str:
        if b["txn"] == COMMITTING:
            return "the COMMIT marker is replicated: commitTransaction() returns, the messages are acknowledged"
        if a["txn"] == ONGOING:
            return "the ABORT marker is replicated: the restarted producer begins a new transaction"
        return "the ABORT marker is replicated: the transaction is aborted"

    # ---- reading a request -------------------------------------------------------------------
    def _next_on_connection(self, s, c):
        """Slot ``c`` holds the next request its broker reads from the connection, and that broker
        runs.  The broker reads one request per connection at a time and mutes the connection until
        the response is sent (SocketServer: REQUEST_RECEIVED / RESPONSE_SENT), so a request whose
        response is still pending (appended, waiting) holds back the ones behind it."""
        return And(
            s.req_msg[c] != 0,
            s.req_stage[c] == REQ,
            s.alive[s.req_broker[c]] == 1,
            [Or(s.req_broker[j] != s.req_broker[c], And(s.req_stage[j] != REQ, s.req_stage[j] < WAIT))
             for j in range(c)],
        )

    def _next_at_leader(self, s, c):
        return And(self._next_on_connection(s, c), self.leader_up(s), s.req_broker[c] == s.leader)

    def _not_leader(self, c):
        def effect(s, nx):
            # NOT_LEADER_OR_FOLLOWER: the client's metadata named a broker that does not lead
            # (Partition.appendRecordsToLeader); nothing is appended.  With acks=0 the broker closes
            # the connection instead of answering (KafkaApis.handleProduceRequest); the client had
            # already counted the record as sent.
            if self.acks == 0:
                self._remove_request(s, nx, c)
            else:
                nx.req_stage[c] = ERR
            return And(self._next_on_connection(s, c), Or(s.has_leader == 0, s.req_broker[c] != s.leader))

        return effect

    def _enough_isr(self, s):
        """acks=all: the ISR has at least min.insync.replicas members (checked before the append,
        Partition.appendRecordsToLeader, and again when the answer is due)."""
        if self.acks != -1:
            return True
        return self.isr_size(s) >= self.config.min_insync_replicas

    def _reject_ner(self, c):
        def effect(s, nx):
            # NOT_ENOUGH_REPLICAS, before any idempotence check (so a duplicate gets it too)
            nx.req_stage[c] = ERR
            return And(self._next_at_leader(s, c), Not(self._enough_isr(s)))

        return effect

    # ---- idempotence: the leader's producer state -------------------------------------------
    def _producer_state(self, s, pid, epoch, seq):
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
        return self._producer_state(s, s.pid, s.req_epoch[c], s.req_seq[c])

    def _handled(self, s, c):
        """The leader reads request ``c`` and the ISR check passes."""
        return And(self._next_at_leader(s, c), self._enough_isr(s))

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
                self._remove_request(s, nx, c)  # no response is ever sent
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
                nx.req_stage[c] = If(self._enough_isr(s), OK, ERR)
                return And(waiting, self.high_watermark(s) > stage - WAIT)
            nx.req_stage[c] = OK
            return waiting

        return effect

    # ---- requests whose connection broke after the broker read them ----------------------------
    def _orphan_fields(self) -> list[str]:
        return ["o_msg", "o_broker"] + (["o_pid", "o_epoch", "o_seq"] if self.idempotent else [])

    def _add_orphan(self, s, nx, picks: list, broker) -> None:
        """The request in the slot where ``picks`` holds (exactly one) joins the orphans, at the end."""
        def pick(field):
            value = 0
            for c in range(self.slots):
                value = If(picks[c], getattr(s, field)[c], value)
            return value

        values = {"o_msg": pick("req_msg"), "o_broker": broker}
        if self.idempotent:
            values.update(o_pid=s.pid, o_epoch=pick("req_epoch"), o_seq=pick("req_seq"))
        free = [s.o_msg[k] == 0 for k in range(self.n_orphans)]
        for k in range(self.n_orphans):
            first_free = And(free[k], [Not(free[j]) for j in range(k)])
            for name, value in values.items():
                getattr(nx, name)[k] = If(first_free, value, getattr(s, name)[k])
        # each orphan needs a network fault, so a free place always exists; checked, not assumed
        self.overflow_unless(nx, Or(free))

    def _remove_orphans(self, s, nx, removed: list) -> None:
        kept = [And(s.o_msg[k] != 0, Not(removed[k])) for k in range(self.n_orphans)]
        for name in self._orphan_fields():
            current, target = getattr(s, name), getattr(nx, name)
            for j in range(self.n_orphans):
                value = 0
                for k in reversed(range(j, self.n_orphans)):
                    value = If(And(kept[k], Count(kept[:k]) == j), current[k], value)
                target[j] = value

    def _orphan_accepted(self, s, k):
        """The orphan's broker leads and would append it: the ISR check passes and (idempotence) it
        is in sequence and not a duplicate."""
        at_leader = And(s.o_msg[k] != 0, self.leader_up(s), s.leader == s.o_broker[k], self._enough_isr(s))
        if not self.idempotent:
            return at_leader
        duplicate, _, fenced, in_sequence = self._producer_state(s, s.o_pid[k], s.o_epoch[k], s.o_seq[k])
        return And(at_leader, Not(duplicate), Not(fenced), in_sequence)

    def _orphan_append(self, k):
        def effect(s, nx):
            # the handler appends it; the answer goes to a connection that no longer exists
            length = self.leader_len(s)
            if self.idempotent:
                self.append_record(s, nx, s.o_msg[k], s.o_pid[k], s.o_epoch[k], s.o_seq[k])
            else:
                self.append_record(s, nx, s.o_msg[k], 0, 0, 0)
            self._remove_orphans(s, nx, [j == k for j in range(self.n_orphans)])
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
            self._remove_orphans(s, nx, [j == k for j in range(self.n_orphans)])
            return And(s.o_msg[k] != 0, Not(self._orphan_accepted(s, k)))

        return effect

    # ---- replication -----------------------------------------------------------------------
    def _truncate_to_common_prefix(self, s, nx, f, leader, when=True, limit=None, compare=True):
        """Follower ``f`` drops its divergent suffix: everything from the first offset where its log
        differs from the leader's (KIP-101/279: truncation by leader epoch), where ``compare``
        holds, and everything from ``limit`` on (records a power loss took).  Records are compared
        by content, which includes the producer id, epoch and sequence when idempotence is on.
        With ``leader`` None only the limit applies."""
        common = True
        length = 0
        for k in range(self.capacity):
            same = True if leader is None else Or(Not(compare), self.same_record(s, f, k, leader, k))
            common = And(common, s.log[f][k] != 0, same, True if limit is None else k < limit)
            length = length + If(common, 1, 0)
            drop = And(when, Not(common))
            self.copy_record(s, nx, f, k, None, k, keep=Not(drop))
        new_length = If(when, length, s.log_len[f])
        nx.log_len[f] = new_length
        if not self.merged("hw-at-once"):
            # UnifiedLog.truncateTo: a high watermark above the new log end comes down to it
            nx.hw_local[f] = Min(s.hw_local[f], new_length)

    def common_prefix_length(self, s, f, leader):
        """How many records at the start of replica ``f``'s log agree with ``leader``'s."""
        common, length = True, 0
        for k in range(self.capacity):
            common = And(common, s.log[f][k] != 0, self.same_record(s, f, k, leader, k))
            length = length + If(common, 1, 0)
        return length

    def agrees_with_leader(self, s, f):
        """Replica ``f``'s log is a prefix of the leader's.  Always so with truncate-at-once; without
        it a follower holds its old suffix until its next fetch makes it truncate."""
        if self.merged("truncate-at-once"):
            return True
        return self.common_prefix_length(s, f, s.leader) == s.log_len[f]

    def _truncate(self, f):
        def effect(s, nx):
            # The fetch response reports a diverging epoch, and the follower truncates to where its
            # log agrees with the leader's (AbstractFetcherThread.truncateOnFetchResponse).  Until
            # then it fetches nothing and may even be elected with its old suffix
            # (Partition.makeLeader does not truncate).
            self._truncate_to_common_prefix(s, nx, f, s.leader)
            return And(s.alive[f] == 1, self.leader_up(s), s.leader != f, Not(self.agrees_with_leader(s, f)))

        return effect

    def _fetch(self, f):
        def effect(s, nx):
            mine = s.log_len[f]
            self.copy_record(s, nx, f, mine, s.leader, mine)
            nx.log_len[f] = mine + 1
            self._fetch_reports(s, nx, f, mine + 1)
            return And(s.alive[f] == 1, self.leader_up(s), s.leader != f, mine < self.leader_len(s),
                       self.agrees_with_leader(s, f))

        return effect

    def _fetch_reports(self, s, nx, f, new_end):
        """hw-at-once off: the fetch request tells the leader the follower's log end (its fetch
        offset: Partition.updateFollowerFetchState), and the response tells the follower the
        leader's high watermark from before the request (ReplicaFetcherThread.processPartitionData)."""
        if self.merged("hw-at-once"):
            return
        nx.known[f] = s.log_len[f] + 1
        nx.hw_local[f] = Min(self.high_watermark(s), new_end)

    def _empty_fetch(self, f):
        def effect(s, nx):
            # a caught-up follower's fetch returns no records but still reports its log end
            self._fetch_reports(s, nx, f, s.log_len[f])
            reported = And(s.known[f] == s.log_len[f] + 1,
                           s.hw_local[f] == Min(self.high_watermark(s), s.log_len[f]))
            return And(s.alive[f] == 1, self.leader_up(s), s.leader != f, s.log_len[f] == self.leader_len(s),
                       self.agrees_with_leader(s, f), Not(reported))

        return effect

    def _rejoin(self, f):
        def effect(s, nx):
            # Partition.isFollowerInSync: the follower's log end has reached the high watermark
            # and the offset where the current leader's epoch began (so it holds every record
            # the leader may have committed); the leader then adds it back (AlterPartition)
            nx.isr[f] = 1
            # the follower's log end as the leader knows it
            end = s.log_len[f] if self.merged("hw-at-once") else s.known[f] - 1
            if not self.merged("hw-at-once"):
                end = If(s.known[f] == 0, -1, end)
            return And(
                s.alive[f] == 1, s.isr[f] == 0, self.leader_up(s), s.leader != f,
                end >= self.high_watermark(s), end >= s.epoch_start, self.agrees_with_leader(s, f),
            )

        return effect

    def _restart(self, r):
        def effect(s, nx):
            nx.alive[r] = 1
            # After a power loss the log holds only what had reached the disk (log recovery).  A
            # restarted replica then asks the current leader where their logs diverge, and truncates.
            lost = s.lost_from[r] if self.power_losses else None
            if self.merged("truncate-at-once"):
                self._truncate_to_common_prefix(s, nx, r, s.leader, when=Or(self.leader_up(s), self.power_losses),
                                                limit=lost, compare=self.leader_up(s))
            elif self.power_losses:
                self._truncate_to_common_prefix(s, nx, r, None, limit=lost)
            if self.power_losses:
                nx.lost_from[r] = self.capacity
            if not self.merged("hw-at-once"):
                nx.known[r] = 0  # the leader learns its log end from its next fetch
            # a restarted broker registers anew; its old session is fenced first
            # (ClusterControlManager.registerBroker refuses a second incarnation while it is valid)
            return And(s.alive[r] == 0, Not(self._unfenced(s, r)))

        return effect

    def _elect(self, r, unclean):
        def effect(s, nx):
            live_isr = [And(s.alive[x] == 1, s.isr[x] == 1) for x in range(self.n_replicas)]
            if unclean:
                # unclean.leader.election.enable: no live ISR member, so take the first live replica
                eligible = And(Not(Or(live_isr)), s.alive[r] == 1, [s.alive[x] == 0 for x in range(r)])
            else:
                # the controller takes the first live ISR member in replica order
                # (PartitionChangeBuilder.electAnyLeader)
                eligible = And(live_isr[r], [Not(live_isr[x]) for x in range(r)])
            nx.has_leader = 1
            nx.leader = r
            nx.epoch_start = s.log_len[r]
            nx.leader_epoch = s.leader_epoch + 1
            if not self.merged("hw-at-once"):
                # Partition.makeLeader keeps the replica's own high watermark and forgets what it
                # knew of the followers' log ends until each fetches again
                nx.hw_floor = s.hw_local[r]
                for x in range(self.n_replicas):
                    nx.known[x] = 0
            self.overflow_unless(nx, s.leader_epoch + 1 < self.leader_epochs)
            self._consumer_sees_new_leader(s, nx)
            if self.merged("metadata-refresh"):
                # a client that knows no leader learns this one (see merges.py)
                nx.meta = If(s.meta == self.no_broker, r, s.meta)
            for x in range(self.n_replicas):
                if x != r:
                    if self.merged("truncate-at-once"):
                        self._truncate_to_common_prefix(s, nx, x, r, when=s.alive[x] == 1)
                    if unclean:
                        nx.isr[x] = 0
            if unclean:
                nx.isr[r] = 1
            return And(s.has_leader == 0, eligible)

        return effect

    # ---- the controller noticing a dead broker ------------------------------------------------
    # In KRaft the controller fences a broker only when its session times out
    # (broker.session.timeout.ms), and meanwhile metadata still names it as the leader; a client
    # that learns that, and finds the broker restarted by the time it connects, gets
    # NOT_LEADER_OR_FOLLOWER.  With fence-on-crash the fencing is part of the death, and that
    # metadata is kept by a refresh that may name the dead leader (kafka_producer.py).  Without
    # the stale refresh the merge was refuted by the reduction cross-check.
    def _unfenced(self, s, r):
        """Broker ``r`` is dead but the controller has not fenced it yet: it still counts in the ISR
        (as more than its last member) or still leads."""
        return And(s.alive[r] == 0, Or(And(s.isr[r] == 1, self.isr_size(s) > 1),
                                       And(s.has_leader == 1, s.leader == r)))

    def _fence_effect(self, s, nx, r):
        """The controller fences broker ``r`` (ReplicationControlManager.handleBrokerFenced): out of
        the ISR, but the ISR is never emptied (its last member stays); a leader loses leadership."""
        nx.isr[r] = If(And(s.isr[r] == 1, self.isr_size(s) > 1), 0, s.isr[r])
        nx.has_leader = If(And(s.has_leader == 1, s.leader == r), 0, s.has_leader)

    def _fence(self, r):
        def effect(s, nx):
            self._fence_effect(s, nx, r)
            return self._unfenced(s, r)

        return effect

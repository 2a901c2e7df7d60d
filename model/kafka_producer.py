"""The producer in the Kafka model: the accumulator, its sends, responses, timeouts and metadata.

State (``declare_producer_fields``): per message a status, retries spent and sequence number; the
producer id and epoch; without idempotence the accumulator's queue order; the broker its metadata
names as leader.  Sources (audited at Kafka 3.7.0, docs/model.md): clients/producer/internals/
Sender.java, RecordAccumulator.java, TransactionManager.java; clients/NetworkClient.java,
InFlightRequests.java.

* The application hands m1..mN to the client in order; one record per batch.  The Sender drains
  the head of the partition's queue to the broker its metadata names as leader, at most
  ``max.in.flight.requests.per.connection`` requests per connection.
* A failed batch is retried while retries remain (every retry counts, disconnects too:
  ProducerBatch.reenqueued).  Without idempotence it goes back to the *front* of the queue
  (RecordAccumulator.reenqueue, ``deque.addFirst``); with idempotence in sequence order
  (``insertInSequenceOrder``), and a retried batch is only sent once it has the lowest unfinished
  sequence (RecordAccumulator.shouldStopDrainBatchesForPartition).
* A connection that closes, or whose oldest request passes ``request.timeout.ms``, fails every
  request on it at once, oldest first (InFlightRequests.clearAll), so without idempotence the
  newest of them is retried first.
* librdkafka (``--client librdkafka``) re-inserts a retried message at its place in message order
  (rd_kafka_toppar_retry_msgq -> rd_kafka_msgq_insert_msgq), so its oldest queued message is always
  sent next, with or without idempotence; without idempotence a later message already in flight
  can still be written first (docs/audits/librdkafka.md, "Retry order").
"""

from __future__ import annotations

from .api import Action
from .dsl import And, Count, If, Max, Min, Not, Or
from .kafka_codes import (ACKED, CLOSED, COMMITTED, ERR, FAILED, FENCED, INFLIGHT, LOST, NOT_LEADER, OK, OOS,
                          QUEUED, REQ, WAIT)

# The rules this actor uses from the others (their public methods).  kafka.py's shared sizes,
# merged(), text and overflow_unless() need no entry; tests/test_architecture.py checks this
# table against the code, so a new call across actors is a visible change here.
REQUIRES = {
    "kafka_broker": ("enough_isr", "producer_state"),
    "kafka_cluster": ("can_elect", "fencing_pending", "leader_up", "note_stall_timeouts", "waits_on_stalled_follower"),
    "kafka_connection": ("connection_head", "on_connection", "remove_request", "remove_requests", "request_is",
                         "unsent"),
    "kafka_transactions": ("abort_again", "abort_transaction", "batches_may_expire", "begin_again", "commit_transaction",
                           "purge_unsent_for_abort", "says_abort_again", "says_begin_again", "says_purge_unsent",
                           "transaction_open_for_producer"),
}


class ProducerMixin:
    # ---- state -------------------------------------------------------------------------------
    def declare_producer_fields(self, lay) -> None:
        n = self.n_messages
        lay.array("status", (n,), 4)
        lay.array("tries", (n,), self.retries + 1)
        lay.array("seq", (n,), self.sequences + 1)  # sequence number + 1 under the current epoch; 0 = none yet
        lay.scalar("next_seq", self.sequences + 1)
        lay.scalar("pid", self.pids)
        lay.scalar("epoch", self.epochs)
        if self.tracks_queue_order:
            # the accumulator's queue, head first (message + 1; 0 = empty): a retried batch goes
            # back to the front (RecordAccumulator.reenqueue, deque.addFirst).  With idempotence the
            # queue is always in sequence order (insertInSequenceOrder), and librdkafka keeps it in
            # message order (rd_kafka_msgq_insert_msgq), so there the lowest queued message is its
            # head and nothing needs storing.
            lay.array("queue", (n,), n + 1)
        lay.scalar("meta", self.n_replicas + 1)  # the broker the producer's metadata names as leader; r = none
        if self.deadline_may_pass:
            # delivery.timeout.ms has passed since this producer instance created its batches
            lay.scalar("deadline_passed", 2)
        if self.app_aborts:
            # the application has called abortTransaction(): the batches it had sent are still
            # being sent or retried, and the abort goes to the coordinator once they are done
            lay.scalar("app_abort", 2)
        if self.sequences_run_on:
            # (transaction protocol v1, after an application's abort) the last sequence number
            # acknowledged in an earlier transaction of this epoch, + 1; 0 = none.  The client's
            # lastAckedSequence lives across transactions (TxnPartitionEntry)
            lay.scalar("acked_before", self.sequences + 1)
        if self.librdkafka_idempotence:
            # librdkafka's idempotent producer: after a retriable error nothing is sent until nothing
            # is in flight (wait_drain); an epoch bump is due once nothing is in flight
            lay.scalar("drain", 2)
            lay.scalar("bump_pending", 2)
        if self.fatal_errors:
            # a fatal error stopped the producer (librdkafka: rd_kafka_set_fatal_error; Java 2.5-2.6:
            # TransactionManager.transitionToFatalError)
            lay.scalar("fatal", 2)
        if self.accumulator_expiry:
            # (Java before 2.1) this producer instance has waited out a request timeout, so every
            # batch still waiting from its start is older than request.timeout.ms
            lay.scalar("timed_out", 2)
        if self.wait_bound:
            # request timeouts this producer instance has waited out (saturating one short of the
            # number that adds up to delivery.timeout.ms, or to transaction.timeout.ms if larger)
            lay.scalar("waited", self.wait_bound)

    def initial_producer_values(self) -> dict:
        n = self.n_messages
        values = {"status": [QUEUED] * n, "tries": [0] * n, "seq": [0] * n,
                  "meta": 0}  # the producer has fetched metadata before its first send
        if self.tracks_queue_order:
            values["queue"] = [m + 1 for m in range(n)]
        return values

    def acknowledged(self, s, m):
        """The application was told message ``m`` is delivered: its send succeeded or, with a
        transactional producer, the transaction holding it committed."""
        if self.transactional:
            return And(s.status[m] == ACKED, s.txn == COMMITTED)
        return s.status[m] == ACKED

    def current_metadata(self, view):
        """What a metadata response says leads the partition: its leader, or none while offline."""
        return If(view.has_leader == 1, view.leader, self.no_broker)

    def forget_leader(self, nx, view):
        """The client no longer trusts its metadata and asks for more.  With the metadata-refresh
        merge it has the answer in the same step (``view``: the state the answer describes)."""
        nx.meta = self.current_metadata(view) if self.merged("metadata-refresh") else self.no_broker

    def producer_actions(self) -> list[Action]:
        acts = []
        for i in range(self.n_messages):
            for c in range(self.slots):
                acts.append(Action("producer", "send", self._guarded(self._send(i, c)),
                                   params={"message": i, "slot": c}, says=self._says_send))
        if self.librdkafka_idempotence and not self.transactional:
            acts.append(Action("producer", "bumps its epoch", self._guarded(self._librdkafka_bump),
                               says=self._says_librdkafka_bump))
        if self.fatal_errors and not self.librdkafka_idempotence:
            for i in range(self.n_messages):
                acts.append(Action("producer", "aborts an incomplete batch", self._guarded(self._abort_after_fatal(i)),
                                   params={"message": i}, says=self._says_abort_after_fatal))
        if self.accumulator_expiry:
            for i in range(self.n_messages):
                acts.append(Action("producer", "expires a batch in the accumulator",
                                   self._guarded(self._expire_in_accumulator(i)), params={"message": i},
                                   says=self._says_expire_in_accumulator))
        acts.append(Action("producer", "refresh metadata", self._guarded(self._refresh_metadata),
                           says=self._says_refresh))
        if self.deadline_may_pass:
            acts.append(Action("producer", "delivery timeout", self._guarded(self._deadline_passes),
                               says=self._says_deadline))
        if self.merged("fence-on-crash"):
            acts.append(Action("producer", "refresh metadata (names the dead leader)",
                               self._guarded(self._refresh_to_dead_leader), says=self._says_refresh_to_dead_leader))
        for c in range(self.slots):
            slot = {"slot": c}
            acts.append(Action("producer", "receive ok", self._guarded(self._receive_ok(c)), params=slot,
                               says=self._says_receive_ok))
            if self.acks != 0:
                acts.append(Action("producer", "receive error", self._guarded(self._receive_error(c)), params=slot,
                                   says=self._says_receive_failure))
                if not self.config.client.counts_not_leader_retries:
                    acts.append(Action("producer", "receive not leader", self._guarded(self._receive_not_leader(c)),
                                       params=slot, says=self._says_receive_failure))
            if self.idempotent:
                acts.append(Action("producer", "receive out of order sequence",
                                   self._guarded(self._receive_out_of_order(c)), params=slot,
                                   says=self._says_receive_failure))
                acts.append(Action("producer", "receive invalid epoch",
                                   self._guarded(self._receive_fenced(c)), params=slot,
                                   says=self._says_receive_failure))
        if self.acks != 0:
            for b in range(self.n_replicas):
                acts.append(Action("producer", "time out", self._guarded(self._time_out(b)), params={"broker": b},
                                   says=self._says_connection_failed))
        if not self.merged("crash-closes-connection"):
            for b in range(self.n_replicas):
                acts.append(Action("producer", "sees the connection close", self.connection_closed(b),
                                   params={"broker": b}, says=self._says_connection_failed))
        if self.transactional:
            acts.append(Action("producer", "commit transaction", self._guarded(self.commit_transaction),
                               says=lambda action, b, a: ("calls commitTransaction(): every send is acknowledged, "
                                                          "the coordinator decides COMMIT")))
            # a send fails for good when its retries are spent, delivery.timeout.ms passes, or the
            # leader rejects it (kafka_transactions.py); the guard says when
            acts.append(Action("producer", "abort transaction", self._guarded(self.abort_transaction),
                               says=self._says_abort_transaction))
            if self.app_aborts:
                acts.append(Action("producer", "begin a new transaction", self._guarded(self.begin_again),
                                   says=self.says_begin_again))
            if self.parks_messages():
                acts.append(Action("producer", "calls abortTransaction() again", self._guarded(self.abort_again),
                                   says=self.says_abort_again))
            if self.librdkafka_transactions and self.app_aborts and self.acks != 0:
                acts.append(Action("producer", "purges requests built but not sent",
                                   self._guarded(self.purge_unsent_for_abort), says=self.says_purge_unsent))
        return acts

    # ---- what a trace says for each step (Action.says; pieces of text in kafka_text.py) --------
    def _says_abort_transaction(self, action, b, a) -> str:
        if self.app_aborts and b["app_abort"]:
            return ("every batch it had sent is done: the client sends the abort to the transaction coordinator "
                    "(EndTxn), which decides ABORT")
        return "a send failed for good: the application aborts the transaction (abortTransaction)"

    def _says_send(self, action, b, a) -> str:
        t, i, c = self.text, action.args["message"], action.args["slot"]
        text = f"sends {t.msg(i)} to {t.broker_name(a['req_broker'][c])}"
        if self.idempotent:
            text += f" with sequence number {a['req_seq'][c]}"
            if self.epochs > 1 and a["req_epoch"][c]:
                text += f" (epoch {a['req_epoch'][c]})"
        if b["tries"][i]:
            text += " (a retry)"
        if self.acks == 0:
            text += "; acks=0, so the send counts as successful at once"
        return text

    def _says_refresh(self, action, b, a) -> str:
        if a["meta"] == self.no_broker:
            return "refreshes its metadata: the partition has no leader"
        return f"refreshes its metadata: broker {a['meta'] + 1} leads the partition"

    def _says_deadline(self, action, b, a) -> str:
        t = self.text
        failed = [m for m in range(self.n_messages) if a["status"][m] == FAILED and b["status"][m] != FAILED]
        on_wire = [m for m in failed if b["status"][m] == INFLIGHT]
        config = self.config
        request_key, deadline_key = config.client.request_timeout_key, config.client.delivery_timeout_key
        why = ("the partition has no leader and none can be elected until a broker restarts"
               if t.evaluate(b, self._offline_for_good) else
               f"the producer waits out one more request timeout ({request_key}={config.request_timeout_ms}), and "
               f"those it has waited add up to {deadline_key}" if t.evaluate(b, lambda s: self._last_request_timeout(s, self.deadline_waits)) else
               "the ISR is below the min ISR, so every acks=all write is refused" if t.evaluate(b, self._refused_for_min_isr)
               else "librdkafka will not send a message it put back in its queue again (a fatal error, an abort, or an "
                    "abortable error stopped its sends)"
               if t.evaluate(b, lambda s: Or(self._parked(s), self._stopped_by_fatal_error(s)))
               else "the leader answers OUT_OF_ORDER_SEQUENCE_NUMBER to an unfinished batch whose sequence is below "
                    "an acknowledged one")
        text = (f"{deadline_key}={config.delivery_timeout_ms} passes while {why}: the producer fails "
                f"{', '.join(t.msg(m) for m in failed)} ({'TimeoutException' if config.client.is_java else '_MSG_TIMED_OUT'}; "
                "the application is told the send failed)")
        if on_wire:
            text += (f"; the request for {', '.join(t.msg(m) for m in on_wire)} stays on its way and may still be "
                     "written (failed but written)")
        return text

    def _says_refresh_to_dead_leader(self, action, b, a) -> str:
        return (f"refreshes its metadata from a broker that has not yet heard broker {b['leader'] + 1} "
                f"was fenced: it names dead broker {b['leader'] + 1} as the leader")

    def _says_receive_ok(self, action, b, a) -> str:
        t, c = self.text, action.args["slot"]
        m = b["req_msg"][c] - 1
        return (f"gets the ack for {t.msg(m)} from {t.broker_name(b['req_broker'][c])}: the application is told "
                "the send succeeded")

    def _says_receive_failure(self, action, b, a) -> str:
        t, c = self.text, action.args["slot"]
        m = b["req_msg"][c] - 1
        source = t.broker_name(b["req_broker"][c])
        what = {"receive error": f"gets a retriable error for {t.msg(m)} from {source}",
                "receive out of order sequence": f"gets OUT_OF_ORDER_SEQUENCE_NUMBER for {t.msg(m)} from {source}",
                "receive invalid epoch": f"gets INVALID_PRODUCER_EPOCH for {t.msg(m)} from {source}: not retriable",
                "receive not leader": (f"gets NOT_LEADER_OR_FOLLOWER for {t.msg(m)} from {source} (librdkafka retries "
                                       "it without counting a retry) and asks for new metadata"),
                }[action.name]
        if self.librdkafka_idempotence and a["fatal"] and not b["fatal"]:
            why = ("fenced by a newer producer instance" if action.name == "receive invalid epoch"
                   else "at or below the next sequence librdkafka expects")
            end = ", and sends no EndTxn: the transaction stays open until the coordinator or a new instance aborts it"
            return (f"{what}: {why}, a fatal error: it fails the batch and every queued message and sends nothing "
                    f"more{end if self.transactional else ''}")
        if self.librdkafka_transactions and a["bump_pending"] and not b["bump_pending"]:
            return (f"{what}: above the next sequence librdkafka expects (skipped sequence numbers), for the "
                    "transactional producer an abortable error that needs an epoch bump: it purges the batch and "
                    "every queued message (the sends fail) and sends nothing more in this transaction")
        if a["status"][m] == FAILED:
            return f"{what}; the application is told the send failed{t.bump(b, a)}"
        if t.evaluate(a, self._parked):
            return (f"{what} and puts it back in its queue, but sends nothing more in this transaction: it waits "
                    "there for message.timeout.ms")
        return f"{what} and will retry it{t.bump(b, a)}"

    def _says_connection_failed(self, action, b, a) -> str:
        t, r = self.text, action.args["broker"]
        slots = [c for c in range(self.slots) if b["req_msg"][c] and b["req_broker"][c] == r]
        names = ", ".join(t.msg(b["req_msg"][c] - 1) for c in slots)
        if action.name == "time out":
            stalled_wait = any(t.evaluate(b, lambda s, c=c: self.waits_on_stalled_follower(s, c)) for c in slots)
            why = " (an answer waits for a follower that stopped fetching)" if stalled_wait else ""
            text = (f"{self.config.client.request_timeout_key} expires on the connection to broker {r + 1}{why}: it "
                    f"closes the connection, failing {names} (oldest first)")
        else:
            text = f"sees its connection to broker {r + 1} close, failing {names} (oldest first)"
        outcome = t.failed_requests(b, a, slots)
        return text + (f"; {outcome}" if outcome else "") + "; it asks for new metadata"

    def _guarded(self, effect):
        """With crash-closes-connection off, a closed connection is the first thing the client's
        Sender thread handles: NetworkClient.poll processes disconnects in the poll that sees them,
        before the next send (Sender.runOnce: sendProducerData, then poll), and nothing the client
        does in between can differ from doing it before the crash."""
        if self.merged("crash-closes-connection"):
            return effect

        def wrapped(s, nx):
            return And(Not(Or([s.req_stage[c] == CLOSED for c in range(self.slots)])), effect(s, nx))

        return wrapped

    # ---- the accumulator's queue -----------------------------------------------------------
    def _is_head(self, s, i):
        """Message ``i`` is at the head of the partition's queue."""
        if not self.tracks_queue_order:
            return And(s.status[i] == QUEUED, [s.status[j] != QUEUED for j in range(i)])
        return s.queue[0] == i + 1

    def _push_front(self, queue: list, msg_plus_one, when) -> list:
        """The queue (a list of values, head first) with a message put at its front where ``when``.
        The last place is free: a message being re-queued is not in the queue."""
        return [If(when, msg_plus_one if j == 0 else queue[j - 1], queue[j]) for j in range(self.n_messages)]

    def _write_queue(self, nx, queue: list) -> None:
        for j, value in enumerate(queue):
            nx.queue[j] = value

    def _can_retry(self, s, m):
        """Message ``m``'s batch may be retried: Sender.canRetry's ``attempts < retries``."""
        return True if self.unlimited_retries else s.tries[m] < self.retries

    def _expired(self, s, m):
        """Message ``m``'s batch expired (delivery.timeout.ms) while its request was on the wire: the
        application was told it failed, and the answer, when it comes, changes nothing the model
        tracks (Sender.completeBatch: ``batch.complete`` / ``completeExceptionally`` return false for
        a batch already done, and ``canRetry`` refuses it; no other batch is left to send)."""
        # (Java 2.5-2.6: after a fatal INVALID_PRODUCER_EPOCH the Sender aborts batches on the wire too)
        fails_on_wire = self.deadline_may_pass or (self.fatal_errors and not self.librdkafka_idempotence)
        return s.status[m] == FAILED if fails_on_wire else False

    def _retry_or_fail(self, s, nx, m, when=True, retriable=True, counted=True):
        """Message ``m``'s request failed (where ``when``): retry while retries remain (and the error
        is ``retriable``), else tell the application the send failed.  A retry that is not
        ``counted`` needs no retry left and spends none.  Returns m's status afterwards."""
        if self.acks == 0:
            return s.status[m]  # acks=0 sends already counted as successful; nothing is retried
        when = And(when, Not(self._expired(s, m)))
        if counted is True or counted is False:
            can = And(retriable, self._can_retry(s, m) if counted else True)
            spends = can if counted else False
        else:  # counted depends on the state (librdkafka: was the request sent?)
            can = And(retriable, Or(Not(counted), self._can_retry(s, m)))
            spends = And(can, counted)
        status = If(when, If(can, QUEUED, FAILED), s.status[m])
        nx.status[m] = status
        if not self.unlimited_retries and spends is not False:
            nx.tries[m] = If(And(when, spends), s.tries[m] + 1, s.tries[m])
        return status

    def _fail_requests(self, s, nx, failing: list, retriable=True, counted=True) -> list:
        """The requests of the slots where ``failing[c]`` holds fail at once, oldest first; each is
        retried (if the error is ``retriable`` and retries remain) or its send fails.  Without idempotence each retried batch goes to the queue's
        front, so of several the newest ends up first (librdkafka: each back in message order).  Returns every message's status afterwards."""
        statuses = []
        for m in range(self.n_messages):
            fails = Or([And(failing[c], self.request_is(s, c, m)) for c in range(self.slots)])
            counts = counted
            if counted is True and not self.config.client.is_java:
                # librdkafka retries a request it never sent without counting a retry
                # (rdkafka_request.c:4620-4621, rd_kafka_buf_was_sent)
                counts = Not(Or([And(failing[c], self.request_is(s, c, m), self.unsent(s, c))
                                 for c in range(self.slots)]))
            statuses.append(self._retry_or_fail(s, nx, m, fails, retriable, counts))
        if self.tracks_queue_order and self.acks != 0:
            queue = [s.queue[j] for j in range(self.n_messages)]
            for c in range(self.slots):
                retried = Or([And(failing[c], self.request_is(s, c, m), self._can_retry(s, m),
                                  Not(self._expired(s, m))) for m in range(self.n_messages)])
                queue = self._push_front(queue, s.req_msg[c], retried)
            self._write_queue(nx, queue)
        if self.librdkafka_idempotence:
            # any failed request drains the partition before the next send (rdkafka_request.c:4630-4651)
            any_failing = Or([And(failing[c], s.req_msg[c] != 0) for c in range(self.slots)])
            nx.drain = If(any_failing, 1, s.drain)
            if not self.transactional:
                # the idempotent producer: a message that failed for good leaves a sequence gap, so
                # it bumps once drained (4739-4745).  The transactional one reports the failed
                # delivery and sends on; a gap comes back as OUT_OF_ORDER_SEQUENCE_NUMBER above the
                # next expected sequence (``_librdkafka_out_of_order``), and commit_transaction()
                # fails while any delivery failed (txnmgr.c:2376-2386)
                gap = Or([And(statuses[m] == FAILED, s.status[m] != FAILED) for m in range(self.n_messages)])
                nx.bump_pending = If(gap, 1, s.bump_pending)
        self.remove_requests(s, nx, failing)
        return statuses

    # ---- idempotence: sequence numbers as the client sees them ------------------------------
    def last_acked_sequence(self, s):
        """TransactionManager.lastAckedSequence: the highest sequence acknowledged under the
        current epoch (-1: none).  Sequences are cleared on an epoch bump and a restart."""
        this_transaction = [If(And(s.status[m] == ACKED, s.seq[m] != 0), s.seq[m] - 1, -1) for m in range(self.n_messages)]
        if self.sequences_run_on:
            return Max(this_transaction + [s.acked_before - 1])
        return Max(this_transaction)

    # ---- steps -------------------------------------------------------------------------------
    def _send(self, i, c):
        def effect(s, nx):
            target = s.meta
            in_flight_there = Count([self.on_connection(s, j, target) for j in range(self.slots)])
            guard = And(
                self._is_head(s, i),
                s.req_msg[c] == 0,
                True if c == 0 else s.req_msg[c - 1] != 0,
                # metadata names a leader, and the client can reach it
                target != self.no_broker,
                s.alive[target] == 1,
                in_flight_there < self.pipeline,
                # not onto a connection the client will find broken: sending there is the same as
                # sending before the break (kafka_faults.py, _break_connection)
                Not(Or([And(self.on_connection(s, j, target), s.req_stage[j] == LOST) for j in range(self.slots)])),
                # a retried batch (it has a sequence) waits until it has the lowest unfinished
                # sequence: no batch with a lower one still in flight (RecordAccumulator.
                # shouldStopDrainBatchesForPartition: "reduces our in flight request count to 1")
                Or(s.seq[i] == 0, Not(Or([And(s.status[j] == INFLIGHT, s.seq[j] < s.seq[i])
                                          for j in range(self.n_messages) if j != i])))
                if self.idempotent else True,
                # a transactional producer sends only inside its ongoing transaction, which it
                # takes to be ongoing until it learns it was fenced
                self.transaction_open_for_producer(s) if self.transactional else True,
                # once the application aborts, only batches already sent are sent again (the
                # others were aborted: RecordAccumulator.abortUndrainedBatches spares batches
                # with a sequence)
                # (librdkafka sends nothing once the application aborts: rd_kafka_txn_may_send_msg,
                # txnmgr.h:52-61; a retry that comes back then waits for message.timeout.ms)
                (s.app_abort == 0 if self.librdkafka_transactions else Or(s.app_abort == 0, s.seq[i] != 0))
                if self.app_aborts else True,
                self._librdkafka_may_send(s, target) if self.librdkafka_idempotence else True,
                s.fatal == 0 if self.fatal_errors else True,
            )
            if self.librdkafka_idempotence:
                nx.drain = 0  # a send needs the drain done (or none pending)
            nx.req_msg[c] = i + 1
            nx.req_stage[c] = REQ
            nx.req_broker[c] = target
            # acks=0: the client counts the record as sent successfully once it is on the wire
            nx.status[i] = ACKED if self.acks == 0 else INFLIGHT
            if self.idempotent:
                # a sequence number is assigned at the first send under an epoch; retries keep it
                fresh = s.seq[i] == 0
                seq = If(fresh, s.next_seq + 1, s.seq[i])
                nx.seq[i] = seq
                nx.next_seq = If(fresh, s.next_seq + 1, s.next_seq)
                nx.req_epoch[c] = s.epoch
                nx.req_seq[c] = seq - 1
                if self.sequences_run_on:
                    self.overflow_unless(nx, Or(Not(fresh), s.next_seq + 1 <= self.sequences))
            if self.tracks_queue_order:
                self._write_queue(nx, [s.queue[j + 1] for j in range(self.n_messages - 1)] + [0])
            return guard

        return effect

    def _refresh_metadata(self, s, nx):
        # A metadata response names the partition's current leader, or none while it is offline.
        # The client asks after a disconnect or a NOT_LEADER_OR_FOLLOWER error, and at least every
        # metadata.max.age.ms, so it may learn a new leader at any time after the election.
        current = self.current_metadata(s)
        nx.meta = current
        return s.meta != current

    def _refresh_to_dead_leader(self, s, nx):
        # fence-on-crash merges a broker's death with its fencing; until the fencing, metadata
        # still named it.  A client may have fetched that: while the partition has no leader and
        # the last one is still dead, its metadata may name it (kafka_broker.py, _fence).
        nx.meta = s.leader
        return And(s.has_leader == 0, s.alive[s.leader] == 0, s.meta != s.leader)

    def _receive_ok(self, c):
        def effect(s, nx):
            # (a late success for an expired batch: the application was already told it failed)
            if self.librdkafka_idempotence:
                # librdkafka: a success also acknowledges every earlier message still waiting for a
                # retry (rdkafka_request.c:4802-4803, rd_kafka_dr_implicit_ack in rdkafka_broker.c:3107-3142)
                for j in range(self.n_messages):
                    later = Or([self.request_is(s, c, m) for m in range(j + 1, self.n_messages)])
                    nx.status[j] = If(self.request_is(s, c, j), If(s.status[j] == FAILED, FAILED, ACKED),
                                      If(And(later, s.status[j] == QUEUED), ACKED, s.status[j]))
            else:
                nx.status[s.req_msg[c] - 1] = If(s.status[s.req_msg[c] - 1] == FAILED, FAILED, ACKED)
            self.remove_request(s, nx, c)
            return And(self.connection_head(s, c), s.req_stage[c] == OK)

        return effect

    def _receive_error(self, c):
        def effect(s, nx):
            # NOT_ENOUGH_REPLICAS(_AFTER_APPEND), NOT_LEADER_OR_FOLLOWER: retriable
            self._fail_requests(s, nx, [j == c for j in range(self.slots)])
            # NOT_LEADER_OR_FOLLOWER (an answer from a broker that does not lead) asks for new metadata
            from_leader = And(s.has_leader == 1, s.leader == s.req_broker[c])
            known = self.current_metadata(s) if self.merged("metadata-refresh") else self.no_broker
            nx.meta = If(from_leader, s.meta, known)
            return And(self.connection_head(s, c), s.req_stage[c] == ERR)

        return effect

    def _receive_not_leader(self, c):
        def effect(s, nx):
            # librdkafka: NOT_LEADER_OR_FOLLOWER's action is REFRESH, a retry that does not count
            # against message.send.max.retries (rdkafka_request.c, rd_kafka_handle_Produce_error;
            # rdkafka_partition.c rd_kafka_retry_msgq with incr 0), and new metadata
            self._fail_requests(s, nx, [j == c for j in range(self.slots)], counted=False)
            nx.meta = self.current_metadata(s) if self.merged("metadata-refresh") else self.no_broker
            return And(self.connection_head(s, c), s.req_stage[c] == NOT_LEADER)

        return effect

    def _bump_epoch(self, s, nx, statuses, when):
        """The idempotent client's own epoch bump (TransactionManager.bumpIdempotentProducerEpoch,
        done at the next Sender.runOnce): epoch + 1 under the same producer id, and every unfinished
        sequenced batch (in flight or waiting to be retried) renumbered from 0 in sequence order
        (TxnPartitionEntry.startSequencesAtBeginning); nothing acknowledged counts any more
        (lastAckedSequence = -1).  Requests already on the wire keep the bytes they were sent with."""
        n = self.n_messages
        unfinished = [And(s.seq[m] != 0, Or(statuses[m] == INFLIGHT, statuses[m] == QUEUED)) for m in range(n)]
        for m in range(n):
            rank = Count([And(unfinished[j], s.seq[j] < s.seq[m]) for j in range(n) if j != m])
            nx.seq[m] = If(when, If(unfinished[m], rank + 1, 0), s.seq[m])
        nx.next_seq = If(when, Count(unfinished), s.next_seq)
        nx.epoch = If(when, s.epoch + 1, s.epoch)
        self.overflow_unless(nx, Or(Not(when), s.epoch + 1 < self.epochs))

    def _receive_out_of_order(self, c):
        def effect(s, nx):
            if self.librdkafka_idempotence:
                self._librdkafka_out_of_order(s, nx, c)
                return And(self.connection_head(s, c), s.req_stage[c] == OOS)
            # TransactionManager.canRetry, OUT_OF_ORDER_SEQUENCE_NUMBER (no unresolved sequences:
            # they come only from delivery.timeout.ms, after which every batch has failed and
            # none is retried):
            #  - a batch whose sequence was reset by a bump after it was sent, or that is not the
            #    next expected sequence (a batch before it failed), is simply retried;
            #  - the next expected sequence means the broker lost records: the idempotent producer
            #    bumps its epoch and retries; the transactional one fails the batch.
            msg_seq = Max([If(self.request_is(s, c, m), s.seq[m] - 1, -1) for m in range(self.n_messages)])
            reset = s.req_epoch[c] != s.epoch
            is_next = msg_seq == self.last_acked_sequence(s) + 1
            plain_retry = Or(reset, Not(is_next))
            statuses = self._fail_requests(s, nx, [j == c for j in range(self.slots)],
                                           retriable=True if not self.transactional else plain_retry)
            retried, expired = self._request_can_retry(s, c), self._expired_request(s, c)
            if self.sequences_run_on:
                # the transactional client fails the batch with retries left: its sequence is given back
                self._close_sequence_gap(s, nx, c, And(Not(plain_retry), Not(expired), retried))
            if not self.transactional:
                # retried as the next sequence: bump; failed for good with this error: bump too
                # (TransactionManager.handleFailedBatch, OutOfOrderSequenceException); an expired
                # batch's answer is ignored (failBatch: completeExceptionally returns false)
                self._bump_epoch(s, nx, statuses, And(Not(expired), Or(Not(retried), Not(plain_retry))))
            return And(self.connection_head(s, c), s.req_stage[c] == OOS)

        return effect

    # ---- librdkafka's idempotent producer (docs/audits/librdkafka-producer-vs-model.md, 5.1) ---
    def _librdkafka_may_send(self, s, target):
        """librdkafka sends nothing while an epoch bump is due (nor after a fatal error: ``_send``); after a
        retriable error it waits until nothing is in flight (wait_drain, rdkafka_broker.c:4313-4351);
        and it sends nothing to a new leader while a request is in flight elsewhere (the drain on a
        leader change, rdkafka_broker.c:3505-3516)."""
        elsewhere = Or([And(s.req_msg[c] != 0, s.req_broker[c] != target) for c in range(self.slots)])
        return And(s.bump_pending == 0, Or(s.drain == 0, self._nothing_in_flight(s)), Not(elsewhere))

    def _librdkafka_out_of_order(self, s, nx, c):
        """OUT_OF_ORDER_SEQUENCE_NUMBER, judged by how far the batch's sequence is above the next one
        librdkafka expects to be acknowledged (r = seq - next_ack_seq, rdkafka_request.c:4159):
        above it, "skipped sequence numbers": re-queued without counting a retry, drain, bump
        (4200-4246); at it or below, a fatal error (4161-4199, 4247-4280): the batch and every queued
        message fail, nothing more is sent, requests on the wire are still answered."""
        msg_seq = Max([If(self.request_is(s, c, m), s.seq[m] - 1, -1) for m in range(self.n_messages)])
        above = msg_seq > self.last_acked_sequence(s) + 1
        if self.transactional:
            # transactional, above: rd_kafka_idemp_drain_epoch_bump raises an abortable error that
            # requires an epoch bump (rdkafka_idempotence.c:633-690): the producer sends nothing more
            # in this transaction and purges every queued message (txnmgr.c:350-404), this one too
            # (it is re-queued, then purged by the broker thread's purge); the coordinator bumps the
            # epoch when the application aborts (txnmgr.c:2092-2104)
            # (the purge also fails the requests built but not sent: rdkafka_broker.c:6233-6238.  Its
            # broker thread may send one first; it then meets the same gap below it and is answered
            # OUT_OF_ORDER_SEQUENCE_NUMBER too, so failing it in this step hides no write)
            statuses = self._fail_requests(s, nx, [Or(j == c, self.unsent(s, j)) for j in range(self.slots)],
                                           retriable=False)
            self._fail_unfinished(nx, statuses, on_the_wire=False)
        else:
            statuses = self._fail_requests(s, nx, [j == c for j in range(self.slots)], retriable=above, counted=False)
            self._fail_unfinished(nx, statuses, on_the_wire=False, when=Not(above))
        # (after _fail_requests, whose own bump_pending this decides over)
        nx.bump_pending = If(above, 1, s.bump_pending)
        nx.fatal = If(above, s.fatal, 1)

    def _librdkafka_bump(self, s, nx):
        # rd_kafka_idemp_drain_epoch_bump: once no request is in flight, the epoch is bumped locally
        # (rd_kafka_pid_bump) and the queued messages are numbered from 0 in message order
        # (rdkafka_partition.c:4778-4810)
        self._bump_epoch(s, nx, [s.status[m] for m in range(self.n_messages)], True)
        nx.bump_pending = 0
        nx.drain = 0
        return And(s.bump_pending == 1, s.fatal == 0, self._nothing_in_flight(s))

    def _abort_after_fatal(self, m):
        def effect(s, nx):
            # Java 2.5-2.6: Sender.runOnce begins with maybeAbortBatches once the transaction manager
            # has a fatal error (2.5.0:S:300-305), failing every incomplete batch, queued or on the
            # wire (RecordAccumulator.abortIncompleteBatches).  Answers handled in the poll before it
            # still count: a step per batch, in any order with them.  A request on the wire stays
            # there and may still be written.
            nx.status[m] = FAILED
            return And(s.fatal == 1, Or(s.status[m] == QUEUED, s.status[m] == INFLIGHT))

        return effect

    def _says_abort_after_fatal(self, action, b, a) -> str:
        return (f"after the fatal error the Sender aborts {self.text.msg(action.args['message'])} "
                "(abortIncompleteBatches): the application is told the send failed")

    def _nothing_in_flight(self, s):
        """No request of this producer instance is on the wire (orphans are the broker's)."""
        return And([s.req_msg[c] == 0 for c in range(self.slots)])

    def _says_librdkafka_bump(self, action, b, a) -> str:
        return (f"nothing is in flight: librdkafka bumps its epoch to {a['epoch']} and numbers its queued messages "
                "from sequence 0 (a sequence gap or skipped sequence numbers)")

    def _expired_request(self, s, c):
        """Request ``c``'s batch has expired (``_expired``): its answer changes nothing."""
        return Or([And(self.request_is(s, c, m), self._expired(s, m)) for m in range(self.n_messages)])

    def _request_can_retry(self, s, c):
        """Request ``c``'s batch has retries left (``_can_retry``)."""
        return Or([And(self.request_is(s, c, m), self._can_retry(s, m)) for m in range(self.n_messages)])

    def _close_sequence_gap(self, s, nx, c, when):
        """The transactional client fails request ``c``'s batch with retries left
        (Sender.failBatch with adjustSequenceNumbers): the batches after it in sequence move down one
        and so does the next sequence (TxnPartitionEntry.adjustSequencesDueToFailedBatch).  It only
        matters where a later transaction runs on in the same epoch (transaction protocol v1 after
        an application's abort); requests already on the wire keep their bytes."""
        failed_seq = Max([If(self.request_is(s, c, m), s.seq[m], 0) for m in range(self.n_messages)])
        for m in range(self.n_messages):
            later = And(Not(self.request_is(s, c, m)), s.seq[m] > failed_seq,
                        Or(s.status[m] == QUEUED, s.status[m] == INFLIGHT))
            nx.seq[m] = If(And(when, later), s.seq[m] - 1, s.seq[m])
        nx.next_seq = If(when, s.next_seq - 1, s.next_seq)

    def _receive_fenced(self, c):
        def effect(s, nx):
            if self.librdkafka_idempotence:
                # librdkafka, idempotent: a permanent error; the batch fails, and the partition drains
                # and bumps its epoch ("message sequence gap", rdkafka_request.c:4739-4745).
                # Transactional: fenced by a newer instance, a fatal error (4674-4694): every queued
                # message fails, nothing more is sent, and no EndTxn goes out.  A request of the
                # producer's own transaction that fails the leader's KIP-890 verification meets the
                # coordinator's newer epoch too (it timed the transaction out), which the leader
                # answers INVALID_PRODUCER_EPOCH (AddPartitionsToTxnManager: PRODUCER_FENCED)
                statuses = self._fail_requests(s, nx, [j == c for j in range(self.slots)], retriable=False)
                if self.transactional:
                    nx.fatal = 1
                    self._fail_unfinished(nx, statuses, on_the_wire=False)
                return And(self.connection_head(s, c), s.req_stage[c] == FENCED)
            # INVALID_PRODUCER_EPOCH: not retriable, the send fails (Sender.completeBatch ->
            # failBatch).  An idempotent producer that still had retries left bumps its epoch
            # (TransactionManager.handleFailedBatch with adjustSequenceNumbers).
            statuses = self._fail_requests(s, nx, [j == c for j in range(self.slots)], retriable=False)
            had_retries = And(self._request_can_retry(s, c), Not(self._expired_request(s, c)))
            if self.sequences_run_on:
                # the transactional client gives the sequence back too (INVALID_PRODUCER_EPOCH and
                # INVALID_TXN_STATE are not fatal: handleFailedBatch with adjustSequenceNumbers)
                self._close_sequence_gap(s, nx, c, had_retries)
            if self.fatal_errors:
                # Java 2.5-2.6: ProducerFencedException is fatal: nothing more is sent, and the next
                # Sender loop aborts every incomplete batch (_abort_after_fatal)
                nx.fatal = 1
            elif not self.transactional:
                self._bump_epoch(s, nx, statuses, had_retries)
            return And(self.connection_head(s, c), s.req_stage[c] == FENCED)

        return effect

    def _time_out(self, b):
        def effect(s, nx):
            # The oldest request on broker b's connection passed request.timeout.ms (its request
            # or response was lost, the broker lost power, or its answer waits for a follower that
            # stopped fetching): NetworkClient.handleTimedOutRequests closes the connection, which
            # fails every request on it, and asks for new metadata.
            on_b = [self.on_connection(s, c, b) for c in range(self.slots)]
            self._fail_requests(s, nx, on_b)
            if self.accumulator_expiry:
                nx.timed_out = 1
            self.note_stall_timeouts(s, nx, on_b)
            self.forget_leader(nx, s)
            if self.wait_bound:
                nx.waited = Min(s.waited + 1, self.wait_bound - 1)
            return Or([And(on_b[c], self._times_out(s, c)) for c in range(self.slots)])

        return effect

    def _times_out(self, s, c):
        """Request ``c`` will pass request.timeout.ms: it or its answer is lost, or its answer waits
        for a follower that has stopped fetching (the leader drops it only after
        replica.lag.time.max.ms, which may come later)."""
        return Or(s.req_stage[c] == LOST, self.waits_on_stalled_follower(s, c))

    def connection_closed(self, b):
        def effect(s, nx):
            # broker b's process died: the client sees its connection close and fails every request
            # on it (NetworkClient.handleDisconnections), then asks for new metadata
            self._fail_requests(s, nx, [self.on_connection(s, c, b) for c in range(self.slots)])
            self.forget_leader(nx, s)
            return Or([And(self.on_connection(s, c, b), s.req_stage[c] == CLOSED) for c in range(self.slots)])

        return effect

    # ---- delivery.timeout.ms --------------------------------------------------------------------
    # The model has no clock.  Every batch of a producer instance is created when the application
    # hands it its messages, at the start, so they share one deadline (ProducerBatch.createdMs +
    # delivery.timeout.ms; retries do not move it).  Without faults a run completes in milliseconds;
    # the deadline can pass only while the producer is held up by something that lasts until a
    # fault ends, or for ever (``stalled``).  When it passes, one Sender loop fails every unfinished
    # batch (RecordAccumulator.expiredBatches, Sender.getExpiredInflightBatches): queued ones are
    # never sent, and a request on the wire stays there and may still be written.  A batch drained
    # in that very loop is still sent (the drain comes first): the same as sending it just before
    # the deadline, which the model has.  Nothing is left to send afterwards, so the unresolved-
    # sequence bookkeeping and the epoch bump that follow an expiry (TransactionManager.
    # markSequenceUnresolved, maybeResolveSequences) decide nothing: they only number later batches.
    def stalled(self, s):
        """The producer is held up for as long as a fault lasts: the partition has no leader and the
        controller can elect none (until a broker restarts); acks=all and the ISR is below the min
        ISR (until a follower catches up or restarts); or, with idempotence, an unfinished batch has
        a lower sequence than an acknowledged one under the same epoch and the leader does not hold
        it, so the leader answers its retries OUT_OF_ORDER_SEQUENCE_NUMBER until the deadline."""
        return self.held_up(s, self.deadline_waits)

    def held_up(self, s, waits: int):
        """``stalled``, for a timeout that ``waits`` request timeouts add up to (0: none fit in the
        bounds); the transaction coordinator's timeout uses it with its own count."""
        return Or(self._offline_for_good(s), self._refused_for_min_isr(s), self._stuck_sequence(s),
                  self._last_request_timeout(s, waits), self._stopped_by_fatal_error(s), self._parked(s))

    def _parked(self, s):
        """librdkafka's transactional producer has a message back in its queue that it will not send
        again: the application is aborting (nothing is sent in BEGIN_ABORT), or an abortable error
        with an epoch bump stopped the transaction's sends; the message waits for
        message.timeout.ms (docs/audits/librdkafka-producer-vs-model.md, 1.10)."""
        if not self.librdkafka_transactions:
            return False
        stopped = Or(s.bump_pending == 1, s.app_abort == 1) if self.app_aborts else s.bump_pending == 1
        return And(stopped, Or([s.status[m] == QUEUED for m in range(self.n_messages)]))

    def _stopped_by_fatal_error(self, s):
        """librdkafka after a fatal error: a message put back in the queue is never sent again and
        waits for message.timeout.ms (rdkafka.c:893-968)."""
        if not self.librdkafka_idempotence:
            return False
        return And(s.fatal == 1, Or([s.status[m] == QUEUED for m in range(self.n_messages)]))

    def unfinished(self, s) -> list:
        """Per message: its send has not completed (queued, or its request on the wire)."""
        return [Or(s.status[m] == QUEUED, s.status[m] == INFLIGHT) for m in range(self.n_messages)]

    def _last_request_timeout(self, s, waits: int):
        """The producer waits out a request timeout (a request or answer lost, a silent broker) that
        brings the request timeouts it has waited to ``waits`` of them: delivery.timeout.ms (with the
        default 120 s the fourth, with an explicit 30 s the first) or transaction.timeout.ms."""
        if not waits:
            return False
        waiting = Or([self._times_out(s, c) for c in range(self.slots)])
        return And(waiting, s.waited + 1 >= waits)

    def _offline_for_good(self, s):
        return And(s.has_leader == 0, Not(self.can_elect(s)), Not(self.fencing_pending(s)))

    def _refused_for_min_isr(self, s):
        return And(self.leader_up(s), Not(self.enough_isr(s))) if self.acks == -1 else False

    def _stuck_sequence(self, s):
        if not self.idempotent:
            return False
        n = self.n_messages
        # (a batch the leader holds already is not stuck: its retry is answered as a duplicate,
        # ProducerStateEntry.findDuplicateBatch; it was appended, then failed on the client with a
        # retriable error, as REQUEST_TIMED_OUT or NOT_ENOUGH_REPLICAS_AFTER_APPEND)
        return Or([And(Or(s.status[m] == QUEUED, s.status[m] == INFLIGHT), s.seq[m] != 0,
                       Or([And(s.status[j] == ACKED, s.seq[j] > s.seq[m]) for j in range(n) if j != m]),
                       Not(self.producer_state(s, s.pid, s.epoch, s.seq[m] - 1)[0]))
                   for m in range(n)])

    # ---- Java clients before 2.1: expiry in the accumulator ------------------------------------
    # There is no delivery.timeout.ms: RecordAccumulator.expiredBatches (2.0.0:RA:279-311) fails a
    # batch that waits in the accumulator request.timeout.ms after its creation (or its last
    # attempt, plus retry.backoff.ms), checked from the head of the queue in each Sender loop after
    # the drain, and never one on the wire; a muted partition (max.in.flight=1 with its batch in
    # flight) is skipped.  The model has no clock, so the step is allowed where that much time can
    # have passed for the head batch (docs/audits/java-client-model-rules.md, 1.3): the producer
    # has waited out a request timeout and the batch has waited since the start; the producer is
    # held up until a fault ends; or the batch cannot be sent now while a request is lost or waits
    # for the ISR.  This over-approximates (it adds runs, never removes one).
    def _expire_in_accumulator(self, m):
        def effect(s, nx):
            nx.status[m] = FAILED
            self._write_queue(nx, [s.queue[j + 1] for j in range(self.n_messages - 1)] + [0])
            muted = And(self.config.max_in_flight == 1,
                        Or([s.status[j] == INFLIGHT for j in range(self.n_messages)]))
            target = s.meta
            # it cannot be drained: no leader known, or the leader gone, or max.in.flight reached (a
            # connection the client does not know is broken still takes sends)
            blocked = Or(target == self.no_broker, s.alive[target] == 0,
                         Count([self.on_connection(s, j, target) for j in range(self.slots)]) >= self.pipeline)
            slow = Or([And(s.req_msg[c] != 0, Or(s.req_stage[c] == LOST, s.req_stage[c] >= WAIT))
                       for c in range(self.slots)])
            # (tries are not tracked with unlimited retries: then a retried batch may expire too early)
            old_enough = Or(And(s.timed_out == 1, s.tries[m] == 0), self.held_up(s, 0), And(blocked, slow))
            return And(s.status[m] == QUEUED, self._is_head(s, m), Not(muted), old_enough)

        return effect

    def _says_expire_in_accumulator(self, action, b, a) -> str:
        return (f"{self.text.msg(action.args['message'])} has waited in the accumulator longer than "
                "request.timeout.ms: the client fails it (TimeoutException, \"Expiring 1 record(s)\"; Java before 2.1)")

    def _fail_unfinished(self, nx, statuses: list, on_the_wire=True, when=True) -> None:
        """Where ``when``, every message whose send is unfinished in ``statuses`` fails: the queued
        ones, and with ``on_the_wire`` those whose request is on the wire too (which stays there and
        may still be written).  The deadline, and a fatal error of the client, do this."""
        for m, status in enumerate(statuses):
            unfinished = Or(status == QUEUED, status == INFLIGHT) if on_the_wire else status == QUEUED
            nx.status[m] = If(And(when, unfinished), FAILED, status)

    def _deadline_passes(self, s, nx):
        unfinished = self.unfinished(s)
        self._fail_unfinished(nx, [s.status[m] for m in range(self.n_messages)])
        nx.deadline_passed = 1
        if self.librdkafka_transactions:
            # a message timeout leaves a sequence gap: an abortable error that requires an epoch
            # bump (rdkafka_broker.c:4221-4238 -> rd_kafka_idemp_drain_epoch_bump)
            nx.bump_pending = 1
        if self.tracks_queue_order:
            for j in range(self.n_messages):
                nx.queue[j] = 0  # the accumulator is empty: every queued batch failed
        return And(s.deadline_passed == 0, Or(unfinished), self.stalled(s), self.batches_may_expire(s))

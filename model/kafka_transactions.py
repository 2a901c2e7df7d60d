"""Transactions in the Kafka model: the transactional producer and its coordinator, markers, the
last stable offset and read_committed, the consume-transform-produce commit, and the zombie producer.

State (``declare_transaction_fields``): the transaction's state; the zombie's requests are
connection state (kafka_connection.py).  Kept apart so that the idempotent model reads on its own.
Sources: KIP-98 (transactions, zombie fencing), KIP-447 (offsets in the producer's transaction),
KIP-618 (exactly-once source connectors), the KafkaProducer javadoc and the isolation.level consumer
docs.  The decisions are in docs/model.md, "Transactions".
"""

from __future__ import annotations

from .api import Action
from .dsl import And, Count, If, Not, Or
from .kafka_codes import (ABORTED, ABORTING, ACKED, C_UP, COMMITTED, COMMITTING, FAILED, INFLIGHT, ONGOING, QUEUED, REQ,
                          TXN_NAMES)

# The rules this actor uses from the others (their public methods).  kafka.py's shared sizes,
# merged(), text and overflow_unless() need no entry; tests/test_architecture.py checks this
# table against the code, so a new call across actors is a visible change here.
REQUIRES = {
    "kafka_broker": ("enough_isr", "producer_state", "says_log_full"),
    "kafka_cluster": ("append_record", "high_watermark", "is_data", "is_marker", "leader_len", "leader_up"),
    "kafka_producer": ("held_up", "last_acked_sequence", "unfinished"),
    "kafka_connection": ("add_orphans", "remove_requests", "request_fields", "request_is", "unsent"),
    "kafka_consumer": ("output",),
    "kafka_faults": ("producer_crash",),
}


class TransactionsMixin:
    # ---- state -------------------------------------------------------------------------------
    def declare_transaction_fields(self, lay) -> None:
        if self.transactional:
            # starts ONGOING (0): initTransactions and beginTransaction happen before the first send
            lay.scalar("txn", len(TXN_NAMES))
        if self.transaction_timeout:
            # the coordinator aborted this instance's transaction for running past
            # transaction.timeout.ms and bumped the epoch: it is one epoch ahead of the producer
            lay.scalar("coordinator_ahead", 2)

    def coordinator_epoch(self, s):
        """The epoch the transaction coordinator holds for the transactional.id: the producer
        instance's, or one more once it timed the transaction out."""
        return s.epoch + s.coordinator_ahead if self.transaction_timeout else s.epoch

    # ---- KIP-890 part 1: the leader verifies a transactional write with the coordinator ---------
    # transaction.partition.verification.enable (true by default since 3.6.0, so on every line
    # modelled): a transactional batch for a producer with no ongoing transaction in the partition
    # (ProducerStateManager: no currentTxnFirstOffset) is appended only once the coordinator confirms
    # the partition is in an ongoing transaction of that producer id and epoch
    # (ReplicaManager.appendRecords -> AddPartitionsToTxnManager -> TransactionCoordinator.
    # handleVerifyPartitionsInTransaction: PRODUCER_FENCED for another epoch, CONCURRENT_TRANSACTIONS
    # while a decision is being written, INVALID_TXN_STATE for a partition no longer in it; a marker
    # written meanwhile clears the verification guard).  With an ongoing transaction in the partition
    # nothing is asked: the epoch and sequence checks decide.  This is what keeps a request that was
    # on its way when its transaction ended (an expired batch, an orphaned request) from opening a
    # transaction nobody will close (a hanging transaction).
    def open_transaction_at_leader(self, s):
        """The leader's producer state has an ongoing transaction for the producer id: the last of
        its records in the leader's log is data, not a marker."""
        log, pids = s.log[s.leader], s.log_pid[s.leader]
        ongoing = False
        for k in range(self.capacity):
            ongoing = If(And(log[k] != 0, pids[k] == s.pid), self.is_data(log[k]), ongoing)
        return ongoing

    def passes_verification(self, s, epoch):
        """A transactional write with ``epoch`` from this producer id gets past the verification
        (KIP-890 part 1): the partition already has an ongoing transaction of the producer, or the
        coordinator's transaction is ongoing at that epoch (the client adds the partition with
        AddPartitionsToTxn before its first send to it)."""
        if not self.transactional:
            return True
        return Or(self.open_transaction_at_leader(s),
                  And(s.txn == ONGOING, epoch == self.coordinator_epoch(s)))

    # ---- transaction.timeout.ms ----------------------------------------------------------------
    # The coordinator aborts a transaction that has been ongoing longer than transaction.timeout.ms
    # (60 s by default; TransactionStateManager.timedOutTransactions, checked every 10 s): it bumps
    # the epoch (prepareFenceProducerEpoch) and writes ABORT markers with it.  The producer instance
    # is fenced: its produce requests fail (INVALID_PRODUCER_EPOCH, or the verification above), and
    # its abortTransaction/commitTransaction get PRODUCER_FENCED, a fatal error: the application
    # can only close it (docs/audits/producer-timeouts.md, 7).  Like delivery.timeout.ms, the model
    # has no clock: the timeout can pass only while the producer is held up (kafka_producer.py,
    # ``held_up``, with transaction.timeout.ms's own count of request timeouts), and only where it
    # comes before the batches' delivery timeout (KafkaConfig.transaction_times_out_first) or may
    # (transaction_may_time_out: within the coordinator's 10 s check interval of it); otherwise the
    # batches expire first and the application aborts at once.
    def _transaction_times_out(self, s, nx):
        nx.txn = ABORTING
        nx.coordinator_ahead = 1
        # once the request timeouts waited out add up to transaction.timeout.ms, the coordinator's
        # next check (every 10 s, at any phase) may come at any moment after
        waited_past = s.waited >= self.txn_waits if self.txn_waits else False
        return And(s.txn == ONGOING, s.coordinator_ahead == 0, Or(self.unfinished(s)),
                   Or(self.held_up(s, self.txn_waits), waited_past))

    def transaction_open_for_producer(self, s):
        """The producer instance takes its transaction to be ongoing and keeps sending in it: so it
        is, or the coordinator timed it out and the producer has not heard (its sends then meet the
        bumped epoch, or join the aborted transaction at a leader that has not seen its marker)."""
        if not self.transaction_timeout:
            return s.txn == ONGOING
        return Or(s.txn == ONGOING, s.coordinator_ahead == 1)

    def batches_may_expire(self, s):
        """delivery.timeout.ms can pass for a transactional producer: only for batches of the
        transaction it is sending in (a restarted instance creates its batches once initTransactions
        has returned, after the old transaction is aborted), and where transaction.timeout.ms comes
        first, only once the coordinator has timed that transaction out (both clocks start with the
        application's sends)."""
        if not self.transactional:
            return True
        if self.transaction_timeout and self.config.transaction_times_out_first:
            return s.coordinator_ahead == 1
        return self.transaction_open_for_producer(s)

    def transaction_actions(self) -> list[Action]:
        """The zombie producer instance's requests and the transaction coordinator's steps."""
        acts = []
        if self.zombies:
            acts += self._zombie_actions()
        if self.transaction_timeout:
            acts.append(Action("coordinator", "transaction timeout", self._transaction_times_out,
                               says=self._says_transaction_timeout))
        if self.transactional:
            acts.append(Action("coordinator", "write marker", self._write_marker, says=self._says_write_marker))
            acts.append(Action("coordinator", "log full", self._marker_log_full,
                               says=lambda action, b, a: (f"broker {b['leader'] + 1}'s log reached the model's "
                                                          f"capacity ({self.capacity}) with a marker: run not "
                                                          "explored further")))
            acts.append(Action("coordinator", "complete transaction", self._complete_transaction,
                               says=self._says_complete_transaction))
        return acts

    def says_begin_again(self, action, b, a) -> str:
        again = ", ".join(self.text.msg(m) for m in range(self.n_messages))
        if self.protocol_v2:
            how = (f"with epoch {a['epoch']} (transaction protocol v2: the epoch is bumped at the end of every "
                   "transaction, and sequence numbers start again at 0)")
        elif self.librdkafka_transactions and a["epoch"] != b["epoch"]:
            how = (f"with epoch {a['epoch']} (a message timed out or a sequence gap was found, so librdkafka had the "
                   "coordinator bump the epoch after the abort), and sequence numbers start again at 0")
        elif self.librdkafka_transactions:
            how = (f"in the same epoch {a['epoch']} (librdkafka bumps it only after a message timed out or a sequence "
                   f"gap), its first new message with sequence number {a['next_seq']}")
        else:
            how = (f"in the same epoch {a['epoch']} (transaction protocol v1: no send failed, so nothing bumps "
                   "it), with sequence numbers running on")
        return f"the application begins a new transaction and sends {again} again, {how}"

    def _says_write_marker(self, action, b, a) -> str:
        marker = "COMMIT" if b["txn"] == COMMITTING else "ABORT"
        return (f"the transaction coordinator writes the {marker} marker to {self.text.leader(b)} at offset "
                f"{b['log_len'][b['leader']]}")

    def _says_transaction_timeout(self, action, b, a) -> str:
        return ("transaction.timeout.ms (60 s by default) passes while the producer is held up: the transaction "
                f"coordinator aborts the transaction and bumps the epoch to {self.text.evaluate(a, self.coordinator_epoch)}; "
                "the producer instance is fenced (its later requests are rejected, and its commit or abort gets "
                "PRODUCER_FENCED, so the application closes it)")

    def _says_complete_transaction(self, action, b, a) -> str:
        if b["txn"] == COMMITTING:
            return "the COMMIT marker is replicated: commitTransaction() returns, the messages are acknowledged"
        if self.app_aborts and b["app_abort"]:
            return "the ABORT marker is replicated: the transaction is aborted, and abortTransaction() returns"
        if a["txn"] == ONGOING:
            return "the ABORT marker is replicated: the restarted producer begins a new transaction"
        return "the ABORT marker is replicated: the transaction is aborted"

    def commit_transaction(self, s, nx):
        # commitTransaction() flushes first: every send has completed successfully
        nx.txn = COMMITTING
        return And(s.txn == ONGOING, [s.status[m] == ACKED for m in range(self.n_messages)],
                   s.app_abort == 0 if self.app_aborts else True)  # (not once the application aborts)

    def abort_transaction(self, s, nx):
        # a send failed for good (retries spent): an abortable error, so the application aborts
        # and gives up, as it gives up on a failed send without transactions.  Or the application
        # chose to abort (app-abort): the abort goes to the coordinator once every batch it had
        # sent is done (TransactionManager.nextRequest holds EndTxn back while batches are incomplete).
        nx.txn = ABORTING
        settled = [Or(s.status[m] == ACKED, s.status[m] == FAILED) for m in range(self.n_messages)]
        wanted = Or([s.status[m] == FAILED for m in range(self.n_messages)])
        if self.app_aborts:
            wanted = Or(wanted, s.app_abort == 1)
        # (librdkafka after a fatal error sends no EndTxn: the coordinator's timeout, or the next
        # instance's init_transactions, ends the transaction; rdkafka.c:893-968)
        no_fatal = s.fatal == 0 if self.librdkafka_transactions else True
        return And(s.txn == ONGOING, settled, wanted, no_fatal)

    # ---- app-abort: the application aborts and sends again in a new transaction --------------
    # The KafkaProducer javadoc's pattern: abortTransaction() and try again.  Here the application
    # aborts of its own accord, with no send failed (its own work failed, say), and sends the same
    # messages again in the next transaction.  What the client does (3.7.0, and 4.x where the
    # protocol is v1): abortTransaction() drops the batches not yet sent (RecordAccumulator.
    # abortUndrainedBatches spares only batches with a sequence); those already sent are sent and
    # retried until they are done (acknowledged or failed), and only then does EndTxn go out.  A
    # batch that fails now raises no KIP-360 epoch bump (TransactionManager.
    # maybeTransitionToErrorState: not while completing), so on protocol v1 the next transaction
    # runs in the same epoch and its sequence numbers run on from the last one assigned; a request
    # of the aborted transaction that is still on its way can then be written into the next one
    # (KAFKA-17754; KIP-890's "a message from a previous (aborted) transaction become[s] part of the
    # next transaction").  On protocol v2 (KIP-890 part 2: a 4.0+ client and transaction.version=2)
    # the coordinator bumps the epoch when the transaction ends, which fences such a request.
    # Simplification, on the side of more runs: after an expiry (delivery.timeout.ms) during the
    # abort the next transaction begins in the same epoch.  Kafka does so for a batch expired in its
    # first attempt; for one that had been retried it requires an epoch bump
    # (TransactionManager.maybeResolveSequences) that the queued EndTxn does not bring, and the
    # client is left unable to begin a transaction (docs/model.md, "Transactions").
    def application_aborts(self, s, nx):
        nx.app_abort = 1
        if self.librdkafka_transactions:
            self._librdkafka_purges_for_abort(s, nx, built=False)
        else:
            for m in range(self.n_messages):
                # the batches not yet sent are aborted: their send() fails (TransactionAbortedException)
                nx.status[m] = If(And(s.status[m] == QUEUED, s.seq[m] == 0), FAILED, s.status[m])
        sent = Or([Or(s.status[m] != QUEUED, s.seq[m] != 0) for m in range(self.n_messages)])
        no_failure = [s.status[m] != FAILED for m in range(self.n_messages)]
        # (an abort before anything was sent begins the same transaction again: nothing to see)
        return And(s.txn == ONGOING, s.app_abort == 0, sent, no_failure,
                   s.coordinator_ahead == 0 if self.transaction_timeout else True)

    # librdkafka's abort_transaction() (txnmgr.c:2788-2860, 4c3b017): the state becomes BEGIN_ABORT,
    # in which nothing is sent (rd_kafka_txn_may_send_msg); every queued message is purged, those
    # waiting for a retry too (rd_kafka_purge with PURGE_F_ABORT_TXN), and since they will not be
    # sent the epoch's base message id moves up by their number (rd_kafka_toppar_purge_queues,
    # rdkafka_partition.c:4863-4879): sequence numbers are message ids less that base, so the next
    # transaction's first message takes the sequence of the first purged one that had been sent.
    # Then it waits for the requests in flight: an ack, or a retriable error that puts the message
    # back in the queue, where it waits for message.timeout.ms (``_parked``), whose expiry requires
    # an epoch bump (rdkafka_broker.c:4221-4238).  Then EndTxn(abort), and with a bump required
    # InitProducerId (txnmgr.c:2092-2104): the next transaction runs in epoch + 1 from sequence 0;
    # otherwise in the same epoch from the moved base (docs/audits/librdkafka-producer-vs-model.md,
    # 1.10 and A.1, run on librdkafka 2.16.0).
    # Each broker thread purges the requests built but not yet sent (with max.in.flight below the
    # number of requests outstanding: kafka_connection.py, ``unsent``); they fail with __PURGE_QUEUE
    # (rdkafka_broker.c:6233-6238), but only the partition queue's purge moves the base, so their
    # sequence numbers stay used (docs/audits/librdkafka-producer-vs-model.md, 5.7).  That purge is
    # a step of its own (``purge_unsent_for_abort``): after BEGIN_ABORT the application thread's
    # rd_kafka_purge purges the partition queues, then sends each broker thread a purge op
    # (rdkafka.c:6537-6545, rd_kafka_broker_purge_queues), and until the broker thread takes it, it
    # still sends a built request once an answer frees a place.  The partition queues' purge is
    # taken with the abort: nothing queued is sent once the state is BEGIN_ABORT.  A message an
    # answer puts back in the queue between the state change and that purge is purged with its base
    # moved, as ``abort_again`` purges it (the after-abort assumption says so).
    def _librdkafka_purges_for_abort(self, s, nx, queue: bool = True, built: bool = True):
        """``queue``: purge every queued message and move the sequence base; ``built``: purge the
        requests built but not sent, whose sequence numbers stay used."""
        purged_with_sequence = Count([And(s.status[m] == QUEUED, s.seq[m] != 0) for m in range(self.n_messages)])
        unsent = [self.unsent(s, c) for c in range(self.slots)] if built else [False] * self.slots
        for m in range(self.n_messages):
            not_sent = Or([And(unsent[c], self.request_is(s, c, m)) for c in range(self.slots)])
            nx.status[m] = If(Or(And(queue, s.status[m] == QUEUED), not_sent), FAILED, s.status[m])
        if built:
            self.remove_requests(s, nx, unsent)
        if queue:
            nx.next_seq = s.next_seq - purged_with_sequence

    def purge_unsent_for_abort(self, s, nx):
        """librdkafka's broker thread takes the abort's purge: the requests it built but had not sent
        fail (_PURGE_QUEUE); an answer that came first may have let it send them (then nothing is
        left to purge here)."""
        self._librdkafka_purges_for_abort(s, nx, queue=False)
        return And(s.txn == ONGOING, s.app_abort == 1, Or([self.unsent(s, c) for c in range(self.slots)]))

    def says_purge_unsent(self, action, b, a) -> str:
        return ("librdkafka's broker thread takes the abort's purge" + self.says_librdkafka_purge(b, a))

    def abort_again(self, s, nx):
        """librdkafka: abort_transaction() returned a retriable timeout (its flush waits for a parked
        message until message.timeout.ms, longer than the application's own timeout) and the
        application calls it again, as the API asks ("the application will need to call this API
        again to resume").  Each call purges the queue with PURGE_F_ABORT_TXN first
        (txnmgr.c:2819-2820), so the parked messages are purged, their sequences given back, and no
        expiry requires a bump.  An application that calls it with no timeout never does this."""
        self._librdkafka_purges_for_abort(s, nx)
        parked = Or([s.status[m] == QUEUED for m in range(self.n_messages)])
        return And(s.txn == ONGOING, s.app_abort == 1, parked, s.fatal == 0)

    def says_abort_again(self, action, b, a) -> str:
        return ("abortTransaction() returns a timeout (the application's own timeout is shorter than "
                "message.timeout.ms) and the application calls it again, as librdkafka asks"
                + self.says_librdkafka_purge(b, a))

    def says_librdkafka_purge(self, b, a) -> str:
        """What librdkafka's purge for an abort did (the step's own text comes first)."""
        t, n = self.text, range(self.n_messages)
        queued = [t.msg(m) for m in n if b["status"][m] == QUEUED and a["status"][m] == FAILED]
        unsent = [t.msg(m) for m in n if b["status"][m] == INFLIGHT and a["status"][m] == FAILED]
        text = ""
        if queued:
            text += f"; librdkafka purges every queued message ({', '.join(queued)}: the send failed, _PURGE_QUEUE)"
            moved = b["next_seq"] - a["next_seq"]
            if moved:
                text += (f" and, as {'they' if moved > 1 else 'it'} will not be sent, moves its sequence base up by "
                         f"{moved}: the next new message takes sequence number {a['next_seq']}")
        if unsent:
            text += (f"; librdkafka purges the request built but not yet sent ({', '.join(unsent)}: the send failed, "
                     "_PURGE_QUEUE), whose sequence number stays used")
        in_flight = [t.msg(m) for m in n if a["status"][m] == INFLIGHT]
        if in_flight:
            text += (f"; it sends nothing more and waits for the answers to {', '.join(in_flight)} (a retriable error "
                     "leaves the message in the queue until message.timeout.ms)")
        return text

    def begin_again(self, s, nx):
        """abortTransaction() has returned (the ABORT marker is replicated): the application begins a
        new transaction with every message queued again, as new batches.  A step of its own: until
        the client adds the partition to the new transaction, the coordinator has none ongoing, so
        a late request of the aborted one that arrives in between fails the leader's verification."""
        for m in range(self.n_messages):
            nx.status[m] = QUEUED
            nx.seq[m] = 0
            if not self.unlimited_retries:
                nx.tries[m] = 0
        nx.app_abort = 0
        nx.txn = ONGOING
        if self.deadline_may_pass:
            nx.deadline_passed = 0  # new batches, a new deadline
        if self.wait_bound:
            nx.waited = 0
        if self.protocol_v2:
            # the EndTxn response carried the bumped epoch; sequences start again at 0
            nx.epoch = s.epoch + 1
            nx.next_seq = 0
            self.overflow_unless(nx, s.epoch + 1 < self.epochs)
        elif self.librdkafka_transactions:
            # librdkafka: InitProducerId bumped the epoch after the EndTxn if a message timed out or a
            # sequence gap was found; else the same epoch, sequences running on from the moved base
            bump = s.bump_pending == 1
            nx.epoch = If(bump, s.epoch + 1, s.epoch)
            nx.next_seq = If(bump, 0, s.next_seq)
            nx.acked_before = If(bump, 0, self.last_acked_sequence(s) + 1)
            nx.bump_pending = 0
            nx.drain = 0
            self.overflow_unless(nx, Or(Not(bump), s.epoch + 1 < self.epochs))
        else:
            nx.acked_before = self.last_acked_sequence(s) + 1
        # The client's requests of the aborted transaction: every batch is done, so what is left is
        # an answer the client ignores, or (a batch that expired with its request on the wire) a
        # request its broker has not read yet.  On v1 that request may still be written, so it is
        # kept as an orphan; on v2 it carries the old epoch, which the leader (it has the marker or
        # a record of the new epoch) or the coordinator's verification rejects, so it can be dropped.
        if self.stale_requests:
            self.add_orphans(s, nx, [And(s.req_msg[c] != 0, s.req_stage[c] == REQ) for c in range(self.slots)])
        for name in self.request_fields():
            for c in range(self.slots):
                getattr(nx, name)[c] = 0
        # (a fenced abort, after the coordinator timed the transaction out, ends the instance)
        return And(s.txn == ABORTED, s.app_abort == 1,
                   s.coordinator_ahead == 0 if self.transaction_timeout else True)

    def _wanted_marker(self, s):
        return If(s.txn == COMMITTING, self.commit_marker, self.abort_marker)

    def _marker_is_last(self, s):
        """The leader's log ends with the marker the coordinator is writing: the wanted kind, with
        the current epoch (an older marker at the end belongs to an earlier transaction).  While a
        decision is being written nothing of this producer can be appended (no sends outside an
        ongoing transaction; an old instance's requests carry an older epoch and are fenced once
        the marker is there), so "the last record" is where the marker must be.  A truncation that
        removed it means it must be written again (WriteTxnMarkers is retried until it succeeds)."""
        length = self.leader_len(s)
        last = length - 1
        return And(length > 0, s.log[s.leader][last] == self._wanted_marker(s),
                   s.log_epoch[s.leader][last] == self.coordinator_epoch(s))

    def _marker_guard(self, s):
        deciding = Or(s.txn == COMMITTING, s.txn == ABORTING)
        # markers are written with acks=all (as every transactional produce), so
        # min.insync.replicas applies as to any produce
        return And(deciding, self.leader_up(s), self.enough_isr(s), Not(self._marker_is_last(s)))

    def _write_marker(self, s, nx):
        length = self.leader_len(s)
        self.append_record(s, nx, self._wanted_marker(s), s.pid, self.coordinator_epoch(s), 0)
        return And(self._marker_guard(s), length < self.capacity)

    def _marker_log_full(self, s, nx):
        nx.overflow = 1
        return And(self._marker_guard(s), self.leader_len(s) == self.capacity)

    def _complete_transaction(self, s, nx):
        # the marker is replicated (below the high watermark): the transaction is over.  After an
        # abort, a restarted application begins a new transaction with what it must re-send.
        requeued = Or([s.status[m] == QUEUED for m in range(self.n_messages)])
        if self.transaction_timeout:
            # a fenced instance's queued batches are not a new transaction: its application gives up
            requeued = And(requeued, s.coordinator_ahead == 0)
        nx.txn = If(s.txn == COMMITTING, COMMITTED, If(requeued, ONGOING, ABORTED))
        replicated = self.high_watermark(s) >= self.leader_len(s)
        return And(Or(s.txn == COMMITTING, s.txn == ABORTING), self.leader_up(s),
                   self._marker_is_last(s), replicated)

    # ---- the consumer: read_committed and consume-transform-produce -------------------------
    def _read_committed(self) -> bool:
        return self.transactional and self.config.isolation_level == "read_committed"

    def read_limit(self, s):
        """How far the consumer may read: the high watermark, or with read_committed the last
        stable offset (LSO): the first offset of a transaction not yet decided, where "decided"
        means its marker is below the high watermark (Kafka keeps the LSO at a completed
        transaction until its marker is replicated)."""
        hw = self.high_watermark(s)
        if not self._read_committed():
            return hw
        log = s.log[s.leader]
        closed_after = False  # a marker below the high watermark lies after offset k
        first_open = hw
        for k in reversed(range(self.capacity)):
            if k + 1 < self.capacity:
                closed_after = Or(closed_after, And(self.is_marker(log[k + 1]), k + 1 < hw))
            open_here = And(self.is_data(log[k]), k < hw, Not(closed_after))
            first_open = If(open_here, k, first_open)
        return first_open

    def kept_in_log(self, s, m):
        """The partition's log holds message ``m`` for good: a copy of it lies in the leader's log
        below the high watermark and, with a transactional producer, in a committed transaction (the
        first marker after it, below the high watermark, is a COMMIT).  The log layer of loss: what
        "did Kafka lose my acknowledged write?" asks, whatever the consumer did."""
        log, hw = s.log[s.leader], self.high_watermark(s)
        if not self.transactional:
            return Or([And(log[k] == m + 1, k < hw) for k in range(self.capacity)])
        return Or([And(log[k] == m + 1, k < hw, self._fate_after(log, k, hw) == self.commit_marker)
                   for k in range(self.capacity)])

    def _fate_after(self, log, k, hw):
        """The first transaction marker after offset ``k`` below the high watermark (0: none yet),
        which decides the record at ``k`` (one producer, one transaction at a time).  ``k`` may be a
        state value (the consumer's position) or a number, for which the comparisons fold away."""
        fate = 0
        for j in reversed(range(self.capacity)):
            fate = If(And(k < j, j < hw, self.is_marker(log[j])), log[j], fate)
        return fate

    def delivered(self, s):
        """The record at the consumer's position is handed to the application: a data record
        and, with read_committed, not one of an aborted transaction (the first marker after it
        says which).  Markers are never handed over; the position just moves past them."""
        log = s.log[s.leader]
        record = log[s.c_pos]
        if not self._read_committed():
            return self.is_data(record)
        fate = self._fate_after(log, s.c_pos, self.high_watermark(s))
        return And(self.is_data(record), fate != self.abort_marker)

    def commit_consumer_transaction(self, s, nx):
        # The output records and the consumed offsets (sendOffsetsToTransaction) commit together,
        # at the coordinator's decision: the output becomes part of the processed sequence and the
        # group's committed offset moves past the record at the same step.  A crash before it
        # aborts both (the restarted instance's initTransactions fences and aborts the old one).
        self.output(s, nx, s.c_buf - 1)
        nx.c_committed = s.c_pos + 1
        nx.c_committed_epoch = s.c_epoch
        nx.c_buf = 0
        return And(s.c_alive == C_UP, s.c_buf != 0)

    def abort_consumer_transaction(self, s, nx):
        # output-failure: the loop's transaction fails with an abortable error (its write to the
        # output topic times out; the output topic is not modelled) and the application aborts it:
        # the output and the offsets of the aborted transaction are discarded together.
        # abortTransaction() does not move the consumer (KAFKA-17582): with seek-back the
        # application seeks to the first record of the aborted transaction (Kafka Streams does,
        # from the committed offsets); with keep-position it polls on from where it is and the
        # record is skipped.
        nx.c_buf = 0
        if self.config.after_abort == "seek-back":
            nx.c_pos = s.c_pos - 1
        return And(s.c_alive == C_UP, s.c_buf != 0)

    # ---- the zombie producer (producer-zombie) ------------------------------------------------
    def zombie_restart(self, s, nx):
        # The application is restarted (same transactional.id) while the old instance is paused,
        # not dead: the new instance starts exactly as after a crash, and the old instance's
        # requests that the broker has not read yet are still on their way.
        guard = self.producer_crash(s, nx)
        pending = [And(s.req_msg[c] != 0, s.req_stage[c] == REQ) for c in range(self.slots)]
        # keep them in order, packed to the front
        for z in range(self.slots):
            msg, seq = 0, 0
            for c in reversed(range(self.slots)):
                is_zth = And(pending[c], Count(pending[:c]) == z)
                msg = If(is_zth, s.req_msg[c], msg)
                seq = If(is_zth, s.req_seq[c], seq)
            nx.z_msg[z] = msg
            nx.z_seq[z] = seq
        nx.z_epoch = s.epoch
        return And(guard, Or(pending), s.z_msg[0] == 0)

    def second_zombie(self, s, nx):
        # Two paused instances at once are beyond the model (it keeps one old instance's
        # requests).  Rather than leave such runs out unseen, the run is cut like a full log, so a
        # search that meets one says inconclusive, never holds.
        guard = self.producer_crash(s, nx)
        nx.overflow = 1
        pending = [And(s.req_msg[c] != 0, s.req_stage[c] == REQ) for c in range(self.slots)]
        return And(guard, Or(pending), s.z_msg[0] != 0)

    def _zombie_actions(self) -> list[Action]:
        return [Action("leader", "fences the old instance", self._zombie_fenced, says=self._says_zombie_fenced),
                Action("leader", "appends the old instance's request", self._zombie_append,
                       says=self._says_zombie_append),
                Action("leader", "log full", self._zombie_log_full, says=self.says_log_full),
                Action("leader", "drops the old instance's request", self._zombie_dropped,
                       says=lambda action, b, a: (f"{self.text.leader(b)} answers the old instance's request for "
                                                  f"{self.text.msg(b['z_msg'][0] - 1)} with an error"))]

    # ---- what a trace says for each step (Action.says; pieces of text in kafka_text.py) --------
    def _says_zombie_fenced(self, action, b, a) -> str:
        t = self.text
        who = ("it knows a newer epoch" if t.evaluate(b, self.open_transaction_at_leader)
               else "the partition has no ongoing transaction of the producer, and the transaction coordinator, asked "
                    "(KIP-890 verification), knows a newer epoch")
        return (f"{t.leader(b)} rejects the old instance's request for {t.msg(b['z_msg'][0] - 1)} "
                f"(epoch {b['z_epoch']}): {who}, so the old producer is fenced")

    def _says_zombie_append(self, action, b, a) -> str:
        t = self.text
        offset = b["log_len"][b["leader"]]
        return (f"{t.leader(b)} appends the old instance's {t.record(a, b['leader'], offset)} at offset "
                f"{offset}: it has not yet heard of the new epoch")

    def _zombie_arrives(self, s):
        return And(s.z_msg[0] != 0, self.leader_up(s))

    def _zombie_state(self, s):
        """The leader's producer state on the old instance's next request (kafka_broker.py)."""
        return self.producer_state(s, s.pid, s.z_epoch, s.z_seq[0])

    def _pop_zombie(self, s, nx):
        for z in range(self.slots - 1):
            nx.z_msg[z] = s.z_msg[z + 1]
            nx.z_seq[z] = s.z_seq[z + 1]
        nx.z_msg[self.slots - 1] = 0
        nx.z_seq[self.slots - 1] = 0

    def _zombie_read(self, s):
        """The leader reads the old instance's next request, it gets past the coordinator's
        verification (only where the partition has an ongoing transaction: the coordinator knows a
        newer epoch), and the ISR check passes.  With too few replicas, NOT_ENOUGH_REPLICAS makes
        the old instance retry later, so the request simply waits: its retry is the same request
        read later."""
        return And(self._zombie_arrives(s), self.passes_verification(s, s.z_epoch), self.enough_isr(s))

    def _zombie_fenced(self, s, nx):
        # INVALID_PRODUCER_EPOCH (KIP-98 fencing): a newer epoch is known, to the leader or (the
        # verification, KIP-890) to the coordinator.  A retry of the request would meet the same
        # fate, so it is not modelled.
        self._pop_zombie(s, nx)
        duplicate, _, fenced, _ = self._zombie_state(s)
        unverified = And(self._zombie_arrives(s), Not(self.passes_verification(s, s.z_epoch)))
        return Or(unverified, And(self._zombie_read(s), Not(duplicate), fenced))

    def _zombie_in_order(self, s):
        duplicate, _, fenced, in_sequence = self._zombie_state(s)
        return And(self._zombie_read(s), Not(duplicate), Not(fenced), in_sequence)

    def _zombie_append(self, s, nx):
        # The leader has not heard of the new epoch yet (no marker or record of it): the old
        # instance's record joins its old transaction, which the coordinator is aborting.
        length = self.leader_len(s)
        self.append_record(s, nx, s.z_msg[0], s.pid, s.z_epoch, s.z_seq[0])
        self._pop_zombie(s, nx)
        return And(self._zombie_in_order(s), length < self.capacity)

    def _zombie_log_full(self, s, nx):
        # the model's capacity, not Kafka's: the run is cut and the verdict inconclusive
        nx.overflow = 1
        return And(self._zombie_in_order(s), self.leader_len(s) == self.capacity)

    def _zombie_dropped(self, s, nx):
        # a duplicate or out-of-order sequence: the answer goes to the paused instance, which is
        # fenced at its next step anyway
        self._pop_zombie(s, nx)
        duplicate, _, fenced, in_sequence = self._zombie_state(s)
        return And(self._zombie_read(s), Not(fenced), Or(duplicate, Not(in_sequence)))

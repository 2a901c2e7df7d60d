"""Faults in the Kafka model.  Each spends one unit of ``--max-faults`` (DESIGN.md, "Faults").

State (``declare_fault_fields``): the number of faults spent.  How a broker's death reaches the
producer follows the Java client (audited at 3.7.0, docs/model.md): a process crash resets the
connection, which the client sees at once and fails every request on it
(NetworkClient.handleDisconnections); a broker that loses power closes nothing, so its requests fail
only when the oldest passes request.timeout.ms (NetworkClient.handleTimedOutRequests).  In that
window the client may learn the new leader and send to it.  Responses the dead broker had not yet
written are gone; one already read by the client is handled before the crash, which the
interleavings cover.
"""

from __future__ import annotations

from .api import Action
from .compose import then_if
from .dsl import And, Count, If, Or
from .kafka_codes import (ABORTED, ABORTING, ACKED, C_DOWN, CLOSED, COMMITTED, COMMITTING, FAILED, INFLIGHT, LOST,
                          ONGOING, QUEUED, REQ)

# The rules this actor uses from the others (their public methods).  kafka.py's shared sizes,
# merged(), text and overflow_unless() need no entry; tests/test_architecture.py checks this
# table against the code, so a new call across actors is a visible change here.
REQUIRES = {
    "kafka_cluster": ("fence_effect", "high_watermark", "leader_up", "remove_from_isr"),
    "kafka_connection": ("add_orphans", "next_on_connection", "remove_orphans", "remove_requests", "request_fields"),
    "kafka_producer": ("connection_closed", "current_metadata", "forget_leader"),
    "kafka_transactions": ("abort_consumer_transaction", "application_aborts", "coordinator_epoch", "second_zombie",
                           "says_librdkafka_purge", "zombie_restart"),
}


class FaultsMixin:
    # ---- state -------------------------------------------------------------------------------
    def declare_fault_fields(self, lay) -> None:
        lay.scalar("faults", self.bounds.max_faults + 1)  # faults spent so far

    def fault_actions(self) -> list[Action]:
        b = self.bounds
        acts = []
        if b.enabled("network"):
            for r in range(self.n_replicas):
                acts.append(Action("network", "breaks the connection", self._fault(self._break_connection(r, False)),
                                   "network", {"broker": r}, says=self._says_break_connection))
                if self.orphans:
                    acts.append(Action("network", "breaks the connection after a read",
                                       self._fault(self._break_connection(r, True)), "network", {"broker": r},
                                       says=self._says_break_connection))
        if b.enabled("follower-lag"):
            for f in range(self.n_replicas):
                acts.append(Action(f"broker {f + 1}", "stops fetching", self._fault(self._stall_fetching(f)),
                                   "follower-lag", {"broker": f},
                                   says=lambda action, b, a: ("stops fetching from the leader (cut off from it, or its "
                                                              "fetcher stuck): acks=all answers wait for it until it "
                                                              "fetches again or the leader drops it from the ISR")))
        if b.enabled("broker-crash"):
            for r in range(self.n_replicas):
                crash = self._crash(r, None)
                if self.merged("crash-closes-connection"):
                    crash = then_if(crash, self.connection_closed(r))
                acts.append(Action(f"broker {r + 1}", "crashes", self._fault(crash), "broker-crash", {"broker": r},
                                   says=self._says_broker_crash))
        if b.enabled("power-loss"):
            for r in range(self.n_replicas):
                for k in range(self.capacity):
                    acts.append(Action(f"broker {r + 1}", "loses power", self._fault(self._crash(r, k)), "power-loss",
                                       {"broker": r, "kept": k}, says=self._says_broker_crash))
        if self.clean_stops:
            for r in range(self.n_replicas):
                acts.append(Action(f"broker {r + 1}", "begins a controlled shutdown", self._fault(self._begin_shutdown(r)),
                                   "controlled-shutdown", {"broker": r}, says=self._says_begin_shutdown))
            for r in range(self.n_replicas):
                stop = self._stop_cleanly(r)
                if self.merged("crash-closes-connection"):
                    stop = then_if(stop, self.connection_closed(r))
                acts.append(Action(f"broker {r + 1}", "shuts down cleanly", stop, params={"broker": r},
                                   says=self._says_stop_cleanly))
        if b.enabled("producer-crash"):
            acts.append(Action("producer", "crashes and restarts", self._fault(self.producer_crash), "producer-crash",
                               says=self._says_producer_crash))
        if self.zombies:
            acts.append(Action("producer", "restarted while the old instance still runs",
                               self._fault(self.zombie_restart), "producer-zombie", says=self._says_zombie_restart))
            acts.append(Action("producer", "restarted while two old instances still run",
                               self._fault(self.second_zombie), "producer-zombie",
                               says=lambda action, b, a: (
                                   "the producing application is restarted again while an earlier instance is "
                                   "still paused: two paused instances are beyond the model, so this run is not "
                                   "explored further")))
        if self.app_aborts:
            acts.append(Action("producer", "aborts its transaction", self._fault(self.application_aborts), "app-abort",
                               says=self._says_application_aborts))
        if b.enabled("output-failure"):
            acts.append(Action("consumer", "its transaction aborts", self._fault(self.abort_consumer_transaction),
                               "output-failure", says=self._says_output_failure))
        if b.enabled("consumer-crash"):
            acts.append(Action("consumer", "crashes", self._fault(self._consumer_crash), "consumer-crash",
                               says=lambda action, b, a: ("the consuming application crashes (its position and "
                                                          "unprocessed records are gone)")))
        return acts

    # ---- what a trace says for each step (Action.says; pieces of text in kafka_text.py) --------
    def _says_application_aborts(self, action, b, a) -> str:
        t = self.text
        text = ("the producing application aborts its transaction of its own accord (abortTransaction(); say its "
                "own work failed) and will send its messages again in a new transaction")
        if self.librdkafka_transactions:
            return text + self.says_librdkafka_purge(b, a)
        dropped = [t.msg(m) for m in range(self.n_messages) if a["status"][m] != b["status"][m]]
        waiting = [t.msg(m) for m in range(self.n_messages) if b["status"][m] != ACKED and b["seq"][m]]
        if dropped:
            text += f"; the batches not yet sent ({', '.join(dropped)}) are dropped"
        if waiting:
            text += f"; the client first finishes the batches it has sent ({', '.join(waiting)})"
        return text

    def _says_output_failure(self, action, b, a) -> str:
        text = (f"the write of its output for {self.text.msg(b['c_buf'] - 1)} fails for good (a timeout on the output "
                "topic), so the application aborts its transaction: the output and the offsets are discarded; ")
        if self.config.after_abort == "seek-back":
            return text + f"it seeks back to offset {a['c_pos']} to process the record again"
        return text + (f"abortTransaction() does not move the consumer, and it polls on from offset {a['c_pos']}: the "
                       "record is skipped (KAFKA-17582)")

    def _says_break_connection(self, action, b, a) -> str:
        t, r = self.text, action.args["broker"]
        on_r = [c for c in range(self.slots) if b["req_msg"][c] and b["req_broker"][c] == r]
        text = f"the producer's connection to broker {r + 1} breaks"
        if self.acks == 0:
            gone = [t.msg(b["req_msg"][c] - 1) for c in on_r if b["req_stage"][c] == REQ]
            verb = "reaches" if len(gone) == 1 else "reach"
            return text + f": {', '.join(gone)} never {verb} the broker (acks=0: nobody notices)"
        if action.name.endswith("after a read"):
            added = [a["o_msg"][k] for k in range(self.n_orphans) if a["o_msg"][k] and not b["o_msg"][k]]
            text += (f" just after the broker read {t.msg(added[0] - 1)}: its handler will still execute "
                     "it, and the answer goes nowhere")
        lost = [t.msg(b["req_msg"][c] - 1) for c in on_r if b["req_stage"][c] not in (LOST, CLOSED)]
        return text + f"; {', '.join(lost)} and their answers are lost (the client will time out)"

    def _says_broker_crash(self, action, b, a) -> str:
        t, r = self.text, action.args["broker"]
        power_loss = action.name == "loses power"
        if not power_loss:
            text = "crashes"
        else:
            text = (f"loses power: only {action.args['kept']} of its {b['log_len'][r]} records had reached the "
                    f"disk (Kafka acknowledges before fsync); the rest are gone when it restarts")
        if b["has_leader"] and b["leader"] == r:
            text += ("; it was the leader: the controller fences it (once its session times out) and "
                     "the partition goes offline" if not a["has_leader"] else
                     "; it was the leader (the controller fences it once its session times out)")
        on_r = [c for c in range(self.slots) if b["req_msg"][c] and b["req_broker"][c] == r]
        if on_r and power_loss:
            text += (f"; its connection goes silent ({', '.join(t.msg(b['req_msg'][c] - 1) for c in on_r)} "
                     "will time out)")
        elif on_r and not any(a["req_msg"][c] and a["req_stage"][c] == CLOSED for c in range(self.slots)):
            outcome = t.failed_requests(b, a, on_r)
            text += (f"; the producer sees its connection close, failing "
                     f"{', '.join(t.msg(b['req_msg'][c] - 1) for c in on_r)} (oldest first)")
            text += f"; {outcome}" if outcome else ""
        elif on_r:
            text += "; its connection is reset"
        return text

    def _says_begin_shutdown(self, action, b, a) -> str:
        r = action.args["broker"]
        text = "begins a controlled shutdown: the controller takes it out of the ISR"
        if b["has_leader"] and b["leader"] == r:
            text += " and away from leadership"
        if a["elr"][r]:
            text += ", and it stays eligible to lead (ELR: the ISR is below the min ISR)"
        return text + "; it keeps running, fetching nothing for the partition, until it stops"

    def _says_stop_cleanly(self, action, b, a) -> str:
        return ("flushes its log and stops cleanly (its clean-shutdown file keeps its broker epoch, so it keeps "
                "its ELR membership when it registers again)")

    def _says_producer_crash(self, action, b, a) -> str:
        t = self.text
        resend = [t.msg(m) for m in range(self.n_messages) if a["status"][m] == QUEUED]
        on_wire = [t.msg(b["req_msg"][c] - 1) for c in range(self.slots) if b["req_msg"][c]]
        text = "the producing application crashes and restarts under a new producer id"
        if self.transactional:
            text = ("the producing application crashes and restarts with the same transactional.id: "
                    f"initTransactions bumps the epoch to {a['epoch']}")
            if b["txn"] == ONGOING:
                text += " and the coordinator aborts the open transaction"
        if on_wire:
            text += f"; requests on its connection are gone ({', '.join(on_wire)})"
        text += f"; it re-sends {', '.join(resend)}" if resend else "; it has nothing to re-send"
        return text

    def _says_zombie_restart(self, action, b, a) -> str:
        old = [self.text.msg(a["z_msg"][z] - 1) for z in range(self.slots) if a["z_msg"][z]]
        return ("the producing application is restarted while the old instance is paused (not dead): "
                f"the new instance takes the same transactional.id with epoch {a['epoch']}; the old "
                f"instance's requests for {', '.join(old)} are still on their way to the broker")

    def _fault(self, effect):
        """Wrap a failure: it spends one unit of the fault budget."""
        limit = self.bounds.max_faults

        def wrapped(s, nx):
            guard = effect(s, nx)
            nx.faults = s.faults + 1
            return And(s.faults < limit, guard)

        return wrapped

    def _break_connection(self, r, after_read):
        """The producer's connection to broker ``r`` breaks (a network fault).  TCP delivers in
        order, so what is lost is a suffix: the requests the broker has not read and every answer
        the client has not read; the client times out later (request.timeout.ms).  With
        ``after_read`` the broker had just read the next request: its handler still executes it
        (KafkaRequestHandler does not check the connection), later, and the answer goes nowhere.
        A request the client sends onto the broken connection is lost the same way; that is the
        same as sending it before the break, so sends wait for the timeout instead."""

        def effect(s, nx):
            on_r = [And(s.req_msg[c] != 0, s.req_broker[c] == r) for c in range(self.slots)]
            if self.acks == 0:
                # nothing waits for an answer: the unread records are simply gone
                unread = [And(on_r[c], s.req_stage[c] == REQ) for c in range(self.slots)]
                self.remove_requests(s, nx, unread)
                return Or(unread)
            live = [And(on_r[c], s.req_stage[c] != LOST, s.req_stage[c] != CLOSED) for c in range(self.slots)]
            for c in range(self.slots):
                nx.req_stage[c] = If(live[c], LOST, s.req_stage[c])
            if not after_read:
                return Or(live)
            read = [And(on_r[c], self.next_on_connection(s, c)) for c in range(self.slots)]
            self.add_orphans(s, nx, read)
            # (a request read by a broker that does not lead is answered NOT_LEADER_OR_FOLLOWER and
            # changes nothing: the plain break covers it)
            return And(Or(read), self.leader_up(s), s.leader == r)

        return effect

    def _stall_fetching(self, f):
        """A follower in the ISR stops fetching (kafka_cluster.py, "a follower that stops fetching"):
        the leader later drops it from the ISR, and meanwhile the client may time out a request
        whose answer waits for it; or it fetches again first."""
        def effect(s, nx):
            nx.fetch_stalled[f] = 1
            return And(s.alive[f] == 1, s.isr[f] == 1, s.has_leader == 1, s.leader != f, s.fetch_stalled[f] == 0)

        return effect

    def _begin_shutdown(self, r):
        """Broker ``r`` asks to shut down (BrokerHeartbeat wantShutDown): the controller takes it out of
        the ISR and leadership (ReplicationControlManager.handleBrokerInControlledShutdown; with eligible
        leader replicas it may join the ELR, as a clean broker).  It keeps running, fetching nothing
        for the partition (ClusterMixin.active), nobody elects it and the ISR does not take it
        back, until it stops (``_stop_cleanly``)."""

        def effect(s, nx):
            nx.stopping[r] = 1
            self.remove_from_isr(s, nx, r)
            leads = And(s.has_leader == 1, s.leader == r)
            nx.has_leader = If(leads, 0, s.has_leader)
            if not self.merged("hw-at-once"):
                # the replica's own high watermark: as leader, the partition's
                nx.hw_local[r] = If(leads, self.high_watermark(s), s.hw_local[r])
            return And(s.alive[r] == 1, s.stopping[r] == 0)

        return effect

    def _stop_cleanly(self, r):
        """A broker in controlled shutdown stops: LogManager.shutdown flushes every log and writes the
        clean-shutdown file, so nothing is lost and it keeps its ELR membership; its connections
        close like a crashed process's."""
        crash = self._crash(r, None)

        def effect(s, nx):
            guard = crash(s, nx)
            nx.clean_stop[r] = 1
            return And(guard, s.stopping[r] == 1)

        return effect

    def _crash(self, r, keep):
        """Broker ``r`` stops.  ``keep`` is None for a process crash (the log survives) or, for a
        power loss, how many records of its log reached the disk (Kafka acknowledges before fsync;
        the page cache may have written back any prefix)."""

        def effect(s, nx):
            nx.alive[r] = 0
            if self.fetch_stalls:
                nx.fetch_stalled[r] = 0  # its fetchers start afresh when it restarts
            if self.clean_stops:
                nx.stopping[r] = 0
                nx.clean_stop[r] = 0  # a crash, even during a controlled shutdown, is unclean
            if not self.merged("hw-at-once"):
                # the replica's own high watermark: as leader, the partition's (at most what its
                # last checkpoint kept; the model keeps the upper bound)
                nx.hw_local[r] = If(And(s.has_leader == 1, s.leader == r), self.high_watermark(s), s.hw_local[r])
            if self.merged("fence-on-crash"):
                self.fence_effect(s, nx, r)
            on_r = [And(s.req_msg[c] != 0, s.req_broker[c] == r) for c in range(self.slots)]
            if self.acks == 0:
                # nothing waits for an answer: the records on the wire are simply gone
                self.remove_requests(s, nx, on_r)
            else:
                # a process crash resets the connection; a power loss leaves it silent
                for c in range(self.slots):
                    nx.req_stage[c] = If(on_r[c], LOST if keep is not None else CLOSED, s.req_stage[c])
            if self.orphans:
                # a request read but not yet handled dies with the broker's process
                self.remove_orphans(s, nx, [s.o_broker[k] == r for k in range(self.n_orphans)])
            if keep is None:
                # the client sees even an idle connection to r close, and asks for new metadata
                known = self.current_metadata(nx) if self.merged("metadata-refresh") else self.no_broker
                nx.meta = If(s.meta == r, known, s.meta)
            guard = s.alive[r] == 1
            if keep is not None:
                # The records from offset `keep` on had not reached the disk.  Nobody reads a dead
                # broker's log (the leader still counts what it last fetched, for the high
                # watermark), so they vanish when it restarts and recovers its log.
                nx.lost_from[r] = keep
                guard = And(guard, keep < s.log_len[r])
            return guard

        return effect

    def producer_crash(self, s, nx):
        # The application restarts: a new producer (new producer id) re-sends, in order, every
        # message it has no acknowledgement for.  Requests on the old connections are gone.
        if self.transactional:
            # Same transactional.id: initTransactions bumps the epoch and the coordinator aborts an
            # ongoing transaction, or finishes one it already decided to commit.  The application
            # then learns what is committed and re-sends the rest: it keeps its progress in its
            # transactions, as exactly-once source connectors do (KIP-618), rather than re-sending
            # what it last heard nothing about.
            decided = Or(s.txn == COMMITTING, s.txn == COMMITTED)
            nx.txn = If(s.txn == ONGOING, ABORTING, If(s.txn == ABORTED, ONGOING, s.txn))
        unacked = []
        for m in range(self.n_messages):
            if self.transactional:
                status = If(decided, s.status[m], QUEUED)
            else:
                status = If(s.status[m] == ACKED, ACKED, QUEUED)
            nx.status[m] = status
            unacked.append(status == QUEUED)
            nx.tries[m] = 0
            nx.seq[m] = 0
        nx.next_seq = 0
        if self.deadline_may_pass:
            nx.deadline_passed = 0  # a new instance creates new batches, with a new deadline
        if self.wait_bound:
            nx.waited = 0
        if self.accumulator_expiry:
            nx.timed_out = 0  # a new instance's batches are new
        if self.librdkafka_idempotence:
            nx.drain = 0
            nx.bump_pending = 0
        if self.fatal_errors:
            nx.fatal = 0  # a new instance (the documented recovery from a fatal error)
        if self.app_aborts:
            nx.app_abort = 0  # the new instance knows nothing of the old one's abort
        if self.sequences_run_on:
            nx.acked_before = 0  # a new epoch
        if self.tracks_queue_order:
            # a new client's queue: the messages to re-send, in send order
            for j in range(self.n_messages):
                value = 0
                for m in reversed(range(self.n_messages)):
                    value = If(And(unacked[m], Count(unacked[:m]) == j), m + 1, value)
                nx.queue[j] = value
        for name in self.request_fields():
            for c in range(self.slots):
                getattr(nx, name)[c] = 0
        self.forget_leader(nx, s)  # a new client fetches metadata before its first send
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
        if self.transactional:
            # initTransactions: one epoch past the coordinator's (which a transaction timeout may
            # have moved past this instance's)
            new_epoch = self.coordinator_epoch(s) + 1
            nx.epoch = new_epoch
            self.overflow_unless(nx, new_epoch < self.epochs)
            if self.transaction_timeout:
                nx.coordinator_ahead = 0
        else:
            nx.epoch = 0
            nx.pid = s.pid + 1
            self.overflow_unless(nx, s.pid + 1 < self.pids)
        return guard

    def _consumer_crash(self, s, nx):
        nx.c_alive = C_DOWN
        nx.c_pos = 0
        nx.c_buf = 0
        nx.c_dirty = 0
        nx.c_epoch = 0
        nx.c_pending = 0
        return s.c_alive != C_DOWN

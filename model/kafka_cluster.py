"""The cluster in the Kafka model: the replicated partition's logs, replication, the ISR, the high
watermark, broker restarts, fencing and leader elections.

State (``declare_cluster_fields``): per broker alive?, (power loss) where its unflushed log starts,
in ISR?, log length and log (a record is message, producer id, epoch, sequence and leader epoch);
the leader, its epoch and the log end it had when elected; with hw-at-once off what the leader knows
of each follower's log end and each replica's own high watermark.  Sources (audited at Kafka 3.7.0,
docs/model.md): core/.../cluster/Partition.scala (maybeIncrementLeaderHW, isFollowerInSync,
maybeShrinkIsr), core/.../server/ReplicaFetcherThread.scala and AbstractFetcherThread.scala
(fetching, truncation by leader epoch, KIP-101/279), the KRaft controller's ReplicationControlManager
and PartitionChangeBuilder (fencing, election, unclean.leader.election.enable).
"""

from __future__ import annotations

import dataclasses

from .api import Action
from .compose import state_after
from .dsl import And, Count, If, Max, Min, Not, Or
from .kafka_codes import WAIT

# The rules this actor uses from the others (their public methods).  kafka.py's shared sizes,
# merged(), text and overflow_unless() need no entry; tests/test_architecture.py checks this
# table against the code, so a new call across actors is a visible change here.
REQUIRES = {
    "kafka_consumer": ("consumer_sees_new_leader",),
}

# a record is these parallel slots of a log (see ClusterMixin.declare_cluster_fields)
RECORD_FIELDS = ("log", "log_pid", "log_epoch", "log_seq", "log_lepoch")

# the controller's kinds of election (PartitionChangeBuilder.electAnyLeader, in its order)
CLEAN, LAST_KNOWN, UNCLEAN = "clean", "last known leader", "unclean"


class ClusterMixin:
    # ---- state -------------------------------------------------------------------------------
    def declare_cluster_fields(self, lay) -> None:
        n, r, cap = self.n_messages, self.n_replicas, self.capacity
        lay.array("alive", (r,), 2)
        if self.fetch_stalls:
            # the follower has stopped fetching (follower-lag): it cannot reach the leader, or its
            # fetcher is stuck, while it keeps its controller session.  0 = fetching, 1 = stalled,
            # 2 = stalled, and a request waiting for it has timed out on the client already
            lay.array("fetch_stalled", (r,), 3)
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
        lay.array("log_seq", (r, cap), self.sequences if self.idempotent else 1)
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
        if self.hw_freezes:
            # 3.7+: the high watermark while the ISR is below the min ISR, which does not advance
            # (0 while the ISR is large enough: one state, not one per stale value)
            lay.scalar("hw_frozen", cap + 1)
        if self.elr:
            # eligible leader replicas (KIP-966, kafka_cluster.py "Eligible leader replicas"): who
            # may lead while the ISR is empty, and the last leader (+1; 0 = none) from when it emptied
            lay.array("elr", (r,), 2)
            lay.scalar("last_leader", r + 1)
        if self.clean_stops:
            # a broker in controlled shutdown (out of the ISR, still running), and one whose last
            # stop was clean (it keeps its ELR membership when it registers again)
            lay.array("stopping", (r,), 2)
            lay.array("clean_stop", (r,), 2)

    def initial_cluster_values(self) -> dict:
        r, cap = self.n_replicas, self.capacity
        values = {"alive": [1] * r, "isr": [1] * r, "log_len": [0] * r,
                  **{name: [[0] * cap for _ in range(r)] for name in RECORD_FIELDS},
                  "has_leader": 1, "leader": 0}
        if self.power_losses:
            values["lost_from"] = [cap] * r
        if self.fetch_stalls:
            values["fetch_stalled"] = [0] * r
        if self.elr:
            values["elr"] = [0] * r
        if self.clean_stops:
            values["stopping"] = values["clean_stop"] = [0] * r
        if not self.merged("hw-at-once"):
            values["known"] = [1] * r  # every log is empty and every follower has fetched it
            values["hw_local"] = [0] * r
        return values

    def cluster_actions(self) -> list[Action]:
        """Replication (fetch, truncate, rejoin), restarts, elections and fencing."""
        acts = []
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
        if self.fetch_stalls:
            for f in range(self.n_replicas):
                follower = {"broker": f}
                acts.append(Action("leader", "drops a follower that stopped fetching", self._drop_stalled(f),
                                   params=follower, says=self._says_drop_stalled))
                acts.append(Action(f"broker {f + 1}", "resumes fetching", self._resume_fetching(f), params=follower,
                                   says=lambda action, b, a: "fetches from the leader again"))
        for r in range(self.n_replicas):
            acts.append(Action(f"broker {r + 1}", "restart", self._restart(r), params={"broker": r},
                               says=self._says_restart))
        for r in range(self.n_replicas):
            acts.append(Action("controller", "elect leader", self._elect(r, CLEAN), params={"broker": r},
                               says=self._says_elect))
            if self.elr:
                acts.append(Action("controller", "elect the last known leader", self._elect(r, LAST_KNOWN),
                                   params={"broker": r}, says=self._says_elect))
            if self.config.unclean_leader_election:
                acts.append(Action("controller", "unclean election", self._elect(r, UNCLEAN),
                                   params={"broker": r}, says=self._says_elect))
        if not self.merged("fence-on-crash"):
            for r in range(self.n_replicas):
                acts.append(Action("controller", "fences a dead broker", self._fence(r), params={"broker": r},
                                   says=self._says_fence))
        return acts

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

    def high_watermark(self, s):
        """The partition's high watermark.  From 3.7 it does not advance while the ISR is smaller
        than the min ISR (Partition.maybeIncrementLeaderHW returns early while isUnderMinIsr,
        KAFKA-15583): it keeps the value it had, which ``keep_high_watermark`` stores."""
        if not self.hw_freezes:
            return self._advancing_high_watermark(s)
        return If(self.under_min_isr(s), s.hw_frozen, self._advancing_high_watermark(s))

    def under_min_isr(self, s):
        return self.isr_size(s) < self.config.effective_min_isr

    def _advancing_high_watermark(self, s):
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

    # the fields a step must write to change whether the partition is under the min ISR, or the
    # high watermark it would keep there
    _HW_INPUTS = frozenset({"isr", "leader", "leader_epoch", "log_len", "hw_floor"})

    def keep_high_watermark(self, action: Action) -> Action:
        """``action``, and then (3.7+) the high watermark a partition under the min ISR keeps.

        Whatever the step (an ISR shrink by a lagging or fenced follower, an election, a restart
        after a power loss), the partition is under the min ISR afterwards or it is not.  If it is,
        its high watermark is the one it had before the step, which stops there; a new leader
        brings its own (Partition.makeLeader keeps the replica's high watermark: with hw-at-once
        the partition's, else ``hw_floor``), and no leader's high watermark exceeds its log end
        (UnifiedLog caps a recovered checkpoint at the log end).  One rule after every action
        rather than a line in each that changes the ISR, so a variant's new action keeps it too."""
        effect = action.effect

        def wrapped(s, nx):
            guard = effect(s, nx)
            if not any(field.name in self._HW_INPUTS for field, _, _ in nx.writes):
                return guard  # neither the ISR nor the leader or its log changed
            after = state_after(s, nx)
            kept = self.high_watermark(s)
            if not self.merged("hw-at-once"):
                kept = If(after.leader_epoch != s.leader_epoch, after.hw_floor, kept)
            nx.hw_frozen = If(self.under_min_isr(after), Min(kept, after.log_len[after.leader]), 0)
            return guard

        return dataclasses.replace(action, effect=wrapped)

    def isr_size(self, s):
        return Count([s.isr[r] == 1 for r in range(self.n_replicas)])

    def leader_len(self, s):
        return s.log_len[s.leader]

    def leader_up(self, s):
        """A leader exists and its process runs.  A dead leader keeps the title until the
        controller fences it (kafka_broker.py, _fence)."""
        return And(s.has_leader == 1, s.alive[s.leader] == 1)

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
        if action.name == "unclean election":
            text = f"elects broker {r + 1} leader although it is NOT in the ISR (unclean election)"
        elif action.name == "elect the last known leader":
            text = (f"finds the ISR and the eligible leader replicas empty and elects broker {r + 1}, the last "
                    "leader, with whatever its log holds (KIP-966's last known leader, an unclean election "
                    "needing no setting)")
        elif self.elr and not any(b["isr"]):
            text = f"elects broker {r + 1} leader from the eligible leader replicas (the ISR is empty; KIP-966)"
        else:
            text = f"elects broker {r + 1} leader"
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

    def fencing_pending(self, s):
        """A dead broker the controller has not fenced yet (only with fence-on-crash split): within
        broker.session.timeout.ms it will be, which may make someone electable."""
        if self.merged("fence-on-crash"):
            return False
        return Or([self._unfenced(s, r) for r in range(self.n_replicas)])

    def _truncate(self, f):
        def effect(s, nx):
            # The fetch response reports a diverging epoch, and the follower truncates to where its
            # log agrees with the leader's (AbstractFetcherThread.truncateOnFetchResponse).  Until
            # then it fetches nothing and may even be elected with its old suffix
            # (Partition.makeLeader does not truncate).
            self._truncate_to_common_prefix(s, nx, f, s.leader)
            return And(self._fetching(s, f), self.leader_up(s), s.leader != f, Not(self.agrees_with_leader(s, f)))

        return effect

    def _fetch(self, f):
        def effect(s, nx):
            mine = s.log_len[f]
            self.copy_record(s, nx, f, mine, s.leader, mine)
            nx.log_len[f] = mine + 1
            self._fetch_reports(s, nx, f, mine + 1)
            return And(self._fetching(s, f), self.leader_up(s), s.leader != f, mine < self.leader_len(s),
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
            return And(self._fetching(s, f), self.leader_up(s), s.leader != f, s.log_len[f] == self.leader_len(s),
                       self.agrees_with_leader(s, f), Not(reported))

        return effect

    def _rejoin(self, f):
        def effect(s, nx):
            # Partition.isFollowerInSync: the follower's log end has reached the high watermark
            # and the offset where the current leader's epoch began (so it holds every record
            # the leader may have committed); the leader then adds it back (AlterPartition)
            self.change_isr(s, nx, [True if x == f else s.isr[x] == 1 for x in range(self.n_replicas)])
            # the follower's log end as the leader knows it
            end = s.log_len[f] if self.merged("hw-at-once") else s.known[f] - 1
            if not self.merged("hw-at-once"):
                end = If(s.known[f] == 0, -1, end)
            return And(
                self._fetching(s, f), s.isr[f] == 0, self.leader_up(s), s.leader != f,
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
            if self.elr:
                # Registering again, a broker whose clean-shutdown file does not hold its last broker
                # epoch (a crash, a power loss: anything but a controlled shutdown) leaves the ELR
                # (ReplicationControlManager.handleBrokerUncleanShutdown, KAFKA-15586): its log may lack
                # what it had acknowledged.  It is out of the ISR already (fenced).
                clean = s.clean_stop[r] == 1 if self.clean_stops else False
                nx.elr[r] = If(clean, s.elr[r], 0)
            if self.clean_stops:
                nx.clean_stop[r] = 0
            # a restarted broker registers anew; its old session is fenced first
            # (ClusterControlManager.registerBroker refuses a second incarnation while it is valid)
            return And(s.alive[r] == 0, Not(self._unfenced(s, r)))

        return effect

    def _elect(self, r, kind):
        def effect(s, nx):
            eligible = self._eligible(s, r, kind)
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
            self.consumer_sees_new_leader(s, nx)
            if self.merged("metadata-refresh"):
                # a client that knows no leader learns this one (see merges.py)
                nx.meta = If(s.meta == self.no_broker, r, s.meta)
            for x in range(self.n_replicas):
                if x != r and self.merged("truncate-at-once"):
                    self._truncate_to_common_prefix(s, nx, x, r, when=self.active(s, x))
            if kind != CLEAN:
                # an unclean election (or the last known leader's, which Kafka counts as unclean) makes
                # the leader the whole ISR and clears the ELR (PartitionChangeBuilder.tryElection,
                # maybeUpdateRecordElr)
                self.change_isr(s, nx, [x == r for x in range(self.n_replicas)], clears_elr=True)
            elif self.elr:
                # elected from the ELR while the ISR is empty: the ISR becomes it alone (tryElection)
                from_elr = self.isr_size(s) == 0
                nx.isr[r] = If(from_elr, 1, s.isr[r])
                nx.elr[r] = If(from_elr, 0, s.elr[r])
            if self.elr:
                nx.last_leader = 0  # a leader again (maybeUpdateLastKnownLeader)
            return And(s.has_leader == 0, eligible)

        return effect

    # ---- who the controller may elect (PartitionChangeBuilder.electAnyLeader) ------------------
    # The controller elects only live brokers here.  In Kafka it may also elect a dead broker its
    # session has not yet timed out for; that run is the same as one where the broker dies just
    # before it is fenced, having done nothing in between (merges.py, fence-on-crash).
    def active(self, s, x):
        """Broker ``x`` runs and is not shutting down (ClusterControlManager.isActive: registered,
        unfenced, not in controlled shutdown).  Only such a broker may be elected (LeaderAcceptor)
        or rejoin the ISR (AlterPartition, KIP-841), and only it fetches: ReplicaManager.
        applyLocalFollowersDelta stops a shutting-down broker's fetchers for the partitions whose
        ISR it has left."""
        if self.clean_stops:
            return And(s.alive[x] == 1, s.stopping[x] == 0)
        return s.alive[x] == 1

    def _fetching(self, s, f):
        """Broker ``f`` fetches as a follower: it is active and has not stopped fetching."""
        if self.fetch_stalls:
            return And(self.active(s, f), s.fetch_stalled[f] == 0)
        return self.active(s, f)

    # ---- a follower that stops fetching (the follower-lag fault, kafka_faults.py) -------------
    # It cannot reach the leader (a network partition between the two) or its fetcher is stuck,
    # while it keeps its controller session.  Until it fetches again, or the leader drops it from
    # the ISR, an acks=all answer waits for it.  The drop comes replica.lag.time.max.ms (30 s)
    # after it last caught up, found by a check every 15 s (Partition.maybeShrinkIsr,
    # ReplicaManager.maybeShrinkIsr), so up to 45 s; the client gives up on a request after
    # request.timeout.ms (30 s): either may come first, and the model has both orders.  At most
    # one request timeout comes of one stall: the client times out 30 s after it sent, by when the
    # follower has not caught up for 30 s, so the leader drops it within 15 s more, before a retry
    # sent then can time out as well.
    def _waits_on(self, s, c, f):
        """Request ``c`` is appended on the leader and its answer waits for follower ``f`` (acks=all),
        which stopped fetching (and no request waiting for it has timed out yet) and lacks the record."""
        if self.acks != -1:
            return False
        stage = s.req_stage[c]
        waiting = And(s.req_msg[c] != 0, stage >= WAIT, self.leader_up(s), s.req_broker[c] == s.leader)
        return And(waiting, s.isr[f] == 1, s.fetch_stalled[f] == 1, s.leader != f, s.log_len[f] <= stage - WAIT)

    def waits_on_stalled_follower(self, s, c):
        """Request ``c``'s answer waits for an ISR follower that has stopped fetching: the client may
        time it out (request.timeout.ms)."""
        if not self.fetch_stalls:
            return False
        return Or([self._waits_on(s, c, f) for f in range(self.n_replicas)])

    def note_stall_timeouts(self, s, nx, timed_out: list) -> None:
        """The requests where ``timed_out[c]`` holds timed out on the client: the followers they
        waited for will not make another one time out before the leader drops them."""
        if not self.fetch_stalls:
            return
        for f in range(self.n_replicas):
            hit = Or([And(timed_out[c], self._waits_on(s, c, f)) for c in range(self.slots)])
            nx.fetch_stalled[f] = If(hit, 2, s.fetch_stalled[f])

    def _drop_stalled(self, f):
        def effect(s, nx):
            # the leader's AlterPartition, applied by the controller; it also covers the controller
            # fencing the broker (a pause longer than broker.session.timeout.ms)
            self.remove_from_isr(s, nx, f)
            # (without eligible leader replicas the last ISR member stays: remove_from_isr)
            return And(s.fetch_stalled[f] != 0, s.isr[f] == 1, self.leader_up(s), s.leader != f,
                       True if self.elr else self.isr_size(s) > 1)

        return effect

    def _says_drop_stalled(self, action, b, a) -> str:
        return (f"{self.text.leader(b)} drops broker {action.args['broker'] + 1} from the ISR: it has not fetched for "
                "replica.lag.time.max.ms")

    def _resume_fetching(self, f):
        def effect(s, nx):
            nx.fetch_stalled[f] = 0
            return And(s.fetch_stalled[f] != 0, s.alive[f] == 1)

        return effect

    def _valid_new_leader(self, s, x):
        """isValidNewLeader: an ISR member or, while the ISR is empty (KIP-966), an ELR member."""
        member = s.isr[x] == 1
        if self.elr:
            member = Or(member, And(self.isr_size(s) == 0, s.elr[x] == 1))
        return And(member, self.active(s, x))

    def _last_known_leader_electable(self, s):
        """canElectLastKnownLeader (4.1+, KAFKA-19522): ISR and ELR empty, and the last leader is
        acceptable."""
        if not self.elr:
            return False
        return And(self.isr_size(s) == 0, [s.elr[x] == 0 for x in range(self.n_replicas)],
                   Or([And(s.last_leader == x + 1, self.active(s, x)) for x in range(self.n_replicas)]))

    def can_elect(self, s):
        """The controller has someone to elect (the partition is offline only until it does): the
        elections of ``_eligible`` taken together, for some broker."""
        replicas = range(self.n_replicas)
        unclean = (Or([self.active(s, x) for x in replicas]) if self.config.unclean_leader_election
                   else False)
        return Or(Or([self._valid_new_leader(s, x) for x in replicas]), self._last_known_leader_electable(s), unclean)

    def _eligible(self, s, r, kind):
        valid = [self._valid_new_leader(s, x) for x in range(self.n_replicas)]
        if kind == CLEAN:
            # the first valid replica in replica order
            return And(valid[r], [Not(valid[x]) for x in range(r)])
        if kind == LAST_KNOWN:
            return And(Not(Or(valid)), self._last_known_leader_electable(s), s.last_leader == r + 1)
        # unclean.leader.election.enable: nothing else, so the first acceptable replica
        acceptable = [self.active(s, x) for x in range(self.n_replicas)]
        return And(Not(Or(valid)), Not(self._last_known_leader_electable(s)), acceptable[r],
                   [Not(acceptable[x]) for x in range(r)])

    # ---- the ISR and the eligible leader replicas ----------------------------------------------
    def change_isr(self, s, nx, target, clears_elr=False):
        """The ISR becomes ``target`` (one condition per broker).  With eligible leader replicas
        (PartitionChangeBuilder.maybePopulateTargetElr): an ISR at least the min ISR clears the ELR;
        a smaller one adds to it every replica that leaves the ISR; ``clears_elr``: an unclean
        election empties it.  (A broker registering after an unclean shutdown leaves it: _restart.)"""
        for x in range(self.n_replicas):
            nx.isr[x] = If(target[x], 1, 0)
        if not self.elr:
            return
        enough = Count(target) >= self.config.effective_min_isr
        for x in range(self.n_replicas):
            if clears_elr:
                nx.elr[x] = 0
                continue
            candidate = And(Or(s.elr[x] == 1, s.isr[x] == 1), Not(target[x]))
            nx.elr[x] = If(And(Not(enough), candidate), 1, 0)

    def remove_from_isr(self, s, nx, r):
        """The controller takes broker ``r`` out of the ISR (a follower that fell behind, a fenced
        or shutting-down broker).  Without eligible leader replicas the ISR is never emptied: its
        last member stays (PartitionChangeBuilder.build sets an empty ISR only with ELR).  With them
        it may empty, and then the partition records ``r`` as its last known leader
        (maybeUpdateLastKnownLeader): ``r`` led, or, leaderless with ``r`` in the ISR, would have
        been elected at once (Kafka elects on the same controller event)."""
        last = And(s.isr[r] == 1, self.isr_size(s) == 1)
        if self.elr:
            self.change_isr(s, nx, [False if x == r else s.isr[x] == 1 for x in range(self.n_replicas)])
            nx.last_leader = If(last, r + 1, s.last_leader)
        else:
            nx.isr[r] = If(last, s.isr[r], 0)

    # ---- the controller noticing a dead broker ------------------------------------------------
    # In KRaft the controller fences a broker only when its session times out
    # (broker.session.timeout.ms), and meanwhile metadata still names it as the leader; a client
    # that learns that, and finds the broker restarted by the time it connects, gets
    # NOT_LEADER_OR_FOLLOWER.  With fence-on-crash the fencing is part of the death, and that
    # metadata is kept by a refresh that may name the dead leader (kafka_producer.py).  Without
    # the stale refresh the merge was refuted by the reduction cross-check.
    def _unfenced(self, s, r):
        """Broker ``r`` is dead but the controller has not fenced it yet: it still counts in the ISR
        (as more than its last member; with eligible leader replicas, at all) or still leads."""
        in_isr = s.isr[r] == 1 if self.elr else And(s.isr[r] == 1, self.isr_size(s) > 1)
        return And(s.alive[r] == 0, Or(in_isr, And(s.has_leader == 1, s.leader == r)))

    def fence_effect(self, s, nx, r):
        """The controller fences broker ``r`` (ReplicationControlManager.handleBrokerFenced): out of
        the ISR (``remove_from_isr``); a leader loses leadership."""
        self.remove_from_isr(s, nx, r)
        nx.has_leader = If(And(s.has_leader == 1, s.leader == r), 0, s.has_leader)

    def _fence(self, r):
        def effect(s, nx):
            self.fence_effect(s, nx, r)
            return self._unfenced(s, r)

        return effect

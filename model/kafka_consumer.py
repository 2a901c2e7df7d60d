"""The consumer in the Kafka model: one member of a consumer group, its polls, processing and
commits.

State (``declare_consumer_fields``): process state, position, committed offset, a one-record
hand-off buffer, an "uncommitted processing" flag, the KIP-320 leader epochs, and the
application's output summarised per message.  Sources: the KafkaConsumer javadoc ("Automatic
Offset Committing", "Manual Offset Control"), the consumer configs ``enable.auto.commit`` and
``auto.offset.reset``; the classic consumer commits automatically only inside ``poll()``
(ConsumerCoordinator.maybeAutoCommitOffsetsAsync), committing the position the previous poll reached.
"""

from __future__ import annotations

from .api import Action
from .compose import then, then_if
from .dsl import And, If, Min, Or
from .kafka_codes import C_DOWN, C_JOINING, C_UP

# The rules this actor uses from the others (their public methods).  kafka.py's shared sizes,
# merged(), text and overflow_unless() need no entry; tests/test_architecture.py checks this
# table against the code, so a new call across actors is a visible change here.
REQUIRES = {
    "kafka_cluster": ("high_watermark", "leader_len", "leader_up"),
    "kafka_transactions": ("commit_consumer_transaction", "delivered", "read_limit"),
}


class ConsumerMixin:
    # ---- state -------------------------------------------------------------------------------
    def declare_consumer_fields(self, lay) -> None:
        cap = self.capacity
        lay.scalar("c_alive", 3)
        lay.scalar("c_pos", cap + 1)
        lay.scalar("c_committed", cap + 2)  # 0 = none, k + 1 = offset k
        lay.scalar("c_buf", self.n_messages + 1)
        lay.scalar("c_dirty", 2)
        # KIP-320: the leader epoch of the last record consumed and of the committed offset
        # (leader epoch + 1; 0 = none), and whether the position awaits validation after a leader
        # change
        lay.scalar("c_epoch", self.leader_epochs + 1)
        lay.scalar("c_committed_epoch", self.leader_epochs + 1)
        lay.scalar("c_pending", 2)
        # the application's output: per message 0, 1 or 2 (= more than once) times processed, and
        # whether a message was first processed after a later one
        lay.array("out_count", (self.n_messages,), 3)
        lay.scalar("out_reordered", 2)

    def initial_consumer_values(self) -> dict:
        # The consumer joins before the first send with no committed offset: auto.offset.reset
        # (latest or earliest) both give offset 0 on an empty log.
        return {"c_alive": C_UP, "c_pos": 0, "c_committed": 0, "out_count": [0] * self.n_messages}

    def consumer_actions(self) -> list[Action]:
        commit, processing = self.config.commit, self.config.processing
        acts = []
        poll, process = self._poll_to_buffer, self._process_buffer
        polls = Action("consumer", "poll", poll, says=self._says_poll)
        processes = Action("consumer", "process", process,
                           says=lambda action, b, a: f"processes {self.text.msg(b['c_buf'] - 1)}")
        if commit == "transactional":
            # consume-transform-produce: poll, process into an open transaction, then commit the
            # output and the offsets together
            acts.append(polls)
            acts.append(Action("consumer", "commit transaction", self.commit_consumer_transaction,
                               says=self._says_commit_transaction))
        elif commit == "before-process" or processing == "async" or self.config.auto_commit_may_precede_processing:
            # a commit can come between the poll and the processing: two steps
            acts += [polls, processes]
        elif self.merged("poll-and-process"):
            acts.append(Action("consumer", "poll and process", then_if(poll, process), says=self._says_poll))
        else:
            acts += [polls, processes]
        if commit == "after-process":
            acts.append(Action("consumer", "commit", self._commit_after_process,
                               says=lambda action, b, a: f"commits offset {a['c_committed'] - 1} after processing"))
        if commit == "auto":
            acts.append(Action("consumer", "auto-commit", self._auto_commit,
                               says=lambda action, b, a: (f"auto-commits its position, offset {a['c_committed'] - 1} "
                                                          "(enable.auto.commit)")))
        acts.append(Action("consumer", "reset offset", self._reset_offset, says=self._says_reset_offset))
        acts.append(Action("consumer", "validates its position", self._validate_position,
                           says=self._says_validate_position))
        restart = self._consumer_restart
        if self.merged("restart-and-position"):
            acts.append(Action("consumer", "restart", then(restart, self._find_position), says=self._says_position))
        else:
            acts.append(Action("consumer", "restart", restart, says=self._says_position))
            acts.append(Action("consumer", "finds its position", self._find_position, says=self._says_position))
        return acts

    # ---- what a trace says for each step (Action.says; pieces of text in kafka_text.py) --------
    def _says_poll(self, action, b, a) -> str:
        t = self.text
        skipped = t.skipped(action, b, a)
        if skipped:
            return skipped
        record = f"{t.record(b, b['leader'], b['c_pos'])} (offset {b['c_pos']})"
        if action.name == "poll and process":
            return f"polls and processes {record}"
        text = f"polls {record}"
        if self.config.commit == "transactional":
            text += " and processes it inside its own transaction (output not yet committed)"
        elif self.config.commit == "before-process":
            text += f" and commits offset {a['c_committed'] - 1} before processing it"
        elif self.config.processing == "async":
            text += " and hands it to the processing thread"
        if self.config.auto_commit_may_precede_processing and self.config.client.stores_offsets_when_handed_over:
            text += f"; librdkafka stores offset {b['c_pos'] + 1} for the next auto-commit (enable.auto.offset.store)"
        return text

    def _says_commit_transaction(self, action, b, a) -> str:
        return (f"commits its transaction: the output for {self.text.msg(b['c_buf'] - 1)} and offset "
                f"{a['c_committed'] - 1} (sendOffsetsToTransaction) become visible together")

    def _says_reset_offset(self, action, b, a) -> str:
        return (f"position {b['c_pos']} is past the log end (OFFSET_OUT_OF_RANGE): resets to "
                f"{a['c_pos']} (auto.offset.reset={self.config.auto_offset_reset})")

    def _says_validate_position(self, action, b, a) -> str:
        if a["c_pos"] < b["c_pos"]:
            return (f"validates its position after the leader change (KIP-320): the log was truncated "
                    f"below it, so it moves from {b['c_pos']} to {a['c_pos']}, the first offset known "
                    "to diverge")
        return "validates its position after the leader change (KIP-320): nothing below it was truncated"

    def _says_position(self, action, b, a) -> str:
        """A restart, and where the restarted consumer starts reading."""
        restart = action.name == "restart"
        if a["c_alive"] == C_JOINING:
            return "restarts and rejoins the group"
        if b["c_committed"]:
            return (f"restarts and resumes from committed offset {a['c_pos']}" if restart else
                    f"resumes from committed offset {a['c_pos']}")
        text = f"no committed offset: auto.offset.reset={self.config.auto_offset_reset} gives offset {a['c_pos']}"
        return ("restarts with " + text) if restart else ("finds " + text)

    def _readable(self, s):
        return And(s.c_alive == C_UP, s.c_pending == 0, self.leader_up(s), s.c_pos < self.read_limit(s))

    # ---- KIP-320: detecting a truncated log after a leader change ----------------------------
    def consumer_sees_new_leader(self, s, nx):
        """A new leader epoch: a consumer's position must be validated before it fetches again (its
        fetches carry the leader epoch, and the new leader answers FENCED_LEADER_EPOCH until it has
        the new metadata; SubscriptionState.maybeValidatePositionForCurrentLeader).  Taken in the
        election step: a consumer cannot fetch from a leader it has not heard of."""
        if self.config.client.validates_positions:
            nx.c_pending = If(s.c_alive == C_UP, 1, s.c_pending)

    def _epoch_end_offset(self, s, epoch):
        """OffsetsForLeaderEpoch on the leader (LeaderEpochFileCache.endOffsetFor): where the first
        epoch after ``epoch`` begins in its log, or its log end."""
        log, epochs = s.log[s.leader], s.log_lepoch[s.leader]
        end = self.leader_len(s)
        for k in reversed(range(self.capacity)):
            end = If(And(log[k] != 0, epochs[k] > epoch), k, end)
        return end

    def _validate_position(self, s, nx):
        # SubscriptionState.maybeCompleteValidation (3.7.0): if the end offset of the epoch of the
        # last record consumed lies before the position, the log was truncated below it; with
        # auto.offset.reset set (latest or earliest) the consumer seeks to that end offset, "the
        # first offset known to diverge", instead of resetting.  A position without an epoch
        # (none consumed since a reset) needs no validation.
        nx.c_pending = 0
        known = s.c_epoch != 0
        end = self._epoch_end_offset(s, s.c_epoch - 1)
        truncated = And(known, end < s.c_pos)
        nx.c_pos = If(truncated, end, s.c_pos)
        before = s.log_lepoch[s.leader][end - 1] + 1
        nx.c_epoch = If(truncated, If(end > 0, before, 0), s.c_epoch)
        return And(s.c_alive == C_UP, s.c_pending == 1, self.leader_up(s))

    def _record_epoch(self, s):
        """The leader epoch of the record at the consumer's position, as the position keeps it."""
        return s.log_lepoch[s.leader][s.c_pos] + 1

    def output(self, s, nx, msg, when=True):
        """The application processes ``msg`` (if ``when``): count it, and note if a later message
        came first."""
        seen = s.out_count[msg]
        nx.out_count[msg] = If(when, Min(seen + 1, 2), seen)
        later_seen = Or([And(s.out_count[j] != 0, msg < j) for j in range(self.n_messages)])
        nx.out_reordered = If(And(when, seen == 0, later_seen), 1, s.out_reordered)

    def _delivered_here(self, s):
        """The record at the consumer's position goes to the application (not a marker, not an
        aborted record under read_committed)."""
        return self.delivered(s) if self.transactional else True

    def _poll_to_buffer(self, s, nx):
        record = s.log[s.leader][s.c_pos]
        nx.c_buf = If(self._delivered_here(s), record, 0) if self.transactional else record
        nx.c_pos = s.c_pos + 1
        nx.c_epoch = self._record_epoch(s)
        if self.config.commit == "before-process":
            nx.c_committed = s.c_pos + 2  # commit the new position before processing
            nx.c_committed_epoch = self._record_epoch(s)
        guard = And(self._readable(s), s.c_buf == 0)
        if self.config.commit == "after-process":
            guard = And(guard, s.c_dirty == 0)  # the previous record's offset is committed first
        return guard

    def _process_buffer(self, s, nx):
        self.output(s, nx, s.c_buf - 1)
        nx.c_buf = 0
        if self.config.commit == "after-process":
            nx.c_dirty = 1
        return And(s.c_alive == C_UP, s.c_buf != 0)

    def _commit_after_process(self, s, nx):
        nx.c_committed = s.c_pos + 1
        nx.c_committed_epoch = s.c_epoch
        nx.c_dirty = 0
        return And(s.c_alive == C_UP, s.c_dirty == 1, s.c_pending == 0)

    def _auto_commit(self, s, nx):
        # enable.auto.commit.  Java: poll() commits the position reached by the previous poll (only
        # positions not awaiting validation: SubscriptionState.allConsumed).  librdkafka: its timer
        # commits the offsets stored so far (rd_kafka_cgrp_offsets_commit): stored when a message is
        # handed over by default, so the position; or, with enable.auto.offset.store=false, by the
        # application once it has processed the message, which is the position once the buffer is
        # empty, as Java's
        nx.c_committed = s.c_pos + 1
        nx.c_committed_epoch = s.c_epoch
        guard = And(s.c_alive == C_UP, s.c_pending == 0,
                    Or(s.c_committed != s.c_pos + 1, s.c_committed_epoch != s.c_epoch))
        if not self.config.auto_commit_may_precede_processing:
            # Java: only inside poll(), and the records the previous poll returned are processed by
            # then; librdkafka: only processed records have their offsets stored
            guard = And(guard, s.c_buf == 0)
        return guard

    def _reset_value(self, s):
        # "latest" is the log end a read_committed consumer can see: the LSO (ListOffsets)
        return self.read_limit(s) if self.config.auto_offset_reset == "latest" else 0

    def _reset_answered(self, s):
        """The leader can answer ListOffsets for the reset: for latest, KIP-207's
        OFFSET_NOT_AVAILABLE while a new leader's high watermark is below where its epoch began
        (Partition.fetchOffsetForTimestamp); the consumer retries."""
        if self.config.auto_offset_reset != "latest":
            return True
        return And(self.leader_up(s), self.high_watermark(s) >= s.epoch_start)

    def _reset_offset(self, s, nx):
        # OFFSET_OUT_OF_RANGE: the log was truncated below the consumer's position (a position with
        # an epoch is validated first, so this is one without)
        nx.c_pos = self._reset_value(s)
        nx.c_epoch = 0
        return And(s.c_alive == C_UP, s.c_pending == 0, self.leader_up(s), s.c_pos > self.leader_len(s),
                   self._reset_answered(s))

    def _consumer_restart(self, s, nx):
        nx.c_alive = C_JOINING
        return s.c_alive == C_DOWN

    def _find_position(self, s, nx):
        # the committed offset, or auto.offset.reset when there is none (latest needs a leader to
        # answer ListOffsets)
        nx.c_alive = C_UP
        has_commit = s.c_committed != 0
        nx.c_pos = If(has_commit, s.c_committed - 1, self._reset_value(s))
        # a committed offset carries the epoch of the record before it (KIP-320) and is validated
        nx.c_epoch = If(has_commit, s.c_committed_epoch, 0)
        # (a consumer before 2.3 validates nothing: KAFKA-7747)
        validates = self.config.client.validates_positions
        nx.c_pending = If(And(has_commit, s.c_committed_epoch != 0), 1, 0) if validates else 0
        return And(s.c_alive == C_JOINING, Or(has_commit, self._reset_answered(s)))

"""How a person reads the Kafka model: state summaries and step descriptions for traces."""

from __future__ import annotations

from .dsl import ConcreteLeaves, StateView
from .kafka_codes import (C_DOWN, C_JOINING, CLOSED, COMMITTING, ERR, FAILED, FENCED, LOST, OK, ONGOING, OOS, QUEUED,
                          REQ, STATUS_NAMES, TXN_NAMES, WAIT)


def _msg(m: int) -> str:
    return f"m{m + 1}"


class KafkaText:
    def __init__(self, model):
        self.model = model

    # ---- pieces ------------------------------------------------------------------------------
    def record(self, d, r: int, k: int) -> str:
        """Offset k of replica r's log, e.g. ``m2`` or, with idempotence, ``m2(seq 1)``."""
        model = self.model
        value = d["log"][r][k]
        if model.transactional and value > model.n_messages:
            return "COMMIT" if value == model.commit_marker else "ABORT"
        text = _msg(value - 1)
        if not model.idempotent:
            return text
        return f"{text}({self.identity(d['log_pid'][r][k], d['log_epoch'][r][k])}seq {d['log_seq'][r][k]})"

    def identity(self, pid: int, epoch: int) -> str:
        """``pid 1, epoch 0, `` for a record or request, leaving out what cannot vary."""
        model = self.model
        parts = []
        if model.pids > 1:
            parts.append(f"pid {pid}")
        # a transactional producer's epoch changes on every restart; an idempotent one's only
        # when the client bumps it, so it is shown once it differs from 0
        if (model.transactional and model.epochs > 1) or (not model.transactional and epoch):
            parts.append(f"epoch {epoch}")
        return "".join(p + ", " for p in parts)

    def log(self, d, r) -> str:
        return "[" + " ".join(self.record(d, r, k) for k in range(d["log_len"][r])) + "]"

    def evaluate(self, d, value):
        """``value(state view)``, a piece of the model, computed on the decoded state ``d``: the
        text shows what the model computes (high watermark, last stable offset, ...) rather than
        deriving it a second time."""
        state = self.model.layout.encode(d)
        return value(StateView(self.model.layout, ConcreteLeaves(state)))

    def hw(self, d) -> int:
        return self.evaluate(d, self.model.high_watermark)

    def stage(self, stage: int) -> str:
        if stage == REQ:
            return "request in transit"
        if stage == OK:
            return "ack in transit"
        if stage == ERR:
            return "error in transit"
        if stage == OOS:
            return "OUT_OF_ORDER_SEQUENCE_NUMBER in transit"
        if stage == FENCED:
            return "INVALID_PRODUCER_EPOCH in transit"
        if stage == LOST:
            return "lost: will time out"
        if stage == CLOSED:
            return "connection reset"
        if self.model.acks == 1:
            return f"appended at offset {stage - WAIT}, answer not sent yet"
        return f"appended at offset {stage - WAIT}, waiting for the ISR"

    def broker_name(self, b: int) -> str:
        return f"broker {b + 1}"

    # ---- summaries ---------------------------------------------------------------------------
    def summarize(self, d) -> dict[str, str]:
        model = self.model
        out = {}
        parts = []
        for m in range(model.n_messages):
            text = f"{_msg(m)} {STATUS_NAMES[d['status'][m]]}"
            if d["tries"][m]:
                text += f" ({d['tries'][m]} retr{'y' if d['tries'][m] == 1 else 'ies'} spent)"
            parts.append(text)
        producer = ", ".join(parts)
        if not model.idempotent and any(d["queue"]):
            order = [_msg(v - 1) for v in d["queue"] if v]
            if order != sorted(order, key=lambda t: int(t[1:])):
                producer += "; queue order " + " ".join(order)
        if d["pid"]:
            producer += f"; restarted {d['pid']}x (producer id {d['pid']})"
        if d["epoch"]:
            producer += f"; epoch {d['epoch']}"
        if model.transactional:
            producer += f"; transaction {TXN_NAMES[d['txn']]}"
        out["producer"] = producer
        meta = d["meta"]
        out["metadata"] = ("the producer knows no leader" if meta == model.no_broker else
                           f"the producer sends to broker {meta + 1} as the leader")
        reqs = []
        for c in range(model.slots):
            if d["req_msg"][c]:
                text = f"{_msg(d['req_msg'][c] - 1)} to {self.broker_name(d['req_broker'][c])}: "
                text += self.stage(d["req_stage"][c])
                reqs.append(text)
        out["connection"] = "; ".join(reqs) if reqs else "idle"
        for k in range(model.n_orphans):
            if d["o_msg"][k]:
                out["connection"] += (f"; broker {d['o_broker'][k] + 1} still holds a request for "
                                      f"{_msg(d['o_msg'][k] - 1)} from a broken connection")
        if model.zombies:
            old = [_msg(d["z_msg"][z] - 1) for z in range(model.slots) if d["z_msg"][z]]
            out["old instance"] = (f"paused (epoch {d['z_epoch']}); its requests still on the way: "
                                   + ", ".join(old)) if old else "none"
        for r in range(model.n_replicas):
            role = "down" if not d["alive"][r] else (
                "leader" if d["has_leader"] and d["leader"] == r else "follower")
            if not d["alive"][r] and d["has_leader"] and d["leader"] == r:
                role = "down (still named leader until the controller fences it)"
            text = f"{role}, log {self.log(d, r)}"
            if model.power_losses and d["lost_from"][r] < d["log_len"][r]:
                text += f" (on disk: the first {d['lost_from'][r]})"
            out[f"broker {r + 1}"] = text
        isr = "{" + ",".join(str(r + 1) for r in range(model.n_replicas) if d["isr"][r]) + "}"
        if d["has_leader"]:
            out["partition"] = f"leader broker {d['leader'] + 1}, ISR {isr}, high watermark {self.hw(d)}"
            if model.transactional and model.config.isolation_level == "read_committed":
                out["partition"] += f", last stable offset {self.evaluate(d, self.model.read_limit)}"
        else:
            out["partition"] = f"OFFLINE (no leader), ISR {isr}"
        committed = "none" if d["c_committed"] == 0 else str(d["c_committed"] - 1)
        if d["c_alive"] == C_JOINING:
            consumer = f"rejoining the group, committed {committed}"
        elif d["c_alive"] != C_DOWN:
            consumer = f"position {d['c_pos']}, committed {committed}"
            if d["c_buf"] and model.config.commit == "transactional":
                consumer += f", processed {_msg(d['c_buf'] - 1)} in an open transaction"
            elif d["c_buf"]:
                consumer += f", holding {_msg(d['c_buf'] - 1)} (not processed yet)"
            if d["c_dirty"]:
                consumer += ", processed but not committed"
            if d["c_pending"]:
                consumer += ", position to be validated (new leader)"
        else:
            consumer = f"down, committed {committed}"
        out["consumer"] = consumer
        # The state keeps how often each message was processed (not the order: the trace's
        # steps show that), so list them as a set, in send order.
        processed = []
        for m in range(model.n_messages):
            count = d["out_count"][m]
            if count:
                processed.append(_msg(m) + (" (twice or more)" if count > 1 else " (once)"))
        output = ", ".join(processed) if processed else "nothing yet"
        if d["out_reordered"]:
            output += "; a message was first processed after a later one"
        out["processed"] = output
        out["faults"] = f"{d['faults']} of {model.bounds.max_faults} used"
        if d["overflow"]:
            out["search"] = "a bound of the model reached (log capacity, or a second paused producer): this run is not explored further"
        return out

    # ---- steps -------------------------------------------------------------------------------
    def skipped(self, action, b, a) -> str:
        """A poll that moves past a record without handing it to the application: a marker, or
        with read_committed a record of an aborted transaction."""
        if action.actor != "consumer" or action.name not in ("poll", "poll and process"):
            return ""
        if not self.model.transactional or self.evaluate(b, self.model.delivered):
            return ""
        record = self.record(b, b["leader"], b["c_pos"])
        if record in ("COMMIT", "ABORT"):
            return f"reads the {record} marker at offset {b['c_pos']} and moves past it"
        return f"skips {record} at offset {b['c_pos']}: its transaction was aborted (read_committed)"

    def request(self, d, c) -> str:
        """``m2`` or, with idempotence, ``m2(epoch 1, seq 0)``: what request ``c`` carries."""
        text = _msg(d["req_msg"][c] - 1)
        if not self.model.idempotent:
            return text
        return f"{text}({self.identity(d['pid'], d['req_epoch'][c])}seq {d['req_seq'][c]})"

    def failed_requests(self, b, a, slots) -> str:
        """What became of requests that failed together: retried (in which order) or failed."""
        msgs = [b["req_msg"][c] - 1 for c in slots]
        failed = [_msg(m) for m in msgs if a["status"][m] == FAILED]
        retried = [m for m in msgs if a["status"][m] == QUEUED]
        parts = []
        if retried:
            text = ", ".join(_msg(m) for m in retried) + (" will be retried" if len(retried) > 1 else " will be retried")
            if not self.model.idempotent and len(retried) > 1:
                order = [_msg(v - 1) for v in a["queue"] if v]
                text += f"; each goes back to the front of the queue, so it is now {' '.join(order)}"
            parts.append(text)
        if failed:
            parts.append(", ".join(failed) + " out of retries (send failed)")
        return "; ".join(parts)

    def bump(self, b, a) -> str:
        if a["epoch"] == b["epoch"] or a["pid"] != b["pid"]:
            return ""
        return (f"; the producer bumps its epoch to {a['epoch']} and renumbers its unfinished batches from "
                "sequence 0")

    def describe(self, action, b, a) -> str:
        model = self.model
        name = action.name
        leader = f"broker {b['leader'] + 1}"
        if name == "send":
            i, c = action.params
            text = f"sends {_msg(i)} to {self.broker_name(a['req_broker'][c])}"
            if model.idempotent:
                text += f" with sequence number {a['req_seq'][c]}"
                if model.epochs > 1 and a["req_epoch"][c]:
                    text += f" (epoch {a['req_epoch'][c]})"
            if b["tries"][i]:
                text += " (a retry)"
            if model.acks == 0:
                text += "; acks=0, so the send counts as successful at once"
            return text
        if name == "refresh metadata (names the dead leader)":
            return (f"refreshes its metadata from a broker that has not yet heard broker {b['leader'] + 1} "
                    f"was fenced: it names dead broker {b['leader'] + 1} as the leader")
        if name == "refresh metadata":
            if a["meta"] == model.no_broker:
                return "refreshes its metadata: the partition has no leader"
            return f"refreshes its metadata: broker {a['meta'] + 1} leads the partition"
        if name.startswith("receive"):
            c = action.params[0]
            m = b["req_msg"][c] - 1
            source = self.broker_name(b["req_broker"][c])
            if name == "receive ok":
                return f"gets the ack for {_msg(m)} from {source}: the application is told the send succeeded"
            if name == "receive error":
                what = f"gets a retriable error for {_msg(m)} from {source}"
            elif name == "receive out of order sequence":
                what = f"gets OUT_OF_ORDER_SEQUENCE_NUMBER for {_msg(m)} from {source}"
            else:
                what = f"gets INVALID_PRODUCER_EPOCH for {_msg(m)} from {source}: not retriable"
            if a["status"][m] == FAILED:
                return f"{what}; the application is told the send failed{self.bump(b, a)}"
            return f"{what} and will retry it{self.bump(b, a)}"
        if name in ("time out", "sees the connection close"):
            r = action.params[0]
            slots = [c for c in range(model.slots) if b["req_msg"][c] and b["req_broker"][c] == r]
            names = ", ".join(_msg(b["req_msg"][c] - 1) for c in slots)
            if name == "time out":
                text = (f"request.timeout.ms expires on the connection to broker {r + 1}: it closes the "
                        f"connection, failing {names} (oldest first)")
            else:
                text = f"sees its connection to broker {r + 1} close, failing {names} (oldest first)"
            outcome = self.failed_requests(b, a, slots)
            return text + (f"; {outcome}" if outcome else "") + "; it asks for new metadata"
        if name == "not the leader":
            c = action.params[0]
            return (f"{self.broker_name(b['req_broker'][c])} does not lead the partition: answers "
                    f"{_msg(b['req_msg'][c] - 1)} with NOT_LEADER_OR_FOLLOWER")
        if name == "append":
            c = action.params[0]
            offset = b["log_len"][b["leader"]]
            text = f"{leader} appends {self.record(a, b['leader'], offset)} at offset {offset}"
            if model.acks == 1:
                text += " and answers at once (acks=1)" if a["req_stage"][c] == OK else "; the answer follows (acks=1)"
            elif model.acks == -1:
                text += "; the answer waits until the ISR has it (acks=all)"
            return text
        if name == "respond":
            c = action.params[0]
            m = _msg(b["req_msg"][c] - 1)
            if model.acks == 1:
                return f"{leader} sends the answer for {m} (acks=1)"
            if a["req_stage"][c] == OK:
                return (f"{leader} answers {m}: the high watermark passed offset {b['req_stage'][c] - WAIT} "
                        "(acks=all); the connection is read again")
            return (f"{leader} answers {m} with NOT_ENOUGH_REPLICAS_AFTER_APPEND: the ISR shrank below "
                    f"min.insync.replicas={model.config.min_insync_replicas} while it waited")
        if name == "dedupe":
            c = action.params[0]
            return (f"{leader} sees {self.request(b, c)} again: a duplicate of one of the producer's last five "
                    f"batches, answered as a success without appending")
        if name.startswith("reject: out of order"):
            c = action.params[0]
            return (f"{leader} rejects {self.request(b, c)}: OUT_OF_ORDER_SEQUENCE_NUMBER (not the next sequence "
                    "of the producer's state)")
        if name.startswith("reject: invalid producer epoch"):
            c = action.params[0]
            return (f"{leader} rejects {self.request(b, c)}: INVALID_PRODUCER_EPOCH (the producer already "
                    "wrote with a newer epoch)")
        if name.startswith("reject: not enough"):
            c = action.params[0]
            isr = sum(b["isr"])
            return (f"{leader} rejects {_msg(b['req_msg'][c] - 1)}: NOT_ENOUGH_REPLICAS "
                    f"(ISR has {isr}, min.insync.replicas={model.config.min_insync_replicas})")
        if name == "log full" and action.actor == "coordinator":
            return f"{leader}'s log reached the model's capacity ({model.capacity}) with a marker: run not explored further"
        if name == "log full":
            return f"{leader}'s log reached the model's capacity ({model.capacity}): run not explored further"
        if name == "fetch":
            f = action.params[0]
            k = b["log_len"][f]
            return f"copies {self.record(a, f, k)} (offset {k}) from the leader"
        if name == "fetch (nothing new)":
            return "fetches from the leader: nothing new, but the leader learns its log end"
        if name == "truncates":
            f = action.params[0]
            return (f"fetches, learns its log diverges from the leader's, and truncates: "
                    f"{self.log(b, f)} -> {self.log(a, f)}")
        if name == "rejoin ISR":
            return (f"rejoins the ISR: its log end {b['log_len'][action.params[0]]} has reached the high "
                    f"watermark ({self.hw(b)}) and the leader's epoch start offset ({b['epoch_start']})")
        if name == "restart" and action.actor != "consumer":
            r = action.params[0]
            text = "restarts"
            if model.power_losses and b["lost_from"][r] < b["log_len"][r]:
                text += ", recovering only what reached the disk"
            if a["log_len"][r] < b["log_len"][r]:
                text += f"; its log {self.log(b, r)} -> {self.log(a, r)}"
                if a["has_leader"]:
                    text += " (truncated to where it agrees with the leader)"
            return text
        if name in ("elect leader", "unclean election"):
            r = action.params[0]
            text = (f"elects broker {r + 1} leader" if name == "elect leader" else
                    f"elects broker {r + 1} leader although it is NOT in the ISR (unclean election)")
            truncated = [f"broker {x + 1} truncates {self.log(b, x)} -> {self.log(a, x)}"
                         for x in range(model.n_replicas) if a["log_len"][x] < b["log_len"][x]]
            if truncated:
                text += "; " + "; ".join(truncated)
            return text
        if name == "fences a dead broker":
            r = action.params[0]
            text = f"fences dead broker {r + 1}"
            if b["has_leader"] and b["leader"] == r:
                text += ": the partition goes offline"
            return text
        skipped = self.skipped(action, b, a)
        if skipped:
            return skipped
        if name == "poll and process":
            return f"polls and processes {self.record(b, b['leader'], b['c_pos'])} (offset {b['c_pos']})"
        if name == "poll":
            text = f"polls {self.record(b, b['leader'], b['c_pos'])} (offset {b['c_pos']})"
            if model.config.commit == "transactional":
                text += " and processes it inside its own transaction (output not yet committed)"
            elif model.config.commit == "before-process":
                text += f" and commits offset {a['c_committed'] - 1} before processing it"
            elif model.config.processing == "async":
                text += " and hands it to the processing thread"
            return text
        if name == "process":
            return f"processes {_msg(b['c_buf'] - 1)}"
        if name == "commit":
            return f"commits offset {a['c_committed'] - 1} after processing"
        if name == "commit transaction" and action.actor == "consumer":
            return (f"commits its transaction: the output for {_msg(b['c_buf'] - 1)} and offset "
                    f"{a['c_committed'] - 1} (sendOffsetsToTransaction) become visible together")
        if name == "commit transaction":
            return "calls commitTransaction(): every send is acknowledged, the coordinator decides COMMIT"
        if name == "abort transaction":
            return "a send failed for good: the application aborts the transaction (abortTransaction)"
        if name == "write marker":
            marker = "COMMIT" if b["txn"] == COMMITTING else "ABORT"
            return (f"the transaction coordinator writes the {marker} marker to {leader} at offset "
                    f"{b['log_len'][b['leader']]}")
        if name == "complete transaction":
            if b["txn"] == COMMITTING:
                return "the COMMIT marker is replicated: commitTransaction() returns, the messages are acknowledged"
            if a["txn"] == ONGOING:
                return "the ABORT marker is replicated: the restarted producer begins a new transaction"
            return "the ABORT marker is replicated: the transaction is aborted"
        if name == "auto-commit":
            return f"auto-commits its position, offset {a['c_committed'] - 1} (enable.auto.commit)"
        if name == "validates its position":
            if a["c_pos"] < b["c_pos"]:
                return (f"validates its position after the leader change (KIP-320): the log was truncated "
                        f"below it, so it moves from {b['c_pos']} to {a['c_pos']}, the first offset known "
                        "to diverge")
            return "validates its position after the leader change (KIP-320): nothing below it was truncated"
        if name == "reset offset":
            return (f"position {b['c_pos']} is past the log end (OFFSET_OUT_OF_RANGE): resets to "
                    f"{a['c_pos']} (auto.offset.reset={model.config.auto_offset_reset})")
        if action.actor == "consumer" and name in ("restart", "finds its position"):
            if a["c_alive"] == C_JOINING:
                return "restarts and rejoins the group"
            if b["c_committed"]:
                return f"restarts and resumes from committed offset {a['c_pos']}" if name == "restart" else (
                    f"resumes from committed offset {a['c_pos']}")
            text = (f"no committed offset: auto.offset.reset={model.config.auto_offset_reset} "
                    f"gives offset {a['c_pos']}")
            return ("restarts with " + text) if name == "restart" else ("finds " + text)
        if name.startswith("breaks the connection"):
            r = action.params[0]
            on_r = [c for c in range(model.slots) if b["req_msg"][c] and b["req_broker"][c] == r]
            text = f"the producer's connection to broker {r + 1} breaks"
            if model.acks == 0:
                gone = [_msg(b["req_msg"][c] - 1) for c in on_r if b["req_stage"][c] == REQ]
                return text + f": {', '.join(gone)} never reach the broker (acks=0: nobody notices)"
            if name.endswith("after a read"):
                added = [a["o_msg"][k] for k in range(model.n_orphans) if a["o_msg"][k] and not b["o_msg"][k]]
                text += (f" just after the broker read {_msg(added[0] - 1)}: its handler will still execute "
                         "it, and the answer goes nowhere")
            lost = [_msg(b["req_msg"][c] - 1) for c in on_r if b["req_stage"][c] not in (LOST, CLOSED)]
            return text + f"; {', '.join(lost)} and their answers are lost (the client will time out)"
        if name == "executes an orphaned request":
            offset = b["log_len"][b["leader"]]
            return (f"{leader} executes the request it read before the connection broke: appends "
                    f"{self.record(a, b['leader'], offset)} at offset {offset}, answering nobody")
        if name == "drops an orphaned request":
            k = action.params[0]
            return (f"broker {b['o_broker'][k] + 1} executes the request for {_msg(b['o_msg'][k] - 1)} it read before "
                    "the connection broke: rejected (a duplicate, out of sequence, too few replicas, or it no "
                    "longer leads), answering nobody")
        if name == "falls behind":
            return "falls behind and the leader drops it from the ISR (replica.lag.time.max.ms)"
        if name in ("crashes", "loses power") and action.actor.startswith("broker"):
            r = action.params[0]
            if name == "crashes":
                text = "crashes"
            else:
                keep = action.params[1]
                text = (f"loses power: only {keep} of its {b['log_len'][r]} records had reached the disk "
                        f"(Kafka acknowledges before fsync); the rest are gone when it restarts")
            if b["has_leader"] and b["leader"] == r:
                text += ("; it was the leader: the controller fences it (once its session times out) and "
                         "the partition goes offline" if not a["has_leader"] else
                         "; it was the leader (the controller fences it once its session times out)")
            on_r = [c for c in range(model.slots) if b["req_msg"][c] and b["req_broker"][c] == r]
            if on_r and name == "loses power":
                text += (f"; its connection goes silent ({', '.join(_msg(b['req_msg'][c] - 1) for c in on_r)} "
                         "will time out)")
            elif on_r and not any(a["req_msg"][c] and a["req_stage"][c] == CLOSED for c in range(model.slots)):
                outcome = self.failed_requests(b, a, on_r)
                text += (f"; the producer sees its connection close, failing "
                         f"{', '.join(_msg(b['req_msg'][c] - 1) for c in on_r)} (oldest first)")
                text += f"; {outcome}" if outcome else ""
            elif on_r:
                text += "; its connection is reset"
            return text
        if name == "restarted while two old instances still run":
            return ("the producing application is restarted again while an earlier instance is still "
                    "paused: two paused instances are beyond the model, so this run is not explored further")
        if name == "restarted while the old instance still runs":
            old = [_msg(a["z_msg"][z] - 1) for z in range(model.slots) if a["z_msg"][z]]
            return ("the producing application is restarted while the old instance is paused (not dead): "
                    f"the new instance takes the same transactional.id with epoch {a['epoch']}; the old "
                    f"instance's requests for {', '.join(old)} are still on their way to the broker")
        if name == "fences the old instance":
            return (f"{leader} rejects the old instance's request for {_msg(b['z_msg'][0] - 1)} "
                    f"(epoch {b['z_epoch']}): it knows a newer epoch, so the old producer is fenced")
        if name == "appends the old instance's request":
            offset = b["log_len"][b["leader"]]
            return (f"{leader} appends the old instance's {self.record(a, b['leader'], offset)} at offset "
                    f"{offset}: it has not yet heard of the new epoch")
        if name == "drops the old instance's request":
            return f"{leader} answers the old instance's request for {_msg(b['z_msg'][0] - 1)} with an error"
        if name == "crashes and restarts":
            resend = [_msg(m) for m in range(model.n_messages) if a["status"][m] == QUEUED]
            on_wire = [_msg(b["req_msg"][c] - 1) for c in range(model.slots) if b["req_msg"][c]]
            text = "the producing application crashes and restarts under a new producer id"
            if model.transactional:
                text = ("the producing application crashes and restarts with the same transactional.id: "
                        f"initTransactions bumps the epoch to {a['epoch']}")
                if b["txn"] == ONGOING:
                    text += " and the coordinator aborts the open transaction"
            if on_wire:
                text += f"; requests on its connection are gone ({', '.join(on_wire)})"
            text += f"; it re-sends {', '.join(resend)}" if resend else "; it has nothing to re-send"
            return text
        if action.actor == "consumer" and name == "crashes":
            return "the consuming application crashes (its position and unprocessed records are gone)"
        raise ValueError(f"no description for {action.actor}: {name}")

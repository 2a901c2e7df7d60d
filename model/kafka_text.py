"""How a person reads the Kafka model: state summaries and step descriptions for traces."""

from __future__ import annotations

from .dsl import ConcreteLeaves, StateView
from .kafka_codes import COMMITTING, ERR, FAILED, LOST, OK, ONGOING, QUEUED, REQ, STATUS_NAMES, TXN_NAMES, WAIT


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
        who = "epoch" if model.transactional else "pid"
        pid = f"{who} {d['log_pid'][r][k]}, " if model.generations > 1 else ""
        return f"{text}({pid}seq {d['log_seq'][r][k]})"

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
        if stage == LOST:
            return "lost: will time out"
        return f"appended at offset {stage - WAIT}, waiting for the ISR"

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
        if d["gen"]:
            what = "epoch" if model.transactional else "producer id"
            producer += f"; restarted {d['gen']}x ({what} {d['gen']})"
        if model.transactional:
            producer += f"; transaction {TXN_NAMES[d['txn']]}"
        out["producer"] = producer
        reqs = [f"{_msg(d['req_msg'][c] - 1)}: {self.stage(d['req_stage'][c])}"
                for c in range(model.slots) if d["req_msg"][c]]
        out["connection"] = "; ".join(reqs) if reqs else "idle"
        if model.zombies:
            old = [_msg(d["z_msg"][z] - 1) for z in range(model.slots) if d["z_msg"][z]]
            out["old instance"] = (f"paused (epoch {d['z_gen']}); its requests still on the way: "
                                   + ", ".join(old)) if old else "none"
        for r in range(model.n_replicas):
            role = "down" if not d["alive"][r] else (
                "leader" if d["has_leader"] and d["leader"] == r else "follower")
            out[f"broker {r + 1}"] = f"{role}, log {self.log(d, r)}"
        isr = "{" + ",".join(str(r + 1) for r in range(model.n_replicas) if d["isr"][r]) + "}"
        if d["has_leader"]:
            out["partition"] = f"leader broker {d['leader'] + 1}, ISR {isr}, high watermark {self.hw(d)}"
            if model.transactional and model.config.isolation_level == "read_committed":
                out["partition"] += f", last stable offset {self.evaluate(d, self.model.read_limit)}"
        else:
            out["partition"] = f"OFFLINE (no leader), ISR {isr}"
        committed = "none" if d["c_committed"] == 0 else str(d["c_committed"] - 1)
        if d["c_alive"]:
            consumer = f"position {d['c_pos']}, committed {committed}"
            if d["c_buf"] and model.config.commit == "transactional":
                consumer += f", processed {_msg(d['c_buf'] - 1)} in an open transaction"
            elif d["c_buf"]:
                consumer += f", holding {_msg(d['c_buf'] - 1)} (not processed yet)"
            if d["c_dirty"]:
                consumer += ", processed but not committed"
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

    def describe(self, action, b, a) -> str:
        model = self.model
        name = action.name
        leader = f"broker {b['leader'] + 1}"
        if name == "send":
            i = action.params[0]
            text = f"sends {_msg(i)}"
            if model.idempotent:
                text += f" with sequence number {a['seq'][i] - 1}"
            if b["tries"][i]:
                text += " (a retry)"
            if model.acks == 0:
                text += "; acks=0, so the send counts as successful at once"
            return text
        if name in ("receive ok", "receive error"):
            m = b["req_msg"][0] - 1
            if name == "receive ok":
                return f"gets the ack for {_msg(m)}: the application is told the send succeeded"
            why = ("NOT_ENOUGH_REPLICAS_AFTER_APPEND" if b["req_stage"][0] >= WAIT else "a retriable error")
            if a["status"][m] == FAILED:
                return f"gets {why} for {_msg(m)}; no retries left, so the application is told the send failed"
            return f"gets {why} for {_msg(m)} and will retry it"
        if name == "time out":
            msgs = [b["req_msg"][c] - 1 for c in range(model.slots) if b["req_msg"][c]]
            failed = [_msg(m) for m in msgs if a["status"][m] == FAILED]
            text = ("request.timeout.ms expires: closes the connection, failing "
                    + ", ".join(_msg(m) for m in msgs))
            text += "; they will be retried" if not failed else f"; {', '.join(failed)} out of retries (send failed)"
            return text
        if name == "append":
            c = action.params[0]
            m = b["req_msg"][c] - 1
            offset = b["log_len"][b["leader"]]
            text = f"{leader} appends {self.record(a, b['leader'], offset)} at offset {offset}"
            if model.acks == 1:
                text += " and answers at once (acks=1)"
            elif model.acks == -1:
                text += "; the answer waits until the ISR has it (acks=all)"
            return text
        if name == "dedupe":
            c = action.params[0]
            return (f"{leader} sees {_msg(b['req_msg'][c] - 1)} with an already-appended sequence number: "
                    "a duplicate, acknowledged without appending")
        if name.startswith("reject: out of order"):
            c = action.params[0]
            return f"{leader} rejects {_msg(b['req_msg'][c] - 1)}: OUT_OF_ORDER_SEQUENCE_NUMBER (a gap before it)"
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
            text = f"copies {self.record(a, f, k)} (offset {k}) from the leader"
            if a["isr"][f] and not b["isr"][f]:
                text += " and, caught up, rejoins the ISR"
            return text
        if name == "rejoin ISR":
            return "is caught up and rejoins the ISR"
        if name == "restart" and action.actor != "consumer":
            r = action.params[0]
            text = "restarts"
            if a["log_len"][r] < b["log_len"][r]:
                text += f" and truncates its log to the leader's: {self.log(b, r)} -> {self.log(a, r)}"
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
            else:
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
        if name == "reset offset":
            return (f"position {b['c_pos']} is past the log end (OFFSET_OUT_OF_RANGE): resets to "
                    f"{a['c_pos']} (auto.offset.reset={model.config.auto_offset_reset})")
        if action.actor == "consumer" and name == "restart":
            if b["c_committed"]:
                return f"restarts and resumes from committed offset {a['c_pos']}"
            return (f"restarts with no committed offset: auto.offset.reset={model.config.auto_offset_reset} "
                    f"gives offset {a['c_pos']}")
        if name == "lose request":
            c = action.params[0]
            return f"loses the request for {_msg(b['req_msg'][c] - 1)} (the broker never sees it)"
        if name == "lose response":
            c = action.params[0]
            return f"loses the response for {_msg(b['req_msg'][c] - 1)} (the broker has handled it)"
        if name == "falls behind":
            return "falls behind and the leader drops it from the ISR (replica.lag.time.max.ms)"
        if name == "crashes" and action.actor != "consumer" and action.actor != "producer":
            r = action.params[0]
            return "crashes (was the leader: the partition goes offline)" if (
                b["has_leader"] and b["leader"] == r) else "crashes"
        if name == "loses power":
            r, keep = action.params
            return (f"loses power: only {keep} of its {b['log_len'][r]} records had reached the disk "
                    f"(Kafka acknowledges before fsync); log {self.log(b, r)} -> {self.log(a, r)}")
        if name == "restarted while two old instances still run":
            return ("the producing application is restarted again while an earlier instance is still "
                    "paused: two paused instances are beyond the model, so this run is not explored further")
        if name == "restarted while the old instance still runs":
            old = [_msg(a["z_msg"][z] - 1) for z in range(model.slots) if a["z_msg"][z]]
            return ("the producing application is restarted while the old instance is paused (not dead): "
                    f"the new instance takes the same transactional.id with epoch {a['gen']}; the old "
                    f"instance's requests for {', '.join(old)} are still on their way to the broker")
        if name == "fences the old instance":
            return (f"{leader} rejects the old instance's request for {_msg(b['z_msg'][0] - 1)} "
                    f"(epoch {b['z_gen']}): it knows a newer epoch, so the old producer is fenced")
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
                        f"initTransactions bumps the epoch to {a['gen']}")
                if b["txn"] == ONGOING:
                    text += " and the coordinator aborts the open transaction"
            if on_wire:
                text += f"; requests on its connection are gone ({', '.join(on_wire)})"
            text += f"; it re-sends {', '.join(resend)}" if resend else "; it has nothing to re-send"
            return text
        if action.actor == "consumer" and name == "crashes":
            return "the consuming application crashes (its position and unprocessed records are gone)"
        return name


"""How a person reads the Kafka model: state summaries, and the pieces of text (a record, a log, a
request) that the actions' own descriptions (``Action.says``, next to each action) are made of."""

from __future__ import annotations

from .kafka_codes import (C_DOWN, C_JOINING, CLOSED, ERR, FAILED, FENCED, LOST, NOT_LEADER, OK, OOS, QUEUED, REQ,
                          STATUS_NAMES,
                          TXN_NAMES, WAIT)


def _msg(m: int) -> str:
    return f"m{m + 1}"


class KafkaText:
    def __init__(self, model):
        self.model = model

    # ---- pieces ------------------------------------------------------------------------------
    msg = staticmethod(_msg)

    def leader(self, d) -> str:
        return f"broker {d['leader'] + 1}"

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
        return value(self.model.view(self.model.layout.encode(d)))

    def hw(self, d) -> int:
        return self.evaluate(d, self.model.high_watermark)

    def min_isr(self) -> str:
        """The min ISR the broker applies: ``min.insync.replicas=2``, or its capped value (3.7+)."""
        config = self.model.config
        if config.effective_min_isr != config.min_insync_replicas:
            return (f"effective min ISR {config.effective_min_isr} (min.insync.replicas="
                    f"{config.min_insync_replicas} capped at the replica count)")
        return f"min.insync.replicas={config.min_insync_replicas}"

    def stage(self, stage: int) -> str:
        if stage == REQ:
            return "request in transit"
        if stage == OK:
            return "ack in transit"
        if stage == ERR:
            return "error in transit"
        if stage == NOT_LEADER:
            return "NOT_LEADER_OR_FOLLOWER in transit"
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
        if model.tracks_queue_order and any(d["queue"]):
            order = [_msg(v - 1) for v in d["queue"] if v]
            if order != sorted(order, key=lambda t: int(t[1:])):
                producer += "; queue order " + " ".join(order)
        if d["pid"]:
            producer += f"; restarted {d['pid']}x (producer id {d['pid']})"
        if d["epoch"]:
            producer += f"; epoch {d['epoch']}"
        if model.transactional:
            producer += f"; transaction {TXN_NAMES[d['txn']]}"
            if model.app_aborts and d["app_abort"]:
                producer += " (the application is aborting it)"
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
            if model.clean_stops and d["stopping"][r]:
                role = "in controlled shutdown (a follower, out of the ISR)"
            elif model.clean_stops and d["clean_stop"][r]:
                role = "down (stopped cleanly)"
            text = f"{role}, log {self.log(d, r)}"
            if model.power_losses and d["lost_from"][r] < d["log_len"][r]:
                text += f" (on disk: the first {d['lost_from'][r]})"
            out[f"broker {r + 1}"] = text
        isr = "{" + ",".join(str(r + 1) for r in range(model.n_replicas) if d["isr"][r]) + "}"
        if model.elr:
            isr += ", ELR {" + ",".join(str(r + 1) for r in range(model.n_replicas) if d["elr"][r]) + "}"
            if d["last_leader"]:
                isr += f", last known leader broker {d['last_leader']}"
        if d["has_leader"]:
            out["partition"] = f"leader broker {d['leader'] + 1}, ISR {isr}, high watermark {self.hw(d)}"
            if model.hw_freezes and self.evaluate(d, model.under_min_isr):
                out["partition"] += " (frozen: the ISR is below the min ISR)"
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
            if self.model.tracks_queue_order and len(retried) > 1:
                order = [_msg(v - 1) for v in a["queue"] if v]
                text += f"; each goes back to the front of the queue, so it is now {' '.join(order)}"
            elif not self.model.idempotent and len(retried) > 1:
                text += " in message order (librdkafka re-inserts each at its place)"
            parts.append(text)
        if failed:
            parts.append(", ".join(failed) + " out of retries (send failed)")
        return "; ".join(parts)

    def bump(self, b, a) -> str:
        if a["epoch"] == b["epoch"] or a["pid"] != b["pid"]:
            return ""
        return (f"; the producer bumps its epoch to {a['epoch']} and renumbers its unfinished batches from "
                "sequence 0")

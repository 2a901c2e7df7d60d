"""The connections in the Kafka model: produce requests between the producer and the brokers.

State (``declare_connection_fields``): up to ``slots`` requests in send order, each with its message,
stage (on its way, answered, lost, appended and waiting), the broker whose connection carries it
and (idempotence) the epoch and sequence it was sent with; the requests a zombie producer instance
left on the wire; and the *orphans*, requests a broker had read when their connection broke, which
it still executes later.  Sources (audited at Kafka 3.7.0, docs/model.md): clients/NetworkClient.java
and InFlightRequests.java (requests per connection, in order); core/.../network/SocketServer.scala
(the broker reads one request per connection at a time and mutes the connection until the response
is sent).

This module holds the requests as data: who sends them (kafka_producer.py), who reads and answers
them (kafka_broker.py) and what breaks a connection (kafka_faults.py) live with their actors.
"""

from __future__ import annotations

from .dsl import And, Count, If, Not, Or
from .kafka_codes import REQ, WAIT

# The rules this actor uses from the others (their public methods).  kafka.py's shared sizes,
# merged(), text and overflow_unless() need no entry; tests/test_architecture.py checks this
# table against the code, so a new call across actors is a visible change here.
REQUIRES: dict[str, tuple[str, ...]] = {}


class ConnectionMixin:
    # ---- state -------------------------------------------------------------------------------
    def declare_connection_fields(self, lay) -> None:
        n, r, slots = self.n_messages, self.n_replicas, self.slots
        lay.array("req_msg", (slots,), n + 1)  # message + 1; 0 = empty slot
        lay.array("req_stage", (slots,), WAIT + self.capacity)
        lay.array("req_broker", (slots,), r)
        if self.idempotent:
            # what the request carries; a client epoch bump renumbers the batch but not the bytes
            # already on the wire
            lay.array("req_epoch", (slots,), self.epochs)
            lay.array("req_seq", (slots,), self.sequences)
        if self.zombies:
            # the old instance's requests the broker has not read yet, in order, and its epoch
            lay.array("z_msg", (slots,), n + 1)
            lay.array("z_seq", (slots,), self.sequences)
            lay.scalar("z_epoch", self.epochs)
        if self.orphans:
            # requests a broker had read when their connection broke, executed later; each needs a
            # network fault, so there are at most max-faults of them (in the order they were read)
            k = self.n_orphans
            lay.array("o_msg", (k,), n + 1)
            lay.array("o_broker", (k,), r)
            if self.idempotent:
                lay.array("o_pid", (k,), self.pids)
                lay.array("o_epoch", (k,), self.epochs)
                lay.array("o_seq", (k,), self.sequences)

    def initial_connection_values(self) -> dict:
        values = {name: [0] * self.slots for name in self.request_fields()}
        if self.orphans:
            values.update({name: [0] * self.n_orphans for name in self._orphan_fields()})
        if self.zombies:
            values.update(z_msg=[0] * self.slots, z_seq=[0] * self.slots)
        return values

    def request_is(self, s, c, m):
        return s.req_msg[c] == m + 1

    def request_fields(self):
        fields = ["req_msg", "req_stage", "req_broker"]
        if self.idempotent:
            fields += ["req_epoch", "req_seq"]
        return fields

    def remove_requests(self, s, nx, removed: list) -> None:
        """Take the slots where ``removed[c]`` holds off the connections; the others keep their
        order, packed to the front."""
        kept = [And(s.req_msg[c] != 0, Not(removed[c])) for c in range(self.slots)]
        for name in self.request_fields():
            current = getattr(s, name)
            target = getattr(nx, name)
            for j in range(self.slots):
                value = 0
                for c in reversed(range(j, self.slots)):
                    value = If(And(kept[c], Count(kept[:c]) == j), current[c], value)
                target[j] = value

    def remove_request(self, s, nx, c) -> None:
        """Request ``c`` leaves its connection; the ones behind it move up."""
        for name in self.request_fields():
            current, target = getattr(s, name), getattr(nx, name)
            for j in range(c, self.slots - 1):
                target[j] = current[j + 1]
            target[self.slots - 1] = 0

    def on_connection(self, s, c, b):
        return And(s.req_msg[c] != 0, s.req_broker[c] == b)

    def connection_head(self, s, c):
        """Slot ``c`` holds the oldest request of its connection: responses arrive in request
        order, and NetworkClient matches each to the oldest request (InFlightRequests.completeNext)."""
        return And(s.req_msg[c] != 0, [s.req_broker[j] != s.req_broker[c] for j in range(c)])

    def unsent(self, s, c):
        """Slot ``c`` holds a request librdkafka has built but not sent: it builds one request more
        than a connection may have in flight, which waits in the connection's output queue until an
        answer the client receives frees a place (rdkafka_broker.c:2779, 4127-4131, 4192).  The
        Java client builds a request only when it may send it (and with acks=0 nothing waits for
        an answer), so there every request is sent."""
        if self.config.client.is_java or self.acks == 0:
            return False
        ahead = Count([And(s.req_msg[j] != 0, s.req_broker[j] == s.req_broker[c]) for j in range(c)])
        return And(s.req_msg[c] != 0, ahead >= self.config.max_in_flight)

    # ---- reading a request -------------------------------------------------------------------
    def next_on_connection(self, s, c):
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
            Not(self.unsent(s, c)),
        )

    # ---- requests whose connection broke after the broker read them ----------------------------
    def _orphan_fields(self) -> list[str]:
        return ["o_msg", "o_broker"] + (["o_pid", "o_epoch", "o_seq"] if self.idempotent else [])

    def add_orphans(self, s, nx, picks: list) -> None:
        """The requests of the slots where ``picks`` holds join the orphans, in slot order after those
        already there: each is still executed later by the broker its connection leads to, and its
        answer goes nowhere.  One a broker read just before its connection broke
        (kafka_faults.py), or, on transaction protocol v1, the unread requests of an aborted
        transaction when the next one begins (kafka_transactions.py).  Each needs a fault, so a
        free place always exists; checked, not assumed."""
        held = Count([s.o_msg[k] != 0 for k in range(self.n_orphans)])  # orphans are packed to the front
        sources = {"o_msg": s.req_msg, "o_broker": s.req_broker}
        if self.idempotent:
            sources.update(o_epoch=s.req_epoch, o_seq=s.req_seq)
        for k in range(self.n_orphans):
            value = {name: getattr(s, name)[k] for name in self._orphan_fields()}
            for c in range(self.slots):
                here = And(picks[c], held + Count(picks[:c]) == k)
                for name, source in sources.items():
                    value[name] = If(here, source[c], value[name])
                if self.idempotent:
                    value["o_pid"] = If(here, s.pid, value["o_pid"])
            for name, v in value.items():
                getattr(nx, name)[k] = v
        self.overflow_unless(nx, held + Count(picks) <= self.n_orphans)

    def remove_orphans(self, s, nx, removed: list) -> None:
        kept = [And(s.o_msg[k] != 0, Not(removed[k])) for k in range(self.n_orphans)]
        for name in self._orphan_fields():
            current, target = getattr(s, name), getattr(nx, name)
            for j in range(self.n_orphans):
                value = 0
                for k in reversed(range(j, self.n_orphans)):
                    value = If(And(kept[k], Count(kept[:k]) == j), current[k], value)
                target[j] = value

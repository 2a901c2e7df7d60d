"""A counterexample as a Mermaid ``sequenceDiagram`` (for ``--format markdown``).

Participants: the producer, brokers 1..n, the consumer, and the transaction coordinator when the
configuration uses transactions.  Each step is one line: an arrow from the step's actor to the first
other participant its sentence names ("sends m1 to broker 1": producer -> broker 1), else a note over
the actor; a leader's step that answers is an arrow to the producer, and the producer receiving an
answer is an arrow from the broker.  The controller's steps are notes over the brokers; faults are notes starting ``fault:``
(a network fault spans the producer and the broker it names).  Only a small, regular subset of Mermaid
is emitted, so the tests can check it with a strict parser of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..checker.result import Trace

NAMED = re.compile(r"\b(producer|consumer|coordinator|broker \d+)\b")


def participants(brokers: int, transactional: bool) -> list[tuple[str, str]]:
    """(id, label) in diagram order."""
    out = [("P", "producer")] + [(f"B{i}", f"broker {i}") for i in range(1, brokers + 1)] + [("C", "consumer")]
    if transactional:
        out.append(("T", "coordinator"))
    return out


def diagram_context(result) -> tuple[int, bool]:
    """A result's participants: the brokers (the replication factor) and whether the transaction
    coordinator takes part (a transactional.id, or offsets committed in the transaction)."""
    brokers = int(result.config.get("replication.factor") or 1)
    transactional = (result.config.get("transactional.id") is not None
                     or result.application.get("commit") == "transactional")
    return brokers, transactional


def diagram_context_of_trace(trace: Trace) -> tuple[int, bool]:
    """A trace shown on its own: the brokers are the parts of its initial state named ``broker N``
    (the model summarises each broker so), and the coordinator takes part when a step of it does."""
    brokers = sum(1 for part in trace.initial if part.startswith("broker ") and part[7:].isdigit())
    transactional = any(step.actor == "coordinator" for step in trace.steps)
    return max(brokers, 1), transactional


def escape(text: str) -> str:
    """Mermaid message text: ``#`` and ``;`` are entity codes (``;`` would end the statement)."""
    return text.replace("#", "#35;").replace(";", "#59;").replace("\n", " ")


@dataclass(frozen=True)
class Arrow:
    """Where one step goes in the diagram: an arrow ``source ->> target``, or a note over
    ``source`` (``target`` None; ``source`` may be a span such as ``"B1,B3"``).  ``text`` is the
    step's sentence, unescaped.  The notebook's HTML trace (report/html.py) shows the same mapping
    as its readable fallback, so the diagram and the table cannot disagree."""

    source: str
    target: str | None
    text: str


def step_arrows(trace: Trace, brokers: int, transactional: bool) -> list[Arrow]:
    """One :class:`Arrow` per step, in order (participant ids as :func:`participants` names them)."""
    known = {label: pid for pid, label in participants(brokers, transactional)}
    all_brokers = f"B1,B{brokers}" if brokers > 1 else "B1"
    arrows = []
    for step in trace.steps:
        sentence = f"{step.number}. {step.action}"
        named = [n for n in NAMED.findall(step.action)]
        if step.actor == "leader":
            actor = next((known.get(n) for n in named if n.startswith("broker ") and n in known), None)
        else:
            actor = known.get(step.actor)
        if step.fault:
            over = actor or "P"
            if step.actor == "network":
                broker = next((known[n] for n in named if n.startswith("broker ") and n in known), None)
                over = f"P,{broker}" if broker else "P"
            arrows.append(Arrow(over, None, f"fault: {step.fault}: {sentence}"))
            continue
        if actor is None:  # controller, network without a fault, a leader that names no broker
            arrows.append(Arrow(all_brokers, None, f"{step.actor}: {sentence}"))
            continue
        target = next((known[n] for n in named if n in known and known[n] != actor), None)
        if step.actor == "leader" and "answers" in step.action:  # the answer goes to the producer
            target = "P"
        if target is not None and step.name.startswith("receive"):  # an answer arrives: it flows back
            arrows.append(Arrow(target, actor, sentence))
        elif target is None:
            arrows.append(Arrow(actor, None, sentence))
        else:
            arrows.append(Arrow(actor, target, sentence))
    return arrows


def step_lines(trace: Trace, brokers: int, transactional: bool) -> list[str]:
    lines = []
    for arrow in step_arrows(trace, brokers, transactional):
        if arrow.target is None:
            lines.append(f"    Note over {arrow.source}: {escape(arrow.text)}")
        else:
            lines.append(f"    {arrow.source}->>{arrow.target}: {escape(arrow.text)}")
    return lines


def sequence_diagram(trace: Trace, brokers: int, transactional: bool) -> str:
    lines = ["sequenceDiagram"]
    lines += [f"    participant {pid} as {label}" for pid, label in participants(brokers, transactional)]
    lines += step_lines(trace, brokers, transactional)
    if trace.loop_start is not None:
        lines.append(f"    Note over P,C: the steps from {trace.loop_start} on repeat forever")
    return "\n".join(lines)

"""Compile a model's actions and predicates into plain Python functions over ``bytes`` states.

Each action of the model is run once with tracing values (``dsl.Expr``); the recorded guard and
writes are turned into the source text of one step function (``make_expand``, which
``successors(state)`` also runs), with the configuration already folded in.  This is what makes the explicit engine fast: per state it runs
straight-line code that reads bytes, instead of interpreting the model.

Evaluation order follows the model exactly: ``And``/``Or``/``If`` short-circuit, so a guarded
array read (``log[leader][pos]`` behind ``pos < hw``) is only evaluated when its guard holds.  To
avoid recomputing what many actions share (the high watermark, the ISR size), sub-expressions that
are safe to evaluate in any state (no state-indexed array read) and used more than once are computed
once per state at the top of the function.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from ..model.api import (Action, Expr, Model, ModelError, NextState, StatePredicate, StateView, TracingLeaves,
                         clear_intern_table)

# Set to 1 (the test suite does, tests/conftest.py) to range-check every write of the generated code,
# not only those the range analysis cannot prove: a check of the analysis itself.
CHECK_EVERY_WRITE_ENV = "SEMCHECK_CHECK_EVERY_WRITE"

_PY_BINARY = {"+": "+", "-": "-", "*": "*", "//": "//", "%": "%", "==": "==", "!=": "!=", "<": "<", "<=": "<="}


class CompiledModel:
    """The model as executable code.

    ``successors(state)`` returns ``[(action_index, next_state), ...]`` in action order;
    ``predicates[i](state)`` evaluates the i-th compiled predicate; ``make_expand(index_get,
    add_state, src_append, dst_append, all_edge)`` builds the search's fused expand-and-deduplicate
    step (``_python_code``).
    ``source`` is kept for debugging.

    The Python code is generated and compiled on first use of any of these: a search in the
    native backend (``native.py``) may never need it, and it costs a tenth of a second for the
    Kafka model.
    """

    def __init__(self, traced: "TracedModel"):
        self.actions: list[Action] = traced.actions
        self._traced = traced
        self._namespace: dict | None = None
        self._source = ""

    def _compiled(self) -> dict:
        if self._namespace is None:
            check = os.environ.get(CHECK_EVERY_WRITE_ENV) == "1"
            self._source, self._namespace = _python_code(self._traced, check_every_write=check)
        return self._namespace

    @property
    def successors(self) -> Callable[[bytes], list]:
        return self._compiled()["successors"]

    @property
    def make_expand(self) -> Callable:
        return self._compiled()["make_expand"]

    @property
    def predicates(self) -> list[Callable[[bytes], bool]]:
        namespace = self._compiled()
        return [namespace[f"predicate_{i}"] for i in range(len(self._traced.predicates))]

    @property
    def source(self) -> str:
        self._compiled()
        return self._source


def trace_action(model: Model, action: Action):
    """Run one action with tracing values: returns (guard, writes)."""
    leaves = TracingLeaves()
    nxt = NextState(model.layout, leaves)
    guard = action.effect(StateView(model.layout, leaves), nxt)
    return guard, nxt.writes


@dataclass
class TracedModel:
    """A model's actions and predicates traced once: what every emitter (Python here, C in
    ``native.py``) turns into code.  ``effects[i]`` is ``(guard, writes)`` of action ``i``;
    ``predicates[i]`` the traced test of the i-th predicate; ``domains[slot]`` how many values a
    state slot can hold."""

    actions: list[Action]
    effects: list[tuple]
    predicates: list
    domains: list[int]

    @property
    def state_size(self) -> int:
        return len(self.domains)

    def enabled_blocks(self):
        """``(action index, guard conjuncts, writes)`` for every action whose guard is not
        constantly false, in action order."""
        for index, (guard, writes) in enumerate(self.effects):
            if guard is False or (not isinstance(guard, Expr) and not guard):
                continue
            conjuncts = [] if guard is True else (
                list(guard.args) if isinstance(guard, Expr) and guard.op == "and" else [guard])
            yield index, conjuncts, writes


def trace_model(model: Model, predicates: list[StatePredicate]) -> TracedModel:
    """Run every action and predicate of ``model`` once with tracing values."""
    clear_intern_table()
    actions = model.actions()
    effects = []
    for action in actions:
        try:
            effects.append(trace_action(model, action))
        except ModelError as err:
            raise ModelError(f"{action.actor} {action.name}{action.params}: {err}") from None
    leaves = TracingLeaves()
    pred_exprs = [p.test(StateView(model.layout, leaves)) for p in predicates]
    domains: list[int] = []
    for f in model.layout.fields.values():
        domains += [f.domain] * f.size
    return TracedModel(actions, effects, pred_exprs, domains)


def plan_hoisting(traced: TracedModel, emitter: "_Emitter") -> None:
    """Count uses across every guard, write and predicate, to decide what to compute once per
    state.  Every emitter runs this same plan, so they all evaluate the same expressions."""
    for guard, writes in traced.effects:
        emitter.count(guard)
    guard_uses = Counter(emitter.uses)
    for guard, writes in traced.effects:
        for _field, offset, value in writes:
            emitter.count(offset)
            emitter.count(value)
    emitter.choose_hoisted(guard_uses)


def compile_model(model: Model, predicates: list[StatePredicate]) -> CompiledModel:
    return compile_traced(trace_model(model, predicates))


def compile_traced(traced: TracedModel) -> CompiledModel:
    """The Python functions of a traced model (see :class:`CompiledModel`), compiled when first
    used."""
    return CompiledModel(traced)


def _python_code(traced: TracedModel, check_every_write: bool = False) -> tuple[str, dict]:
    """The source text of a traced model's one Python step function, and the namespace it runs in.

    ``make_expand(index_get, add_state, src_append, dst_append, all_edge)`` builds ``expand(s, sid,
    keep_edges, keep_all)``, the search's inner loop fused with deduplication (no successor list is
    built): for each enabled action in order it numbers the successor (``add_state`` for a new one),
    appends normal-step edges to the liveness graph with ``keep_edges`` (two C-level appends, no
    Python call: this is the hot loop), and with ``keep_all`` (which the caller only sets together
    with ``keep_edges``) reports every edge with its action (``all_edge(sid, t, action)``, for the
    networkx graph); it returns (quiescent, transitions).  ``successors(s)`` is the
    same function run with a collector, so every consumer of the model runs this one code.

    A write the range analysis cannot prove inside its field and its field's domain is checked and
    raises :class:`ModelError` (as the DSL's concrete evaluation and the C backend do); with
    ``check_every_write`` every write is checked (``SEMCHECK_CHECK_EVERY_WRITE=1``, set by the tests).
    """
    actions, pred_exprs = traced.actions, traced.predicates
    emitter = _Emitter(traced.domains)
    plan_hoisting(traced, emitter)

    prelude = emitter.prelude()
    blocks = []  # (conjuncts as source text, body lines) per action that can be enabled
    for index, conjuncts, writes in traced.enabled_blocks():
        action = actions[index]
        body = [f"# {index}: {action.actor} {action.name} {action.params}"]
        # the writes run only once the guard holds, and all of them run: what they share is
        # computed once, into locals
        temps = emitter.shared_in([x for _, offset, value in writes for x in (offset, value)])
        for n, node in enumerate(temps):
            body.append(f"w{n} = {emitter.expr(node)}")
            emitter.hoisted[id(node)] = f"w{n}"
        body.append("b = bytearray(s)")
        for field, offset, value in writes:
            if not check_every_write and emitter.write_is_safe(field, offset, value):
                target = (f"{field.first_slot} + {emitter.expr(offset)}" if isinstance(offset, Expr)
                          else str(field.first_slot + int(offset)))
                body.append(f"b[{target}] = {emitter.expr(value)}")
            else:
                body.append(f"wv = {emitter.expr(value)}")
                body.append(f"wk = {emitter.expr(offset)}")
                body.append(f"if not (0 <= wk < {field.size} and 0 <= wv < {field.domain}): "
                            f"bad_write({index}, {field.name!r}, wk, wv)")
                body.append(f"b[{field.first_slot} + wk] = wv")
        for node in temps:
            del emitter.hoisted[id(node)]
        tail = ["n = bytes(b)", "t = index_get(n)", "if t is None:", f"    t = add_state(n, sid, {index})",
                "count += 1"]
        if action.is_fault:
            tail += ["if keep_all:", f"    all_edge(sid, t, {index})"]
        else:  # keep_all implies keep_edges: one test per normal step when neither is asked for
            tail += ["quiescent = False", "if keep_edges:", "    src_append(sid)", "    dst_append(t)",
                     "    if keep_all:", f"        all_edge(sid, t, {index})"]
        blocks.append(([emitter.expr(c) for c in conjuncts], body + tail))

    lines = [
        "def make_expand(index_get, add_state, src_append, dst_append, all_edge):",
        "    def expand(s, sid, keep_edges, keep_all):",
        "        quiescent = True",
        "        count = 0",
    ]
    lines += ["        " + line for line in prelude]
    lines += _nest_guards(blocks, depth=2)
    lines += ["        return quiescent, count", "    return expand"]

    pred_lines = []
    for i, e in enumerate(pred_exprs):
        body = emitter.expr_standalone(e)
        pred_lines += [f"def predicate_{i}(s):", f"    return bool({body})"]

    source = "\n".join(lines + pred_lines) + "\n"

    def bad_write(index: int, field: str, offset: int, value: int):
        action = actions[index]
        raise ModelError(f"{action.actor} {action.name}{action.params}: writes {value} to {field}[{offset}], "
                         "outside the field or its domain")

    namespace: dict = {"bad_write": bad_write}
    exec(compile(source, "<semcheck-compiled-model>", "exec"), namespace)
    collected: list = []

    def collect(n, sid, index):
        collected.append((index, n))
        return -1

    expand_all = namespace["make_expand"](lambda n: None, collect, None, None, None)

    def successors(s: bytes) -> list:
        """``[(action index, next state), ...]`` in action order."""
        expand_all(s, -1, False, False)
        out = collected[:]
        collected.clear()
        return out

    namespace["successors"] = successors
    return source, namespace


MAX_NESTING = 12  # Python refuses more than 20 nested blocks
HOIST_MIN_USES = 3  # a safe guard sub-expression used this often is computed once per state
EAGER_MAX_SIZE = 3  # hoisted nodes up to this many operations are computed up front; larger ones lazily


def _nest_guards(blocks, depth: int) -> list[str]:
    """Emit guarded blocks in order, testing a first conjunct shared by consecutive actions once
    (``if leader alive: <every action that needs it>``): most guards fail, so this saves work."""
    pad = "    " * depth
    out: list[str] = []
    i = 0
    while i < len(blocks):
        conjuncts, body = blocks[i]
        j = i + 1
        if conjuncts and depth < MAX_NESTING:
            while j < len(blocks) and blocks[j][0][:1] == conjuncts[:1]:
                j += 1
        if j - i >= 2:
            out.append(f"{pad}if {conjuncts[0]}:")
            out += _nest_guards([(c[1:], b) for c, b in blocks[i:j]], depth + 1)
        else:
            j = i + 1
            cond = " and ".join(conjuncts) if conjuncts else "True"
            out.append(f"{pad}if {cond}:")
            out += [pad + "    " + line for line in body]
        i = j
    return out


class _Emitter:
    """Turns expression DAGs into Python source text."""

    def __init__(self, domains: list[int]):
        self.domains = domains  # slot -> number of values it can hold
        self.uses: Counter = Counter()
        self.nodes: dict[int, Expr] = {}
        self.safe: dict[int, bool] = {}
        self.ranges: dict[int, tuple[int, int]] = {}
        self.hoisted: dict[int, str] = {}  # id(node) -> local variable name
        self.order: list[Expr] = []  # hoisted nodes in dependency order
        self.lazy: set[int] = set()  # hoisted nodes computed at their first use, not up front

    # ---- analysis -------------------------------------------------------------------------
    def count(self, e) -> None:
        if not isinstance(e, Expr):
            return
        self.uses[id(e)] += 1
        if self.uses[id(e)] == 1:
            self.nodes[id(e)] = e
            for a in e.args:
                self.count(a)

    def value_range(self, e) -> tuple[int, int]:
        """Smallest and largest value ``e`` can take in any state (interval arithmetic)."""
        if not isinstance(e, Expr):
            return int(e), int(e)
        known = self.ranges.get(id(e))
        if known is not None:
            return known
        op, args = e.op, e.args
        if op == "field":
            known = (0, self.domains[args[0]] - 1)
        elif op == "load":
            known = (0, self.domains[args[0]] - 1)  # every slot of an array has the same domain
        elif op in ("==", "!=", "<", "<=", "not"):
            known = (0, 1)
        else:
            parts = [self.value_range(a) for a in args]
            if op == "+":
                known = (parts[0][0] + parts[1][0], parts[0][1] + parts[1][1])
            elif op == "-":
                known = (parts[0][0] - parts[1][1], parts[0][1] - parts[1][0])
            elif op == "*":
                products = [x * y for x in parts[0] for y in parts[1]]
                known = (min(products), max(products))
            elif op in ("//", "%") and not isinstance(args[1], Expr) and args[1] > 0:
                d = args[1]
                known = (parts[0][0] // d, parts[0][1] // d) if op == "//" else (0, d - 1)
            elif op == "if":
                known = (min(parts[1][0], parts[2][0]), max(parts[1][1], parts[2][1]))
            elif op == "min":
                known = (min(p[0] for p in parts), min(p[1] for p in parts))
            elif op == "max":
                known = (max(p[0] for p in parts), max(p[1] for p in parts))
            else:  # and / or return one of their operands
                known = (min(p[0] for p in parts), max(p[1] for p in parts))
        self.ranges[id(e)] = known
        return known

    def write_is_safe(self, field, offset, value) -> bool:
        """The range analysis proves the write inside its field and the field's domain in every state."""
        lo, hi = self.value_range(offset)
        vlo, vhi = self.value_range(value)
        return 0 <= lo and hi < field.size and 0 <= vlo and vhi < field.domain and self.is_safe(offset)

    def is_safe(self, e) -> bool:
        """True when evaluating ``e`` can never fail, in any state: every state-indexed read stays
        inside its array (by interval arithmetic on the index) and no division by zero."""
        if not isinstance(e, Expr):
            return True
        known = self.safe.get(id(e))
        if known is None:
            if e.op == "load":
                lo, hi = self.value_range(e.args[2])
                known = 0 <= lo and hi < e.args[1] and self.is_safe(e.args[2])
            elif e.op in ("//", "%"):
                known = not isinstance(e.args[1], Expr) and e.args[1] > 0 and self.is_safe(e.args[0])
            else:
                known = all(self.is_safe(a) for a in e.args)
            self.safe[id(e)] = known
        return known

    def shared_in(self, exprs) -> list[Expr]:
        """Safe compound nodes that occur more than once in ``exprs`` (counting every occurrence),
        in dependency order: worth one local variable each."""
        counts: Counter = Counter()
        order: list[Expr] = []

        def visit(e):
            if not isinstance(e, Expr) or e.op in ("field", "const") or id(e) in self.hoisted:
                return
            counts[id(e)] += 1
            if counts[id(e)] == 1:
                for a in e.args:
                    visit(a)
                order.append(e)

        for e in exprs:
            visit(e)
        return [e for e in order if counts[id(e)] >= 2 and self.is_safe(e)]

    def choose_hoisted(self, guard_uses: Counter) -> None:
        """Hoist safe nodes that guards use more than once, and every field read guards use."""

        def visit(e):
            if not isinstance(e, Expr) or id(e) in self.hoisted:
                return
            for a in e.args:
                visit(a)
            wanted = e.op == "field" or (
                e.op not in ("const",) and guard_uses[id(e)] >= HOIST_MIN_USES and self.is_safe(e)
            )
            if wanted:
                self.hoisted[id(e)] = f"v{len(self.hoisted)}"
                self.order.append(e)

        for node_id in list(guard_uses):
            visit(self.nodes[node_id])
        # Most guards fail on their first conjunct, so most hoisted values are never needed in a
        # given state: a large one (a maximum over a log, a count) is computed where it is first
        # used and kept for the rest of the state; small ones (field reads) are cheaper up front.
        for e in self.order:
            if e.op != "field" and (self._size(e) > EAGER_MAX_SIZE or self._uses_lazy(e)):
                self.lazy.add(id(e))

    def _size(self, e) -> int:
        """Operations in ``e`` that its own code computes (hoisted sub-expressions are names)."""
        if not isinstance(e, Expr) or e.op in ("field", "const"):
            return 0
        return 1 + sum(0 if id(a) in self.hoisted else self._size(a) for a in e.args)

    def _uses_lazy(self, e) -> bool:
        for a in e.args:
            if isinstance(a, Expr):
                if id(a) in self.lazy or (id(a) not in self.hoisted and self._uses_lazy(a)):
                    return True
        return False

    def prelude(self) -> list[str]:
        out = []
        lazy = [self.hoisted[id(e)] for e in self.order if id(e) in self.lazy]
        if lazy:
            out.append(" = ".join(lazy) + " = None")
        for e in self.order:
            if id(e) in self.lazy:
                continue
            name = self.hoisted.pop(id(e))
            out.append(f"{name} = {self.expr(e)}")
            self.hoisted[id(e)] = name
        return out

    # ---- emission ---------------------------------------------------------------------------
    def expr(self, e) -> str:
        if not isinstance(e, Expr):
            return repr(int(e))
        name = self.hoisted.get(id(e))
        if name is not None:
            if id(e) not in self.lazy:
                return name
            del self.hoisted[id(e)]
            try:
                return f"({name} if {name} is not None else ({name} := {self.expr(e)}))"
            finally:
                self.hoisted[id(e)] = name
        op, args = e.op, e.args
        if op == "field":
            return f"s[{args[0]}]"
        if op == "load":
            return f"s[{args[0]} + {self.expr(args[2])}]"
        if op in _PY_BINARY:
            return f"({self.expr(args[0])} {_PY_BINARY[op]} {self.expr(args[1])})"
        if op == "and":
            return "(" + " and ".join(self.expr(a) for a in args) + ")"
        if op == "or":
            return "(" + " or ".join(self.expr(a) for a in args) + ")"
        if op in ("min", "max"):
            return f"{op}(" + ", ".join(self.expr(a) for a in args) + ")"
        if op == "not":
            return f"(not {self.expr(args[0])})"
        if op == "if":
            return f"({self.expr(args[1])} if {self.expr(args[0])} else {self.expr(args[2])})"
        raise ModelError(f"cannot compile operator {op!r}")

    def expr_standalone(self, e) -> str:
        """Emit without the per-state locals (for predicate functions)."""
        saved, self.hoisted = self.hoisted, {}
        saved_lazy, self.lazy = self.lazy, set()
        try:
            return self.expr(e)
        finally:
            self.hoisted, self.lazy = saved, saved_lazy


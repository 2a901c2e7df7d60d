"""The small language the model is written in (a shallow embedding).

Every action of the Kafka model is an ordinary Python function over a *state view*.  The same
function is run with three kinds of values:

* plain Python ints and bools (configuration constants fold away eagerly),
* :class:`Expr` nodes, which record the computation so that the explicit engine can compile the
  whole model into one straight-line Python function (see ``checker/compile.py``),
* Z3 terms, for the symbolic engine.

So that all three agree, model code must never branch with Python ``if``/``and``/``or`` on a state
value; it uses :func:`If`, :func:`And`, :func:`Or`, :func:`Not`, :func:`Min`, :func:`Max` and array
indexing instead.  :meth:`Expr.__bool__` raises, which catches a violation the first time the model is
compiled.  Loops over fixed ranges (replicas, log slots) are fine: they unroll.
"""

from __future__ import annotations

from typing import Any, Iterable

import sys


class ModelError(Exception):
    """The model was written in a way the engines cannot follow (a bug in model code)."""


# ---------------------------------------------------------------------------------------------
# Expression nodes (hash-consed, so equal sub-expressions are one object)
# ---------------------------------------------------------------------------------------------

_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "//": lambda a, b: a // b,
    "%": lambda a, b: a % b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


class Expr:
    """A node of a traced computation.

    ``op`` is one of: ``field`` (args: slot), ``load`` (args: first slot, size, index expr),
    ``const``, the binary operators in ``_BINARY``, ``and``/``or``/``min``/``max`` (n-ary), ``not``,
    ``if``.
    """

    __slots__ = ("op", "args", "__weakref__")
    _interned: dict = {}

    def __new__(cls, op: str, *args):
        key = (op,) + tuple(("e", id(a)) if isinstance(a, Expr) else ("v", a) for a in args)
        node = cls._interned.get(key)
        if node is None:
            node = object.__new__(cls)
            node.op = op
            node.args = args
            cls._interned[key] = node
        return node

    def __bool__(self):
        raise ModelError(
            "model code branched on a state value with Python control flow; use If/And/Or/Not"
        )

    def __hash__(self):
        return id(self)

    def __repr__(self):
        if self.op == "field":
            return f"s[{self.args[0]}]"
        if self.op == "load":
            return f"s[{self.args[0]}+{self.args[2]!r}]"
        return f"({self.op} {' '.join(map(repr, self.args))})"

    # arithmetic and comparison build nodes (or fold when both sides are constants)
    def __add__(self, o):
        return _binary("+", self, o)

    def __radd__(self, o):
        return _binary("+", o, self)

    def __sub__(self, o):
        return _binary("-", self, o)

    def __rsub__(self, o):
        return _binary("-", o, self)

    def __mul__(self, o):
        return _binary("*", self, o)

    def __rmul__(self, o):
        return _binary("*", o, self)

    def __floordiv__(self, o):
        return _binary("//", self, o)

    def __mod__(self, o):
        return _binary("%", self, o)

    def __eq__(self, o):  # type: ignore[override]
        return _binary("==", self, o)

    def __ne__(self, o):  # type: ignore[override]
        return _binary("!=", self, o)

    def __lt__(self, o):
        return _binary("<", self, o)

    def __le__(self, o):
        return _binary("<=", self, o)

    def __gt__(self, o):
        return _binary("<", o, self)

    def __ge__(self, o):
        return _binary("<=", o, self)


def clear_intern_table() -> None:
    """Forget interned nodes (each model compilation starts afresh)."""
    Expr._interned.clear()


class _LazyZ3:
    """z3 takes a quarter second to import; only the symbolic engine needs it, so the helpers look
    it up on first use (a value can only be a Z3 term if the z3 module was imported already)."""

    def __getattr__(self, name):
        import z3

        return getattr(z3, name)


_z3 = _LazyZ3()


def _is_z3(x) -> bool:
    z3 = sys.modules.get("z3")
    return z3 is not None and isinstance(x, z3.ExprRef)


def _binary(op: str, a, b):
    if isinstance(a, Expr) or isinstance(b, Expr):
        if op == "+" and isinstance(b, int) and b == 0:
            return a
        if op == "-" and isinstance(b, int) and b == 0:
            return a
        if op in ("==", "!=") and isinstance(a, Expr) and isinstance(b, Expr) and a is b:
            return op == "=="
        if isinstance(a, bool):
            a = int(a)
        if isinstance(b, bool):
            b = int(b)
        return Expr(op, a, b)
    if op == "//" and (_is_z3(a) or _is_z3(b)):
        return a / b  # Z3's integer division; it equals floor division for the positive divisors used
    return _BINARY[op](a, b)


def If(cond, then, other):
    """``then`` if ``cond`` else ``other``, on any kind of value."""
    if isinstance(cond, Expr):
        if isinstance(then, Expr) and then is other:
            return then
        if not isinstance(then, Expr) and not isinstance(other, Expr) and then == other and type(then) is type(other):
            return then
        return Expr("if", cond, then, other)
    if _is_z3(cond):
        return _z3.If(cond, then, other)
    return then if cond else other


def And(*xs):
    xs = _flatten(xs)
    if any(_is_z3(x) for x in xs):
        return _z3.And(*xs)
    rest = []
    for x in xs:
        # Nested conjunctions are kept as nodes, not flattened: a chain built step by step
        # (common = And(common, ...)) then shares its prefix instead of growing quadratically.
        if isinstance(x, Expr):
            rest.append(x)
        elif not x:
            return False
    if not rest:
        return True
    if len(rest) == 1:
        return rest[0]
    return Expr("and", *rest)


def Or(*xs):
    xs = _flatten(xs)
    if any(_is_z3(x) for x in xs):
        return _z3.Or(*xs)
    rest = []
    for x in xs:
        if isinstance(x, Expr):
            rest.append(x)
        elif x:
            return True
    if not rest:
        return False
    if len(rest) == 1:
        return rest[0]
    return Expr("or", *rest)


def Not(x):
    if isinstance(x, Expr):
        if x.op == "not":
            return x.args[0]
        return Expr("not", x)
    if _is_z3(x):
        return _z3.Not(x)
    return not x


def Min(*xs):
    return _extreme("min", min, _flatten(xs))


def Max(*xs):
    return _extreme("max", max, _flatten(xs))


def _extreme(op: str, builtin, xs: list):
    consts = [x for x in xs if not isinstance(x, Expr) and not _is_z3(x)]
    symbolic = [x for x in xs if isinstance(x, Expr) or _is_z3(x)]
    if not symbolic:
        return builtin(xs)
    if consts:
        symbolic.append(builtin(consts))
    if len(symbolic) == 1:
        return symbolic[0]
    if any(_is_z3(x) for x in symbolic):
        best = symbolic[0]
        for x in symbolic[1:]:
            best = _z3.If(x < best, x, best) if op == "min" else _z3.If(x > best, x, best)
        return best
    return Expr(op, *symbolic)


def Count(*conds):
    """How many of ``conds`` hold."""
    total = 0
    for c in _flatten(conds):
        total = total + If(c, 1, 0)
    return total


def _flatten(xs: Iterable) -> list:
    out = []
    for x in xs:
        if isinstance(x, (list, tuple)):
            out.extend(_flatten(x))
        else:
            out.append(x)
    return out


def is_const(x) -> bool:
    return not isinstance(x, Expr) and not _is_z3(x)


# ---------------------------------------------------------------------------------------------
# State layout: named scalars and fixed-size arrays of small non-negative ints (one byte each)
# ---------------------------------------------------------------------------------------------


class Field:
    """One named part of the state: a scalar (shape ()) or an array, each slot in range(domain)."""

    def __init__(self, name: str, shape: tuple[int, ...], domain: int, first_slot: int):
        if domain > 256:
            raise ModelError(f"field {name}: domain {domain} does not fit a byte")
        self.name = name
        self.shape = shape
        self.domain = domain
        self.first_slot = first_slot
        self.size = 1
        for d in shape:
            self.size *= d


class Layout:
    """The fixed shape of a state; a concrete state is ``bytes`` of length ``layout.size``."""

    def __init__(self):
        self.fields: dict[str, Field] = {}
        self.size = 0

    def scalar(self, name: str, domain: int) -> None:
        self.array(name, (), domain)

    def array(self, name: str, shape: tuple[int, ...], domain: int) -> None:
        if name in self.fields:
            raise ModelError(f"field {name} declared twice")
        f = Field(name, tuple(shape), domain, self.size)
        self.fields[name] = f
        self.size += f.size

    def decode(self, state: bytes) -> dict[str, Any]:
        """Named, nested-list form of a concrete state (for traces and notebooks)."""
        out = {}
        for f in self.fields.values():
            flat = list(state[f.first_slot : f.first_slot + f.size])
            out[f.name] = flat[0] if not f.shape else _nest(flat, f.shape)
        return out

    def encode(self, values: dict[str, Any]) -> bytes:
        buf = bytearray(self.size)
        for name, f in self.fields.items():
            v = values.get(name, 0)
            flat = [v] if not f.shape else _flat_nested(v)
            if len(flat) != f.size:
                raise ModelError(f"field {name}: expected {f.size} values, got {len(flat)}")
            for i, x in enumerate(flat):
                if not 0 <= int(x) < f.domain:
                    raise ModelError(f"field {name}: value {x} outside range({f.domain})")
                buf[f.first_slot + i] = int(x)
        return bytes(buf)


def _nest(flat: list, shape: tuple[int, ...]):
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0]
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _flat_nested(v) -> list:
    if isinstance(v, (list, tuple)):
        out = []
        for x in v:
            out.extend(_flat_nested(x))
        return out
    return [v]


# ---------------------------------------------------------------------------------------------
# Views: how actions read the current state and write the next one
# ---------------------------------------------------------------------------------------------


class Leaves:
    """What a view reads: ``leaf(slot)`` for a fixed slot, ``load(first, size, index)`` for a slot
    chosen by a state-dependent index.  One implementation per kind of value.

    ``eager`` leaves hold concrete values: Python evaluates both branches of ``If`` and every
    argument of ``And``, so an index computed from the state may be out of range in a branch that
    is not taken; such reads give 0 instead of failing (see ``ConcreteLeaves.load``)."""

    eager = False

    def leaf(self, slot: int):
        raise NotImplementedError

    def load(self, first: int, size: int, index):
        raise NotImplementedError


class TracingLeaves(Leaves):
    """Leaves for compilation: every read becomes an :class:`Expr`."""

    def leaf(self, slot):
        return Expr("field", slot)

    def load(self, first, size, index):
        return Expr("load", first, size, index)


class ConcreteLeaves(Leaves):
    """Leaves over a concrete state (``bytes``): for evaluating model code directly in tests."""

    eager = True

    def __init__(self, state: bytes):
        self.state = state

    def leaf(self, slot):
        return self.state[slot]

    def load(self, first, size, index):
        # Python evaluates both branches of If(...) and every argument of And(...) eagerly, so an
        # index can be out of range in a branch that is not taken; its value is then irrelevant.
        # (An out-of-range read in a taken branch still shows up: the compiled code disagrees.)
        if not 0 <= index < size:
            return 0
        return self.state[first + index]


class Z3Leaves(Leaves):
    """Leaves over one step of a Z3 unrolling: ``variables[slot]`` is an integer term."""

    def __init__(self, variables):
        self.variables = variables

    def leaf(self, slot):
        return self.variables[slot]

    def load(self, first, size, index):
        if isinstance(index, int):
            return self.variables[first + index]
        result = self.variables[first]
        for i in range(1, size):
            result = _z3.If(index == i, self.variables[first + i], result)
        return result


class OverlayLeaves(Leaves):
    """The state that recorded writes leave behind, read without applying them: the middle state
    of an action made of two steps (``model/compose.py``).  ``writes`` are ``(field, offset, value)``
    in order, so a later write to a slot wins; offsets and values may be any kind of value."""

    def __init__(self, base: Leaves, writes):
        self.base = base
        self.writes = list(writes)
        self.eager = base.eager

    def leaf(self, slot):
        value = self.base.leaf(slot)
        for f, off, val in self.writes:
            if f.first_slot <= slot < f.first_slot + f.size:
                value = If(off == slot - f.first_slot, val, value)
        return value

    def load(self, first, size, index):
        if self.eager and not 0 <= index < size:
            return 0  # as ConcreteLeaves: an untaken branch's read
        value = self.base.load(first, size, index)
        for f, off, val in self.writes:
            if f.first_slot == first:
                value = If(off == index, val, value)
        return value

    def value_at(self, field: "Field", offset):
        """The value slot ``offset`` of ``field`` holds in this state."""
        if is_const(offset):
            return self.leaf(field.first_slot + int(offset)) if not self.eager else self.load(
                field.first_slot, field.size, int(offset))
        return self.load(field.first_slot, field.size, offset)


class ArrayRef:
    """An array (or a row of one) of the state, read through ``leaves`` and written into ``writer``."""

    def __init__(self, field: Field, dims: tuple[int, ...], offset, leaves: Leaves, writer=None):
        self.field = field
        self.dims = dims  # remaining dimensions
        self.offset = offset  # flat offset of element [0, 0, ...] of this row, int or expression
        self.leaves = leaves
        self.writer = writer

    def __len__(self):
        return self.dims[0]

    def _position(self, index):
        stride = 1
        for d in self.dims[1:]:
            stride *= d
        return self.offset + index * stride if not (isinstance(index, int) and index == 0) else self.offset

    def _out_of_range(self, index) -> bool:
        if not isinstance(index, int) or 0 <= index < self.dims[0]:
            return False
        if self.leaves.eager:
            # evaluated eagerly on a concrete state: the index came from the state, in a branch or
            # action that may not be taken; only a write that is applied is an error (apply_writes)
            return False
        raise IndexError(f"{self.field.name}: index {index} outside 0..{self.dims[0] - 1}")

    def __getitem__(self, index):
        self._out_of_range(index)
        pos = self._position(index)
        if len(self.dims) > 1:
            return ArrayRef(self.field, self.dims[1:], pos, self.leaves, self.writer)
        if isinstance(pos, int) and not self.leaves.eager:
            return self.leaves.leaf(self.field.first_slot + pos)
        return self.leaves.load(self.field.first_slot, self.field.size, pos)

    def __setitem__(self, index, value):
        if self.writer is None:
            raise ModelError(f"{self.field.name}: write through a read-only view")
        if len(self.dims) != 1:
            raise ModelError(f"{self.field.name}: assign whole elements, not rows")
        self._out_of_range(index)
        self.writer.write(self.field, self._position(index), value)

    def __iter__(self):
        return (self[i] for i in range(self.dims[0]))


class StateView:
    """Read access to a state: ``view.leader``, ``view.log[r][k]``."""

    def __init__(self, layout: Layout, leaves: Leaves):
        object.__setattr__(self, "_layout", layout)
        object.__setattr__(self, "_leaves", leaves)

    def __getattr__(self, name):
        f = self._layout.fields.get(name)
        if f is None:
            raise AttributeError(f"state has no field {name!r}")
        if not f.shape:
            return self._leaves.leaf(f.first_slot)
        return ArrayRef(f, f.shape, 0, self._leaves)

    def __setattr__(self, name, value):
        raise ModelError("the current state is read-only; write to the next state")


class NextState:
    """Write access to the successor: ``nxt.leader = x``, ``nxt.log[r][k] = rec``.

    Writes are recorded in order as ``(field, flat offset, value)``; the offset is an int or a
    state-dependent expression.  Reading a scalar that was written returns the written value, so an
    action can build an update in steps; everything else reads the current state.
    """

    def __init__(self, layout: Layout, leaves: Leaves):
        object.__setattr__(self, "_layout", layout)
        object.__setattr__(self, "_leaves", leaves)
        object.__setattr__(self, "writes", [])

    def write(self, field: Field, offset, value):
        self.writes.append((field, offset, value))

    def __getattr__(self, name):
        f = self._layout.fields.get(name)
        if f is None:
            raise AttributeError(f"state has no field {name!r}")
        if not f.shape:
            for wf, off, val in reversed(self.writes):
                if wf is f:
                    return val
            return self._leaves.leaf(f.first_slot)
        return ArrayRef(f, f.shape, 0, self._leaves, self)

    def __setattr__(self, name, value):
        f = self._layout.fields.get(name)
        if f is None:
            raise ModelError(f"state has no field {name!r}")
        if f.shape:
            raise ModelError(f"{name} is an array: assign its elements")
        self.write(f, 0, value)


def apply_writes(state: bytes, writes) -> bytes:
    """Apply recorded writes (with concrete values) to a concrete state."""
    buf = bytearray(state)
    for f, off, val in writes:
        if not 0 <= int(off) < f.size or not 0 <= int(val) < f.domain:
            raise ModelError(f"{f.name}: write of {val} at {off} outside the field")
        buf[f.first_slot + int(off)] = int(val)
    return bytes(buf)

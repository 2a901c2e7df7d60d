"""The native (C) backend of the explicit engine's breadth-first search.

``compile.py`` traces the model once and emits Python; this module emits C from the same traced
model (``TracedModel``) and the same hoisting plan (``plan_hoisting``), appends it to the search
loop in ``native_bfs.c``, compiles the whole with the system C compiler into a shared library, and
drives it through ``ctypes``.  Libraries are cached on disk by a hash of their source, so a second
run of the same model does not compile again.

The C code must give exactly the Python search's results, down to the state numbering (shortest
traces are read from parent pointers), so it evaluates exactly what the Python code evaluates:

* the same guards, in the same order, with the same short-circuits (``&&``, ``||``, ``?:``); the
  same per-state locals, computed up front or lazily as in Python;
* values as Python ints (64-bit here: every expression's range is checked to fit at generation
  time); ``and``/``or`` return an operand in Python, so they become ``&&``/``||`` only where that
  gives the same value (or only truth matters); ``//`` and ``%`` round as Python's do;
* a state-indexed read ``s[first + i]`` that interval analysis cannot prove inside the state is
  checked at run time (Python would wrap a negative index or raise); so is a write, and a written
  value that may not fit its slot's domain (the range proofs assume every slot is in its domain).

When a check fails, the C search stops and reports it; ``explicit.py`` then redoes the search with
the Python code, which raises (or continues) exactly as it always did.  The interval analysis here
is a *sound* variant of ``_Emitter.value_range``: an unproven read may land in any slot, so its
value is only known to fit the largest domain it can reach.

``SEMCHECK_BACKEND=python`` forces the Python search, ``native`` asks for this one; without a
working compiler the Python search runs either way, silently.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..model.api import Expr
from .compile import CHECK_EVERY_WRITE_ENV, MAX_NESTING, TracedModel, _Emitter, plan_hoisting

BACKEND_ENV = "SEMCHECK_BACKEND"
RUNTIME = Path(__file__).with_name("native_bfs.c")
CFLAGS = ["-O2", "-fPIC", "-shared"]
LIMIT = 1 << 62  # every intermediate value must stay within +-LIMIT (int64, with room)

# search_run's answers and the counters' numbers (as in native_bfs.c)
STOP_EXHAUSTED, STOP_ALL_FOUND, STOP_MAX_STATES, STOP_PROGRESS, STOP_ERROR = range(5)
N_STATES, TRANSITIONS, DEPTH, HEAD, N_EDGES, N_CUT, ERROR, ERROR_STATE, STATE_SIZE = range(9)
STATES, PARENT, VIA, EDGE_SRC, EDGE_DST = range(5)
ERRORS = {1: "state-indexed read outside the state", 2: "write outside its field",
          3: "written value outside 0..255", 4: "written value outside its slot's domain",
          5: "division by zero", 6: "out of memory"}

last_failure = ""  # why the native backend was not used, for debugging


class NativeUnsupported(Exception):
    """The model has something the C emitter does not translate exactly (the Python search runs)."""


class NativeSearchFailed(Exception):
    """The C search stopped on a check the Python code would fail (or handle differently)."""


# ---------------------------------------------------------------------------------------------
# C emission
# ---------------------------------------------------------------------------------------------


def _c_int(value: int) -> str:
    if not -LIMIT <= value <= LIMIT:
        raise NativeUnsupported(f"constant {value} does not fit 64 bits")
    return str(value) if -(1 << 31) < value < (1 << 31) else f"{value}LL"


def _union(*ranges) -> tuple[int, int]:
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def _floordiv_range(a, b) -> tuple[int, int]:
    """Range of Python's a // b: on each side of zero the quotient is monotone in both operands,
    so its extremes are at the corners (a divisor of exactly 0 is an error, not a value)."""
    sides = ([(max(b[0], 1), b[1])] if b[1] >= 1 else []) + ([(b[0], min(b[1], -1))] if b[0] <= -1 else [])
    if not sides:
        return 0, 0
    corners = [x // y for lo, hi in sides for x in a for y in (lo, hi)]
    return min(corners), max(corners)


def _mod_range(b) -> tuple[int, int]:
    """Range of Python's a % b: it has the divisor's sign and is smaller than it."""
    return (b[0] + 1 if b[0] <= -1 else 0), (b[1] - 1 if b[1] >= 1 else 0)


class _CEmitter(_Emitter):
    """Turns the traced expressions into C.  The hoisting plan (which sub-expressions become
    per-state locals, which of them lazily) is the base class's, so the C code evaluates the same
    expressions as the Python code; ``crange`` is the sound interval analysis used to decide
    which operations need a run-time check."""

    def __init__(self, domains: list[int], check_every_write: bool = False):
        super().__init__(domains)
        self.size = len(domains)
        self.cranges: dict[int, tuple[int, int]] = {}
        self.check_every_write = check_every_write

    # ---- sound ranges -----------------------------------------------------------------------
    def crange(self, e) -> tuple[int, int]:
        """Smallest and largest value ``e`` can take in a state whose slots are in their domains."""
        if not isinstance(e, Expr):
            return int(e), int(e)
        known = self.cranges.get(id(e))
        if known is not None:
            return known
        op, args = e.op, e.args
        if op == "field":
            known = (0, self.domains[args[0]] - 1)
        elif op == "load":
            known = (0, max(self.domains[k] for k in self._slots_read(e)) - 1)
        elif op in ("==", "!=", "<", "<=", "not"):
            known = (0, 1)
        else:
            parts = [self.crange(a) for a in args]
            if op == "+":
                known = (parts[0][0] + parts[1][0], parts[0][1] + parts[1][1])
            elif op == "-":
                known = (parts[0][0] - parts[1][1], parts[0][1] - parts[1][0])
            elif op == "*":
                products = [x * y for x in parts[0] for y in parts[1]]
                known = (min(products), max(products))
            elif op == "//":
                known = _floordiv_range(parts[0], parts[1])
            elif op == "%":
                known = _mod_range(parts[1])
            elif op == "if":
                known = _union(parts[1], parts[2])
            elif op == "min":
                known = (min(p[0] for p in parts), min(p[1] for p in parts))
            elif op == "max":
                known = (max(p[0] for p in parts), max(p[1] for p in parts))
            elif op == "and":  # the first falsy operand (0) or the last one
                known = _union((0, 0), parts[-1])
            elif op == "or":  # the first truthy operand or the last one
                known = _union(*parts)
            else:
                raise NativeUnsupported(f"operator {op!r}")
        if not (-LIMIT <= known[0] and known[1] <= LIMIT):
            raise NativeUnsupported("a value of the model may not fit 64 bits")
        self.cranges[id(e)] = known
        return known

    def _slots_read(self, e) -> range:
        """The state slots a ``load`` can read: its array when the index is proven inside it, else
        whatever ``first + index`` can reach (Python wraps a negative index: then any slot)."""
        first, size, index = e.args
        lo, hi = self.crange(index)
        if 0 <= lo and hi < size:
            return range(first, first + size)
        if 0 <= first + lo and first + hi < self.size:
            return range(first + lo, first + hi + 1)
        return range(self.size)

    def _is_bool(self, e) -> bool:
        lo, hi = self.crange(e)
        return 0 <= lo and hi <= 1

    # ---- expressions ------------------------------------------------------------------------
    def expr(self, e, truth: bool = False) -> str:
        """C for ``e``.  With ``truth`` only its truth value matters (a guard, a condition)."""
        if not isinstance(e, Expr):
            return _c_int(int(e))
        name = self.hoisted.get(id(e))
        if name is not None:
            if id(e) not in self.lazy:
                return name
            # computed at its first use in this state, as the Python code does (L->v7: lazy_v7)
            return f"({name} != UNSET ? {name} : lazy_{name.removeprefix('L->')}(c, s, L))"
        op, args = e.op, e.args
        self.crange(e)  # refuses values that do not fit 64 bits
        if op == "field":
            return f"S({args[0]})"
        if op == "load":
            return self._load(e)
        if op in ("+", "-", "*", "==", "!=", "<", "<="):
            return f"({self.expr(args[0])} {op} {self.expr(args[1])})"
        if op in ("//", "%"):
            return self._division(e)
        if op == "not":
            return f"(!{self.expr(args[0], True)})"
        if op == "if":
            return (f"({self.expr(args[0], True)} ? {self.expr(args[1], truth)} : "
                    f"{self.expr(args[2], truth)})")
        if op == "and":
            return self._and(args, truth)
        if op == "or":
            return self._or(args, truth)
        if op in ("min", "max"):
            # Python's min()/max() evaluate every argument: so do nested calls
            text = self.expr(args[-1])
            for a in reversed(args[:-1]):
                text = f"{op}2({self.expr(a)}, {text})"
            return text
        raise NativeUnsupported(f"operator {op!r}")

    def _load(self, e) -> str:
        first, _size, index = e.args
        lo, hi = self.crange(index)
        position = f"{first} + {self.expr(index)}"
        if 0 <= first + lo and first + hi < self.size:
            return f"S({position})"
        return f"rd(c, s, {position})"

    def _division(self, e) -> str:
        a, b = e.args
        if not isinstance(b, Expr) and int(b) > 0 and self.crange(a)[0] >= 0:
            # C's / and % agree with Python's on a non-negative dividend and a positive divisor
            return f"({self.expr(a)} {'/' if e.op == '//' else '%'} {_c_int(int(b))})"
        helper = "py_floordiv" if e.op == "//" else "py_mod"
        return f"{helper}(c, {self.expr(a)}, {self.expr(b)})"

    def _and(self, args, truth: bool) -> str:
        # Python's `and` returns its first falsy operand (0 here) or the last operand: `&&`
        # gives the same when the last operand is 0 or 1, or when only truth matters.
        head = " && ".join(self.expr(a, True) for a in args[:-1])
        if truth or self._is_bool(args[-1]):
            return f"({head} && {self.expr(args[-1], True)})"
        return f"(({head}) ? {self.expr(args[-1])} : 0)"

    def _or(self, args, truth: bool) -> str:
        # Python's `or` returns its first truthy operand, or the last one: `||` gives the same
        # when every operand is 0 or 1, or when only truth matters; else keep the operand's value.
        if truth or all(self._is_bool(a) for a in args):
            return "(" + " || ".join(self.expr(a, True) for a in args) + ")"
        text = self.expr(args[-1])
        for a in reversed(args[:-1]):
            if self._is_bool(a):
                text = f"({self.expr(a, True)} ? 1 : {text})"
            else:  # a GNU C statement expression (gcc, clang): the operand is evaluated once
                text = f"({{ const V t = {self.expr(a)}; t ? t : {text}; }})"
        return text

    # ---- statements -------------------------------------------------------------------------
    def write(self, field, offset, value) -> str:
        """``b[slot] = value``, checked unless the offset is proven inside the field and the value
        inside the field's domain (the rule of the Python code and of the DSL's own evaluation)."""
        vlo, vhi = self.crange(value)
        lo, hi = self.crange(offset)
        text = self.expr(value)
        if not self.check_every_write and 0 <= lo and hi < field.size and 0 <= vlo and vhi < field.domain:
            target = (f"{field.first_slot} + {self.expr(offset)}" if isinstance(offset, Expr)
                      else str(field.first_slot + int(offset)))
            return f"b[{target}] = {text};"
        return f"PUT({field.first_slot}, {field.size}, {self.expr(offset)}, {text});"

    @staticmethod
    def function(signature: str, body: list[str]) -> list[str]:
        return [signature, "{"] + ["    " + line for line in body] + ["}"]


def _comment(text: str) -> str:
    return "/* " + text.replace("*/", "* /") + " */"


def _nest_guards_c(blocks, depth: int = 0) -> list[tuple]:
    """As compile._nest_guards: a first conjunct shared by consecutive actions is tested once.
    Returns a tree: ``(condition, child statements)`` for a shared test, ``(condition, lines)``
    (a list of str) for one action's block."""
    out: list[tuple] = []
    i = 0
    while i < len(blocks):
        conjuncts, body = blocks[i]
        j = i + 1
        if conjuncts and depth < MAX_NESTING:
            while j < len(blocks) and blocks[j][0][:1] == conjuncts[:1]:
                j += 1
        if j - i >= 2:
            out.append((conjuncts[0], _nest_guards_c([(c[1:], b) for c, b in blocks[i:j]], depth + 1)))
        else:
            j = i + 1
            out.append((" && ".join(conjuncts) if conjuncts else "1", body))
        i = j
    return out


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _plain(statement) -> list[str]:
    condition, inner = statement
    if inner and isinstance(inner[0], str):
        return [f"if ({condition}) {{"] + _indent(inner) + ["}"]
    return [f"if ({condition}) {{"] + _indent([line for child in inner for line in _plain(child)]) + ["}"]


PART_SIZE = 6000  # characters of C per function of expand(): compile time grows faster than size


class _Parts:
    """Cuts the guarded blocks of expand() into functions of about PART_SIZE characters; a
    shared test too large for one function calls functions for what it guards."""

    def __init__(self):
        self.functions: list[list[str]] = []

    def calls(self, statements) -> list[str]:
        """Lines that run ``statements`` in order, as calls of new functions."""
        chunks: list[list[str]] = [[]]
        for statement in statements:
            lines = self.statement(statement)
            if chunks[-1] and _size(chunks[-1]) + _size(lines) > PART_SIZE:
                chunks.append([])
            chunks[-1] += lines
        calls = []
        for chunk in chunks:
            n = len(self.functions)
            self.functions.append(
                [f"static NOINLINE int part_{n}(Search *c, const uint8_t *s, Locals *L)", "{",
                 "    uint8_t *b;", "    int quiescent = 1;"] + _indent(chunk) + ["    return quiescent;", "}", ""])
            calls.append(f"quiescent &= part_{n}(c, s, L);")
        return calls

    def statement(self, statement) -> list[str]:
        lines = _plain(statement)
        condition, inner = statement
        if _size(lines) <= PART_SIZE or isinstance(inner[0], str):
            return lines
        return [f"if ({condition}) {{"] + _indent(self.calls(inner)) + ["}"]


def _size(lines: list[str]) -> int:
    return sum(map(len, lines))


def _expand_functions(traced: TracedModel, emitter: _CEmitter) -> list[str]:
    """``expand()`` and its pieces.  One function for the whole would be simplest, but the C
    compiler's time grows much faster than linearly with a function's size (tens of seconds for
    the larger models), so the per-state locals live in a struct (``Locals``), each lazily
    computed one in its own function, and the guarded blocks are cut into functions (``_Parts``),
    called in action order."""
    names = {id(e): emitter.hoisted[id(e)] for e in emitter.order}
    emitter.hoisted = {key: f"L->{name}" for key, name in names.items()}
    out = ["typedef struct {  /* expand()'s per-state locals, as in the Python code */"]
    out += [f"    V {names[id(e)]};" for e in emitter.order]
    out += ["    V unused;  /* (never empty) */", "} Locals;", ""]
    lazy = [e for e in emitter.order if id(e) in emitter.lazy]
    out += [f"static NOINLINE V lazy_{names[id(e)]}(Search *c, const uint8_t *s, Locals *L);" for e in lazy]
    out.append("")
    for e in lazy:
        local = emitter.hoisted.pop(id(e))
        out += [f"static NOINLINE V lazy_{names[id(e)]}(Search *c, const uint8_t *s, Locals *L)", "{",
                f"    return {local} = {emitter.expr(e)};", "}", ""]
        emitter.hoisted[id(e)] = local

    blocks = []
    for index, conjuncts, writes in traced.enabled_blocks():
        action = traced.actions[index]
        lines = [_comment(f"{index}: {action.actor} {action.name} {action.params}")]
        # what the writes share is computed once, as in the Python code
        temps = emitter.shared_in([x for _, offset, value in writes for x in (offset, value)])
        for n, node in enumerate(temps):
            lines.append(f"const V w{n} = {emitter.expr(node)};")
            emitter.hoisted[id(node)] = f"w{n}"
        lines += ["b = new_successor(c);", "memcpy(b, s, STATE_SIZE);"]
        lines += [emitter.write(field, offset, value) for field, offset, value in writes]
        for node in temps:
            del emitter.hoisted[id(node)]
        if action.is_fault:
            lines.append(f"add_successor(c, {index}, 0);")
        else:
            lines += [f"add_successor(c, {index}, 1);", "quiescent = 0;"]
        blocks.append(([emitter.expr(c, True) for c in conjuncts], lines))

    parts = _Parts()
    calls = parts.calls(_nest_guards_c(blocks))
    for function in parts.functions:
        out += function

    body = ["Locals locals, *L = &locals;"]
    body += [f"{emitter.hoisted[id(e)]} = UNSET;" for e in lazy]
    for e in emitter.order:
        if id(e) not in emitter.lazy:
            local = emitter.hoisted.pop(id(e))
            body.append(f"{local} = {emitter.expr(e)};")
            emitter.hoisted[id(e)] = local
    body.append("int quiescent = 1;")
    body += calls
    body.append("return quiescent;")
    return out + _CEmitter.function("static int expand(Search *c, const uint8_t *s)", body)


def _predicate_function(i: int, name: str, e, emitter: _CEmitter) -> list[str]:
    # as the Python predicates: no per-state locals
    saved, emitter.hoisted = emitter.hoisted, {}
    saved_lazy, emitter.lazy = emitter.lazy, set()
    try:
        body = [f"return {emitter.expr(e, True)} ? 1 : 0;"]
    finally:
        emitter.hoisted, emitter.lazy = saved, saved_lazy
    return [_comment(name)] + emitter.function(f"static int predicate_{i}(Search *c, const uint8_t *s)", body)


def generate_source(traced: TracedModel, names: list[str], invariants: list[int], eventually: list[int],
                    overflow: int | None) -> str:
    """The whole C source: the model's constants, the search loop, the model's functions.

    ``names`` are the predicates' names (for comments); ``invariants`` and ``eventually`` the
    indices of the properties of each kind (property i is predicate i); ``overflow`` the index of
    the capacity predicate, if any."""
    emitter = _CEmitter(traced.domains, check_every_write=os.environ.get(CHECK_EVERY_WRITE_ENV) == "1")
    plan_hoisting(traced, emitter)
    n_props = len(invariants) + len(eventually)
    out = [
        "/* Generated by semcheck (checker/native.py) from one model; do not edit. */",
        f"#define STATE_SIZE {traced.state_size}",
        f"#define N_ACTIONS {len(traced.actions)}",
        f"#define N_PROPS {n_props}",
        "",
        RUNTIME.read_text(encoding="utf-8"),
        "/* ---- the model ---- */",
        "",
        "static const uint8_t DOMAIN[STATE_SIZE] = {" + ", ".join(map(str, traced.domains)) + "};",
        "",
    ]
    for i, e in enumerate(traced.predicates):
        out += _predicate_function(i, names[i], e, emitter) + [""]
    checks = [f"if (c->found[{i}] < 0 && !predicate_{i}(c, s))" for i in invariants]
    body = [line for check, i in zip(checks, invariants) for line in (check, f"    found(c, {i}, id);")]
    if overflow is not None:
        body += [f"if (predicate_{overflow}(c, s))", "    cut(c, id);"]
    out += emitter.function("static void check_new_state(Search *c, const uint8_t *s, int64_t id)",
                            body or ["(void)c, (void)s, (void)id;"]) + [""]
    body = [line for i in eventually
            for line in (f"if (c->found[{i}] < 0 && !predicate_{i}(c, s))", f"    found(c, {i}, id);")]
    out += emitter.function("static void check_quiescent(Search *c, const uint8_t *s, int64_t id)",
                            body or ["(void)c, (void)s, (void)id;"]) + [""]
    out += _expand_functions(traced, emitter)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Building and loading the library
# ---------------------------------------------------------------------------------------------

_loaded: dict[str, "NativeModel"] = {}  # by source hash: a process loads each library once


def _cache_dir() -> Path:
    """$XDG_CACHE_HOME/semcheck or ~/.cache/semcheck; a temporary directory if that is not
    writable, or would be inside this repository."""
    repo = Path(__file__).resolve().parent.parent
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for candidate in (Path(base) / "semcheck", Path(tempfile.gettempdir()) / f"semcheck-{os.getuid()}"):
        try:
            candidate = candidate.resolve()
            if candidate == repo or repo in candidate.parents:
                continue
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    raise NativeUnsupported("no writable cache directory")


def _compiler() -> str | None:
    return shutil.which(os.environ.get("CC") or "cc") or shutil.which("gcc") or shutil.which("clang")


def backend_choice() -> str:
    """``python``, ``native`` (compile first if needed) or ``auto`` (the default), from
    SEMCHECK_BACKEND."""
    value = os.environ.get(BACKEND_ENV, "").strip().lower()
    return value if value in ("python", "native") else "auto"


class NativeBuild:
    """The C search of one model: its library loaded from the cache, or compiled in the
    background (``start``/``ready``/``cancel``) or in the foreground (``wait``).

    Compiling takes seconds, more than many whole searches, so by default (``explicit.py``) the
    Python search starts at once and the compiler only once that search turns out not to be
    small; the C search takes over when the library is ready, if the Python one is still
    running.  The library is written atomically, so concurrent runs never load half a file."""

    def __init__(self, source: str, state_size: int, n_props: int, compiler: str):
        self.source, self.state_size, self.n_props = source, state_size, n_props
        self.compiler = compiler
        key = hashlib.sha256("\0".join([compiler, *CFLAGS, source]).encode()).hexdigest()[:32]
        self.key = key
        self.directory = _cache_dir()
        self.library = self.directory / f"model-{key}.so"
        self.process: subprocess.Popen | None = None
        self.log = None
        self.partial = self.directory / f"model-{key}.so.{os.getpid()}.tmp"
        self.failed = ""  # why the library cannot be had
        self.model: NativeModel | None = _loaded.get(key)

    @property
    def started(self) -> bool:
        return self.process is not None or self.model is not None or bool(self.failed)

    def cached(self) -> "NativeModel | None":
        """The model if its library is loaded or in the cache (never compiles)."""
        if self.model is None and not self.failed and self.library.exists():
            self._load()
        return self.model

    def start(self) -> None:
        """Start the compiler in the background (if the library is not there already)."""
        if self.started or self.cached() is not None:
            return
        try:
            c_file = self.directory / f"model-{self.key}.c"
            partial_c = self.directory / f"model-{self.key}.c.{os.getpid()}.tmp"
            partial_c.write_text(self.source)
            os.replace(partial_c, c_file)
            self.log = tempfile.TemporaryFile()
            # a session (process group) of its own: the driver runs cc1 and as as children, and
            # cancel() must stop them too, or they go on compiling after the search has ended
            self.process = subprocess.Popen([self.compiler, *CFLAGS, "-o", str(self.partial), str(c_file)],
                                            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                            start_new_session=True)
        except OSError as err:
            self._fail(f"cannot run {self.compiler}: {err}")

    def ready(self) -> "NativeModel | None":
        """The model once the library is compiled and loaded; ``None`` while the compiler runs
        (or when it failed: see ``failed``)."""
        if self.model is None and self.process is not None and self.process.poll() is not None:
            self._finish()
        return self.model

    def wait(self) -> "NativeModel | None":
        """The model, compiling it first if needed; ``None`` if that fails."""
        self.start()
        if self.process is not None:
            self.process.wait()
            self._finish()
        return self.model

    def cancel(self) -> None:
        """Stop a compilation still running (the Python search finished first)."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # the driver and its cc1/as children
            except ProcessLookupError:
                pass
            self.process.wait()
        self._cleanup()

    def _finish(self) -> None:
        returncode = self.process.returncode
        if returncode == 0:
            try:
                os.replace(self.partial, self.library)
            except OSError as err:
                self._fail(f"cannot store the library: {err}")
            else:
                self._load()
        else:
            self.log.seek(0)
            self._fail(f"{self.compiler} failed: {self.log.read().decode(errors='replace').strip()[:2000]}")
        self._cleanup()

    def _load(self) -> None:
        try:
            self.model = _loaded[self.key] = NativeModel(ctypes.CDLL(str(self.library)), self.state_size,
                                                         self.n_props)
        except (OSError, AttributeError) as err:
            self._fail(f"cannot load {self.library}: {err}")

    def _fail(self, why: str) -> None:
        global last_failure
        self.failed = last_failure = why

    def _cleanup(self) -> None:
        self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None
        self.partial.unlink(missing_ok=True)


def prepare_native(traced: TracedModel, names: list[str], invariants: list[int], eventually: list[int],
                   overflow: int | None) -> NativeBuild | None:
    """The C search for this model and these properties (not compiled yet), or ``None`` when the
    Python search must run: SEMCHECK_BACKEND=python, no compiler, or a model the C emitter cannot
    translate exactly (``last_failure`` says which)."""
    global last_failure
    if backend_choice() == "python":
        last_failure = f"{BACKEND_ENV}=python"
        return None
    compiler = _compiler()
    if compiler is None:
        last_failure = "no C compiler"
        return None
    try:
        source = generate_source(traced, names, invariants, eventually, overflow)
        return NativeBuild(source, traced.state_size, len(invariants) + len(eventually), compiler)
    except (NativeUnsupported, RecursionError) as err:
        last_failure = str(err) or type(err).__name__
        return None
    except OSError as err:  # the C runtime did not install with the package: search in Python
        last_failure = f"cannot read the C runtime: {err}"
        return None


class NativeModel:
    """A loaded library: starts searches."""

    def __init__(self, lib: ctypes.CDLL, state_size: int, n_props: int):
        p, i64, i32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
        signatures = {
            "search_new": (p, [i64, i32, i64]),
            "search_free": (None, [p]),
            "search_add_initial": (i32, [p, ctypes.c_char_p]),
            "search_set_keep_edges": (None, [p, i32]),
            "search_run": (i32, [p]),
            "search_counter": (i64, [p, i32]),
            "search_found": (i64, [p, i32]),
            "search_array": (p, [p, i32]),
            "search_lookup": (i64, [p, ctypes.c_char_p]),
        }
        for name, (restype, argtypes) in signatures.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = restype, argtypes
        self.lib = lib
        self.state_size = state_size
        self.n_props = n_props

    def search(self, max_states: int | None, keep_edges: bool, progress_every: int) -> "NativeSearch":
        limit = max_states if max_states is not None else (1 << 63) - 1
        handle = self.lib.search_new(limit, int(keep_edges), progress_every)
        if not handle:
            raise MemoryError("native search")
        return NativeSearch(self, handle)


class NativeSearch:
    """One breadth-first search in C.  ``run()`` continues it until it stops or reaches a progress
    point; the finished search is read through ``store()``.  ``close()`` frees it (and invalidates
    every view ``store()`` gave)."""

    def __init__(self, model: NativeModel, handle: int):
        self.model = model
        self.lib = model.lib
        self.handle = handle

    def add_initial(self, state: bytes) -> None:
        if len(state) != self.model.state_size:
            raise NativeSearchFailed(f"an initial state of {len(state)} bytes, not {self.model.state_size}")
        if self.lib.search_add_initial(self.handle, state):
            self._failed()

    def run(self) -> int:
        status = self.lib.search_run(self.handle)
        if status == STOP_ERROR:
            self._failed()
        return status

    def _failed(self):
        err = self.counter(ERROR)
        if err == 6:
            raise MemoryError("native search: out of memory")
        raise NativeSearchFailed(f"{ERRORS.get(err, err)} (expanding state {self.counter(ERROR_STATE)})")

    def counter(self, which: int) -> int:
        return self.lib.search_counter(self.handle, which)

    def found(self) -> dict[int, int]:
        """Property -> the first state found that breaks it."""
        ids = (self.lib.search_found(self.handle, i) for i in range(self.model.n_props))
        return {i: sid for i, sid in enumerate(ids) if sid >= 0}

    def set_keep_edges(self, keep: bool) -> None:
        self.lib.search_set_keep_edges(self.handle, int(keep))

    def store(self) -> "NativeStore":
        return NativeStore(self)

    def close(self) -> None:
        if self.handle:
            self.lib.search_free(self.handle)
            self.handle = None

    def __del__(self):
        self.close()


def _int64_view(address: int | None, n: int):
    """A ``c_int64`` array over C memory (indexable, with the buffer protocol numpy reads)."""
    if not n:
        return (ctypes.c_int64 * 0)()
    return (ctypes.c_int64 * n).from_address(address)


class NativeStore:
    """The states of a finished native search, read in place, with the interface of
    ``explicit.StateStore`` that ``liveness.py`` and ``trace.py`` use."""

    def __init__(self, search: NativeSearch):
        n = search.counter(N_STATES)
        self.search = search
        self.states = _States(search.lib.search_array(search.handle, STATES), n, search.model.state_size)
        self.parent = _int64_view(search.lib.search_array(search.handle, PARENT), n)
        self.via = _int64_view(search.lib.search_array(search.handle, VIA), n)
        edges = search.counter(N_EDGES)
        self.edge_src = _int64_view(search.lib.search_array(search.handle, EDGE_SRC), edges)
        self.edge_dst = _int64_view(search.lib.search_array(search.handle, EDGE_DST), edges)
        self.index = _Index(search)

    def __len__(self):
        return len(self.states)


class _States:
    """State i as ``bytes``, copied out of the C arena on access."""

    def __init__(self, address: int | None, n: int, size: int):
        self.address, self.n, self.size = address, n, size

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        i = int(i)
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError("state id out of range")
        return ctypes.string_at(self.address + i * self.size, self.size)

    def __iter__(self):
        return (self[i] for i in range(self.n))


class _Index:
    """State bytes -> id, as the Python search's dict (for lasso cycles in traces)."""

    def __init__(self, search: NativeSearch):
        self.search = search

    def get(self, state: bytes, default=None):
        if len(state) != self.search.model.state_size:
            return default
        sid = self.search.lib.search_lookup(self.search.handle, state)
        return default if sid < 0 else sid

    def __getitem__(self, state: bytes) -> int:
        sid = self.get(state)
        if sid is None:
            raise KeyError(state)
        return sid

    def __contains__(self, state) -> bool:
        return self.get(state) is not None

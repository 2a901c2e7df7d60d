"""The native (C) search must give exactly what the Python search gives.

``checker/native.py`` emits C from the same traced model as ``checker/compile.py`` and runs the
same breadth-first loop (``checker/native_bfs.c``).  Traces are read from parent pointers, so
"the same results" means the same states numbered in the same order: these tests compare whole
reports (verdicts, reasons, every step of every trace, state and transition counts, depth, why the
search stopped), leaving out only the wall-clock figures and the backend's name.

Without a C compiler the Python search runs and these tests are skipped (there is nothing native
to compare).
"""

from __future__ import annotations

import pytest

import semcheck
from semcheck.checker import native
from semcheck.checker.explicit import ExplicitSearch
from semcheck.checker.result import INCONCLUSIVE, Stop
from semcheck.properties import ALL_PROPERTIES

pytestmark = pytest.mark.skipif(native._compiler() is None, reason="no C compiler: only the Python search runs")

# (settings, verify() keyword arguments): violations with traces, exhaustive holds with the
# liveness analysis over the native edge arrays, lassos, transactions, cuts by --max-states.
CASES = [
    ({"acks": "1", "retries": "3"}, dict(messages=2, max_faults=1)),
    ({}, dict(messages=2, max_faults=1, faults=["broker-crash", "network"])),
    ({"enable.idempotence": "false", "max.in.flight.requests.per.connection": "2"},
     dict(messages=2, max_faults=1, faults=["broker-crash"])),
    ({"acks": "0"}, dict(messages=1, max_faults=1, faults=["network"], max_states=10_000)),
    ({}, dict(commit="auto", processing="async", messages=2, max_faults=1, faults=["consumer-crash"])),
    ({"transactional.id": "t", "isolation.level": "read_committed"},
     dict(commit="transactional", messages=1, max_faults=1)),
    ({}, dict(messages=2, max_faults=1, faults=["network"], max_states=100)),
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("semcheck-cache")


def report(result) -> dict:
    """The whole report without wall-clock figures or the backend's name."""
    data = result.as_dict()
    for key in ("seconds", "states_per_second", "backend"):
        data["stats"].pop(key, None)
    return data


def run(monkeypatch, cache_dir, backend: str, settings, kwargs):
    monkeypatch.setenv("SEMCHECK_BACKEND", backend)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_dir))
    return semcheck.verify(settings, **kwargs)


@pytest.mark.parametrize("settings,kwargs", CASES, ids=[str(i) for i in range(len(CASES))])
def test_native_and_python_searches_give_the_same_report(monkeypatch, cache_dir, settings, kwargs):
    in_python = run(monkeypatch, cache_dir, "python", settings, kwargs)
    in_c = run(monkeypatch, cache_dir, "native", settings, kwargs)
    assert in_python.stats.backend == "python"
    assert in_c.stats.backend == "native", native.last_failure
    assert report(in_c) == report(in_python)


def test_a_search_cut_by_max_states_is_inconclusive_in_c_too(monkeypatch, cache_dir):
    r = run(monkeypatch, cache_dir, "native", {}, dict(messages=2, max_faults=1, faults=["network"],
                                                       max_states=100))
    assert r.stats.backend == "native"
    assert {p.verdict for p in r.results} == {INCONCLUSIVE}
    assert not r.stats.complete and r.stats.stopped_by == Stop.MAX_STATES


def test_log_capacity_cuts_runs_in_c_as_in_python(monkeypatch, cache_dir):
    """States past the model's log capacity are never expanded, and the verdict is inconclusive."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_dir))
    outcomes = {}
    for backend in ("python", "native"):
        monkeypatch.setenv("SEMCHECK_BACKEND", backend)
        model = semcheck.build_model({}, faults=["network"], max_faults=1, messages=2)
        model.capacity = 1  # too small for two messages
        model.layout = model._declare_layout()
        found = ExplicitSearch(model, [ALL_PROPERTIES["no-duplicate"]]).run()
        stats, results = found.stats, found.results
        assert stats.backend == backend
        outcomes[backend] = (stats.states, stats.transitions, stats.complete, results[0].verdict,
                             results[0].reason)
    assert outcomes["native"] == outcomes["python"]
    assert outcomes["native"][3] == INCONCLUSIVE and outcomes["native"][4].details["stop"] == Stop.MODEL_BOUND


def test_a_compiled_model_is_loaded_from_the_cache_the_second_time(monkeypatch, cache_dir):
    monkeypatch.setenv("SEMCHECK_BACKEND", "native")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_dir))
    semcheck.verify({"acks": "1"}, messages=1, max_faults=1, faults=["broker-crash"])
    native._loaded.clear()  # as a new process: nothing loaded, only the file on disk
    libraries = sorted((cache_dir / "semcheck").glob("model-*.so"))
    r = semcheck.verify({"acks": "1"}, messages=1, max_faults=1, faults=["broker-crash"])
    assert r.stats.backend == "native"
    assert sorted((cache_dir / "semcheck").glob("model-*.so")) == libraries  # nothing compiled again


def test_without_a_compiler_the_python_search_runs(monkeypatch, cache_dir):
    monkeypatch.setenv("SEMCHECK_BACKEND", "native")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_dir))
    monkeypatch.setattr(native, "_compiler", lambda: None)
    native._loaded.clear()
    r = semcheck.verify({"acks": "0"}, messages=1, max_faults=1, faults=["network"])
    assert r.stats.backend == "python" and native.last_failure == "no C compiler"


def test_without_the_c_runtime_the_python_search_runs(monkeypatch, cache_dir, tmp_path):
    monkeypatch.setenv("SEMCHECK_BACKEND", "native")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_dir))
    monkeypatch.setattr(native, "RUNTIME", tmp_path / "missing.c")
    native._loaded.clear()
    r = semcheck.verify({"acks": "0"}, messages=1, max_faults=1, faults=["network"])
    assert r.stats.backend == "python" and "cannot read the C runtime" in native.last_failure


def test_a_failed_check_in_c_hands_the_search_back_to_python(monkeypatch, cache_dir):
    """Where the C code cannot prove a write stays in its field and domain it checks it, and when a
    check fails the Python search redoes the whole search (which raises ModelError where the model
    is broken: tests/test_broken_models.py).  Forced here by making every C write a failing one."""
    monkeypatch.setenv("SEMCHECK_BACKEND", "native")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_dir))
    monkeypatch.setattr(native._CEmitter, "write", _write_checked_against_a_tiny_domain)
    r = semcheck.verify({"acks": "0"}, messages=1, max_faults=1, faults=["network"])
    assert r.stats.backend == "python"
    assert "written value outside 0..255" in native.last_failure
    assert report(r) == report(run(monkeypatch, cache_dir, "python", {"acks": "0"},
                                   dict(messages=1, max_faults=1, faults=["network"])))


def _write_checked_against_a_tiny_domain(self, field, offset, value):
    # every write goes through put(), and a value above 0 fails the check (as a value outside
    # the slot's domain would)
    return f"PUT({field.first_slot}, {field.size}, {self.expr(offset)}, ({self.expr(value)}) > 0 ? 256 : 0);"


def test_cancelling_a_build_stops_the_compilers_children_too(tmp_path, monkeypatch):
    """gcc runs cc1 and as as children; killing only the driver left cc1 compiling a large model
    for minutes after the search had ended (seen as six orphaned cc1 processes slowing the test
    suite).  cancel() stops the whole process group."""
    import os
    import time

    from semcheck.checker.native import NativeBuild

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    child_pid_file = tmp_path / "child.pid"
    compiler = tmp_path / "slow-cc"
    compiler.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {child_pid_file}\nwait\n")
    compiler.chmod(0o755)
    build = NativeBuild("int unused;", state_size=1, n_props=0, compiler=str(compiler))
    build.start()
    for _ in range(100):
        if child_pid_file.exists() and child_pid_file.read_text().strip():
            break
        time.sleep(0.05)
    child = int(child_pid_file.read_text())
    os.kill(child, 0)  # the "cc1" runs
    build.cancel()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the compiler's child outlived cancel()")

"""Inputs that used to mislead (issue 12, "Every input problem fixed"): an empty --faults, a closed
stdout, Ctrl-C, options the chosen engine ignores, --engine both hiding a half that gave up, huge
values echoed in errors, strings where the API wants lists, unbounded memory, silent CI logs, and
--dot of a huge graph.

Each test checks what a user depends on: the exit status, one short line on stderr, no traceback,
and never ``holds`` where nothing was proved.  The interrupt tests run the installed console script
in a real process and send SIGINT once its first ``--progress`` line is on stderr (so the search is
known to have started; no sleep decides the timing).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

import semcheck
from semcheck.api import DEFAULT_MAX_MEMORY
from semcheck.checker.result import HOLDS, INCONCLUSIVE, Stats, Stop
from semcheck.cli import _interrupted, main, parse_size
from semcheck.model.config import ConfigError
from semcheck.model.errors import cut_long_values
from semcheck.progress import LastStats, ProgressLog

HOLDING = ["--faults", "none", "--messages", "2"]  # everything holds (71 states)
VIOLATING = ["--acks", "1", "--retries", "3", "--messages", "2", "--max-faults", "1", "--faults", "broker-crash"]


def run(*args: str):
    return CliRunner().invoke(main, ["verify", *args])


def one_error_line(res) -> str:
    assert res.exit_code == 2, res.output
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("semcheck: error: "), res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""
    return lines[0]


def _script() -> list[str]:
    exe = shutil.which("semcheck") or os.path.join(os.path.dirname(sys.executable), "semcheck")
    if not os.path.exists(exe):
        pytest.skip("the semcheck console script is not installed")
    return [exe]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CI", None)
    return env


# ------------------------------------------------------------------------------------------------
# Empty lists
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", " ", ",", " , ", ",,"])
def test_an_empty_faults_list_is_an_error_not_no_faults(text):
    """An unset variable in a CI job (--faults "$FAULTS") must not check a fault-free model."""
    line = one_error_line(run("--faults", text, "--messages", "1"))
    assert "--faults" in line and "none" in line


def test_none_is_the_explicit_way_to_check_without_faults():
    res = run("--faults", "none", "--messages", "1")
    assert res.exit_code == 0, res.output
    assert "Bounds: 1 message, no faults" in res.stdout or "no faults" in res.stdout


@pytest.mark.parametrize("text", ["none,network", "network,all"])
def test_none_and_all_cannot_be_mixed_with_classes(text):
    assert "cannot be listed" in one_error_line(run("--faults", text, "--messages", "1"))


@pytest.mark.parametrize("args", [["--property", ""], ["--property", " , "], ["--split", ""],
                                  ["--split", ","], ["-X", ""], ["-X", "=1"]])
def test_other_empty_list_options_are_errors(args):
    one_error_line(run(*args, "--messages", "1", "--faults", "none"))


# ------------------------------------------------------------------------------------------------
# A closed stdout keeps the verdict's exit status
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, status", [(HOLDING, 0), (VIOLATING, 1)])
def test_a_closed_stdout_keeps_the_exit_status(args, status):
    """`semcheck verify ... | true`: the reader is gone before the report is written."""
    proc = subprocess.Popen(_script() + ["verify", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_env())
    proc.stdout.close()  # like `| true`: nobody reads
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == status
    assert stderr == ""  # no traceback, no "Exception ignored ... BrokenPipeError"


def test_head_keeps_the_exit_status_of_a_violation():
    shell = f"{_script()[0]} verify {' '.join(VIOLATING)} | head -1; exit ${{PIPESTATUS[0]}}"
    proc = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env=_env(), timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("semcheck ") and len(proc.stdout.splitlines()) == 1
    assert proc.stderr == ""


# ------------------------------------------------------------------------------------------------
# Ctrl-C: a clear line, the statistics so far, exit 130, never a verdict
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    # 5 messages, 3 faults: millions of states, minutes of search
    (["--messages", "5", "--max-faults", "3"], "states to depth"),
    # the symbolic engine at 2 messages and 2 faults takes minutes.  A SIGINT that lands in a Z3
    # object's destructor is swallowed by Python: the CLI remembers it and raises it again at the next
    # progress report, and its unraisable hook keeps Python's "Exception ignored in AstRef.__del__"
    # traceback off stderr (cli.py, _quiet_swallowed_interrupts)
    (["--messages", "2", "--max-faults", "2", "--engine", "symbolic"], "unrolling paths to depth"),
])
def test_ctrl_c_ends_with_the_statistics_so_far_and_exit_130(args, words):
    """The test waits for the first --progress line (the search has started and reported), then
    sends SIGINT, as a terminal's Ctrl-C does."""
    proc = subprocess.Popen(_script() + ["verify", *args, "--progress"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())
    try:
        first = proc.stderr.readline()
        assert first.startswith("semcheck: progress: "), first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert out == ""  # no report, so no verdict at all
    lines = err.strip().splitlines()
    assert lines[-1].startswith("semcheck: interrupted: the search was stopped after ")
    assert words in lines[-1] and lines[-1].endswith("; no verdict")
    assert "Traceback" not in err and "holds" not in err


def test_an_interrupt_swallowed_in_a_destructor_prints_no_traceback_and_other_errors_still_do():
    import sys
    from types import SimpleNamespace

    from semcheck.cli import _quiet_swallowed_interrupts

    seen = []

    def record(unraisable):
        seen.append(unraisable)

    original = sys.unraisablehook
    sys.unraisablehook = record
    try:
        previous = _quiet_swallowed_interrupts()
        assert previous is record
        interrupt = SimpleNamespace(exc_type=KeyboardInterrupt, exc_value=KeyboardInterrupt(), exc_traceback=None,
                                    err_msg=None, object=None)
        other = SimpleNamespace(exc_type=ValueError, exc_value=ValueError("x"), exc_traceback=None, err_msg=None,
                                object=None)
        sys.unraisablehook(interrupt)
        sys.unraisablehook(other)
        assert seen == [other]
    finally:
        sys.unraisablehook = original


def test_an_error_that_an_interrupt_caused_inside_a_c_call_ends_as_the_interrupt(monkeypatch, capsys):
    """A SIGINT that lands while ctypes converts a Z3 call's arguments comes out as ctypes.ArgumentError
    (seen under load in the symbolic Ctrl-C test): after Ctrl-C, the run ends with the interrupt line
    and exit 130, not a traceback and exit 1.  Without Ctrl-C the same error is still a bug shown as one."""
    import ctypes

    import semcheck.cli as cli
    from semcheck.progress import LastStats

    def search_interrupted_in_ctypes(*args, progress, **kwargs):
        progress.interrupted = True  # what LastStats.on_sigint records
        raise ctypes.ArgumentError("argument 1: KeyboardInterrupt: ")

    monkeypatch.setattr(cli, "run_verify", search_interrupted_in_ctypes)
    res = CliRunner().invoke(cli.main, ["verify", "--messages", "1", "--faults", "none"])
    assert res.exit_code == 130 and "semcheck: interrupted: the search was stopped" in res.stderr

    def search_failing(*args, progress, **kwargs):
        raise ctypes.ArgumentError("argument 1: a bug")

    monkeypatch.setattr(cli, "run_verify", search_failing)
    res = CliRunner().invoke(cli.main, ["verify", "--messages", "1", "--faults", "none"])
    assert isinstance(res.exception, ctypes.ArgumentError) and res.exit_code == 1
    assert LastStats().interrupted is False


def test_the_interrupt_line_without_statistics_and_with_symbolic_ones(capsys):
    assert _interrupted(LastStats()) == 130
    assert capsys.readouterr().err == ("semcheck: interrupted: the search was stopped before its first "
                                       "progress report; no verdict\n")
    last = LastStats()
    last(Stats(engine="symbolic", depth=7, seconds=12.34))
    assert _interrupted(last) == 130
    assert "after unrolling paths to depth 7 in 12.3 s; no verdict" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------
# Options the chosen engine ignores are errors
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, needle", [
    (["--depth", "5"], "--depth does not apply to the explicit engine"),
    (["--engine", "symbolic", "--max-states", "100"], "--max-states does not apply to the symbolic engine"),
    (["--engine", "symbolic", "--dot", "g.dot"], "--dot (keep_graph) does not apply to the symbolic engine"),
    (["--engine", "symbolic", "--max-memory", "1G"], "--max-memory does not apply to the symbolic engine"),
    (["--engine", "symbolic", "--max-memory", "6G"], "--max-memory does not apply to the symbolic engine"),
])
def test_an_option_the_engine_ignores_is_an_error(args, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert needle in one_error_line(run(*args, "--messages", "1", "--faults", "none"))
    assert not (tmp_path / "g.dot").exists()


def test_the_api_refuses_them_too():
    with pytest.raises(ConfigError, match="--depth does not apply to the explicit engine"):
        semcheck.verify(messages=1, faults=[], depth=3)
    with pytest.raises(ConfigError, match="--max-states does not apply to the symbolic engine"):
        semcheck.verify(messages=1, faults=[], engine="symbolic", max_states=10)
    with pytest.raises(ConfigError, match="keep_graph"):
        semcheck.verify(messages=1, faults=[], engine="symbolic", keep_graph=True)


def test_both_engines_take_the_limits_of_each():
    res = run("--messages", "1", "--faults", "none", "--engine", "both", "--depth", "3", "--max-states", "100000")
    assert res.exit_code == 0, res.output


# ------------------------------------------------------------------------------------------------
# --engine both shows what each engine said
# ------------------------------------------------------------------------------------------------

BOTH_CUT = ["--acks", "1", "--messages", "1", "--max-faults", "1", "--faults", "broker-crash",
            "--engine", "both", "--depth", "3"]  # the symbolic half stops at depth 3, undecided


def test_both_engines_text_names_each_engines_answer():
    res = run(*BOTH_CUT)
    assert res.exit_code == 1, res.output
    lines = res.stdout.splitlines()
    header = next(line for line in lines if line.startswith("Property "))
    assert header.split()[-1] == "Engines"
    row = next(line for line in lines if line.startswith("in-order "))
    assert row.split()[1] == "holds"
    assert row.endswith("explicit holds, symbolic inconclusive")


def test_both_engines_json_names_each_engines_answer():
    res = run(*BOTH_CUT, "--format", "json")
    data = json.loads(res.stdout)
    in_order = next(r for r in data["results"] if r["property"] == "in-order")
    assert in_order["verdict"] == HOLDS
    assert {name: e["verdict"] for name, e in in_order["engines"].items()} == {
        "explicit": HOLDS, "symbolic": INCONCLUSIVE}
    assert in_order["why"]["kind"] == "one-engine-decided" and in_order["why"]["decided_by"] == "explicit"
    assert [s["engine"] for s in data["engine_stats"]] == ["explicit", "symbolic"]


# ------------------------------------------------------------------------------------------------
# Long values are cut in messages
# ------------------------------------------------------------------------------------------------

BIG = "a" * 5_000_000


@pytest.mark.parametrize("args", [["-X", f"acks={BIG}"], ["-X", f"{BIG}=1"], ["--commit", BIG],
                                  ["--faults", BIG], ["--acks", BIG], ["--property", BIG],
                                  ["--broker-version", BIG], ["--max-memory", BIG]])
def test_a_5_mb_value_gives_a_short_error(args):
    line = one_error_line(run(*args, "--messages", "1"))
    assert len(line) < 600, line[:700]
    assert "5,000,000 characters" in line  # says how long the value was


def test_cutting_keeps_short_values_and_paths_whole():
    path = "/tmp/" + "d" * 150 + "/producer.properties"
    text = f"--config {path!r} line 3: invalid value 'x' for acks"
    assert cut_long_values(text) == text
    cut = cut_long_values(f"invalid value {'b' * 1000!r} for acks")
    assert cut == "invalid value '" + "b" * 80 + "...' (1,000 characters) for acks"


def test_cutting_twice_changes_nothing():
    """A ConfigError's text is cut when it is raised and again in the CLI's error line: the second
    pass must not cut the middle once more (and hide how much the first pass cut)."""
    text = " ".join(["v" * 150] * 30)
    once = cut_long_values(text)
    assert len(once) <= 2000 and f"({len(text) - 2 * ((2000 - 60) // 2):,} characters cut)" in once
    assert cut_long_values(once) == once


# ------------------------------------------------------------------------------------------------
# The API rejects a string where a list is meant
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, name", [
    ({"faults": "network"}, "faults"),
    ({"split": "hw-at-once"}, "split"),
    ({"properties": "no-loss"}, "properties"),
])
def test_the_api_rejects_a_string_for_a_list(kwargs, name):
    with pytest.raises(ConfigError) as err:
        semcheck.verify(messages=1, max_faults=1, **kwargs)
    message = str(err.value)
    assert message.startswith(f"{name} must be a list") and f"{name}=[{next(iter(kwargs.values()))!r}]" in message


@pytest.mark.parametrize("settings", ["acks=1", ["acks"]])
def test_the_api_rejects_settings_that_are_no_mapping(settings):
    with pytest.raises(ConfigError, match="settings must be a mapping of Kafka keys to values"):
        semcheck.verify(settings, messages=1, max_faults=1)


def test_build_model_rejects_a_string_for_faults_and_takes_all():
    with pytest.raises(ConfigError, match="faults must be a list"):
        semcheck.build_model(faults="network")
    assert semcheck.build_model(messages=1, faults="all", split="all").bounds.faults
    model = semcheck.build_model(messages=1, faults=["network"], split=["hw-at-once"])
    assert model.bounds.faults == ("network",) and not model.merged("hw-at-once")


# ------------------------------------------------------------------------------------------------
# --max-memory
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, size", [("2G", 2 * 2**30), ("500M", 500 * 2**20), ("1.5GiB", 3 * 2**29),
                                        ("800mb", 800 * 2**20), ("1048576", 2**20), ("none", None)])
def test_memory_sizes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "2X", "-1G", ""])
def test_a_bad_memory_size_is_an_error(text):
    assert "--max-memory" in one_error_line(run("--max-memory", text, "--messages", "1"))


def test_a_limit_below_the_minimum_is_an_error():
    assert "at least 64 MB" in one_error_line(run("--max-memory", "10M", "--messages", "1"))


def test_the_memory_limit_stops_the_search_inconclusive_never_holds():
    """64 MB is below what the Python process itself holds: the search stops at its first
    progress point (16,384 expansions), and what would hold is inconclusive."""
    small = dict(messages=2, max_faults=2, faults=["network", "follower-lag"])
    full = semcheck.verify(**small)
    assert full.stats.states > 16_384 and all(r.verdict == HOLDS for r in full.results)
    cut = semcheck.verify(**small, max_memory=64 * 2**20)
    assert cut.stats.stopped_by == Stop.MAX_MEMORY and not cut.stats.complete
    assert all(r.verdict == INCONCLUSIVE for r in cut.results)
    assert cut.exit_code == 3
    assert "--max-memory" in cut.explain("no-loss")


def test_the_default_memory_limit_is_documented():
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
    assert f"--max-memory` (default {DEFAULT_MAX_MEMORY // 2**30}G" in readme


# ------------------------------------------------------------------------------------------------
# --progress in non-interactive runs
# ------------------------------------------------------------------------------------------------

def test_progress_lines_in_a_pipe_only_when_asked():
    args = ["verify", "--messages", "2", "--max-faults", "2", "--faults", "network,follower-lag"]
    quiet = subprocess.run(_script() + args, capture_output=True, text=True, env=_env(), timeout=300)
    assert quiet.returncode == 0 and quiet.stderr == ""
    loud = subprocess.run(_script() + args + ["--progress"], capture_output=True, text=True, env=_env(),
                          timeout=300)
    assert loud.returncode == 0 and loud.stdout == quiet.stdout.replace(
        quiet.stdout.split("Explored ")[1].split("\n")[0], loud.stdout.split("Explored ")[1].split("\n")[0])
    lines = loud.stderr.splitlines()
    assert lines and all(line.startswith("semcheck: progress: explored ") for line in lines)
    assert "\r" not in loud.stderr


def test_progress_log_spaces_its_lines():
    import io

    now = [0.0]
    stream = io.StringIO()
    log = ProgressLog(stream, every=10, clock=lambda: now[0])
    for t, states in ((0, 100), (3, 200), (9.9, 300), (10, 400), (25, 500)):
        now[0] = t
        log(Stats(states=states, depth=2, seconds=t or 1))
    log.close()
    lines = stream.getvalue().splitlines()
    assert [line.split()[3] for line in lines] == ["100", "400", "500"]


def test_progress_every_must_be_positive():
    assert "--progress-every" in one_error_line(run("--progress", "--progress-every", "0", "--messages", "1"))


# ------------------------------------------------------------------------------------------------
# --dot guard
# ------------------------------------------------------------------------------------------------

def test_dot_refuses_a_graph_past_its_limit(tmp_path):
    path = tmp_path / "g.dot"
    line = one_error_line(run("--messages", "2", "--faults", "none", "--dot", str(path), "--dot-max-states", "10"))
    assert "more than 10 states" in line and "--dot-max-states" in line
    assert not path.exists()
    res = run("--messages", "2", "--faults", "none", "--dot", str(path), "--dot-max-states", "1000")
    assert res.exit_code == 0, res.output
    assert path.read_text().startswith("digraph semcheck {")


def test_dot_with_a_smaller_max_states_writes_the_partial_graph(tmp_path):
    """--max-states below the guard is the user's own cut: the graph so far is written."""
    path = tmp_path / "g.dot"
    res = run("--messages", "2", "--faults", "none", "--dot", str(path), "--max-states", "20")
    assert res.exit_code == 3, res.output
    assert path.read_text().count(" -> ") > 0

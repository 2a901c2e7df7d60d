"""The pre-commit hook (.pre-commit-hooks.yaml, src/semcheck/pre_commit_hook.py; docs/ci.md): the
manifest as pre-commit's own schema reads it, the hook's entry run as pre-commit runs it (the entry's
words, then the changed files), and how files combine.  Bounds are the hook's defaults (2 messages,
1 fault): each check takes well under a second.  The end-to-end `pre-commit try-repo` run builds a
fresh virtual environment with semcheck's dependencies, so it is marked slow.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pre_commit.clientlib import load_manifest

from semcheck.pre_commit_hook import DEFAULT_PROPERTIES, holds_kafka_settings, main, plan_checks, worst

REPO = Path(__file__).resolve().parent.parent
VIOLATING = "examples/fire-and-forget.properties"  # acks=0: no-acked-loss is violated
PASSING = "examples/at-least-once.properties"  # no-acked-loss and in-order hold
TEAM = "examples/team"
SECRETS = ("example-password-not-real", "example-truststore-password")


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch):
    monkeypatch.chdir(REPO)  # pre-commit runs hooks from the repository root, with relative paths


@pytest.fixture
def log4j(tmp_path) -> str:
    path = tmp_path / "log4j.properties"
    path.write_text("log4j.rootLogger=INFO, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\n")
    return str(path)


def _hook() -> dict:
    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))  # raises InvalidManifestError if invalid
    return hook


def test_the_manifest_is_valid_and_its_hook_runs_the_module_on_properties_files():
    hook = _hook()
    assert hook["id"] == "semcheck" and hook["language"] == "python" and hook["pass_filenames"] is True
    assert shlex.split(hook["entry"]) == ["python", "-m", "semcheck.pre_commit_hook"]
    files = re.compile(hook["files"])
    assert files.search("config/producer.properties") and files.search("server.properties")
    assert not files.search("README.md") and not files.search("producer.properties.bak")


def _run_entry(*words: str) -> subprocess.CompletedProcess:
    """The hook's entry as pre-commit runs it: the entry's words (its `python` is the environment's
    own: here this interpreter), the hook's args, then the files."""
    entry = shlex.split(_hook()["entry"])
    return subprocess.run([sys.executable, *entry[1:], *words], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def test_the_entry_fails_a_violating_file_passes_a_sound_one_and_skips_a_non_kafka_file(log4j):
    res = _run_entry(PASSING, VIOLATING, log4j)
    assert res.returncode == 1
    assert res.stderr == ""
    headers = [line for line in res.stdout.splitlines() if line.startswith("semcheck: ")]
    assert headers == [f"semcheck: skipped {log4j}: no Kafka setting in it", f"semcheck: {PASSING}",
                       f"semcheck: {VIOLATING}"]
    # each file's brief report: its default properties, in order
    verdicts = re.findall(r"^(no-acked-loss|in-order): (holds|VIOLATED)", res.stdout, flags=re.M)
    assert verdicts == [("no-acked-loss", "holds"), ("in-order", "holds"),
                        ("no-acked-loss", "VIOLATED"), ("in-order", "holds")]
    assert [p for p, _ in verdicts[:2]] == list(DEFAULT_PROPERTIES)


def test_a_sound_file_alone_passes(capsys):
    assert main([PASSING]) == 0
    assert "VIOLATED" not in capsys.readouterr().out


def test_only_non_kafka_files_pass_without_a_check(log4j, capsys):
    assert main([log4j]) == 0
    assert capsys.readouterr().out == f"semcheck: skipped {log4j}: no Kafka setting in it\n"


def test_each_changed_file_is_checked_with_the_companions():
    server, topic = f"{TEAM}/server.properties", f"topic:{TEAM}/orders-topic.properties"
    companions = [server, topic]
    checks, skipped = plan_checks([f"{TEAM}/producer.properties", f"{TEAM}/consumer.properties", server,
                                   f"{TEAM}/producer.properties"], companions)
    assert skipped == []
    assert checks == [[f"{TEAM}/producer.properties", *companions], [f"{TEAM}/consumer.properties", *companions],
                      companions]  # the changed companion: the companions alone, once


def test_companions_take_part_in_the_check(capsys):
    # alone, the file passes; with a companion that sets a conflicting acks (same level: both are
    # combined client files) semcheck refuses the pair, naming both files: so the companion was read
    assert main([PASSING, "--with", VIOLATING]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("semcheck: error: ") and PASSING in line and VIOLATING in line


def test_property_replaces_the_default_list(capsys):
    assert main([PASSING, "--property", "no-duplicate"]) == 1  # at-least-once duplicates, by design
    out = capsys.readouterr().out
    assert re.findall(r"^([a-z-]+): (?:holds|VIOLATED)", out, flags=re.M) == ["no-duplicate"]


def test_secrets_in_a_changed_file_reach_no_output(tmp_path, capsys):
    assert main([f"{TEAM}/producer.properties", f"{TEAM}/consumer.properties"]) == 0
    # and in an error about the same file: semcheck names the bad value, never a secret
    broken = tmp_path / "producer.properties"
    broken.write_text((REPO / TEAM / "producer.properties").read_text() + "enable.idempotence=maybe\n")
    assert main([str(broken)]) == 2
    captured = capsys.readouterr()
    assert "enable.idempotence" in captured.err and "maybe" in captured.err
    for secret in SECRETS:
        assert secret not in captured.out + captured.err


@pytest.mark.parametrize("args, error", [
    ([PASSING, "--messages", "x"], "Invalid value for '--messages': 'x' is not a valid integer."),
    ([PASSING, "--verify-args=--no-such-option"], "No such option '--no-such-option'."),
    ([PASSING, "--verify-args=--faults 'network"], "No closing quotation"),
    ([PASSING, "--no-such-hook-option"], "unrecognized arguments: --no-such-hook-option"),
    ([PASSING, VIOLATING, "--property", "no-such-property"], "no-such-property"),
    ([PASSING, "--with", "producer:"], "--with 'producer:': no file after the role producer:"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, error):
    assert main(args) == 2
    (line,) = capsys.readouterr().err.splitlines()  # one line, even with two files to check
    assert line.startswith("semcheck: error: ") and error in line


def test_a_broken_file_is_checked_so_that_semcheck_names_the_problem(tmp_path, capsys):
    broken = tmp_path / "broken.properties"
    broken.write_text("acks=\\u12\n")  # a malformed \uXXXX escape: Java refuses it too
    assert holds_kafka_settings(str(broken))
    assert main([str(broken)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"semcheck: error: {broken}:1")


def test_the_worst_status_wins():
    assert worst([]) == 0 and worst([0, 0]) == 0
    assert worst([3, 1, 0]) == 1 and worst([1, 4]) == 4 and worst([3]) == 3 and worst([1, 2]) == 2


@pytest.mark.slow
def test_pre_commit_try_repo_end_to_end(tmp_path):
    """pre-commit itself installs the hook from this repository (its HEAD and uncommitted changes)
    into a fresh environment and runs it on a repository with a violating and a sound file."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    project.mkdir()
    for name in (VIOLATING, PASSING):
        shutil.copy(REPO / name, project / Path(name).name)
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path)}
    subprocess.run([git, "init", "-q"], cwd=project, check=True, env=env)
    subprocess.run([git, "add", "."], cwd=project, check=True, env=env)
    res = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "semcheck", "--all-files"],
                         cwd=project, capture_output=True, text=True, env=env, timeout=1800)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "no-acked-loss: VIOLATED" in res.stdout
    assert "semcheck: fire-and-forget.properties" in res.stdout and "semcheck: at-least-once.properties" in res.stdout

"""`semcheck verify --config FILE`: a CI job checks the team's real client settings file."""

from __future__ import annotations

import json

from click.testing import CliRunner

from semcheck.cli import main


def run(args):
    return CliRunner().invoke(main, ["verify", *args])


def test_settings_come_from_the_file_and_the_command_line_overrides_them(tmp_path):
    f = tmp_path / "client.properties"
    f.write_text("# producer\nacks = 1\n\nretries: 3\n! consumer\nauto.offset.reset earliest\n"
                 "enable.idempotence=\\\n   false\n")
    r = run(["--config", str(f), "--messages", "1", "--max-faults", "1", "--faults", "network",
             "--format", "json"])
    config = json.loads(r.output)["config"]
    assert config["acks"] == "1" and config["retries"] == 3
    assert config["auto.offset.reset"] == "earliest" and config["enable.idempotence"] is False
    r = run(["--config", str(f), "--acks", "all", "-X", "enable.idempotence=true", "--messages", "1",
             "--max-faults", "1", "--faults", "network", "--format", "json"])
    assert json.loads(r.output)["config"]["acks"] == "all"


def one_error_line(result):
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("semcheck: error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_missing_file(tmp_path):
    assert "nope.properties: no such file" in one_error_line(run(["--config", str(tmp_path / "nope.properties")]))
    assert "is a directory" in one_error_line(run(["--config", str(tmp_path)]))


def test_unknown_key_in_the_file_names_the_closest_one(tmp_path):
    f = tmp_path / "c.properties"
    f.write_text("ack=1\n")
    assert "did you mean 'acks'" in one_error_line(run(["--config", str(f)]))


def test_malformed_and_contradictory_files(tmp_path):
    f = tmp_path / "c.properties"
    f.write_text("acks=1\n=1\n")
    assert f"{f}:2: empty key" in one_error_line(run(["--config", str(f)]))
    f.write_bytes(b"acks=1\n\xff\xfe\x00binary")
    assert f"{f}:2: not a text file" in one_error_line(run(["--config", str(f)]))
    f.write_text("# acks\nacks=maybe\n")
    line = one_error_line(run(["--config", str(f)]))
    assert f"{f}:2: invalid value 'maybe' for acks" in line
    f.write_text("acks=\\u00zz\n")
    assert f"{f}:1: malformed \\uXXXX escape" in one_error_line(run(["--config", str(f)]))


def test_the_example_settings_files_are_valid():
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent / "examples"
    files = sorted(root.glob("*.properties"))
    assert files
    for f in files:
        r = run(["--config", str(f), "--messages", "1", "--max-faults", "1", "--faults", "network"])
        assert r.exit_code in (0, 1), (f, r.output)

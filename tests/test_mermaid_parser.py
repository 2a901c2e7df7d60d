"""The Mermaid diagrams of --format markdown, parsed by Mermaid's own parser (issue 12: each format is
checked with its own tools).  tests/test_formats.py checks their content with a strict parser of the
subset semcheck writes; this test checks that Mermaid itself, the renderer GitHub's job summaries and
JupyterLab use, accepts every diagram.  It needs Node.js and the npm registry: Mermaid and jsdom (a
browser window for Mermaid to load in) are installed once, at pinned versions, into a cache directory
(SEMCHECK_MERMAID_DIR, default ~/.cache/semcheck/mermaid-MERMAID_VERSION).  Without node and npm, or
when the install fails, the test is skipped with the reason."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import semcheck
from semcheck.report import render_markdown

MERMAID_VERSION = "11.17.2"
JSDOM_VERSION = "29.1.1"
PARSE_SCRIPT = Path(__file__).resolve().parent / "mermaid" / "parse.mjs"

# a broken diagram: the parser must refuse it, or the test proves nothing
BROKEN = "```mermaid\nsequenceDiagram\n  participant P as producer\n  P->>: sends m1\n```\n"


def _mermaid_dir() -> Path:
    default = Path.home() / ".cache" / "semcheck" / f"mermaid-{MERMAID_VERSION}"
    where = Path(os.environ.get("SEMCHECK_MERMAID_DIR", default))
    if (where / "node_modules" / "mermaid" / "package.json").exists():
        return where
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("Mermaid's parser needs Node.js and npm, which this machine does not have")
    where.mkdir(parents=True, exist_ok=True)
    install = subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(where),
                              f"mermaid@{MERMAID_VERSION}", f"jsdom@{JSDOM_VERSION}"],
                             capture_output=True, text=True, timeout=600)
    if install.returncode != 0:
        pytest.skip(f"npm could not install mermaid@{MERMAID_VERSION}: {install.stderr.strip()[-300:]}")
    return where


def _parse(paths: list[Path], mermaid_dir: Path) -> list[dict]:
    # the script imports mermaid and jsdom from its working directory's node_modules
    script = mermaid_dir / "parse.mjs"
    shutil.copyfile(PARSE_SCRIPT, script)
    run = subprocess.run(["node", str(script), *map(str, paths)], capture_output=True, text=True, timeout=300,
                         cwd=mermaid_dir)
    assert run.returncode == 0, run.stderr[-2000:]
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_mermaid_parses_every_sequence_diagram_semcheck_writes(tmp_path):
    mermaid_dir = _mermaid_dir()
    checks = {
        # producer, three brokers and the consumer; faults marked; a repeated trace named once
        "acks1": semcheck.verify({"acks": "1"}, messages=2, max_faults=1),
        # every fault class, two faults, acks=0
        "all-faults": semcheck.verify({"acks": "0"}, messages=2, max_faults=2),
        # the transaction coordinator as a participant; an application abort
        "transactional": semcheck.verify({"transactional.id": "t"}, commit="transactional", messages=2,
                                         max_faults=1, faults=["network", "app-abort", "broker-crash"]),
        # librdkafka's transactional producer, whose steps say other things
        "librdkafka": semcheck.verify({"transactional.id": "t"}, client="librdkafka", messages=1, max_faults=2,
                                      faults=["network", "app-abort"]),
    }
    paths = []
    for name, result in checks.items():
        assert result.exit_code == 1, name  # each has at least one counterexample to draw
        path = tmp_path / f"{name}.md"
        path.write_text(render_markdown(result), encoding="utf-8")
        paths.append(path)
    broken = tmp_path / "broken.md"
    broken.write_text(BROKEN, encoding="utf-8")
    parsed = _parse([*paths, broken], mermaid_dir)

    by_file: dict[str, list[dict]] = {}
    for block in parsed:
        by_file.setdefault(Path(block["file"]).stem, []).append(block)
    for name in checks:
        blocks = by_file.get(name, [])
        assert blocks, f"{name}: no Mermaid block"
        for block in blocks:
            assert block["ok"], f"{name} block {block['block']}: {block.get('error')}"
            assert block["type"] == "sequence"
    assert [b["ok"] for b in by_file["broken"]] == [False]  # the parser is live: it refuses a broken one

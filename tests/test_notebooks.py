"""Every notebook of examples/notebooks/ runs to its end in a python3 kernel, as a reader's Jupyter
would run it, and ends by checking its own answers (docs/notebooks.md).

The notebooks are found by globbing, so a new one is tested without a list to update.  Each is run
with examples/notebooks/run_notebooks.py's ``execute`` (the command that stores the outputs); a cell
that raises fails the test with the cell and its traceback.  The outputs stored in the files are what
GitHub shows: every cell must show what a new run shows, so no table, trace or drawing can go stale
unnoticed (and the cells tagged ``verdicts`` must have stored output).  Regenerate them with ``python examples/notebooks/run_notebooks.py``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "examples" / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
REGENERATE = "python examples/notebooks/run_notebooks.py"


def _runner():
    spec = importlib.util.spec_from_file_location("run_notebooks", FOLDER / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUNNER = _runner()


def test_the_runner_and_the_tests_see_the_same_notebooks():
    assert len(NOTEBOOKS) >= 3 and NOTEBOOKS == RUNNER.notebooks()


def test_the_kernel_is_the_python_running_the_tests(tmp_path):
    """The venv's semcheck, not whatever a python3 kernelspec elsewhere on the machine points at."""
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys, os\nprint(sys.executable)\n"
                                                                       "print(os.getcwd())")])
    nbformat.write(probe, tmp_path / "probe.ipynb")
    ran = RUNNER.execute(tmp_path / "probe.ipynb")
    assert ran.cells[0].outputs[0].text.splitlines() == [sys.executable, str(tmp_path)]


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]


def asserts_in(source: str) -> int:
    return sum(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(source)))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_is_valid_and_ends_with_a_check(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    cells = code_cells(notebook)
    assert asserts_in(cells[-1].source), f"{path.name}: the last code cell checks nothing (no assert)"
    assert any(cell.cell_type == "markdown" for cell in notebook.cells[:1]), "it starts by saying what it shows"
    assert any("verdicts" in cell.metadata.get("tags", ()) for cell in cells), "no cell is tagged verdicts"


def test_asserts_in_finds_an_assert_and_only_one():
    """The rule above reads code, not words: a comment or a string that says assert is no check."""
    assert asserts_in("x = 1\nassert x == 1") == 1
    assert asserts_in("# assert x\nprint('assert')") == 0


UNREPRODUCIBLE = re.compile(r"\b0x[0-9a-f]{6,}\b|\d states/s|\bin \d+(\.\d+)? s\b|\d{4}-\d\d-\d\dT\d\d:\d\d")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_hold_no_timing_address_or_traceback(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in code_cells(notebook):
        text = json.dumps(cell.get("outputs", []))
        assert not UNREPRODUCIBLE.search(text), f"{path.name}: {UNREPRODUCIBLE.search(text)[0]!r} in a stored output"
        assert all(output.output_type != "error" for output in cell.outputs), f"{path.name}: a stored error"
        assert all(getattr(output, "name", "") != "stderr" for output in cell.outputs), f"{path.name}: stderr stored"
    assert "execution" not in json.dumps([c.metadata for c in notebook.cells]), "cell timings stored"


def _shown(cell) -> list[dict]:
    """What a cell shows: its outputs without the execution count."""
    return [{key: value for key, value in output.items() if key != "execution_count"} for output in cell.outputs]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_runs_and_every_cell_shows_what_is_stored(path):
    """Every stored output, traces, diagrams and drawings included, is what a new run shows: the
    outputs hold no timing or address (above), so a run reproduces them byte for byte, and a change to
    the model's sentences or a verdict cannot leave what GitHub shows behind."""
    stored = nbformat.read(path, as_version=4)
    ran = RUNNER.execute(path)  # raises CellExecutionError, naming the cell, if any cell fails
    for before, after in zip(code_cells(stored), code_cells(ran)):
        assert bool(before.outputs) == bool(after.outputs), (
            f"{path.name}: cell {before.id} {'lost' if before.outputs else 'gained'} its output: {REGENERATE}")
        if RUNNER.VERDICT_TAG in before.metadata.get("tags", ()):
            assert before.outputs, f"{path.name}: verdict cell {before.id} has no stored output: {REGENERATE}"
        assert _shown(after) == _shown(before), (
            f"{path.name}: cell {before.id} shows something else than it stored: {REGENERATE}")


def _readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    return text[start:text.index("\n## ", start + 1)]


def test_the_readme_shows_what_the_first_notebook_stores():
    """README, "In a notebook", is cut from the stored outputs: its table and diagram are theirs."""
    section = _readme_section("In a notebook")
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    table = next(body for lang, body in blocks if lang == "" and "semcheck result:" in body)
    diagram = next(body for lang, body in blocks if lang == "mermaid")
    notebook = nbformat.read(FOLDER / "01-what-do-my-settings-guarantee.ipynb", as_version=4)
    shown = [output.data for cell in code_cells(notebook) for output in cell.outputs if "data" in output]
    stored_table = next(d["text/plain"] for d in shown if d["text/plain"].startswith("semcheck result:"))
    assert [line for line in table.splitlines() if not line.startswith(">>>")] == stored_table.splitlines()
    assert any(d.get("text/markdown") == f"```mermaid\n{diagram}```" for d in shown)


def test_mermaid_parses_every_diagram_the_notebooks_store(tmp_path):
    """The diagrams a reader sees on GitHub are the stored ones: Mermaid's own parser must accept them
    (tests/test_mermaid_parser.py installs it; skipped without Node.js and npm)."""
    from test_mermaid_parser import _mermaid_dir, _parse

    mermaid_dir = _mermaid_dir()
    paths = []
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        blocks = [output.data["text/markdown"] for cell in code_cells(notebook) for output in cell.outputs
                  if "text/markdown" in output.get("data", {}) and "```mermaid" in output.data["text/markdown"]]
        if blocks:
            paths.append(tmp_path / f"{path.stem}.md")
            paths[-1].write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    assert len(paths) == len(NOTEBOOKS)  # each notebook draws at least one counterexample
    parsed = _parse(paths, mermaid_dir)
    assert len(parsed) >= len(paths)
    assert all(block["ok"] and block["type"] == "sequence" for block in parsed), parsed

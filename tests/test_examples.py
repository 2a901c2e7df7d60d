"""The examples run as they are: a notebook cell that breaks is found here, not by a reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_notebook_walkthrough_runs_to_its_end(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "examples" / "notebook_walkthrough.py")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "no-acked-loss: violated" in run.stdout

"""The installed package carries every file semcheck reads at run time.

CI installs with ``pip install '.[test]'`` (not editable), so a file that is not declared as
package data is missing there although every test passes in a developer's editable checkout.
The native backend reads its C runtime from the package (``checker/native.py``).
"""

from importlib import resources


def test_the_native_backends_c_runtime_is_installed_with_the_package():
    runtime = resources.files("semcheck.checker").joinpath("native_bfs.c")
    assert runtime.is_file()
    assert "search_run" in runtime.read_text(encoding="utf-8")


def _run_from_the_repository_root(*args):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, timeout=300)


def test_the_package_imports_from_the_repository_root():
    """No in-tree folder shadows the installed package (issue 9: `import semcheck` in a clone's root
    used to fail with "No module named 'semcheck.checker'")."""
    run = _run_from_the_repository_root("-c", "import semcheck, semcheck.checker.explicit; print(semcheck.__file__)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith("__init__.py")


def test_python_dash_m_semcheck_runs_the_command_line():
    import json

    run = _run_from_the_repository_root("-m", "semcheck", "verify", "--messages", "1", "--max-faults", "0",
                                        "--format", "json")
    assert run.returncode == 0, run.stderr
    assert {r["verdict"] for r in json.loads(run.stdout)["results"]} == {"holds"}

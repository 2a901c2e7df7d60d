"""Run the notebooks of this folder and store their outputs in them (docs/notebooks.md).

    python examples/notebooks/run_notebooks.py              # every notebook here
    python examples/notebooks/run_notebooks.py 02-*.ipynb   # some of them

Needs the test extras (``pip install -e '.[test]'``: nbclient, nbformat, ipykernel).  Each notebook
runs in a fresh ``python3`` kernel of the Python that runs this script, from this folder (as Jupyter
runs it), and is written back with its outputs.  The outputs are stored so that GitHub and nbviewer show them; what
semcheck displays holds no timing and no memory address, so running this again without a change
to semcheck rewrites every file byte for byte.  ``tests/test_notebooks.py`` runs each notebook the
same way (:func:`execute`) and compares every cell's outputs with the stored ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT = 300  # seconds one cell may take: far above what any takes (about a second)
VERDICT_TAG = "verdicts"  # cells that must have a stored output (tests/test_notebooks.py)
# what the kernel reports of itself that differs between machines and says nothing of the notebook
UNSTABLE_LANGUAGE_INFO = ("version",)


def notebooks() -> list[Path]:
    """Every notebook of this folder, in name order: a new one is run and tested without a list."""
    return sorted(HERE.glob("*.ipynb"))


class ThisPythonsKernel(KernelSpecManager):
    """The ``python3`` kernel is always this Python's (``sys.executable -m ipykernel_launcher``): a
    ``python3`` kernelspec a user installed for another Python (~/.local/share/jupyter comes before
    the environment's own) would run the notebooks without this semcheck."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name != "python3":
            raise ValueError(f"the notebooks here run in the python3 kernel, not {kernel_name!r}")
        return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())


def execute(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``, run top to bottom; raises nbclient's CellExecutionError (the cell's
    source and its traceback) when a cell fails."""
    notebook = nbformat.read(path, as_version=4)
    kernel = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=ThisPythonsKernel())
    client = NotebookClient(notebook, km=kernel, timeout=CELL_TIMEOUT, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return normalized(notebook)


def normalized(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Without what changes from machine to machine: the kernel's Python version."""
    info = notebook.metadata.get("language_info", {})
    for key in UNSTABLE_LANGUAGE_INFO:
        info.pop(key, None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # timestamps, should a client record them
    return notebook


def main(names: list[str]) -> int:
    paths = [HERE / name for name in names] if names else notebooks()
    for path in paths:
        notebook = execute(path)
        nbformat.validate(notebook)
        nbformat.write(notebook, path)
        print(f"ran and stored {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

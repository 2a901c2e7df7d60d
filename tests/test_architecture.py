"""The house holds: imports point one way, ``semcheck`` -> ``checker`` -> ``properties`` -> ``model``.

DESIGN.md ("The house") and README.md ("Where the code is"): the model knows nothing of search,
properties nothing of engines, and the engines nothing of Kafka; ``properties/`` and ``checker/``
reach the model only through ``model/api.py``.  The imports are read from the source with ``ast``
(no module is imported), relative imports resolved to the package each folder installs as.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"model": "semcheck.model", "properties": "semcheck.properties", "checker": "semcheck.checker",
           "src/semcheck": "semcheck"}


def _modules(folder: str):
    for path in sorted((ROOT / folder).rglob("*.py")):
        relative = path.relative_to(ROOT / folder).with_suffix("")
        parts = [p for p in relative.parts if p != "__init__"]
        package = ".".join([FOLDERS[folder], *relative.parts[:-1]])
        yield path, ".".join([FOLDERS[folder], *parts]), package


def imports_of(path: Path, package: str) -> set[str]:
    """Every module a file imports, as absolute dotted names (``from . import x`` counts as ``pkg.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            if not node.module:  # from . import name: name may be a module
                found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _layer(module: str) -> str | None:
    for layer in ("semcheck.model", "semcheck.properties", "semcheck.checker"):
        if module == layer or module.startswith(layer + "."):
            return layer
    if module == "semcheck" or module.startswith("semcheck."):
        return "semcheck"
    return None


# what each layer may import of semcheck (besides itself)
ALLOWED = {
    "semcheck.model": set(),
    "semcheck.properties": {"semcheck.model.api"},
    "semcheck.checker": {"semcheck.model.api", "semcheck.properties.base"},
}

ALL_MODULES = [m for folder in FOLDERS for m in _modules(folder)]


def test_every_folder_has_modules():
    for folder in FOLDERS:
        assert any(True for _ in _modules(folder)), folder


@pytest.mark.parametrize("path,module,package", [m for m in ALL_MODULES if _layer(m[1]) in ALLOWED],
                         ids=[m[1] for m in ALL_MODULES if _layer(m[1]) in ALLOWED])
def test_imports_point_one_way(path, module, package):
    own = _layer(module)
    wrong = sorted(imported for imported in imports_of(path, package)
                   if _layer(imported) not in (None, own) and imported not in ALLOWED[own])
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}: against the direction of the house"


def test_the_rule_catches_a_wrong_import(tmp_path):
    """The reader of imports resolves relative imports, so an engine importing Kafka is caught."""
    bad = tmp_path / "explicit.py"
    bad.write_text("from ..model.kafka import KafkaModel\nfrom . import trace\nimport semcheck.cli\n")
    found = imports_of(bad, "semcheck.checker")
    assert {"semcheck.model.kafka", "semcheck.checker.trace", "semcheck.cli"} <= found
    assert _layer("semcheck.model.kafka") == "semcheck.model"


def _strings_outside_docstrings(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


KAFKA_OR_CLI_WORDS = re.compile(r"--[a-z]|kafka|broker|producer|consumer|log capacity", re.IGNORECASE)


@pytest.mark.parametrize("path", sorted((ROOT / "checker").glob("*.py")), ids=lambda p: p.name)
def test_the_engines_say_nothing_of_kafka_or_the_command_line(path):
    """Sentences about Kafka's bounds or the CLI's options belong to the model and to
    semcheck/report/words.py; an engine returns structured reasons (checker/result.py)."""
    said = [(line, text) for line, text in _strings_outside_docstrings(path)
            if KAFKA_OR_CLI_WORDS.search(text)]
    assert not said, f"{path.name} says {said}"

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


# ---- the model by actor -------------------------------------------------------------------------
# model/kafka.py assembles KafkaModel from one mixin per actor (its docstring has the table).  A rule
# one actor uses from another is a public method named in the REQUIRES table of the module that uses it; a name with a
# leading underscore stays in its module.  That keeps each seam visible: a broker variant or a
# second consumer changes one module and, where it needs another actor's rule, one table.

ACTOR_MODULES = sorted(path for path in (ROOT / "model").glob("kafka_*.py")
                       if path.stem not in ("kafka_codes", "kafka_text"))
CORE = ROOT / "model" / "kafka.py"


def _methods(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {item.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            for item in node.body if isinstance(item, ast.FunctionDef)}


def _class_attributes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {target.id for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            for item in node.body if isinstance(item, ast.Assign)
            for target in item.targets if isinstance(target, ast.Name)}


def _self_assignments(path: Path) -> set[str]:
    """Attributes set as ``self.x = ...`` (tuple targets too): the model's sizes."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for leaf in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    if isinstance(leaf, ast.Attribute) and isinstance(leaf.value, ast.Name) and leaf.value.id == "self":
                        found.add(leaf.attr)
    return found


def _uses_of_self(path: Path) -> set[str]:
    return {node.attr for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"}


def _declared_requires(path: Path) -> dict[str, set[str]]:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == "REQUIRES" for t in targets):
            return {module: set(names) for module, names in ast.literal_eval(node.value).items()}
    raise AssertionError(f"{path.name} has no REQUIRES table")


def _cross_actor_uses(path: Path) -> dict[str, set[str]]:
    own = _methods(path) | _class_attributes(path)
    used: dict[str, set[str]] = {}
    for name in _uses_of_self(path) - own:
        owners = [other.stem for other in ACTOR_MODULES if other != path and name in _methods(other)]
        for owner in owners:
            used.setdefault(owner, set()).add(name)
    return used


def test_every_actor_has_its_module():
    assert {path.stem for path in ACTOR_MODULES} == {
        "kafka_producer", "kafka_connection", "kafka_broker", "kafka_cluster", "kafka_consumer", "kafka_faults",
        "kafka_transactions"}


@pytest.mark.parametrize("path", ACTOR_MODULES, ids=lambda p: p.stem)
def test_an_actor_declares_what_it_uses_of_the_others(path):
    declared, used = _declared_requires(path), _cross_actor_uses(path)
    def show(table):
        return {module: sorted(names) for module, names in sorted(table.items())}

    assert used == declared, (f"{path.name}: REQUIRES says {show(declared)}, the code uses {show(used)}: name "
                              f"every rule taken from another actor, and only those")


@pytest.mark.parametrize("path", ACTOR_MODULES + [CORE], ids=lambda p: p.stem)
def test_private_rules_stay_in_their_module(path):
    own = _methods(path) | _class_attributes(path) | _self_assignments(path)
    foreign = sorted(name for name in _uses_of_self(path)
                     if name.startswith("_") and not name.startswith("__") and name not in own)
    assert not foreign, (f"{path.name} calls {foreign} of another module: make it a public rule of its actor "
                         f"and name it in REQUIRES")


def test_every_rule_an_actor_calls_exists():
    """Nothing relies on a member no module defines (the transactions mixin once did)."""
    defined = set(dir(object)) | {"layout", "config", "bounds", "merges"}
    for path in ACTOR_MODULES + [CORE]:
        defined |= _methods(path) | _class_attributes(path) | _self_assignments(path)
    for path in ACTOR_MODULES + [CORE]:
        missing = sorted(_uses_of_self(path) - defined)
        assert not missing, f"{path.name} uses {missing}, which no module of the model defines"


def test_each_field_of_the_state_has_one_owner():
    """The layout is assembled from each actor's declare_*_fields, in a fixed order; a field has
    one declaring actor, and a second consumer or a broker variant adds its fields in its module."""
    import semcheck
    from semcheck.model.dsl import Layout

    # every optional part on: transactions, zombies, orphans (network), power loss, the fine model
    model = semcheck.build_model({"transactional.id": "t", "isolation.level": "read_committed"}, messages=2,
                                 max_faults=1, faults="all", split="all")
    owners: dict[str, str] = {}
    for path in ACTOR_MODULES:
        declare = [name for name in _methods(path) if name.startswith("declare_") and name.endswith("_fields")]
        assert len(declare) <= 1, f"{path.name} declares its fields in {declare}"
        part = Layout()
        for name in declare:  # the broker has none: what it checks is read from the logs and requests
            getattr(model, name)(part)
        for field in part.fields:
            assert field not in owners, f"{field} is declared by {owners[field]} and {path.stem}"
            owners[field] = path.stem
    assert set(model.layout.fields) - owners.keys() == {"overflow"}

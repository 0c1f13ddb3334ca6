"""The package's layout: each stage imports only the stages before it, and no module imports
itself back through another (no cycles), at module level or inside a function."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "coopsim"
#: The stages in data-flow order; the shared base (errors, classes, metrics, ...) comes first.
STAGES = (
    "",
    "inputs",
    "model",
    "engines",
    "runs",
    "results",
    "analyses",
    "plots",
    "brief",
    "app",
    "cli",
)
#: Modules that may import from every stage: the lazy public API and `python -m coopsim`.
ENTRY_POINTS = {"coopsim", "coopsim.__main__"}
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def stage(module: str) -> int:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 2 or (parts[1:2] and parts[1] in STAGES) else 0


def imports(module: str) -> set[str]:
    """The coopsim modules `module` imports, wherever in the file the import stands."""
    found = set()
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                found.add(name)
    return found


GRAPH = {module: imports(module) for module in MODULES}


def test_the_stages_are_the_folders() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders - {"data"} <= set(STAGES[1:]), folders


@pytest.mark.parametrize("module", sorted(set(MODULES) - ENTRY_POINTS))
def test_a_module_imports_no_later_stage(module: str) -> None:
    later = sorted(m for m in GRAPH[module] if stage(m) > stage(module))
    assert not later, f"{module} ({STAGES[stage(module)] or 'base'}) imports later stages: {later}"


def test_no_import_cycles() -> None:
    cycles = []
    for start in sorted(set(GRAPH) - ENTRY_POINTS):
        seen, frontier = set(), [start]
        while frontier:
            for follower in GRAPH[frontier.pop()]:
                if follower == start:
                    cycles.append(start)
                elif follower not in seen and follower not in ENTRY_POINTS:
                    seen.add(follower)
                    frontier.append(follower)
    assert not cycles, f"modules that import themselves back: {sorted(set(cycles))}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_grows_past_its_concept(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it by concept"


def test_the_layering_check_catches_a_later_stage_import() -> None:
    """A control: the check itself sees an import from results into inputs as one."""
    assert stage("coopsim.results.targets") > stage("coopsim.inputs.scenario")
    assert stage("coopsim.errors") == 0


@pytest.mark.parametrize(
    "package",
    [
        m
        for m, p in MODULES.items()
        if p.name == "__init__.py" and "lazy_attributes" in p.read_text()
    ],
)
def test_no_lazy_name_is_also_a_submodule(package: str) -> None:
    """A package's lazily imported name must not be one of its modules: importing that module
    would set the package's attribute to the module, hiding the name for good."""
    names = importlib.import_module(package)._lazy_names
    submodules = {m.rpartition(".")[2] for m in MODULES if m.rpartition(".")[0] == package}
    assert names and not set(names) & submodules

"""The package reads as its architecture: one room per concern, dependencies pointing one
way, implementation modules private behind each package's face, no module too large,
no two modules of one name, and no handler that hides an error."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests._docs import read
from tests.conftest import REPO

SRC = REPO / "src"
PACKAGE = SRC / "dealflow"

#: Each package of dealflow and its rank: a module may import a package of a lower rank
#: (or its own package), never one of the same or a higher rank. The root modules
#: (`errors`, `limits` and the private helpers) are the ground every package stands on.
RANKS = {
    "dealflow": 0,
    "dealflow.rules": 1,
    "dealflow.playbook": 2,
    "dealflow.deal": 3,
    "dealflow.engine": 4,
    "dealflow.stakeholders": 5,
    "dealflow.sop": 6,
    "dealflow.store": 7,
    "dealflow.evolution": 8,
    "dealflow.crm": 9,
    "dealflow.analytics": 9,
    "dealflow.testing": 9,
    "dealflow.cli": 10,
}
SUBPACKAGES = sorted(name for name in RANKS if name != "dealflow")
MAX_LINES = 450


@dataclass(frozen=True)
class Import:
    module: str
    """The importing module, as `dealflow.engine._engine`."""
    target: str
    """The module imported from."""
    names: tuple[str, ...]
    line: int
    typing_only: bool
    """Inside `if TYPE_CHECKING:`: a name for type hints, not a dependency when run."""


def _module(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(module: str, path: Path | None = None) -> str:
    """The package of `module`: `dealflow.x` for anything under `x/`, else `dealflow`."""
    parts = module.split(".")
    if len(parts) >= 2 and f"dealflow.{parts[1]}" in RANKS:
        return f"dealflow.{parts[1]}"
    return "dealflow"


def _typing_blocks(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _imports() -> Iterator[Import]:
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = _typing_blocks(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (
                node.module.split(".")[0] == "dealflow"
            ):
                yield Import(_module(path), node.module, tuple(a.name for a in node.names),
                             node.lineno, node.lineno in typing_only)


IMPORTS = list(_imports())


def _place(item: Import) -> str:
    return f"{item.module}:{item.line} imports {item.target} ({', '.join(item.names)})"


def test_every_package_has_a_rank() -> None:
    packages = {f"dealflow.{path.parent.name}" for path in PACKAGE.glob("*/__init__.py")}
    assert packages == set(SUBPACKAGES)


def test_dependencies_point_one_way() -> None:
    upward = [
        _place(item) for item in IMPORTS
        if not item.typing_only and item.module != "dealflow"  # the face names everything
        and _package(item.target) != _package(item.module)
        and RANKS[_package(item.target)] >= RANKS[_package(item.module)]
    ]
    assert not upward, "imports of a package at the same rank or above:\n" + "\n".join(upward)


#: The private names every package imports: `_` and `N_` of the user-facing messages.
_MESSAGES = {("dealflow._messages", "_"), ("dealflow._messages", "N_")}


def test_no_private_module_or_name_is_imported_across_packages() -> None:
    crossing = []
    for item in IMPORTS:
        mine, theirs = _package(item.module), _package(item.target)
        if mine == theirs:
            continue
        inside = item.target.split(".")[2:] if theirs != "dealflow" else []
        private_module = any(part.startswith("_") for part in inside)
        private_names = [name for name in item.names if name.startswith("_")
                         and (item.target, name) not in _MESSAGES]
        if private_module or private_names:
            crossing.append(_place(item))
    assert not crossing, "private names across packages:\n" + "\n".join(crossing)


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_each_package_face_exports_what_it_lists(package: str) -> None:
    face = importlib.import_module(package)
    exported = face.__all__
    assert len(exported) == len(set(exported)), "a name is listed twice"
    missing = [name for name in exported if not hasattr(face, name)]
    assert not missing, f"{package}.__all__ lists names it does not have: {missing}"
    assert not [name for name in exported if name.startswith("_")]


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_other_packages_take_only_listed_names_from_a_face(package: str) -> None:
    face = importlib.import_module(package)
    unlisted = [
        f"{_place(item)}: {name}" for item in IMPORTS if item.target == package
        and _package(item.module) != package for name in item.names
        if name not in face.__all__
    ]
    assert not unlisted, "\n".join(unlisted)


def test_implementation_modules_are_private() -> None:
    public = [
        _module(path) for path in PACKAGE.rglob("*.py")
        if path.parent != PACKAGE and path.name != "__init__.py" and not path.name.startswith("_")
    ]
    assert public == ["dealflow.testing.plugin"], public  # pytest loads it by name


def test_no_two_modules_share_a_name() -> None:
    seen: dict[str, str] = {}
    twice = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "__init__.py":
            continue
        name = path.stem.lstrip("_")
        if name in seen:
            twice.append(f"{seen[name]} and {_module(path)}")
        seen[name] = _module(path)
    assert not twice, twice


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda path: _module(path))
def test_no_module_is_over_the_size_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{_module(path)} has {lines} lines (at most {MAX_LINES})"


def _swallowing(tree: ast.Module) -> Iterator[int]:
    """Lines of handlers that catch everything (bare, `Exception`, `BaseException`) and do
    not raise again at their end."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.ExceptHandler):
            continue
        caught = [] if node.type is None else (
            node.type.elts if isinstance(node.type, ast.Tuple) else [node.type])
        broad = node.type is None or any(
            isinstance(kind, ast.Name) and kind.id in {"Exception", "BaseException"}
            for kind in caught)
        if broad and not isinstance(node.body[-1], ast.Raise):
            yield node.lineno


def test_no_handler_in_the_package_hides_an_error() -> None:
    found = [f"{_module(path)}:{line}" for path in sorted(PACKAGE.rglob("*.py"))
             for line in _swallowing(ast.parse(path.read_text(encoding="utf-8")))]
    assert not found, "handlers that catch everything and go on:\n" + "\n".join(found)


def _tree_on_the_concepts_page() -> list[str]:
    """The entries under `src/dealflow/` in the tree of docs/concepts.md, in order."""
    section = read("concepts.md").split("## Architecture", 1)[1].split("\n## ", 1)[0]
    tree = section.split("```text\n", 1)[1].split("```", 1)[0]
    inside = tree.split("src/dealflow/\n", 1)[1]
    return [line.split()[0] for line in inside.splitlines() if line.startswith("  ")]


def test_the_architecture_page_shows_the_tree_as_it_is() -> None:
    shown = _tree_on_the_concepts_page()
    modules = sorted(path.name for path in PACKAGE.glob("*.py"))
    folders = [entry for entry in shown if entry.endswith("/")]
    packages = [entry for entry in folders if (PACKAGE / entry / "__init__.py").exists()]
    data = sorted(path.name + "/" for path in PACKAGE.iterdir() if path.is_dir()
                  and path.name != "__pycache__" and not (path / "__init__.py").exists())
    assert sorted(entry for entry in shown if entry.endswith(".py")) == modules
    assert sorted(set(folders) - set(packages)) == data
    assert sorted(packages) == sorted(name.removeprefix("dealflow.") + "/"
                                      for name in SUBPACKAGES)
    ranks = [RANKS["dealflow." + entry.rstrip("/")] for entry in packages]
    assert ranks == sorted(ranks), "the page lists the packages in the order they depend"

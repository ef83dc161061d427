"""The package as users get it: the public names, the wheel and its bundled data."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

import dealflow
from dealflow.cli import app
from tests._docs import read


def _documented() -> list[str]:
    """The members the API page documents from the namespace `dealflow`, in order."""
    names: list[str] = []
    for block in re.split(r"^::: ", read("api.md"), flags=re.M)[1:]:
        if block.split(None, 1)[0] == "dealflow":
            names += re.findall(r"^        - (\w+)$", block, re.M)
    return names


def _imported_for_type_hints() -> set[str]:
    tree = ast.parse(Path(dealflow.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If))
    return {alias.name for node in block.body if isinstance(node, ast.ImportFrom)
            for alias in node.names}


def test_the_public_names_are_exactly_those_the_api_page_documents() -> None:
    documented = _documented()
    assert len(documented) == len(set(documented)), "a name is documented twice"
    assert set(dealflow.__all__) - {"__version__"} == set(documented)
    for name in dealflow.__all__:
        assert hasattr(dealflow, name), name


def test_every_public_name_is_typed_and_loaded_from_the_package_that_lists_it() -> None:
    public = set(dealflow.__all__) - {"__version__"}
    assert _imported_for_type_hints() == public
    assert set(dealflow._WHERE) == public
    for name, package in dealflow._WHERE.items():
        assert name in importlib.import_module(package).__all__, (name, package)


def test_the_namespace_loads_a_package_only_when_one_of_its_names_is_used() -> None:
    code = ("import sys, dealflow; loaded = sorted(m for m in sys.modules if "
            "m.startswith('dealflow.') and not m.split('.')[1].startswith('_')); "
            "print(loaded); dealflow.Store; print('dealflow.store' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    before, after = result.stdout.splitlines()
    assert before == "[]"
    assert after == "True"


def test_the_default_playbook_loads_with_no_argument() -> None:
    assert dealflow.load_playbook().id == "complex-b2b"


@pytest.mark.parametrize("name", ["complex-b2b", "tender-cn"])
def test_a_bundled_playbook_loads_by_name(name: str) -> None:
    assert dealflow.load_playbook(name).id == name


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(repo_root)],
        check=True,
    )
    return next(out.glob("dealflow-*.whl"))


def test_the_wheel_ships_the_playbooks_sop_templates_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "dealflow/_data/playbooks/complex-b2b.yaml" in names
    assert "dealflow/_data/playbooks/revisions/complex-b2b-1.0.0.yaml" in names  # for migrate
    assert "dealflow/_data/playbooks/tender-cn.yaml" in names
    assert "dealflow/_data/playbooks/playbook.schema.json" in names
    assert "dealflow/py.typed" in names
    assert any(name.startswith("dealflow/_data/sops/") for name in names)


def test_an_installed_wheel_far_from_the_repo_finds_the_default_playbook(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True,
    )
    code = "import dealflow; print(dealflow.__file__); print(dealflow.load_playbook().id)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, check=True,
    )
    where, playbook_id = result.stdout.split()
    assert where.startswith(str(target))
    assert playbook_id == "complex-b2b"


def test_dealflow_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"dealflow {version('dealflow')}\n"


def test_the_version_in_the_package_is_the_installed_one() -> None:
    assert dealflow.__version__ == version("dealflow")

"""The package as users get it: the public names, the wheel and its bundled data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

import dealflow
from dealflow.cli import app

PUBLIC = {
    "Check", "Deal", "DealFileError", "DealflowError", "DefinitionError", "Engine", "Event",
    "GateReport", "Hold", "Influence", "Limits", "MoveRefused", "NextStep", "Outcome", "Playbook",
    "PlaybookError", "Problem", "Recommendation", "RedFlag", "RuleContext", "RuntimeDealError",
    "Stakeholder", "StakeholderMap", "Stance", "Status", "__version__", "analyse_stakeholders",
    "dump_playbook", "load_deal_file", "load_playbook", "parse_playbook", "recommend_plays",
    "replay", "current_limits", "using_limits",
}


def test_the_public_names_are_exactly_those_documented() -> None:
    assert set(dealflow.__all__) == PUBLIC
    for name in dealflow.__all__:
        assert hasattr(dealflow, name), name


def test_the_default_playbook_loads_with_no_argument() -> None:
    assert dealflow.load_playbook().id == "complex-b2b"


def test_a_bundled_playbook_loads_by_name() -> None:
    assert dealflow.load_playbook("complex-b2b").id == "complex-b2b"


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

"""Every command that reads a playbook works on one with no buyer phases, goals,
probabilities, roles, items or our roles (the worked example orchard-robots): exit 0, no
traceback, and nothing shown for the structure it leaves out (no `None`, no empty goal)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import load_playbook
from dealflow.analytics import simulate
from dealflow.cli import app
from dealflow.store import Store, import_events
from tests.conftest import REPO

EXAMPLE = REPO / "docs" / "examples" / "orchard-robots.yaml"

COMMANDS = [
    "validate {file}", "diagram {file}", "diagram {file} --lang zh",
    "checklist probe --db {db}", "checklist probe --db {db} --format json",
    "checklist probe --db {db} --format html -o {tmp}/list.html",
    "deal show probe --db {db}", "stakeholder list probe --db {db}",
    "funnel --db {db}", "stalled --db {db}", "winrate --db {db}", "forecast --db {db}",
    "forecast --db {db} --format json", "compliance --db {db}",
    "report -o {tmp}/report.html --db {db}", "export --db {db} --format csv",
    "playbook show --db {db}", "diff {file} {file}",
    "simulate --deals 3 --seed 2 --db sqlite:///{tmp}/more.db --playbook {file}",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("bare")
    playbook = load_playbook(EXAMPLE)
    db = f"sqlite:///{tmp}/deals.db"
    with Store(db, playbook=playbook) as store:
        import_events(store, simulate(playbook, deals=25, seed=3))
        store.create(deal_id="probe", title="Probe", account="Probe Ltd", owner="ana",
                     actor="ana", amount="50000", currency="EUR")
    return {"file": str(EXAMPLE), "db": db, "tmp": str(tmp)}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_works_on_a_playbook_without_optional_structure(
    world: dict[str, str], command: str,
) -> None:
    args = shlex.split(command.format(**world))
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    assert "None%" not in result.output
    assert "Goal:" not in result.output


def test_the_checklist_of_a_stage_without_a_goal_has_no_goal_line(
    world: dict[str, str],
) -> None:
    page = Path(world["tmp"]) / "list.html"
    CliRunner().invoke(app, ["checklist", "probe", "--db", world["db"], "--format", "html",
                             "-o", str(page)])
    assert "<strong>Goal" not in page.read_text(encoding="utf-8")

"""`dealflow approve` and `dealflow --team FILE`, on the field-service example.

Its stage `quote` may be entered only by sales reps and managers, and a deal over 50,000
needs an executive's approval before `contract`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow.cli import app
from tests.cli.conftest import flat
from tests.conftest import REPO

EXAMPLES = REPO / "docs" / "examples"
TEAM = str(EXAMPLES / "field-service-team.yaml")


@pytest.fixture
def quoted(runner: CliRunner, db: str) -> str:
    """A deal of 80,000 in `quote`, with its quote accepted."""
    steps = [
        ["deal", "new", "--id", "P-1", "--title", "Pumps", "--account", "Acme", "--owner",
         "mei.lin", "--amount", "80000", "--playbook",
         str(EXAMPLES / "field-service-contracts.yaml")],
        ["fact", "set", "P-1", "site_visited", "true", "--actor", "mei.lin"],
        ["--team", TEAM, "deal", "advance", "P-1", "--actor", "mei.lin"],
        ["--team", TEAM, "fact", "set", "P-1", "quote_accepted", "true", "--actor", "mei.lin"],
    ]
    for args in steps:
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
    return db


def test_a_restricted_move_without_a_team_is_refused_saying_to_give_one(
    runner: CliRunner, db: str,
) -> None:
    for args in (["deal", "new", "--id", "P-1", "--title", "Pumps", "--account", "Acme",
                  "--owner", "mei.lin", "--playbook",
                  str(EXAMPLES / "field-service-contracts.yaml")],
                 ["fact", "set", "P-1", "site_visited", "true"]):
        assert runner.invoke(app, [*args, "--db", db]).exit_code == 0

    result = runner.invoke(app, ["deal", "advance", "P-1", "--actor", "mei.lin", "--db", db],
                           env={"DEALFLOW_TEAM": ""})

    assert result.exit_code == 1
    assert "give a team" in flat(result.output)


def test_the_refusal_names_the_approval_and_who_gives_it(runner: CliRunner, quoted: str) -> None:
    result = runner.invoke(app, ["--team", TEAM, "deal", "advance", "P-1", "--actor",
                                 "tom.berg", "--db", quoted])

    assert result.exit_code == 1
    assert ("approval:executive_over_50k: Spend over 50,000 needs an executive's approval - "
            "not given; it is given by Executive (executive): Wu Gang (wu.gang)"
            ) in flat(result.output)


def test_approve_records_the_approval_and_the_move_is_allowed(
    runner: CliRunner, quoted: str,
) -> None:
    approved = runner.invoke(app, ["approve", "P-1", "executive_over_50k", "--by", "wu.gang",
                                   "--note", "Margin 28%", "--team", TEAM, "--db", quoted,
                                   "--format", "json"])
    moved = runner.invoke(app, ["--team", TEAM, "deal", "advance", "P-1", "--actor",
                                "tom.berg", "--db", quoted])

    assert approved.exit_code == 0, approved.output
    (event,) = json.loads(approved.output)["events"]
    assert (event["type"], event["actor"], event["role"], event["note"], event["snapshot"]) == (
        "approval_given", "wu.gang", "executive", "Margin 28%", {"deal.amount": "80000"})
    assert moved.exit_code == 0, moved.output


@pytest.mark.parametrize(("by", "team", "fragment"), [
    pytest.param("mei.lin", TEAM, "mei.lin does not hold these roles", id="without-the-role"),
    pytest.param("wu.gang", None, "give a team", id="no-team"),
])
def test_approve_by_someone_without_the_role_exits_1(
    runner: CliRunner, quoted: str, by: str, team: str | None, fragment: str,
) -> None:
    args = ["approve", "P-1", "executive_over_50k", "--by", by, "--db", quoted]
    result = runner.invoke(app, [*args, *(["--team", team] if team else [])],
                           env={"DEALFLOW_TEAM": ""})

    assert result.exit_code == 1
    assert fragment in flat(result.output)


def test_a_broken_team_file_exits_1_naming_its_line(
    runner: CliRunner, quoted: str, tmp_path: Path,
) -> None:
    team = tmp_path / "team.yaml"
    team.write_text("people:\n  - {id: a, nmae: A}\n", encoding="utf-8")

    result = runner.invoke(app, ["--team", str(team), "deal", "show", "P-1", "--db", quoted])

    assert result.exit_code == 1
    assert f"{team}:2:" in flat(result.output)

"""`dealflow checklist` through typer's runner, including its error exits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import load_playbook
from dealflow.cli import app
from dealflow.store import Store
from tests.conftest import LAB_PLAYBOOK

DEAL = """\
playbook_id: complex-b2b
id: d-zhenhai-1
title: Ethylene cracker control upgrade
account: Zhenhai Refining
owner: li.wei
amount: 1200000
stage: discover
stage_entered_at: 2026-03-02T09:00:00Z
facts: {pain_confirmed: true, budget_status: planned}
stakeholders:
  - {id: zhao, name: Zhao Min, title: CFO, roles: [economic_buyer], stance: skeptic,
     influence: high}
"""



@pytest.fixture
def deal_file(tmp_path: Path) -> Path:
    path = tmp_path / "deal.yaml"
    path.write_text(DEAL, encoding="utf-8")
    return path


@pytest.mark.parametrize(("fmt", "marker"), [("md", "- [ ] "), ("html", "<!DOCTYPE html>"),
                                             ("json", '"schema": "dealflow.checklist/1"')],
                         ids=["md", "html", "json"])
def test_the_checklist_prints_in_each_format(
    runner: CliRunner, deal_file: Path, fmt: str, marker: str
) -> None:
    result = runner.invoke(app, ["checklist", str(deal_file), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert marker in result.output
    assert "meet_skeptic@zhao" in result.output


def test_the_checklist_speaks_chinese_when_asked(runner: CliRunner, deal_file: Path) -> None:
    result = runner.invoke(app, ["checklist", str(deal_file), "--lang", "zh"])
    assert result.exit_code == 0
    assert "检查清单" in result.output


def test_the_checklist_is_written_to_a_file(
    runner: CliRunner, deal_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["checklist", str(deal_file), "-f", "json", "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["deal"]["id"] == "d-zhenhai-1"
    assert not list(tmp_path.glob("*.tmp"))


def test_a_bad_deal_file_exits_1_with_its_location(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(DEAL.replace("stage: discover", "stage: discovr"), encoding="utf-8")
    result = runner.invoke(app, ["checklist", str(path)])
    assert result.exit_code == 1
    assert f"{path}:7:8  stage  unknown stage 'discovr'; did you mean 'discover'?" in (
        result.output)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["--lang", "fr"], ["--format", "pdf"], ["--nope"]],
                         ids=["unknown-locale", "unknown-format", "unknown-option"])
def test_usage_errors_exit_2(runner: CliRunner, deal_file: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["checklist", str(deal_file), *args])
    assert result.exit_code == 2


def test_a_missing_deal_file_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["checklist", str(tmp_path / "none.yaml")])
    assert result.exit_code == 1
    assert "file not found" in result.output


def test_an_unknown_playbook_exits_1(runner: CliRunner, deal_file: Path) -> None:
    result = runner.invoke(app, ["checklist", str(deal_file), "--playbook", "nosuch"])
    assert result.exit_code == 1
    assert "no bundled playbook" in result.output


def test_a_deal_file_naming_no_playbook_is_refused_naming_the_file_and_field(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "deal.yaml"
    path.write_text(DEAL.replace("playbook_id: complex-b2b\n", ""), encoding="utf-8")
    result = runner.invoke(app, ["checklist", str(path), "--db",
                                 f"sqlite:///{tmp_path}/none.db"])
    assert result.exit_code == 1
    assert f"{path}:1:1  playbook_id  the deal file names no playbook" in result.output
    assert "--playbook FILE|NAME" in result.output
    assert "Traceback" not in result.output


def test_a_deal_file_naming_no_playbook_runs_under_the_stores_only_playbook(
    runner: CliRunner, tmp_path: Path
) -> None:
    lab = load_playbook(LAB_PLAYBOOK)
    db = f"sqlite:///{tmp_path}/lab.db"
    with Store(db, playbook=lab) as store:
        store.create(deal_id="L-1", title="HPLC", account="Nordlab", owner="ana", actor="ana")
    path = tmp_path / "deal.yaml"
    path.write_text("id: L-9\ntitle: Trial\naccount: Nordlab\nowner: ana\n"
                    "stage: trial_run\n", encoding="utf-8")
    result = runner.invoke(app, ["checklist", str(path), "--db", db, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["playbook"]["id"] == "lab-subscriptions"

"""Structure only where a team has it: buyer phases, a stage's phase, goal and probability,
roles and our roles are optional, and whatever reads them says plainly when they are absent
instead of showing an empty heading or a placeholder.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import Engine, PlaybookError, mermaid, parse_playbook
from dealflow.cli import app
from dealflow.playbook import lint_playbook
from dealflow.sop import build_checklist, render_checklist
from dealflow.testing._deep import deep_check

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

BARE = """\
id: bare
version: "1"
title: {en: Bare, zh: 简单}
locales: [en, zh]
stages:
  - id: talk
    name: {en: Talk, zh: 沟通}
    gates:
      - {id: interested, text: {en: Interested, zh: 有兴趣}, when: facts.interested}
  - id: sign
    name: {en: Sign, zh: 签约}
facts:
  - {id: interested, name: {en: Interested, zh: 有兴趣}, type: bool}
  - {id: source, name: {en: Lead source, zh: 线索来源}, type: str}
lost_reasons:
  - {id: gone, name: {en: Gone, zh: 失联}}
"""


def test_a_playbook_without_phases_goals_probabilities_or_roles_loads() -> None:
    playbook = parse_playbook(BARE, "bare.yaml")
    assert playbook.buyer_phases == ()
    assert playbook.roles == ()
    assert playbook.our_roles == ()
    assert [(s.buyer_phase, s.goal, s.probability) for s in playbook.stages] == [
        (None, None, None)] * 2


@pytest.mark.parametrize(("edit", "path", "message"), [
    ("    name: {en: Talk, zh: 沟通}\n",
     "    name: {en: Talk, zh: 沟通}\n    buyer_phase: curious\n",
     "unknown buyer phase 'curious'; the playbook declares none"),
    ("    name: {en: Sign, zh: 签约}\n",
     "    name: {en: Sign, zh: 签约}\n    items:\n      - {id: call, text: Call, owner: ae}\n",
     "unknown owner (one of our_roles) 'ae'; the playbook declares none"),
], ids=["phase", "owner"])
def test_naming_structure_the_playbook_does_not_declare_says_it_declares_none(
    edit: str, path: str, message: str,
) -> None:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(BARE.replace(edit, path), "bare.yaml")
    assert [problem.message for problem in caught.value.problems] == [message]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_checklist_shows_a_goal_only_when_the_stage_has_one(fmt: str) -> None:
    bare = parse_playbook(BARE, "bare.yaml")
    with_goal = parse_playbook(BARE.replace(
        "    name: {en: Talk, zh: 沟通}\n",
        "    name: {en: Talk, zh: 沟通}\n    goal: {en: A real need, zh: 真实需求}\n"), "g.yaml")
    for playbook, shown in ((bare, False), (with_goal, True)):
        deal = Engine(playbook, clock=lambda: NOW).create(
            deal_id="B-1", title="t", account="a", owner="o", actor="o").deal
        page = render_checklist(build_checklist(playbook, deal, now=NOW), fmt)  # type: ignore[arg-type]
        assert ("Goal" in page) is shown
        assert ("A real need" in page) is shown


def test_the_diagram_names_stages_without_a_probability_plainly() -> None:
    text = mermaid(parse_playbook(BARE, "bare.yaml"))
    assert 'state "Talk" as talk' in text
    assert "None" not in text


def test_roles_and_facts_that_only_record_are_info_not_warnings() -> None:
    text = BARE.replace("lost_reasons:", "roles:\n  - {id: user, name: User}\nlost_reasons:")
    playbook = parse_playbook(text, "bare.yaml")
    assert lint_playbook(playbook, min_severity="warning") == []
    assert {f.code for f in lint_playbook(playbook, min_severity="info")} >= {"DF105", "DF110"}


@pytest.fixture
def stored(tmp_path: Path, runner: CliRunner) -> tuple[str, CliRunner]:
    path = tmp_path / "bare.yaml"
    path.write_text(BARE, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'd.db'}"
    made = runner.invoke(app, ["deal", "new", "--id", "B-1", "--title", "t", "--account", "a",
                               "--owner", "o", "--playbook", str(path), "--db", db])
    assert made.exit_code == 0, made.output
    return db, runner


def test_role_coverage_without_roles_says_there_is_nothing_to_check(
    stored: tuple[str, CliRunner],
) -> None:
    db, runner = stored
    table = runner.invoke(app, ["stakeholder", "list", "B-1", "--db", db])
    assert table.exit_code == 0, table.output
    assert "no decision-chain roles" in " ".join(table.output.split())
    data = json.loads(runner.invoke(app, ["stakeholder", "list", "B-1", "--db", db,
                                          "-f", "json"]).output)
    assert data["coverage"] == []
    assert "no decision-chain roles" in data["coverage_note"]


def test_a_deal_of_a_stage_without_probability_shows_no_placeholder(
    stored: tuple[str, CliRunner],
) -> None:
    db, runner = stored
    shown = runner.invoke(app, ["deal", "show", "B-1", "--db", db])
    assert shown.exit_code == 0, shown.output
    assert "talk (Talk)" in shown.output
    assert "None" not in shown.output


# -- the deep checks generate the values the command line accepts ---------------------------

GATED = BARE.replace(
    "      - {id: interested, text: {en: Interested, zh: 有兴趣}, when: facts.interested}\n",
    "      - {id: interested, text: {en: Interested, zh: 有兴趣}, when: facts.interested}\n"
    "      - {id: source_given, text: Source, when: \"fact('source', '') | trim | length > 0\"}\n"
    "      - {id: long_title, text: Title, when: deal.title | length > 1}\n"
    "      - {id: account_given, text: Account, when: deal.account | trim | length > 0}\n")


def test_a_gate_that_a_blank_text_or_a_short_name_fails_is_not_called_one_that_cannot() -> None:
    codes = {(f.code, f.where.rsplit(".", 1)[-1])
             for f in deep_check(parse_playbook(GATED, "gated.yaml"), examples=40)}
    assert ("DF204", "source_given") not in codes
    assert ("DF204", "long_title") not in codes
    # dealflow refuses a blank account everywhere, so this gate indeed checks nothing
    assert ("DF204", "account_given") in codes

"""A refusal and an explanation in Chinese: with the zh locale, what the engine writes
(the refusal's head, each control point's text, what is missing, the hint) shows no
English word except the ids and names the playbook and the user gave; in English it is
what it always was.

Checked on the bundled playbook and on lab-subscriptions (another business, with its
own ids), for a deal with nothing done yet in every stage, and for the refusals of the
other moves and operations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from typer.testing import CliRunner

from dealflow import Deal, Engine, Playbook, Stakeholder, Stance, load_playbook
from dealflow._messages import use_locale
from dealflow.cli import app
from dealflow.engine import DealCreated, apply_event
from tests._english_words import allowed_words, english_words
from tests.conftest import FIXED, LAB_PLAYBOOK

PLAYBOOKS = {"complex-b2b": "complex-b2b", "lab-subscriptions": str(LAB_PLAYBOOK)}

@pytest.fixture(scope="module", params=sorted(PLAYBOOKS))
def playbook(request: pytest.FixtureRequest) -> Playbook:
    """The bundled playbook and lab-subscriptions."""
    return load_playbook(PLAYBOOKS[request.param])


@pytest.fixture
def zh_engine(playbook: Playbook) -> Engine:
    return Engine(playbook, clock=lambda: FIXED)


def _deal_in(playbook: Playbook, stage: str) -> Deal:
    """A deal with nothing done yet, in `stage`."""
    return apply_event(None, DealCreated(
        deal_id="D-7", seq=1, at=FIXED, actor="wang", title="泵站改造", account="华东水务",
        amount=80000, currency="CNY", owner="wang", playbook_id=playbook.id,
        playbook_version=playbook.version, stage=stage), playbook)


def _with_someone(engine: Engine, deal: Deal) -> Deal:
    """The deal with one person of unknown stance in the first role of the playbook."""
    role = engine.playbook.roles[0].id
    person = Stakeholder(id="zhang", name="张工", roles=(role,), stance=Stance.unknown)
    return engine.add_stakeholder(deal, person, actor="wang", raise_on_refusal=True).deal


def test_every_stage_explained_in_chinese_names_no_english_word(
        zh_engine: Engine, playbook: Playbook) -> None:
    allowed = allowed_words(playbook, "D-7", "zhang")
    found: dict[str, list[str]] = {}
    failed = 0
    for stage in playbook.stages:
        for deal in (_deal_in(playbook, stage.id),
                     _with_someone(zh_engine, _deal_in(playbook, stage.id))):
            with use_locale("zh"):
                report = zh_engine.explain(deal)
                shown = str(report)
            failed += len(report.checks) - sum(check.passed for check in report.checks)
            if words := english_words(shown, allowed):
                found[stage.id] = words
    assert failed, "no control point failed: the test would check nothing"
    assert found == {}


def _refusals(engine: Engine, playbook: Playbook) -> dict[str, str]:
    """The refusal of each move and operation the engine refuses, written in zh."""
    first, last = playbook.stages[0].id, playbook.stages[-1].id
    deal = _deal_in(playbook, first)
    later = _deal_in(playbook, last)
    with use_locale("zh"):
        outcomes = {
            "advance": engine.advance(deal, actor="wang"),
            "win": engine.win(deal, actor="wang"),
            "lose": engine.lose(deal, actor="wang", reason="no-such-reason"),
            "back": engine.move_back(deal, reason="", actor="wang"),
            "back-last": engine.move_back(later, reason="重新评估", actor="wang",
                                          to="no-such-stage"),
            "hold": engine.hold(deal, reason=" ", resume_on=dt.date(2026, 1, 1),
                                actor="wang"),
            "resume": engine.resume(deal, actor="wang"),
            "fact": engine.set_fact(deal, "no_such_fact", True, actor="wang"),
            "value": engine.set_fact(deal, next(f.id for f in playbook.facts
                                                if f.type in ("bool", "int", "float")),
                                     "不是值", actor="wang"),
            "item": engine.complete_item(deal, "no_such_item", actor="wang"),
            "person": engine.remove_stakeholder(deal, "nobody", actor="wang"),
            "edit": engine.edit(deal, actor="wang", stage="x"),
        }
        return {name: str(outcome.report) for name, outcome in outcomes.items()
                if not outcome.ok}


def test_the_refusals_of_every_operation_name_no_english_word(
        zh_engine: Engine, playbook: Playbook) -> None:
    refusals = _refusals(zh_engine, playbook)
    assert {"advance", "win", "lose", "back", "hold", "resume", "fact", "value", "item",
            "person", "edit"} <= set(refusals)
    allowed = allowed_words(playbook, "D-7", "nobody", "no-such-reason", "no-such-stage",
                            "no_such_fact", "no_such_item", "win", "stage", "title",
                            "account", "amount", "currency", "owner", "Unicode")
    found = {name: words for name, text in refusals.items()
             if (words := english_words(text, allowed))}
    assert found == {}


def test_a_refusal_in_english_is_written_as_before() -> None:
    playbook = load_playbook(LAB_PLAYBOOK)
    engine = Engine(playbook, clock=lambda: FIXED)
    report = engine.advance(_deal_in(playbook, "inbound"), actor="wang").report
    assert str(report) == (
        "advance D-7 from inbound to trial_run: refused\n"
        "  BLOCK use_case_named: The lab named its use case\n"
        "        - fact use_case_named is not set")


def test_playbook_texts_follow_the_locale_messages_are_written_in() -> None:
    playbook = load_playbook(LAB_PLAYBOOK)
    stage = playbook.stages[0]
    assert playbook.text(stage.name) == "Inbound"
    with use_locale("zh"):
        assert playbook.text(stage.name) == "线索"
        assert playbook.text(stage.name, "en") == "Inbound"
    with use_locale("zh_CN"):
        assert playbook.text(stage.name) == "线索"
    with use_locale("fr"):
        assert playbook.text(stage.name) == "Inbound"


@pytest.mark.parametrize("name", sorted(PLAYBOOKS))
def test_deal_advance_refused_in_chinese_on_the_command_line(
        runner: CliRunner, tmp_path: Any, name: str) -> None:
    db = f"sqlite:///{tmp_path / 'zh.db'}"
    created = runner.invoke(app, ["deal", "new", "--id", "D-7", "--title", "泵站改造",
                                  "--account", "华东水务", "--owner", "wang",
                                  "--playbook", PLAYBOOKS[name], "--db", db])
    assert created.exit_code == 0, created.output
    result = runner.invoke(app, ["deal", "advance", "D-7", "--db", db, "--actor", "wang"],
                           env={"DEALFLOW_LANG": "zh"})
    assert result.exit_code == 1, result.output
    assert "D-7" in result.output
    assert english_words(result.output, allowed_words(load_playbook(PLAYBOOKS[name]),
                                                      "D-7")) == []

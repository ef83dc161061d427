"""The close plan, the expected close date and the plays taken on, in every checklist
layout (issue 19), on the bundled playbook and on the lab playbook."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dealflow import (
    Deal,
    Engine,
    Outcome,
    Playbook,
    Stakeholder,
    add_plan_step,
    agree_plan,
    load_playbook,
    set_close_date,
    update_plan_step,
)
from dealflow.sop import build_checklist, render_checklist
from tests.conftest import LAB_PLAYBOOK

NOW = dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)


@pytest.fixture(params=["complex-b2b", "lab-subscriptions"])
def committed(request: pytest.FixtureRequest) -> tuple[Playbook, Deal]:
    """A deal with a close date, a close plan of three steps (one overdue, one done with
    evidence, one agreed-with owner on the customer's side) agreed with its buyer."""
    pb = load_playbook(None if request.param == "complex-b2b" else LAB_PLAYBOOK)
    engine = Engine(pb, clock=lambda: NOW)
    ours = pb.our_roles[0].id
    deal = engine.create(deal_id="K-1", title="Kit <b>", account="Acme & Co", owner="li",
                         actor="li").deal

    def ok(outcome: Outcome) -> Deal:
        assert outcome.ok, str(outcome.report)
        return outcome.deal

    buyer = Stakeholder(id="bo", name="Bo <i>", roles=(pb.roles[0].id,))
    deal = ok(engine.add_stakeholder(deal, buyer, actor="li"))
    deal = ok(set_close_date(engine, deal, dt.date(2026, 6, 30), actor="li"))
    deal = ok(add_plan_step(engine, deal, what="Reference visit", due=dt.date(2026, 3, 1),
                            our_owner=ours, actor="li"))
    deal = ok(add_plan_step(engine, deal, what="Legal *review*", due=dt.date(2026, 4, 1),
                            our_owner=ours, their_owner="bo", actor="li"))
    deal = ok(add_plan_step(engine, deal, what="Security review", due=dt.date(2026, 3, 5),
                            our_owner="jane", actor="li"))
    deal = ok(update_plan_step(engine, deal, "step-3", status="done", evidence="Report v2",
                               actor="li"))
    deal = ok(agree_plan(engine, deal, stakeholder="bo", actor="li"))
    return pb, deal


def test_the_checklist_lists_each_step_with_where_it_stands(
        committed: tuple[Playbook, Deal]) -> None:
    pb, deal = committed
    sheet = build_checklist(pb, deal, now=NOW, locale="en")
    assert [(s.id, s.state) for s in sheet.plan] == [
        ("step-1", "overdue"), ("step-2", "planned"), ("step-3", "done")]
    assert sheet.plan[1].their_owner_name == "Bo <i>"
    assert sheet.plan[0].our_owner_name == pb.text(pb.our_roles[0].name, "en")
    assert sheet.plan[2].our_owner_name == "jane"


def test_the_json_checklist_carries_the_close_date_the_plan_and_its_agreement(
        committed: tuple[Playbook, Deal]) -> None:
    pb, deal = committed
    data = json.loads(render_checklist(build_checklist(pb, deal, now=NOW), "json"))
    assert data["close_date"] == "2026-06-30"
    assert data["close_plan"]["agreed"] == {"stakeholder": "bo", "on": "2026-03-10",
                                            "note": ""}
    assert [s["state"] for s in data["close_plan"]["steps"]] == ["overdue", "planned", "done"]
    assert data["plays_taken"] == []


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_md_and_html_checklists_show_the_plan_escaped(
        committed: tuple[Playbook, Deal], fmt: str) -> None:
    pb, deal = committed
    page = render_checklist(build_checklist(pb, deal, now=NOW, locale="en"), fmt)
    assert "Close plan" in page
    assert "2026-06-30" in page
    assert "agreed with bo" in page
    assert "OVERDUE" in page or 'class="step overdue"' in page
    assert "Report v2" in page
    assert "Bo <i>" not in page  # the person's name is escaped
    if fmt == "md":
        assert r"Legal \*review\*" in page
    else:
        assert "Bo &lt;i&gt;" in page


def test_a_checklist_in_chinese_labels_the_plan_in_chinese(
        committed: tuple[Playbook, Deal]) -> None:
    pb, deal = committed
    if "zh" not in pb.locales:
        pytest.skip("the playbook has no Chinese texts")
    page = render_checklist(build_checklist(pb, deal, now=NOW, locale="zh"), "md")
    assert "成交计划" in page
    assert "预计成交" in page

"""`dealflow deal close-date`, `plan ...`, `plays`, `play ...`, `slip`, `forecast --by` and
`plays-report` from the command line (issue 19)."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Invoke, flat
from tests.conftest import LAB_PLAYBOOK


@pytest.fixture
def deal(invoke: Invoke) -> str:
    made = invoke("deal", "new", "--id", "D-1", "--title", "Upgrade", "--account", "Acme",
                  "--owner", "li", "--amount", "1000", "--close", "2099-03-31")
    assert made.exit_code == 0, made.output
    return "D-1"


def test_a_new_deal_with_a_close_date_is_one_write_of_two_events(invoke: Invoke,
                                                                 deal: str) -> None:
    events = json.loads(invoke("events", deal, "--format", "json").output)
    assert [e["type"] for e in events] == ["deal_created", "close_date_set"]
    shown = json.loads(invoke("deal", "show", deal, "--format", "json").output)
    assert shown["deal"]["close_date"] == "2099-03-31"
    assert shown["close_plan"]["close_date"] == "2099-03-31"


def test_a_bad_close_date_is_a_usage_error_and_creates_nothing(invoke: Invoke) -> None:
    made = invoke("deal", "new", "--id", "D-2", "--title", "T", "--account", "A",
                  "--owner", "li", "--close", "31/03/2099")
    assert made.exit_code == 2
    assert "is not a date like" in flat(made.output)


def test_pushing_the_close_date_says_by_how_many_days_and_slip_counts_it(
        invoke: Invoke, deal: str) -> None:
    pushed = invoke("deal", "close-date", deal, "2099-04-30", "--note", "budget moved")
    assert pushed.exit_code == 0, pushed.output
    assert "close date 2099-03-31 -> 2099-04-30 (pushed 30 days)" in pushed.output
    figures = json.loads(invoke("slip", "--format", "json").output)
    assert (figures["deals_pushed"], figures["pushes"], figures["days_slipped"]) == (1, 1, 30)
    log = flat(invoke("events", deal).output)
    assert "2099-03-31 -> 2099-04-30 (pushed 30 days); budget moved" in log
    same = invoke("deal", "close-date", deal, "2099-04-30")
    assert same.exit_code == 1
    assert "the close date is 2099-04-30 already" in flat(same.output)


def test_the_forecast_by_quarter_explains_each_deal(invoke: Invoke, deal: str) -> None:
    shown = invoke("forecast", "--by", "quarter", "--explain")
    assert shown.exit_code == 0, shown.output
    assert "2099-Q1" in shown.output
    assert "closes 2099-03-31" in flat(shown.output)
    data = json.loads(invoke("forecast", "--by", "month", "--format", "json").output)
    assert data["periods"][0]["period"] == "2099-03"
    assert data["deals"][0]["deal_id"] == deal


def test_a_close_plan_is_added_updated_agreed_and_shown(invoke: Invoke, deal: str) -> None:
    assert invoke("stakeholder", "add", deal, "--id", "bo", "--name", "Bo", "--role",
                  "procurement").exit_code == 0
    added = invoke("plan", "add", deal, "--what", "Legal review", "--due", "2099-02-01",
                   "--owner", "sales", "--their-owner", "bo")
    assert added.exit_code == 0, added.output
    assert invoke("plan", "update", deal, "step-1", "--status", "done", "--evidence",
                  "Redlines back").exit_code == 0
    agreed = invoke("plan", "agree", deal, "--with", "bo", "--on", "2099-01-10")
    assert agreed.exit_code == 0, agreed.output
    plan = json.loads(invoke("plan", "show", deal, "--format", "json").output)
    assert plan["steps"][0]["status"] == "done"
    assert plan["agreed"] == {"stakeholder": "bo", "on": "2099-01-10", "note": ""}
    table = flat(invoke("plan", "show", deal).output)
    assert "agreed with bo on 2099-01-10" in table
    bad = invoke("plan", "update", deal, "step-1", "--status", "finished")
    assert bad.exit_code == 2


def test_a_play_is_listed_firing_then_taken_then_past(invoke: Invoke, deal: str) -> None:
    assert invoke("stakeholder", "add", deal, "--id", "op", "--name", "Op", "--role",
                  "technical_buyer", "--stance", "opponent", "--influence",
                  "high").exit_code == 0
    firing = json.loads(invoke("plays", deal, "--format", "json").output)
    assert "high_influence_opponent" in [p["play"] for p in firing["firing"]]
    taken = invoke("play", "take", deal, "high_influence_opponent", "--owner", "boss")
    assert taken.exit_code == 0, taken.output
    assert "taken on by boss" in taken.output
    done = invoke("play", "done", deal, "high_influence_opponent", "--outcome", "partly",
                  "--note", "Op now neutral")
    assert done.exit_code == 0, done.output
    listed = json.loads(invoke("plays", deal, "--format", "json").output)
    assert [(p["play"], p["outcome"]) for p in listed["past"]] == [
        ("high_influence_opponent", "partly")]
    page = flat(invoke("deal", "show", deal).output)
    assert "close date 2099-03-31" in page
    assert "Past plays" in page
    assert "high_influence_opponent completed partly Op now neutral" in page
    report = json.loads(invoke("plays-report", "--format", "json").output)
    row = next(p for p in report["plays"] if p["play"] == "high_influence_opponent")
    assert (row["taken"], row["completed"], row["outcomes"]) == (1, 1, {"partly": 1})


def test_a_play_outcome_outside_the_choices_is_a_usage_error(invoke: Invoke,
                                                             deal: str) -> None:
    result = invoke("play", "done", deal, "no_champion", "--outcome", "great")
    assert result.exit_code == 2


def test_the_lab_playbook_takes_close_dates_and_plans_too(invoke: Invoke) -> None:
    made = invoke("deal", "new", "--id", "L-1", "--title", "Reagents", "--account", "Lab",
                  "--owner", "li", "--playbook", str(LAB_PLAYBOOK), "--close", "2099-01-31")
    assert made.exit_code == 0, made.output
    assert invoke("plan", "add", "L-1", "--what", "Pilot order", "--due", "2099-01-15",
                  "--owner", "li").exit_code == 0
    seeded = invoke("plan", "seed", "L-1")
    assert seeded.exit_code == 1
    assert "declares no close-plan steps" in flat(seeded.output)
    assert "no play fires" in invoke("plays", "L-1").output
    assert "the playbook declares no plays" in invoke("plays-report").output

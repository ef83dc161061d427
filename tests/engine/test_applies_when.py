"""A control point that applies only sometimes (`applies_when`) is *not applicable* when its
condition does not hold: it never blocks, nothing is listed as missing, and every output
(text, JSON, tables, checklists) shows it in its own state. When the condition holds, the
control point is checked as any other, and its refusal lists only what the control point
itself needs, never the inputs of the condition.

Every test runs on both playbooks (`any_playbook`): the first gate of the first stage with
gates is given `applies_when: deal.amount > 100000`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import yaml

from dealflow import Deal, Engine, Playbook, dump_playbook, parse_playbook
from dealflow.engine import NOT_APPLICABLE
from dealflow.sop import build_checklist, render_checklist

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CONDITION = "deal.amount > 100000"


def _with_condition(playbook: Playbook) -> tuple[Playbook, str, str]:
    """`playbook` whose first gate gets `applies_when`; (playbook, stage id, gate id)."""
    data: dict[str, Any] = yaml.safe_load(dump_playbook(playbook))
    stage = next(stage for stage in data["stages"] if stage.get("gates"))
    gate = stage["gates"][0]
    gate["applies_when"] = CONDITION
    return parse_playbook(yaml.safe_dump(data, allow_unicode=True)), stage["id"], gate["id"]


@pytest.fixture
def case(any_playbook: Playbook) -> tuple[Engine, Deal, str]:
    """An engine of the changed playbook, a fresh deal in the stage of the changed gate
    (amount 0), and the gate's id."""
    playbook, stage, gate = _with_condition(any_playbook)
    engine = Engine(playbook, clock=lambda: NOW)
    deal = engine.create(deal_id="A-1", title="Upgrade", account="Acme", owner="li",
                         actor="test").deal
    return engine, deal.model_copy(update={"stage": stage}), gate


def _check(engine: Engine, deal: Deal, gate: str) -> Any:
    return next(check for check in engine.explain(deal).checks if check.id == gate)


def test_a_gate_whose_condition_does_not_hold_is_not_applicable(
    case: tuple[Engine, Deal, str],
) -> None:
    engine, deal, gate = case
    check = _check(engine, deal, gate)
    assert check.state == NOT_APPLICABLE
    assert not check.applicable
    assert not check.blocks
    assert check.missing == ()
    report = engine.explain(deal)
    assert check in report.not_applicable
    assert check not in report.blocking
    assert f"n/a   {gate}" in str(report)


def test_a_gate_whose_condition_holds_is_checked_and_never_names_the_condition(
    case: tuple[Engine, Deal, str],
) -> None:
    engine, deal, gate = case
    large = deal.model_copy(update={"amount": 250000})
    check = _check(engine, large, gate)
    assert check.applicable
    assert check.state == "failed"
    assert check.blocks
    assert check.missing
    assert not any("amount" in reason for reason in check.missing)


def test_not_applicable_is_its_own_state_in_the_json_of_a_report(
    case: tuple[Engine, Deal, str],
) -> None:
    engine, deal, gate = case
    data = json.loads(json.dumps(engine.explain(deal).to_dict()))
    row = next(check for check in data["checks"] if check["id"] == gate)
    assert row["state"] == "not_applicable"
    assert row["missing"] == []
    large = engine.explain(deal.model_copy(update={"amount": 250000})).to_dict()
    assert next(c for c in large["checks"] if c["id"] == gate)["state"] == "failed"


@pytest.mark.parametrize(("fmt", "shown"), [("md", "not applicable"), ("html", "not_applicable"),
                                            ("json", '"state": "not_applicable"')],
                         ids=["md", "html", "json"])
def test_the_checklist_shows_a_gate_that_does_not_apply_as_not_applicable(
    case: tuple[Engine, Deal, str], fmt: str, shown: str,
) -> None:
    engine, deal, gate = case
    sheet = build_checklist(engine.playbook, deal, now=NOW)
    rendered = render_checklist(sheet, fmt)  # type: ignore[arg-type]
    assert shown in rendered


def test_a_condition_that_fails_to_evaluate_fails_the_gate_with_its_error(
    minimal_playbook: Playbook,
) -> None:
    data: dict[str, Any] = yaml.safe_load(dump_playbook(minimal_playbook))
    data["facts"].append({"id": "seats", "name": "Seats", "type": "int"})
    data["stages"][0]["gates"][0]["applies_when"] = "facts.seats > 3"
    engine = Engine(parse_playbook(yaml.safe_dump(data, allow_unicode=True)),
                    clock=lambda: NOW)
    deal = engine.create(deal_id="A-2", title="T", account="A", owner="o", actor="t").deal
    check = _check(engine, deal, "pain_confirmed")
    assert check.blocks
    assert check.applicable
    assert "whether it applies cannot be told" in check.missing[0]
    assert "seats" in check.missing[0]


def test_an_unknown_fact_in_the_condition_fails_the_load_where_it_is(
    minimal_playbook: Playbook,
) -> None:
    from dealflow import PlaybookError

    data: dict[str, Any] = yaml.safe_load(dump_playbook(minimal_playbook))
    data["stages"][0]["gates"][0]["applies_when"] = "facts.poc_asked"
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(yaml.safe_dump(data, allow_unicode=True), "p.yaml")
    assert [p.path for p in caught.value.problems] == ["stages[0].gates[0].applies_when"]
    assert "poc_asked" in caught.value.problems[0].message

"""`min_influence` of the rule helpers: by value or as the enum, and a clear error for
anything else (only when a person's influence is compared with it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dealflow import Deal, Stakeholder, load_playbook
from dealflow.deal import Influence
from dealflow.engine import RuleContext
from dealflow.errors import RuleEvalError

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
PLAYBOOK = load_playbook()
PEOPLE = (Stakeholder(id="a", name="A", stance="champion", influence="high"),
          Stakeholder(id="b", name="B", stance="supporter", influence="medium"),
          Stakeholder(id="c", name="C", stance="opponent", influence="low"))


@pytest.fixture
def ctx() -> RuleContext:
    deal = Deal(id="d", title="T", account="A", owner="o", playbook_id=PLAYBOOK.id,
                playbook_version=PLAYBOOK.version, stage=PLAYBOOK.stages[0].id,
                created_at=NOW, stage_entered_at=NOW, stakeholders=PEOPLE)
    return RuleContext(PLAYBOOK, deal, NOW)


@pytest.mark.parametrize(("floor", "supporters", "champions"), [
    ("low", ["a", "b"], ["a"]), ("medium", ["a", "b"], ["a"]), ("high", ["a"], ["a"]),
    (Influence.medium, ["a", "b"], ["a"]),
], ids=["low", "medium", "high", "enum"])
def test_a_floor_keeps_the_people_at_or_above_it(ctx: RuleContext, floor: Any,
                                                 supporters: list[str],
                                                 champions: list[str]) -> None:
    assert [p.id for p in ctx.supporters(floor)] == supporters
    assert [p.id for p in ctx.champions(floor)] == champions


@pytest.mark.parametrize("floor", ["HIGH", "", ["high"], 2], ids=["case", "empty", "list", "int"])
def test_any_other_floor_is_refused_naming_it(ctx: RuleContext, floor: Any) -> None:
    with pytest.raises(RuleEvalError, match="min_influence must be low, medium or high"):
        ctx.supporters(floor)
    with pytest.raises(RuleEvalError, match="min_influence must be low, medium or high"):
        ctx.champions(floor)


def test_people_are_held_most_influential_first(ctx: RuleContext) -> None:
    deal = ctx.deal.model_copy(update={"stakeholders": (
        Stakeholder(id="x", name="X", roles=("coach",), influence="low"),
        Stakeholder(id="y", name="Y", roles=("coach",), influence="high"),
        Stakeholder(id="z", name="Z", roles=("coach",), influence="low"),
        Stakeholder(id="w", name="W", roles=("coach",), influence="medium"))})
    assert [p.id for p in deal.holders("coach")] == ["y", "w", "x", "z"]

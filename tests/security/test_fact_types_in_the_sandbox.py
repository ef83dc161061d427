"""Money and lists in rules stay inside the sandbox and its cost model: a rule reads an
amount and a currency, never the machinery behind them; money arithmetic is as bounded
as decimal arithmetic; a list fact is bounded by its `max_items` and the domain's
`MAX_LIST`, and what a rule builds from it by `MAX_SIZE`."""

from __future__ import annotations

import datetime as dt

import pytest

from dealflow import Deal, load_playbook
from dealflow.engine import RuleContext
from dealflow.errors import LimitExceeded, RuleEvalError, RuleSyntaxError
from dealflow.rules import compile_rule
from tests.conftest import REPO

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
PLAYBOOK = load_playbook(REPO / "docs" / "examples" / "orchard-robots.yaml")


@pytest.fixture
def ctx() -> RuleContext:
    deal = Deal(id="S-1", title="t", account="a", owner="o", playbook_id=PLAYBOOK.id,
                playbook_version=PLAYBOOK.version, stage="trial", created_at=NOW,
                stage_entered_at=NOW, facts={
                    "budget": "120000 EUR",
                    "competitors": ("Agrobot", "Tevel", "__class__", "_amounts"),
                    "quotes": ({"vendor": "Tevel", "price": "95000 USD"},)})
    return RuleContext(PLAYBOOK, deal, NOW)


@pytest.mark.parametrize("source", [
    "facts.budget.__class__", "facts.budget._amounts", "facts.budget.__init__",
    "deal.money.__class__.__mro__", "facts.quotes[0].__class__",
], ids=["class", "private method", "init", "mro", "record class"])
def test_a_rule_naming_the_machinery_behind_money_or_records_does_not_compile(
    source: str,
) -> None:
    with pytest.raises(RuleSyntaxError, match="private"):
        compile_rule(source)


@pytest.mark.parametrize("source", [
    "facts.budget[facts.competitors[2]]", "deal.money[facts.competitors[2]]",
    "facts.quotes[0][facts.competitors[2]]", "facts.budget[facts.competitors[3]]",
], ids=["money", "deal money", "record", "private method"])
def test_a_rule_cannot_reach_the_machinery_behind_money_or_records_by_a_name_from_data(
    ctx: RuleContext, source: str,
) -> None:
    with pytest.raises(RuleEvalError):
        compile_rule(source).evaluate(ctx)


def test_a_rule_cannot_call_a_method_of_money() -> None:
    with pytest.raises(RuleSyntaxError, match="only the rule helpers can be called"):
        compile_rule("facts.budget.of('1 EUR')")


@pytest.mark.parametrize(("source", "value"), [
    ("facts.budget.amount", 120000), ("facts.budget.currency", "EUR"),
    ("deal.money.currency", "CNY"), ("facts.quotes[0].price.currency", "USD"),
    ("facts.competitors | length", 4),
], ids=["amount", "currency", "deal currency", "record field", "list length"])
def test_a_rule_reads_the_parts_of_money_and_lists(ctx: RuleContext, source: str,
                                                    value: object) -> None:
    assert compile_rule(source).evaluate(ctx) == value


@pytest.mark.parametrize("source", [
    "facts.budget * 10**900 * 10**900 * 10**900 * 10**900 * 10**900",
    "facts.competitors * 100000",
    "(facts.competitors | join('x' * 60000)) ~ ('y' * 60000)",
], ids=["money past the decimal limit", "list past MAX_SIZE", "joined past MAX_SIZE"])
def test_what_a_rule_builds_from_money_or_a_list_is_bounded(ctx: RuleContext,
                                                            source: str) -> None:
    with pytest.raises(LimitExceeded):
        compile_rule(source).evaluate(ctx)

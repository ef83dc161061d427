"""One error contract for the rule language: whatever fails while a rule or an item text
is evaluated is a `RuleEvalError` (a dealflow error, so the CLI prints it); what does not
compile is a `DefinitionError`; and a bug of dealflow's own is never taken for a false
rule."""

from __future__ import annotations

import datetime as dt

import pytest

from dealflow import Deal, Playbook
from dealflow.engine import RuleContext
from dealflow.errors import (
    DefinitionError,
    LimitExceeded,
    RuleDataError,
    RuleEvalError,
    RuleSyntaxError,
    RuntimeDealError,
    UnsupportedSyntax,
)
from dealflow.rules import compile_rule, compile_template

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def context(minimal_playbook: Playbook) -> RuleContext:
    deal = Deal(id="d-1", title="t", account="a", owner="o", playbook_id=minimal_playbook.id,
                playbook_version=minimal_playbook.version,
                stage=minimal_playbook.stages[0].id, created_at=NOW, stage_entered_at=NOW)
    return RuleContext(minimal_playbook, deal, NOW)


@pytest.mark.parametrize(("rule", "python_error"), [
    pytest.param("'text' > 1", "TypeError", id="text-compared-with-a-number"),
    pytest.param("1 / 0 > 0", "ZeroDivisionError", id="division-by-zero"),
    pytest.param("'abc'[1:2:0] == 'b'", "ValueError", id="slice-step-of-zero"),
    pytest.param("([] | first) > 1", "UndefinedError", id="first-of-nothing-compared"),
])
def test_a_rule_that_fails_on_its_data_raises_a_rule_data_error_naming_pythons_error(
    context: RuleContext, rule: str, python_error: str
) -> None:
    with pytest.raises(RuleDataError, match=f"^{python_error}: ") as caught:
        compile_rule(rule).evaluate(context)
    assert isinstance(caught.value, RuleEvalError)
    assert isinstance(caught.value, RuntimeDealError)


def test_a_rule_past_a_limit_is_stopped_with_a_rule_eval_error(context: RuleContext) -> None:
    rule = compile_rule("deal.title * 200000 == 'x'")
    with pytest.raises(LimitExceeded, match="limit MAX_") as caught:
        rule.evaluate(context)
    assert isinstance(caught.value, RuleEvalError)


def test_an_item_text_that_fails_on_its_data_raises_a_rule_data_error(
    context: RuleContext
) -> None:
    text = compile_template("{{ 1 / 0 }}")
    with pytest.raises(RuleDataError, match="^ZeroDivisionError: "):
        text.render(context)


@pytest.mark.parametrize(("source", "error"), [
    pytest.param("facts.x and", RuleSyntaxError, id="syntax"),
    pytest.param("x.__class__", RuleSyntaxError, id="private-name"),
    pytest.param("(1).__class__", RuleSyntaxError, id="private-attribute"),
])
def test_a_rule_that_does_not_compile_is_a_definition_error(
    source: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        compile_rule(source)
    assert isinstance(caught.value, DefinitionError)


def test_syntax_rules_may_not_use_is_unsupported_syntax_a_rule_syntax_error() -> None:
    assert issubclass(UnsupportedSyntax, RuleSyntaxError)
    assert issubclass(RuleSyntaxError, DefinitionError)


def test_a_failing_rule_does_not_hold(context: RuleContext) -> None:
    assert context.holds(compile_rule("'text' > 1")) is False


def test_a_bug_in_a_helper_is_not_taken_for_a_false_rule(
    context: RuleContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: RuleContext, role: str) -> bool:
        raise AttributeError("a bug of dealflow's own")

    monkeypatch.setattr(RuleContext, "covered", broken)
    with pytest.raises(AttributeError, match="a bug of dealflow's own"):
        context.holds(compile_rule("covered('economic_buyer')"))

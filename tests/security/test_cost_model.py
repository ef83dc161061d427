"""The cost model itself: any expression of the rule grammar, as a rule, an item text or in
a layout, finishes within its budget, measured in steps and bytes (never in seconds).

Random expression trees are built from the grammar rules allow (names of the rule
context, literals, every operator, the allowed filters and tests, slices, conditions,
lists and mappings). Each is compiled and evaluated with a small budget of steps
(`max_rule_steps` and `max_template_steps` lowered to `BUDGET`), while Python's profiler
counts every function call (ours, Jinja's and the C built-ins') and `tracemalloc`
measures the memory at its peak. Whatever the outcome (a value, a refusal at load, a
`LimitExceeded`, or a Python error from mixing types), the calls must stay within
`CALLS_PER_STEP` per step of the budgets spent (compiling and evaluating: two budgets)
plus `EPSILON_CALLS`, and the peak memory within what those budgets can build plus one
value of `MAX_SIZE` under construction.
"""

from __future__ import annotations

import datetime as dt
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from dealflow import Deal, Stakeholder
from dealflow.engine import RuleContext
from dealflow.errors import RuleSyntaxError
from dealflow.limits import Limits, using_limits
from dealflow.playbook import parse_playbook
from dealflow.rules import LayoutSandbox, compile_rule
from dealflow.rules._cost import MAX_SIZE, STEP_CHARS
from dealflow.rules._sandbox import compile_text
from tests.security.test_sandbox_payloads import BASE, NOW

BUDGET = 2_000
"""The steps of each budget in these tests (the default is 100,000)."""
CALLS_PER_STEP = 12
"""Function calls one step may take at most (charging, the guard, the operation)."""
EPSILON_CALLS = 20_000
"""Calls outside any budget: Jinja's parser and code generator for the expression, the
first look-ups of the context, raising and reporting an error."""
BYTES = 4 * (2 * BUDGET * STEP_CHARS) + 16 * MAX_SIZE + 2_000_000
"""The peak memory allowed: what two budgets may build (at 4 bytes a character), one
value of `MAX_SIZE` items under construction (8 bytes a reference, and what Python keeps
around it), and the compiled expression and code."""

CI = settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

LEAVES = [
    "deal.amount", "deal.account", "deal.title", "days_in_stage", "stakeholders",
    "facts.pain_confirmed", "support_score", "stage", "0", "1", "7", "-3", "999", "99999",
    "10 ** 9", "0.5", "1e300", "'ab'", "'%s'", "'%(a)s'", "'{}'", "'x' * 999", "[1, 2, 3]",
    "{'a': 'b'}", "true", "none", "(deal.account * 5000)", "[deal.title] * 3",
    # the largest values a budget lets an expression start from
    "('x' * 99999)", "([1] * 49999)", "(deal.account * 6000) | list", "(9 ** 999 * 9 ** 999)",
    "((deal.amount + 1) * 10 ** 999)",
]
OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "<", ">=", "in", "and", "or"]
FILTERS = [
    "list", "string", "int", "float", "length", "join", "join(',')", "upper", "lower",
    "trim", "sort", "unique", "sum", "first", "last", "round", "round(2)", "round(-3)",
    "abs", "count", "default(0)", "max", "min", "map('string')", "map('upper')",
    "map('length')", "select('odd')", "reject('none')", "select('in', 'abc')",
    "selectattr('name')", "map(attribute='name')", "sort(attribute='name')",
]
TESTS = ["odd", "number", "string", "sequence", "in [1, 2]", "eq 3", "divisibleby 3",
         "none", "lt 5"]


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.sampled_from(FILTERS)).map(lambda t: f"({t[0]} | {t[1]})"),
        st.tuples(inner, st.sampled_from(TESTS)).map(lambda t: f"({t[0]} is {t[1]})"),
        inner.map(lambda x: f"(not {x})"),
        inner.map(lambda x: f"(-{x})"),
        st.tuples(inner, inner).map(lambda t: f"[{t[0]}, {t[1]}]"),
        st.tuples(inner, inner).map(lambda t: f"{{'k': {t[0]}, 'v': {t[1]}}}"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})[{t[1]}]"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})[{t[1]}:]"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})[::{t[1]}]"),
    )


EXPRESSIONS = st.recursive(st.sampled_from(LEAVES), _extend, max_leaves=10)

PEOPLE = tuple(
    Stakeholder(id=f"p{i}", name=f"Person {i}", title="CFO", roles=("economic_buyer",))
    for i in range(3))
DEAL = Deal(id="d-1", title="Cracker upgrade", account="Zhenhai Refining",
            amount=1_200_000, owner="li.wei", playbook_id=BASE.id,
            playbook_version=BASE.version, stage="qualify",
            facts={"pain_confirmed": True}, stakeholders=PEOPLE,
            created_at=NOW - dt.timedelta(days=30), stage_entered_at=NOW - dt.timedelta(days=3))
LAYOUTS = LayoutSandbox()


def _names() -> dict[str, Any]:
    ctx = RuleContext(BASE, DEAL, NOW)
    return {name: ctx[name] for name in ctx}


def _measured(work: Callable[[], Any]) -> tuple[Any, int, int]:
    """(outcome, function calls, peak bytes) of `work()`; the outcome is its value or the
    exception it raised (any but a `MemoryError` or a `RecursionError`)."""
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    tracemalloc.start()
    sys.setprofile(count)
    try:
        outcome = work()
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - refusals and type errors are outcomes too
        outcome = exc
    finally:
        sys.setprofile(None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return outcome, calls, peak


def _rule(source: str) -> Any:
    try:
        rule = compile_rule(source)
    except RuleSyntaxError as exc:
        return exc
    return rule.evaluate(RuleContext(BASE, DEAL, NOW))


def _item_text(source: str) -> Any:
    return compile_text("{{ " + source + " }}").render(_names())


def _layout(source: str) -> Any:
    return LAYOUTS.from_string("{{ " + source + " }}").render(_names())


def _layout_loop(source: str) -> Any:
    layout = "{% for x in " + source + " %}{{ x }}{{ loop.cycle(x, 1) }}{% endfor %}"
    return LAYOUTS.from_string(layout).render(_names())


PLACES: dict[str, Callable[[str], Any]] = {"rule": _rule, "item_text": _item_text,
                                           "layout": _layout, "layout_loop": _layout_loop}


@pytest.fixture
def small_budgets() -> Iterator[None]:
    with using_limits(Limits(max_rule_steps=BUDGET, max_template_steps=BUDGET)):
        yield


@pytest.mark.usefixtures("small_budgets")
@pytest.mark.parametrize("place", list(PLACES))
@CI
@given(source=EXPRESSIONS)
def test_any_expression_finishes_within_its_budget(place: str, source: str) -> None:
    outcome, calls, peak = _measured(lambda: PLACES[place](source))
    target(calls / 1_000, label="calls")  # hypothesis looks for the most work it can find
    target(peak / 1_000_000, label="bytes")
    assert calls <= CALLS_PER_STEP * 2 * BUDGET + EPSILON_CALLS, (
        f"{source!r} as a {place} made {calls:,} calls ({outcome!r:.200})")
    assert peak <= BYTES, f"{source!r} as a {place} peaked at {peak:,} bytes ({outcome!r:.200})"


def test_the_measure_sees_work_the_budget_does_not_bound() -> None:
    """The bounds are not vacuous: the same work outside the sandbox breaks both."""
    bound = CALLS_PER_STEP * 2 * BUDGET + EPSILON_CALLS
    _, calls, _ = _measured(lambda: [abs(i) for i in range(bound)])
    assert calls > bound
    _, _, peak = _measured(lambda: "x" * (BYTES + 1))
    assert peak > BYTES


@pytest.mark.parametrize(("place", "source"), [
    ("rule", "(deal.account * 1000) | list | map('upper') | list | length"),
    ("item_text", "(deal.account * 1000) | list | map('upper') | list | length"),
    ("layout", "(deal.account * 1000) | list | map('upper') | list | length"),
    ("layout", "(deal.account * 5000)[1:] == (deal.account * 5000)[2:]"),
], ids=["rule-map", "item-text-map", "layout-map", "layout-slices-compared"])
@pytest.mark.usefixtures("small_budgets")
def test_work_past_the_budget_is_stopped_naming_it(place: str, source: str) -> None:
    outcome, _, _ = _measured(lambda: PLACES[place](source))
    assert "STEPS" in str(outcome), outcome
    assert ("max_template_steps" if place == "layout" else "max_rule_steps") in str(outcome)


def test_the_same_work_passes_with_the_default_budget() -> None:
    assert _item_text("(deal.account * 1000) | list | map('upper') | list | length") == (
            "16000")


def test_a_playbook_loads_and_runs_with_a_budget_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = (BASE_TEXT.replace("when: facts.pain_confirmed",
                              "when: (deal.account * 500) | list | map('upper') | list"))
    monkeypatch.setenv("DEALFLOW_LIMITS", "max_rule_steps=500")
    playbook = parse_playbook(text, "p.yaml")
    ctx = RuleContext(playbook, DEAL, NOW)
    outcome, _, _ = _measured(lambda: playbook.stages[0].gates[0].when.evaluate(ctx))
    assert "takes more than 500 steps" in str(outcome)


BASE_TEXT = """
id: budget
version: "1"
title: Budget
locales: [en]
buyer_phases: [{id: needs, name: Needs}]
stages:
  - id: qualify
    name: Qualify
    buyer_phase: needs
    goal: Confirm the pain
    probability: 10
    gates:
      - {id: pain, text: Pain, when: facts.pain_confirmed}
roles: [{id: economic_buyer, name: Economic buyer}]
our_roles: [{id: sales, name: Sales}]
facts: [{id: pain_confirmed, name: Pain confirmed, type: bool}]
lost_reasons: [{id: competitor, name: Competitor}]
"""

"""Filter chains run as loops (`_chains`) give what Jinja's sandboxed filters give: the same
value, or the same error, after the same steps of work, under the same limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import Undefined

from dealflow import Stakeholder
from dealflow.errors import LimitExceeded, RuleEvalError
from dealflow.limits import Limits, using_limits
from dealflow.rules import Rule, compile_rule
from dealflow.rules._chains import FAST_CHAINS
from dealflow.rules._compiler import ENV
from dealflow.rules._cost import MAX_SIZE, open_steps, steps_left, stop_steps

PEOPLE = [
    Stakeholder(id="a", name="Ann", roles=("economic_buyer",), stance="champion",
                influence="high"),
    Stakeholder(id="b", name="Bo", roles=(), stance="unknown", influence="low"),
    Stakeholder(id="c", name="Cy", roles=("user_buyer", "coach"), stance="skeptic",
                influence="medium", title="CTO"),
]
NAMES: dict[str, Any] = {
    "people": PEOPLE,
    "pair": tuple(PEOPLE[:2]),
    "none": [],
    "rows": [{"name": "x", "amount": 3}, {"name": "", "amount": 0}, {"amount": 7}],
    "mixed": [PEOPLE[0], {"name": "y"}, "text", 4, None],
    "numbers": [1, 2, 3, 4, 5, 0],
    "words": ["ab", "", "cd", "abc"],
    "text": "abc",
    "many": PEOPLE * 400,
    "long_rows": [{"name": "x" * 900}] * 200,
}
ATTRS = ["roles", "stance", "name", "title", "influence", "id", "amount", "items", "nope"]
TESTS = ["", ", 'equalto', 'unknown'", ", 'none'", ", 'defined'", ", 'string'", ", 'odd'",
         ", 'lt', 3", ", 'in', 'abc'", ", 'sameas', none", ", 'eq', 'x'"]


def _step() -> st.SearchStrategy[str]:
    by_attr = st.tuples(st.sampled_from(["selectattr", "rejectattr"]), st.sampled_from(ATTRS),
                        st.sampled_from(TESTS)).map(lambda t: f"{t[0]}('{t[1]}'{t[2]})")
    plain = st.tuples(st.sampled_from(["select", "reject"]), st.sampled_from(TESTS)).map(
        lambda t: f"{t[0]}({t[1][2:]})")
    mapped = st.sampled_from(ATTRS).map(lambda a: f"map(attribute='{a}')")
    return st.one_of(by_attr, plain, mapped)


CHAINS = st.tuples(st.sampled_from(sorted(NAMES)), st.lists(_step(), min_size=1, max_size=4),
                   st.sampled_from(["", " | length", " | first", " | sum(attribute='amount')"])
                   ).map(lambda t: f"{t[0]} | {' | '.join(t[1])} | list{t[2]}")


@pytest.fixture
def fast() -> Iterator[None]:
    yield
    FAST_CHAINS["on"] = True


def _evaluate(rule: Rule, steps: int) -> tuple[Any, ...]:
    with using_limits(Limits(max_rule_steps=steps)):
        token = open_steps("rule")
        try:
            try:
                value = rule.evaluate(NAMES)
            except RuleEvalError as exc:
                return ("error", type(exc).__name__, str(exc), steps_left())
            shown = [("undefined", str(v._undefined_message)) if isinstance(v, Undefined) else v
                     for v in (value if isinstance(value, list) else [value])]
            return ("value", shown, steps_left())
        finally:
            stop_steps(token)


def _outcome(source: str, on: bool, steps: int) -> tuple[Any, ...]:
    """What `source` gives (its value or its error) and the steps it leaves. Evaluated
    twice, the second time counted: the size of a record is charged when it is first
    measured, then remembered."""
    FAST_CHAINS["on"] = on
    rule = compile_rule(source)
    FAST_CHAINS["on"] = True
    _evaluate(rule, steps)
    return _evaluate(rule, steps)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(CHAINS, st.sampled_from([5, 40, 1_000, 100_000]))
def test_a_chain_as_a_loop_gives_what_the_filters_give(fast: None, source: str,
                                                       steps: int) -> None:
    assert _outcome(source, True, steps) == _outcome(source, False, steps)


@pytest.mark.parametrize(("source", "expected"), [
    ("people | selectattr('roles') | rejectattr('stance', 'equalto', 'unknown') | list "
     "| length", 2),
    ("people | map(attribute='name') | select | list", ["Ann", "Bo", "Cy"]),
    ("rows | selectattr('amount', 'gt', 1) | map(attribute='amount') | list", [3, 7]),
    ("numbers | reject('odd') | list", [2, 4, 0]),
], ids=["records", "map", "mappings", "plain-items"])
def test_a_chain_as_a_loop_reads_records_and_mappings(source: str, expected: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    rule = compile_rule(source)

    def sandboxed(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the loop runs, not the sandboxed filters")

    monkeypatch.setattr(ENV, "call_filter", sandboxed)
    assert rule.evaluate(NAMES) == expected


@pytest.mark.parametrize(("source", "steps", "says"), [
    ("many | selectattr('name') | list", 300, "steps of work"),
    ("long_rows | map(attribute='name') | list", 100_000, f"{MAX_SIZE:,} characters"),
], ids=["steps", "size"])
def test_a_chain_as_a_loop_stays_within_the_limits(source: str, steps: int, says: str) -> None:
    with using_limits(Limits(max_rule_steps=steps)), pytest.raises(LimitExceeded, match=says):
        compile_rule(source).evaluate(NAMES)


@pytest.mark.parametrize(("constant", "computed"), [
    ("['skeptic', 'opponent']", "['skeptic', n]"),
    ("[1, 22, 333, none, true, 0.5]", "[1, 22, 333, none, true, h]"),
    ("('x' * 1, 'y')", "('x' * 1, y)"),
    ("[" + ", ".join(["'" + "w" * 150 + "'"] * 10) + "]",
     "[" + ", ".join(["'" + "w" * 150 + "'"] * 9) + ", long]"),
], ids=["texts", "scalars", "tuple", "long-texts"])
def test_a_constant_list_costs_what_building_it_costs(constant: str, computed: str) -> None:
    names = {"n": "opponent", "h": 0.5, "y": "y", "long": "w" * 150}
    left = []
    for source in (constant, computed):
        rule = compile_rule(f"{source} | length")  # (loading works out its constant parts)
        with using_limits(Limits(max_rule_steps=10_000)):
            token = open_steps("rule")
            try:
                value = rule.evaluate(names)
                left.append((value, steps_left()))
            finally:
                stop_steps(token)
    assert left[0] == left[1]

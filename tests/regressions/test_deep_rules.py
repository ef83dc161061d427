"""Regression: a rule or template nested too deeply is a load error, not a RecursionError.

Jinja's parser, the rule compiler and Python's own compiler all recurse once per level of
nesting; a playbook with `- - - ... 1` or 25 nested `{% for %}` ended in a traceback.
"""

from __future__ import annotations

import contextlib

import pytest

from dealflow.errors import RuleSyntaxError
from dealflow.rules import _rule as rules
from dealflow.rules import compile_rule, compile_template


def nested_rule(operator: str, depth: int) -> str:
    """`operator` applied `depth` times to `1`, kept within the rule length limit."""
    closing = ")" if operator == "(" else ""
    depth = min(depth, (rules.MAX_RULE_LENGTH - 1) // (len(operator) + len(closing)))
    return operator * depth + "1" + closing * depth


@pytest.mark.parametrize("depth", [300, 600, 900, 1200, 1900], ids=lambda depth: f"{depth}-deep")
@pytest.mark.parametrize("operator", ["-", "not ", "("], ids=["minus", "not", "parentheses"])
def test_a_deeply_nested_rule_compiles_or_is_refused_as_a_rule_error(
    operator: str, depth: int
) -> None:
    with contextlib.suppress(RuleSyntaxError):  # anything else, RecursionError included, fails
        compile_rule(nested_rule(operator, depth))


def test_running_out_of_stack_while_compiling_a_rule_is_a_rule_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def overflow(node: object) -> object:
        raise RecursionError

    monkeypatch.setattr(rules, "compile_node", overflow)
    with pytest.raises(RuleSyntaxError, match="nested too deeply"):
        compile_rule("facts.pain_confirmed")


@pytest.mark.parametrize(
    "source",
    ["{% for x in [1] %}" * 25 + "{% endfor %}" * 25, "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
     "{{ " + "-" * 5000 + "1 }}"],
    ids=["nested-loops", "parentheses", "minus"],
)
def test_a_deeply_nested_template_is_refused_as_a_rule_error(source: str) -> None:
    with pytest.raises(RuleSyntaxError, match="template does not compile"):
        compile_template(source)

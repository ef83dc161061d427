"""Regression: a fact or role used only in an item text was reported as unused.

DF110 looked for the text `facts.<id>` in item texts, so `facts['budget']`, `fact('budget')`
and `has_fact('budget')` did not count; DF105 did not read item texts at all, so a role
named only in `{% if covered('coach') %}` was "never required". Item texts are templates:
their references are now read from their syntax tree, as those of rules are.
"""

from __future__ import annotations

import pytest

from dealflow import parse_playbook
from dealflow.playbook import lint_playbook
from tests.conftest import TESTS

MINIMAL = (TESTS / "playbooks" / "minimal.yaml").read_text(encoding="utf-8")
TEXT = '"Hold a discovery call with {{ deal.account }}"'


def codes_with_text(template: str) -> list[str]:
    text = (MINIMAL.replace(TEXT, f'"Hold a discovery call {template}"', 1)
            .replace("facts:\n", "facts:\n  - {id: budget, name: Budget, type: int}\n", 1)
            .replace("roles:\n", "roles:\n  - {id: coach, name: Coach}\n", 1))
    return [finding.code for finding in lint_playbook(parse_playbook(text))]


@pytest.mark.parametrize("template", [
    "{{ facts.budget }}",
    "{{ facts['budget'] }}",
    "{{ fact('budget', 0) }}",
    "{% if has_fact('budget') %}about the budget{% endif %}",
], ids=["attribute", "subscript", "fact-helper", "has_fact-helper"])
def test_a_fact_read_only_by_an_item_text_is_used(template: str) -> None:
    codes = codes_with_text(template)
    assert "DF110" not in codes
    assert "DF105" in codes  # the coach is still unused


def test_a_role_named_only_by_an_item_text_is_asked_for() -> None:
    codes = codes_with_text("{% if covered('coach') %}with the coach{% endif %}")
    assert "DF105" not in codes
    assert "DF110" in codes  # the budget is still unused

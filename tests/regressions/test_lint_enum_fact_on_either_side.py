"""Regression: an enum fact compared with a value it cannot take went unreported (DF106)
when the value was on the left (`'aproved' == facts.budget_status`) or the fact was read
as `facts['budget_status']`; only `facts.budget_status == 'aproved'` was found.
"""

from __future__ import annotations

import pytest

from dealflow import parse_playbook
from dealflow.playbook import lint_playbook
from tests.conftest import TESTS

MINIMAL = (TESTS / "playbooks" / "minimal.yaml").read_text(encoding="utf-8")
FACTS = "facts:\n"
ENUM = "  - {id: budget_status, name: Budget, type: enum, values: [none, planned, approved]}\n"


def codes_for(rule: str) -> list[str]:
    text = MINIMAL.replace("when: facts.pain_confirmed\n", f'when: "{rule}"\n', 1)
    playbook = parse_playbook(text.replace(FACTS, FACTS + ENUM, 1))
    return [finding.code for finding in lint_playbook(playbook)]


@pytest.mark.parametrize("rule", [
    "'aproved' == facts.budget_status",
    "'aproved' != facts.budget_status",
    "facts['budget_status'] == 'aproved'",
    "facts['budget_status'] in ['approved', 'released']",
    "'aproved' == facts['budget_status']",
], ids=["value-on-the-left", "not-equal-on-the-left", "subscript", "subscript-in-list",
        "subscript-on-the-right"])
def test_an_impossible_enum_value_is_found_on_either_side_of_the_comparison(rule: str) -> None:
    assert "DF106" in codes_for(rule)


@pytest.mark.parametrize("rule", [
    "'approved' == facts.budget_status",
    "facts['budget_status'] in ['planned', 'approved']",
    "'appr' in facts.budget_status",
], ids=["declared-value-on-the-left", "declared-values-by-subscript", "substring-test"])
def test_a_possible_enum_value_is_not_reported(rule: str) -> None:
    assert "DF106" not in codes_for(rule)

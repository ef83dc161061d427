"""Regression: a gate with a numeric threshold was reported unpassable (DF203).

The deals that search for a way through a stage drew numeric facts the way hypothesis
draws numbers, mostly small ones, so `has_fact('budget') and facts.budget > 100000` was
met by none of 30 of them. Their numbers now also come as powers of ten.
"""

from __future__ import annotations

from dealflow import parse_playbook
from dealflow.testing import deep_check
from tests.conftest import TESTS

MINIMAL = (TESTS / "playbooks" / "minimal.yaml").read_text(encoding="utf-8")


def test_a_gate_on_a_large_number_can_be_passed() -> None:
    text = (MINIMAL
            .replace("when: facts.pain_confirmed\n",
                     "when: facts.pain_confirmed and has_fact('budget') and "
                     "facts.budget > 100000\n", 1)
            .replace("facts:\n", "facts:\n  - {id: budget, name: Budget, type: int}\n", 1))
    assert [finding.code for finding in deep_check(parse_playbook(text), examples=30)] == []

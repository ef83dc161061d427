"""Regression: a gate on the time a deal has spent in its stage was reported unpassable.

The deals that search for a way through a stage had all been in their stage for exactly
three days, so a gate `days_in_stage >= 7` was "passed by no deal" (DF203); and driving a
deal to won reset its time in stage to zero at each move with the clock standing still,
so a later stage's `days_in_stage >= 1` made the deal "impossible to win" (DF205). Deals
now spend from 0 to 400 days in a stage, and the drive gives every stage the time the
deal was checked with.
"""

from __future__ import annotations

import pytest

from dealflow import parse_playbook
from dealflow.testing import deep_check
from tests.conftest import TESTS

MINIMAL = (TESTS / "playbooks" / "minimal.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("old", "new"), [
    ("when: facts.pain_confirmed\n", "when: facts.pain_confirmed and days_in_stage >= 7\n"),
    ("when: facts.contract_signed and covered('economic_buyer')\n",
     "when: facts.contract_signed and covered('economic_buyer') and days_in_stage >= 1\n"),
], ids=["a-week-in-the-first-stage", "a-day-in-the-last-stage"])
def test_a_gate_on_the_time_in_stage_can_be_passed_and_the_deal_won(old: str, new: str) -> None:
    playbook = parse_playbook(MINIMAL.replace(old, new, 1))
    assert [finding.code for finding in deep_check(playbook, examples=30)] == []

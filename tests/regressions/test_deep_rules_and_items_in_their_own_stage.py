"""Regression: the deep checks evaluated a stage's gates, item rules and item texts for
deals in whatever stage the deal was generated in.

A gate is only ever evaluated for deals in its own stage, and an item only appears on the
checklist of its own stage. So a gate `stage == 'close'` on close, which every deal there
meets, was not reported as a gate that never fails (DF204): deals in other stages failed
it. An item text of a later stage was only filled in for the few generated deals that
happened to be in that stage, so a text that never fills in went unreported (DF202); and
the deal shown for a gate whose rule fails (DF201) was in another stage than the gate.
"""

from __future__ import annotations

import yaml

from dealflow import parse_playbook
from dealflow.testing import deep_check
from tests.conftest import TESTS

MINIMAL = (TESTS / "playbooks" / "minimal.yaml").read_text(encoding="utf-8")
CLOSE_GATE = "        when: facts.contract_signed and covered('economic_buyer')\n"


def findings_with(close: str, examples: int = 30) -> dict[str, object]:
    playbook = parse_playbook(MINIMAL.replace(CLOSE_GATE, CLOSE_GATE + close, 1))
    return {finding.code: finding for finding in deep_check(playbook, examples=examples)}


def test_a_gate_every_deal_of_its_stage_meets_never_fails() -> None:
    found = findings_with("""      - id: in_close
        text: The deal is in close
        when: stage == 'close'
""")
    assert "DF204" in found


def test_an_item_text_of_a_later_stage_is_filled_in_for_deals_in_that_stage() -> None:
    # with one example, the only generated deal is in the first stage
    found = findings_with("""    items:
      - id: send_quote
        text: "Send the quote: {{ deal.amount / 0 }}"
        owner: sales
""", examples=1)
    assert "DF202" in found


def test_the_deal_shown_for_a_failing_gate_rule_is_in_the_gate_s_stage() -> None:
    found = findings_with("""      - id: first_is_high
        text: The first contact has high influence
        when: stakeholders[0].influence == 'high'
""")
    witness = getattr(found["DF201"], "witness", None)
    assert witness is not None
    assert yaml.safe_load(witness)["stage"] == "close"

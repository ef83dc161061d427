"""Regression: a rule that is a single reference had its fact, role or item unchecked.

Jinja's `find_all` walks the nodes *below* the one it is called on, so a rule whose whole
tree is one reference (`facts.pain_confirmd`, `covered('economic_byer')`,
`item_done('deliver_proposl')`) reported no references: the typo loaded without a problem,
and the gate could never pass.
"""

from __future__ import annotations

import pytest

from dealflow import Playbook, PlaybookError, dump_playbook, parse_playbook
from dealflow.rules import compile_rule


@pytest.mark.parametrize(("rule", "kind", "name"), [
    pytest.param("facts.pain_confirmed", "facts", "pain_confirmed", id="fact-attribute"),
    pytest.param("facts['pain_confirmed']", "facts", "pain_confirmed", id="fact-item"),
    pytest.param("has_fact('tender_date')", "facts", "tender_date", id="has_fact"),
    pytest.param("covered('economic_buyer')", "roles", "economic_buyer", id="covered"),
    pytest.param("item_done('deliver_proposal')", "items", "deliver_proposal", id="item_done"),
])
def test_a_rule_that_is_one_reference_names_it(rule: str, kind: str, name: str) -> None:
    assert getattr(compile_rule(rule).refs, kind) == {name}


def test_a_rule_that_is_one_name_names_it() -> None:
    assert compile_rule("support_score").refs.names == {"support_score"}


@pytest.mark.parametrize(("rule", "message"), [
    pytest.param("facts.pain_confirmd", "unknown fact 'pain_confirmd'", id="fact"),
    pytest.param("covered('economic_byer')", "unknown role 'economic_byer'", id="role"),
    pytest.param("item_done('discovery_cal')", "unknown item 'discovery_cal'", id="item"),
])
def test_a_typo_in_a_one_reference_gate_is_a_load_error(
    minimal_playbook: Playbook, rule: str, message: str
) -> None:
    text = dump_playbook(minimal_playbook).replace("when: facts.pain_confirmed",
                                                   f"when: \"{rule}\"", 1)
    assert rule in text

    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, "typo.yaml")

    assert message in str(caught.value)

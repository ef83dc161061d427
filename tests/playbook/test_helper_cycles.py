"""Rules that need themselves through a helper are refused when the playbook loads, and the
rule context never recurses into a helper that is still working out its answer."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dealflow import PlaybookError, load_playbook, parse_playbook
from dealflow.cli import app
from dealflow.engine import Engine, RuleContext
from dealflow.playbook import Playbook
from dealflow.sop import build_checklist
from tests.conftest import REPO
from tests.security.test_sandbox_payloads import DEAL, NOW, _minimal_data

ROOT = REPO
FOREIGN = ROOT / "docs" / "examples" / "lab-subscriptions.yaml"


def _item(item_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": item_id, "text": item_id.upper(), "owner": "sales", **fields}


def _approval(rule_id: str, when: str) -> dict[str, Any]:
    return {"id": rule_id, "text": rule_id, "when": when, "requires": ["economic_buyer"],
            "before": "close"}


def _two_items_waiting_for_their_stage(data: dict[str, Any]) -> None:
    data["stages"][0]["items"] = [_item("a", when="stage_items_done()", blocking=True),
                                  _item("b", when="stage_items_done()", blocking=True)]


def _two_approvals_needing_the_approvals(data: dict[str, Any]) -> None:
    data["approval_rules"] = [_approval("x", "approvals_covered()"),
                              _approval("y", "not approvals_covered()")]


def _repeated_items_waiting_for_each_other(data: dict[str, Any]) -> None:
    data["stages"][0]["items"] = [_item("a", for_each="true", when="item_done('b')")]
    data["stages"][1]["items"] = [_item("b", for_each="true", when="item_done('a')")]


def _text(change: Any) -> str:
    data = copy.deepcopy(_minimal_data())
    change(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _problems(change: Any) -> list[tuple[str, str]]:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(_text(change), "cycle.yaml")
    return [(problem.path, problem.message) for problem in caught.value.problems]


def test_items_whose_when_waits_for_their_own_stage_are_refused_each_by_name() -> None:
    problems = _problems(_two_items_waiting_for_their_stage)
    assert [path for path, _ in problems] == ["stages[0].items[0].when",
                                              "stages[0].items[1].when"]
    for (_, message), item in zip(problems, "ab", strict=True):
        assert f"the `when` of item {item!r} depends on itself" in message
        assert "calls stage_items_done(), which evaluates the rules of every item of stage " \
               "'qualify', this one among them" in message
        assert "item_done('...')" in message


def test_approval_rules_that_need_the_approvals_are_refused() -> None:
    problems = _problems(_two_approvals_needing_the_approvals)
    assert [path for path, _ in problems] == ["approval_rules[0].when", "approval_rules[1].when"]
    assert all("calls approvals_covered(), which evaluates every approval rule" in message
               for _, message in problems)


def test_two_items_of_different_stages_that_wait_for_each_other_are_named_together() -> None:
    [(path, message)] = _problems(_repeated_items_waiting_for_each_other)
    assert path == "stages[0].items[0].when"
    assert message.startswith("the `when` of item 'a' and the `when` of item 'b' depend on "
                              "each other")
    assert "item_done('b')" in message
    assert "item_done('a')" in message
    assert "(stages[1].items[0].when)" in message


def _gate_waits_for_the_stage(data: dict[str, Any]) -> None:
    data["stages"][0]["gates"].append(
        {"id": "items", "text": "Items done", "when": "stage_items_done()"})


def _item_waits_for_an_item_of_another_stage(data: dict[str, Any]) -> None:
    data["stages"][1]["items"] = [_item("b", when="item_done('discovery_call')")]


def _approval_gated_by_a_gate_helper(data: dict[str, Any]) -> None:
    data["approval_rules"] = [_approval("x", "facts.pain_confirmed and item_done('b')")]
    _item_waits_for_an_item_of_another_stage(data)


@pytest.mark.parametrize("change", [
    _gate_waits_for_the_stage, _item_waits_for_an_item_of_another_stage,
    _approval_gated_by_a_gate_helper,
], ids=["gate-uses-stage-items-done", "item-waits-for-an-item-of-another-stage",
        "approval-waits-for-a-plain-item"])
def test_helpers_used_without_a_circle_still_load(change: Any) -> None:
    parse_playbook(_text(change), "fine.yaml")


@pytest.mark.parametrize("path", [ROOT / "playbooks" / "complex-b2b.yaml", FOREIGN],
                         ids=["bundled", "foreign"])
def test_playbooks_that_use_the_helpers_have_no_circle(path: Path) -> None:
    load_playbook(path)


def test_the_context_refuses_to_reenter_a_helper_and_works_each_stage_out_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A playbook built without the loader's checks: the circle is cut at the second call
    instead of recursing exponentially (each item's rule fails, once)."""
    data = copy.deepcopy(_minimal_data())
    _two_items_waiting_for_their_stage(data)
    playbook = Playbook.model_validate(data)
    evaluated: list[str] = []
    holds = RuleContext.holds

    def counted(self: RuleContext, rule: Any, extra: Any = None) -> bool:
        evaluated.append(rule.source)
        return holds(self, rule, extra)

    monkeypatch.setattr(RuleContext, "holds", counted)
    sheet = build_checklist(playbook, DEAL, now=NOW)
    assert sheet.items == ()
    assert len(evaluated) == 2
    ctx = RuleContext(playbook, DEAL, NOW)
    assert ctx.stage_items_done() is True  # no item applies: nothing is missing
    report = Engine(playbook, clock=lambda: NOW).explain(DEAL)
    assert report.stage == "qualify"


def test_validate_names_the_circle(tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text(_text(_two_approvals_needing_the_approvals), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "approval_rules[0].when" in result.output
    assert "depends on itself" in result.output
    assert "Traceback" not in result.output

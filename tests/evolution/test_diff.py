"""`diff_playbooks` and `dealflow diff`: each kind of change, a rename, the change budget."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dealflow import Playbook, dump_playbook, load_playbook, parse_playbook
from dealflow.cli import app
from dealflow.evolution import diff_playbooks

OLD = load_playbook()


def _changed(edit: Callable[[dict[str, Any]], None], version: str = "1.1.0") -> Playbook:
    data: dict[str, Any] = yaml.safe_load(dump_playbook(OLD))
    data["version"] = version
    edit(data)
    return parse_playbook(yaml.safe_dump(data, allow_unicode=True), "new.yaml")


def _stage(data: dict[str, Any], stage_id: str) -> dict[str, Any]:
    return next(s for s in data["stages"] if s["id"] == stage_id)


def _add_gate(data: dict[str, Any]) -> None:
    _stage(data, "validate")["gates"].append(
        {"id": "reference_visit", "text": {"en": "Reference visit done", "zh": "已参观样板"},
         "when": "true", "severity": "warn"})


def _remove_item(data: dict[str, Any]) -> None:
    stage = _stage(data, "shape")
    stage["items"] = [i for i in stage["items"] if i["id"] != "criteria_workshop"]


def _change_rule(data: dict[str, Any]) -> None:
    gate = _stage(data, "qualify")["gates"][0]
    gate["when"] = "facts.pain_confirmed and facts.impact_quantified"


def _rename_stage(data: dict[str, Any]) -> None:
    _stage(data, "discover")["name"] = {"en": "Discover", "zh": "发现"}


def _change_text(data: dict[str, Any]) -> None:
    _stage(data, "qualify")["gates"][0]["text"] = {"en": "Pain confirmed in writing",
                                                     "zh": "书面确认痛点"}


def _add_role(data: dict[str, Any]) -> None:
    data["roles"].append({"id": "design_institute", "name": {"en": "Design institute",
                                                             "zh": "设计院"}})
    _stage(data, "shape")["required_roles"] = ["design_institute"]


def _remove_play(data: dict[str, Any]) -> None:
    data["plays"] = [p for p in data["plays"] if p["id"] != "stalled_deal"]


def _add_fact(data: dict[str, Any]) -> None:
    data["facts"].append({"id": "site_visit", "name": {"en": "Site visit", "zh": "现场考察"},
                          "type": "bool"})


def _win_earlier(data: dict[str, Any]) -> None:
    data["moves"]["win"]["from_stages"] = ["negotiate", "decide"]


def _gate_on_losing(data: dict[str, Any]) -> None:
    data["moves"]["lose"] = {"gates": [{"id": "loss_noted", "text": "A loss says why",
                                         "when": "move.note | length > 0"}]}


def _add_outcome(data: dict[str, Any]) -> None:
    data["moves"]["outcomes"] = [{"id": "duplicate", "name": "Duplicate",
                                  "counts_as_lost": False}]


CASES = {
    "gate-added": (_add_gate, ("gate", "reference_visit", "added")),
    "item-removed": (_remove_item, ("item", "criteria_workshop", "removed")),
    "rule-changed": (_change_rule, ("gate", "pain_confirmed", "changed")),
    "stage-renamed": (_rename_stage, ("stage", "discover", "renamed")),
    "text-changed": (_change_text, ("gate", "pain_confirmed", "changed")),
    "role-added": (_add_role, ("role", "design_institute", "added")),
    "play-removed": (_remove_play, ("play", "stalled_deal", "removed")),
    "fact-added": (_add_fact, ("fact", "site_visit", "added")),
    "win-moved": (_win_earlier, ("move", "win", "changed")),
    "move-gate-added": (_gate_on_losing, ("gate", "loss_noted", "added")),
    "outcome-added": (_add_outcome, ("outcome", "duplicate", "added")),
}


@pytest.mark.parametrize("case", CASES)
def test_each_kind_of_change_is_reported_by_id(case: str) -> None:
    edit, (kind, entry, action) = CASES[case]
    result = diff_playbooks(OLD, _changed(edit))
    assert (kind, entry, action) in {(c.kind, c.id, c.action) for c in result.changes}


def test_a_rule_change_shows_old_and_new_side_by_side() -> None:
    result = diff_playbooks(OLD, _changed(_change_rule))
    (change,) = [c for c in result.changes if c.id == "pain_confirmed"]
    assert change.fields == (("when", "facts.pain_confirmed",
                              "facts.pain_confirmed and facts.impact_quantified"),)


def test_a_text_change_shows_both_texts() -> None:
    (change,) = diff_playbooks(OLD, _changed(_change_text)).changes
    name, old, new = change.fields[0]
    assert name == "text"
    assert "Pain confirmed in writing" in new
    assert "Pain confirmed in writing" not in old


def test_an_identical_playbook_has_no_changes() -> None:
    result = diff_playbooks(OLD, OLD)
    assert result.changes == []
    assert result.size == 0


def test_the_change_budget_counts_touched_gates_and_items() -> None:
    def big(data: dict[str, Any]) -> None:
        for stage in data["stages"]:
            for gate in stage["gates"]:
                gate["hint"] = "Revised"

    small = diff_playbooks(OLD, _changed(_change_rule))
    # the bundled playbook declares moves: their seven declarations count too
    total = sum(len(s.gates) + len(s.items) for s in OLD.stages) + 7
    assert (small.touched, small.total) == (1, total)
    assert not small.over_budget
    large = diff_playbooks(OLD, _changed(big))
    assert large.touched == sum(len(s.gates) for s in OLD.stages)
    assert large.over_budget


def test_a_changed_move_lists_the_moves_it_allows_and_no_longer_allows() -> None:
    result = diff_playbooks(OLD, _changed(_win_earlier))
    (change,) = [c for c in result.changes if c.kind == "move"]
    assert change.fields == (("allowed", "(none)", "negotiate > won"),)
    back = diff_playbooks(_changed(_win_earlier), OLD)
    (change,) = [c for c in back.changes if c.kind == "move"]
    assert change.fields == (("no longer allowed", "negotiate > won", "(none)"),)


def test_the_change_budget_counts_moves_and_their_control_points() -> None:
    total = sum(len(s.gates) + len(s.items) for s in OLD.stages) + 7
    moved = diff_playbooks(OLD, _changed(_win_earlier))
    assert (moved.touched, moved.total) == (1, total)
    gated = diff_playbooks(OLD, _changed(_gate_on_losing))
    assert gated.touched == 2  # the declaration of lose, and its new control point


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(dump_playbook(OLD), encoding="utf-8")
    new.write_text(dump_playbook(_changed(_change_rule)), encoding="utf-8")
    return old, new


@pytest.mark.parametrize("fmt", ["table", "md", "json"])
def test_dealflow_diff_prints_the_change_in_each_format(
    files: tuple[Path, Path], fmt: str
) -> None:
    result = CliRunner().invoke(app, ["diff", str(files[0]), str(files[1]), "-f", fmt],
                                env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    assert "pain_confirmed" in result.output
    if fmt == "json":
        data = json.loads(result.output)
        assert data["budget"]["touched"] == 1


def test_dealflow_diff_strict_fails_over_the_budget(tmp_path: Path) -> None:
    def big(data: dict[str, Any]) -> None:
        for stage in data["stages"]:
            for gate in stage["gates"]:
                gate["hint"] = "Revised"

    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(dump_playbook(OLD), encoding="utf-8")
    new.write_text(dump_playbook(_changed(big)), encoding="utf-8")
    relaxed = CliRunner().invoke(app, ["diff", str(old), str(new)])
    assert relaxed.exit_code == 0
    assert "over the budget" in relaxed.output
    strict = CliRunner().invoke(app, ["diff", str(old), str(new), "--strict"])
    assert strict.exit_code == 1


def test_dealflow_diff_of_a_broken_playbook_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["diff", "complex-b2b", str(broken)])
    assert result.exit_code == 1
    assert "missing required key" in result.output


def test_a_changed_close_plan_step_is_named_with_its_stage_and_field() -> None:
    from dealflow import diff_playbooks, load_playbook, parse_playbook
    from tests.conftest import REPO

    text = (REPO / "playbooks" / "complex-b2b.yaml").read_text(encoding="utf-8")
    new = parse_playbook(text.replace("due_days: 21\n    items:", "due_days: 28\n    items:")
                         .replace('version: "2.0.0"', 'version: "2.0.1"'))
    (change,) = diff_playbooks(load_playbook(), new).changes
    assert (change.kind, change.id, change.action, change.where) == (
        "close_step", "signature", "changed", "negotiate")
    assert change.fields == (("due_days", "21", "28"),)


def test_the_revision_to_2_0_0_moves_the_win_to_contract_and_po_and_says_it_is_over_budget(
) -> None:
    from tests.conftest import REPO

    old = load_playbook(REPO / "playbooks" / "revisions" / "complex-b2b-1.0.0.yaml")
    result = diff_playbooks(old, OLD)

    found = {(c.kind, c.id, c.action) for c in result.changes}
    assert ("stage", "handover", "removed") in found
    assert {("gate", "kickoff_held", "removed"), ("gate", "funds_released", "added"),
            ("gate", "spec_influenced", "changed"), ("play", "champion_gone_quiet", "added"),
            ("lost_reason", "failed_tender", "added")} <= found
    (win,) = [c for c in result.changes if (c.kind, c.id) == ("move", "win")]
    assert ("allowed", "(none)", "decide > won") in win.fields
    assert ("no longer allowed", "handover > won", "(none)") in win.fields
    assert result.over_budget
    assert round(result.size, 2) == 0.37

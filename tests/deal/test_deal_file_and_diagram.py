"""Deal files (YAML and JSON) read against a playbook, and `dealflow diagram`.

A deal file with problems raises `DealFileError` listing every problem with its file,
line, column and place; `dealflow diagram --deal` prints them and exits 1, with no
traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import DealFileError, Playbook, Stance, load_deal_file, load_playbook
from dealflow.cli import app

PLAYBOOK = load_playbook()
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

GOOD_YAML = """\
id: D-7
title: Reactor upgrade
account: Sinochem Quanzhou
owner: li
amount: 80000
stage: shape
facts:
  pain_confirmed: "yes"
  budget_status: approved
  tender_date: 2026-05-01
stakeholders:
  - id: ines
    name: Ines
    roles: [initiator, user_buyer]
    stance: champion
    influence: high
    last_contact: 2026-02-20
"""

Write = Callable[[str, str], Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """`write(name, text)`: a file in the test's temporary directory."""

    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write_file



# -- good deal files -----------------------------------------------------------------------
def test_a_yaml_deal_file_loads_with_its_facts_typed_by_the_playbook(write: Write) -> None:
    deal = load_deal_file(write("deal.yaml", GOOD_YAML), PLAYBOOK, now=NOW)

    assert (deal.id, deal.stage, deal.amount) == ("D-7", "shape", Decimal(80000))
    assert deal.facts == {"pain_confirmed": True, "budget_status": "approved",
                          "tender_date": dt.date(2026, 5, 1)}
    (ines,) = deal.stakeholders
    assert (ines.roles, ines.stance, ines.last_contact) == (
        ("initiator", "user_buyer"), Stance.champion, dt.date(2026, 2, 20))


def test_a_json_deal_file_loads_with_defaults_from_the_playbook(write: Write) -> None:
    text = json.dumps({"id": "D-8", "title": "Flare gas recovery", "account": "Zhenhai",
                       "owner": "wu", "facts": {"industry": "energy"}})

    deal = load_deal_file(write("deal.json", text), PLAYBOOK, now=NOW)

    assert (deal.playbook_id, deal.playbook_version) == (PLAYBOOK.id, PLAYBOOK.version)
    assert deal.stage == "qualify"
    assert deal.created_at == deal.stage_entered_at == NOW
    assert deal.facts == {"industry": "energy"}


def test_a_deal_file_accepts_a_path_given_as_text(write: Write) -> None:
    path = write("deal.yml", GOOD_YAML)

    assert load_deal_file(str(path), PLAYBOOK, now=NOW).id == "D-7"


# -- bad deal files ------------------------------------------------------------------------
def _problems(path: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(DealFileError) as caught:
        load_deal_file(path, PLAYBOOK, now=NOW)
    for problem in caught.value.problems:
        assert problem.file == str(path)
    assert str(path) in str(caught.value)
    return [(p.line, p.path, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(("old", "new", "line", "place", "message"), [
    pytest.param("stage: shape", "stage: shap", 6, "stage",
                 "unknown stage 'shap'; did you mean 'shape'?", id="unknown-stage"),
    pytest.param("budget_status: approved", "budget_status: signed", 9,
                 "facts.budget_status", "expected one of: unknown, planned, approved",
                 id="enum-fact-value"),
    pytest.param('pain_confirmed: "yes"', "pain_confirmed: perhaps", 8,
                 "facts.pain_confirmed", "expected true or false", id="bool-fact-value"),
    pytest.param("tender_date: 2026-05-01", "tender_date: soon", 10, "facts.tender_date",
                 "expected a date like 2026-03-31", id="date-fact-value"),
    pytest.param("  budget_status", "  budget_state", 9, "facts.budget_state",
                 "unknown fact 'budget_state'; did you mean 'budget_status'?",
                 id="unknown-fact"),
    pytest.param("roles: [initiator, user_buyer]", "roles: [initiator, user_byer]", 14,
                 "stakeholders[0].roles[1]",
                 "unknown role 'user_byer'; did you mean 'user_buyer'?", id="unknown-role"),
    pytest.param("roles: [initiator, user_buyer]", "roles: initiator", 14,
                 "stakeholders[0].roles", "expected a list, not the text 'initiator'",
                 id="roles-not-a-list"),
    pytest.param("stance: champion", "stance: fan", 15, "stakeholders[0].stance",
                 "'fan' is not allowed; expected 'champion'", id="bad-stance"),
    pytest.param("owner: li\n", "", 1, "", "missing required key 'owner'",
                 id="missing-owner"),
    pytest.param("amount: 80000", "amount: -1", 5, "amount",
                 "-1 is negative; an amount is zero or more", id="negative-amount"),
    pytest.param("amount: 80000", "amount: 1\nprobability: 90", 6, "probability",
                 "unknown key 'probability'; valid: account, activity, amount", id="unknown-field"),
])
def test_a_bad_deal_file_names_the_line_and_place_of_the_problem(
    write: Write, old: str, new: str, line: int, place: str, message: str
) -> None:
    assert old in GOOD_YAML
    path = write("deal.yaml", GOOD_YAML.replace(old, new, 1))

    ((found_line, found_place, found_message),) = _problems(path)

    assert (found_line, found_place) == (line, place)
    assert message in found_message


def test_every_problem_of_a_deal_file_is_listed_at_once(write: Write) -> None:
    text = (GOOD_YAML.replace("stage: shape", "stage: shap")
            .replace("roles: [initiator, user_buyer]", "roles: [initator]")
            .replace("owner: li\n", ""))

    places = [place for _, place, _ in _problems(write("deal.yaml", text))]

    assert sorted(places) == ["", "stage", "stakeholders[0].roles[0]"]


def test_a_json_deal_file_locates_its_problem_too(write: Write) -> None:
    text = '{"id": "D-8", "title": "t", "account": "a",\n "owner": "o", "stage": "propse"}'

    assert _problems(write("deal.json", text)) == [
        (2, "stage", "unknown stage 'propse'; did you mean 'propose'?")]


@pytest.mark.parametrize("text", ["- a list\n- of things\n", "just words\n", "42\n"],
                         ids=["list", "text", "number"])
def test_a_deal_file_that_is_not_a_mapping_says_what_it_should_hold(
    write: Write, text: str
) -> None:
    ((line, place, message),) = _problems(write("deal.yaml", text))

    assert (line, place) == (1, "")
    assert "a deal file holds a mapping of fields such as `id:`" in message


def test_a_deal_file_with_broken_yaml_is_a_located_syntax_error(write: Write) -> None:
    ((line, place, message),) = _problems(write("deal.yaml", "id: [D-7\ntitle: t\n"))

    assert line >= 1
    assert place == ""
    assert "YAML syntax error" in message


def test_a_missing_deal_file_is_a_deal_file_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"

    assert _problems(path) == [(0, "", "file not found")]


# -- dealflow diagram ----------------------------------------------------------------------
def _moves(output: str) -> dict[tuple[str, str], str]:
    """(source, dest) -> label, for each move of a Mermaid state diagram."""
    found = re.findall(r"^\s*(\w+) --> (\w+): (.*)$", output, flags=re.MULTILINE)
    return {(source, dest): label for source, dest, label in found}


def _classes(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*Class (\w+) (\w+)$", output, flags=re.MULTILINE))


def test_the_diagram_is_a_mermaid_state_diagram_of_the_stages(
    runner: CliRunner, default_playbook: Playbook
) -> None:
    result = runner.invoke(app, ["diagram", "complex-b2b"])

    assert result.exit_code == 0, result.output
    assert "stateDiagram-v2" in result.stdout
    phases = {p.id: default_playbook.text(p.name) for p in default_playbook.buyer_phases}
    for stage in default_playbook.stages:
        label = (f'state "{default_playbook.text(stage.name)} ({stage.probability}%) · buyer: '
                 f'{phases[stage.buyer_phase or ""]}" as {stage.id}')
        assert label in result.stdout
    assert "[*] --> qualify" in result.stdout
    assert set(_classes(result.stdout).values()) == {"s_default"}


def test_each_move_of_the_diagram_carries_the_ids_of_its_blocking_gates(
    runner: CliRunner, default_playbook: Playbook
) -> None:
    moves = _moves(runner.invoke(app, ["diagram", "complex-b2b"]).stdout)

    stages = [stage.id for stage in default_playbook.stages]
    for stage, dest in zip(default_playbook.stages, [*stages[1:], "won"], strict=True):
        label = moves[(stage.id, dest)]
        trigger, _, conditions = label.partition(" ")
        assert trigger == ("win" if dest == "won" else "advance")
        named = conditions.strip("[]").split(" & ")
        blocking = [gate.id for gate in stage.gates if gate.severity == "block"]
        assert named[:len(blocking)] == blocking
        warn = [gate.id for gate in stage.gates if gate.severity == "warn"]
        assert not set(warn) & set(named), "warn gates do not guard the move"
        assert moves[(stage.id, "lost")] == "lose"


def test_the_approval_rule_labels_every_move_into_or_past_the_stage_it_guards(
    runner: CliRunner,
) -> None:
    moves = _moves(runner.invoke(app, ["diagram", "complex-b2b"]).stdout)

    # an internal approval needed before a stage labels the move into it, every later move
    # and the win; the approvals a gate asks for (pricing, contract) are in the gate
    later = [("negotiate", "decide"), ("decide", "won")]
    guarded = {"approval:bid_no_bid": {("validate", "propose"), ("propose", "negotiate"),
                                       *later},
               "approval:top_management_over_50k": set(later)}
    for approval, where in guarded.items():
        assert {move for move, label in moves.items() if approval in label} == where
    assert all(label.count("approval:") == sum(approval in label for approval in guarded)
               for label in moves.values())


def test_the_diagram_speaks_the_requested_locale(runner: CliRunner) -> None:
    result = runner.invoke(app, ["diagram", "complex-b2b", "--lang", "zh"])

    assert result.exit_code == 0
    assert 'state "商机确认 (10%) · 客户决策阶段：发现需求" as qualify' in result.stdout
    assert "复杂B2B项目销售" in result.stdout
    assert "qualify --> discover: 推进 [pain_confirmed" in result.stdout
    assert 'state "赢单" as won' in result.stdout


@pytest.mark.parametrize("stage", [stage.id for stage in PLAYBOOK.stages])
def test_a_deals_stage_is_the_active_state_of_the_diagram(
    runner: CliRunner, write: Write, stage: str
) -> None:
    path = write("deal.yaml", GOOD_YAML.replace("stage: shape", f"stage: {stage}"))

    result = runner.invoke(app, ["diagram", "complex-b2b", "--deal", str(path)])

    assert result.exit_code == 0, result.output
    classes = _classes(result.stdout)
    assert classes.pop(stage) == "s_active"
    assert set(classes.values()) == {"s_default"}
    assert "[*] --> qualify" in result.stdout


def test_a_json_deal_file_marks_its_stage_too(runner: CliRunner, write: Write) -> None:
    path = write("deal.json", json.dumps({"id": "D-8", "title": "t", "account": "a",
                                          "owner": "o", "stage": "negotiate"}))

    result = runner.invoke(app, ["diagram", "complex-b2b", "--deal", str(path)])

    assert result.exit_code == 0, result.output
    assert _classes(result.stdout)["negotiate"] == "s_active"


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(GOOD_YAML.replace("stage: shape", "stage: shap"),
                 ":6:8  stage  unknown stage 'shap'; did you mean 'shape'?", id="unknown-stage"),
    pytest.param("- not\n- a mapping\n", ":1:1  <document>  a deal file holds a mapping",
                 id="not-a-mapping"),
    pytest.param("id: [D-7\n", "YAML syntax error", id="broken-yaml"),
])
def test_a_bad_deal_file_exits_1_with_the_location_and_no_traceback(
    runner: CliRunner, write: Write, text: str, expected: str
) -> None:
    path = write("deal.yaml", text)

    result = runner.invoke(app, ["diagram", "complex-b2b", "--deal", str(path)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}" in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_a_missing_deal_file_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["diagram", "complex-b2b", "--deal",
                                 str(tmp_path / "nowhere.yaml")])

    assert result.exit_code == 1
    assert "file not found" in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_playbook_exits_1(runner: CliRunner) -> None:
    result = runner.invoke(app, ["diagram", "complex-b2c"])

    assert result.exit_code == 1
    assert "complex-b2c" in result.stderr
    assert "Traceback" not in result.output

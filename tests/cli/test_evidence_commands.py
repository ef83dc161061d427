"""`fact set --evidence ...`, `fact verify`, `waive`, `review`, `reviews`, and win/lose
with `--answer`, on a playbook of another business (tests/playbooks/lab-evidence.yaml)."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Invoke, flat
from tests.conftest import TESTS

LAB = str(TESTS / "playbooks" / "lab-evidence.yaml")


@pytest.fixture
def deal(invoke: Invoke) -> str:
    for args in (
        ("deal", "new", "--id", "L1", "--title", "Spectrometer", "--account", "Lab A",
         "--owner", "ana", "--playbook", LAB),
        ("stakeholder", "add", "L1", "--id", "hana", "--name", "Hana", "--role", "lab_head"),
    ):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
    return "L1"


def _ok(invoke: Invoke, *args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_fact_set_with_evidence_shows_its_provenance(invoke: Invoke, deal: str) -> None:
    _ok(invoke, "fact", "set", deal, "trial_ok", "true", "--evidence", "Trial report",
        "--source", "document", "--confirmed-by", "hana", "--on", "2026-01-05",
        "--actor", "ana")

    shown = json.loads(_ok(invoke, "deal", "show", deal, "--format", "json"))
    table = flat(_ok(invoke, "deal", "show", deal))

    assert shown["deal"]["provenance"]["trial_ok"]["evidence"] == {
        "evidence": "Trial report", "source": "document", "confirmed_by": "hana",
        "on": "2026-01-05"}
    assert "trial_ok true Trial report hana" in table
    assert "document 2026-01-05 set by ana" in table
    assert shown["gates"]["allowed"] is True


def test_evidence_defaults_to_today(invoke: Invoke, deal: str) -> None:
    _ok(invoke, "fact", "set", deal, "trial_ok", "true", "--confirmed-by", "hana")

    shown = json.loads(_ok(invoke, "deal", "show", deal, "--format", "json"))

    assert shown["deal"]["provenance"]["trial_ok"]["evidence"]["on"] is not None


def test_a_fact_is_verified_by_someone_else(invoke: Invoke, deal: str) -> None:
    _ok(invoke, "fact", "set", deal, "order_in", "true", "--evidence", "PO 118", "--actor",
        "ana")

    same = invoke("fact", "verify", deal, "order_in", "--by", "ana")
    other = _ok(invoke, "fact", "verify", deal, "order_in", "--by", "lee", "--note", "PO ok")

    assert same.exit_code == 1
    assert "ana set order_in" in flat(same.output)
    assert "L1: order_in verified by lee" in other
    shown = json.loads(_ok(invoke, "deal", "show", deal, "--format", "json"))
    assert shown["deal"]["provenance"]["order_in"]["verification"]["by"] == "lee"
    assert "lee" in _ok(invoke, "deal", "show", deal)


def test_a_waiver_lets_the_deal_move_and_compliance_counts_it(invoke: Invoke,
                                                              deal: str) -> None:
    assert invoke("deal", "advance", deal).exit_code == 1
    team = str(TESTS / "playbooks" / "lab-evidence-team.yaml")
    refused = invoke("--team", team, "waive", deal, "trial_passed", "--by", "Sam", "--role",
                     "rep", "--reason", "why not")
    assert refused.exit_code == 1
    assert "rep may not waive trial_passed" in flat(refused.output)

    _ok(invoke, "--team", team, "waive", deal, "trial_passed", "--by", "Sam", "--role",
        "sales_lead", "--reason", "PO signed")
    report = flat(_ok(invoke, "deal", "show", deal))
    moved = _ok(invoke, "deal", "advance", deal)
    counts = json.loads(_ok(invoke, "compliance", "--format", "json"))["waivers"]

    assert "waived trial_passed" in report
    assert "waived by Sam (sales_lead) until the deal leaves trial_run: PO signed" in report
    assert "to paperwork" in moved
    assert counts == {"total": 1, "by_gate": {"trial_passed": 1}, "by_owner": {"ana": 1},
                      "by_approver": {"Sam (sales_lead)": 1}}
    assert "Waivers by control point" in _ok(invoke, "compliance")


def test_a_required_loss_review_goes_with_the_move_and_is_counted(invoke: Invoke,
                                                                  deal: str) -> None:
    refused = invoke("deal", "lose", deal, "--reason", "went_quiet")
    assert refused.exit_code == 1
    assert "unanswered: weakest, cause" in flat(refused.output)

    _ok(invoke, "deal", "lose", deal, "--reason", "went_quiet", "--answer",
        "weakest=trial_passed", "--answer", "cause=timing")
    counts = json.loads(_ok(invoke, "reviews", "--format", "json"))
    table = flat(_ok(invoke, "reviews"))

    assert (counts["closed"], counts["reviewed"]) == (1, 1)
    assert {"outcome": "lost", "question": "cause", "choice": "timing", "count": 1} in (
        counts["total"])
    assert set(counts["by"]) == {"stage", "reason", "owner"}
    assert counts["by"]["reason"]["went_quiet"][0]["count"] == 1
    assert "1 of 1 closed deal(s) reviewed" in table
    assert "lost weakest trial_passed 1" in table


def test_a_review_is_given_after_the_move(invoke: Invoke, deal: str) -> None:
    _ok(invoke, "deal", "lose", deal, "--reason", "went_quiet", "--answer",
        "weakest=trial_passed", "--answer", "cause=timing")

    typo = invoke("review", deal, "--answer", "weakest=trial_pased", "--answer", "cause=fit")
    _ok(invoke, "review", deal, "--answer", "weakest=trial_passed", "--answer", "cause=fit")
    shown = json.loads(_ok(invoke, "deal", "show", deal, "--format", "json"))

    assert typo.exit_code == 1
    assert "did you mean 'trial_passed'?" in flat(typo.output)
    assert shown["deal"]["review"]["answers"] == {"weakest": "trial_passed", "cause": "fit"}


def test_an_answer_without_a_choice_is_a_usage_error(invoke: Invoke, deal: str) -> None:
    result = invoke("deal", "lose", deal, "--reason", "went_quiet", "--answer", "weakest")

    assert result.exit_code == 2
    assert "'weakest' is not QUESTION=CHOICE" in flat(result.output)

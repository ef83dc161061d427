"""Wide exports (a row per deal, a date per stage) become the deal's path through the
playbook, on SQLite and PostgreSQL: jumps over undated stages, an undated first stage,
the close; and every problem rejects only its deal."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealflow.analytics import funnel, time_in_stage
from dealflow.crm import import_csv
from dealflow.store import Store
from tests.crm.conftest import WIDE, history, mapping, write_csv

HEADER = "id,name,stage,amount,closed,new on,discovery on,shaping on,proposal on"


def test_a_deal_advances_through_its_dated_stages_and_jumps_the_others(
    tmp_path: Path, store: Store,
) -> None:
    path = write_csv(tmp_path / "w.csv", [
        HEADER, "A,Boiler,Won,9000,2024-03-01,2024-01-02,,2024-01-20,2024-02-01"],
        newline="\r\n", bom=True)
    result = import_csv(store, path, mapping(WIDE))
    assert result.ok, result.problems
    assert history(store, "A") == [
        "1 deal_created qualify 2024-01-02 w.csv:2",
        "2 stage_advanced qualify>shape 2024-01-20 w.csv:2",
        "3 stage_advanced shape>propose 2024-02-01 w.csv:2",
        "4 deal_won propose 2024-03-01 w.csv:2",
    ]
    assert store.get("A").title == "Boiler"


def test_an_undated_first_stage_is_created_at_the_earliest_date_and_marked_undated(
    tmp_path: Path, store: Store,
) -> None:
    path = write_csv(tmp_path / "w.csv", [
        HEADER, "B,,Proposal,100,,,2024-01-10,,2024-02-01", "C,,Lost,100,2024-01-05,,,,"])
    assert import_csv(store, path, mapping(WIDE)).ok
    assert history(store, "B") == [
        "1 deal_created qualify undated 2024-01-10 w.csv:2",
        "2 stage_advanced qualify>discover 2024-01-10 w.csv:2",
        "3 stage_advanced discover>propose 2024-02-01 w.csv:2",
    ]
    assert history(store, "C") == [
        "1 deal_created qualify undated 2024-01-05 w.csv:3",
        "2 deal_lost qualify no_decision '' 2024-01-05 w.csv:3",
    ]


def test_an_undated_stay_counts_as_reached_but_not_in_time_in_stage(
    tmp_path: Path, store: Store,
) -> None:
    path = write_csv(tmp_path / "w.csv", [
        HEADER, "D,,Discovery,1,,,2024-01-10,,", "E,,Discovery,1,,2024-01-01,2024-01-11,,"])
    assert import_csv(store, path, mapping(WIDE)).ok
    assert funnel(store).stages[0].entered == 2
    qualify = time_in_stage(store)[0]
    assert (qualify.stage, qualify.stays, qualify.mean) == ("qualify", 1, 10.0)


BACKWARDS = [HEADER, "F,,Won,1,2024-01-15,2024-01-10,2024-01-05,,2024-01-20",
             "G,,Discovery,1,,2024-01-01,2024-01-02,,"]


def test_a_later_stage_dated_before_an_earlier_one_rejects_the_deal(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "w.csv", BACKWARDS)
    result = import_csv(store, "w.csv", mapping(WIDE))
    assert [str(p) for p in result.problems] == [
        "w.csv:2:7  discovery on  the date for discover (2024-01-05) is before the date for "
        "qualify (2024-01-10), an earlier stage (repair: true moves it up to that date)"]
    assert [deal.id for deal in store.list_deals()] == ["G"]


def test_with_repair_each_date_going_backwards_is_moved_up(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "w.csv", BACKWARDS)
    result = import_csv(store, "w.csv", mapping(WIDE, repair=True))
    assert result.ok
    assert [str(p) for p in result.repairs] == [
        "w.csv:2:7  discovery on  the date for discover (2024-01-05) is before the date for "
        "qualify (2024-01-10), an earlier stage; repaired: moved up to that date",
        "w.csv:2:5  closed  the date for won (2024-01-15) is before the date for propose "
        "(2024-01-20), an earlier stage; repaired: moved up to that date",
    ]
    assert history(store, "F") == [
        "1 deal_created qualify 2024-01-10 w.csv:2",
        "2 stage_advanced qualify>discover 2024-01-10 w.csv:2",
        "3 stage_advanced discover>propose 2024-01-20 w.csv:2",
        "4 deal_won propose 2024-01-20 w.csv:2",
    ]


@pytest.mark.parametrize(("row", "problem"), [
    ("H,,Won,1,,2024-01-02,,,",
     "w.csv:2:3  stage  the deal is won but has no date it closed: map stage_dates.won or "
     "columns.time"),
    ("H,,New,1,,,,,",
     "w.csv:2:3  stage  the deal has no date at all: give the date it entered a stage, or "
     "say in the mapping what date such a deal takes (undated: {date: 2024-06-30}, "
     "{date: exported} or {column: NAME})"),
    ("H,,Discovery,1,,2024-01-02,,,2024-02-01",
     "w.csv:2:9  proposal on  the deal is in discover, but has a date for propose, a later "
     "stage; a wide export cannot say when it went back"),
    ("H,,Shaping,1,,2024-01-02,,,",
     "w.csv:2:8  shaping on  no date entered for shape, the stage the deal is in"),
    ("H,,Limbo,1,,2024-01-02,,,",
     "w.csv:2:3  stage  the stage 'Limbo' is not in the mapping's stages; valid: Discovery, "
     "Lost, New, Proposal, Shaping, Won (or set unmapped_stage: skip or default)"),
    ("H,,New,1,,2024-02-30,,,",
     "w.csv:2:6  new on  cannot read '2024-02-30' as a date (tried ISO 8601); add its format "
     "to dates.formats in the mapping"),
], ids=["closed-without-a-date", "no-date-at-all", "dated-after-its-stage",
        "current-stage-undated", "unmapped-stage", "impossible-date"])
def test_a_problem_rejects_its_deal_and_names_its_row_and_column(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch, row: str, problem: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "w.csv", [HEADER, row, "OK,,New,1,,2024-01-01,,,"])
    result = import_csv(store, "w.csv", mapping(WIDE, repair=True))
    assert [str(p) for p in result.problems] == [problem]
    assert [deal.id for deal in store.list_deals()] == ["OK"]


def test_a_repeated_row_is_a_no_op_and_a_different_one_rejects_the_deal(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "w.csv", [
        HEADER, "I,,New,1,,2024-01-01,,,", "J,,New,1,,2024-01-01,,,", "I,,New,1,,2024-01-01,,,",
        "J,,New,2,,2024-01-01,,,"])
    result = import_csv(store, "w.csv", mapping(WIDE))
    assert result.duplicate_rows == 1
    assert [str(p) for p in result.problems] == [
        "w.csv:5:1  id  the deal is on row 3 already, with other values; a wide export has one "
        "row per deal"]
    assert [deal.id for deal in store.list_deals()] == ["I"]


OUTCOME_HEADER = "id,stage,result,reason,new on,won on,lost on"


@pytest.mark.parametrize(("row", "expected", "problem"), [
    ("K,New,Won,,2024-01-01,2024-02-01,", "4 deal_won", None),
    ("K,New,Lost,Price too high,2024-01-01,,2024-02-01", "4 deal_lost qualify price", None),
    ("K,New,Lost,Moon phase,2024-01-01,,2024-02-01", None,
     "w.csv:2:4  reason  the lost reason 'Moon phase' is not in the mapping's lost_reasons; "
     "valid: Price too high, bid_rejected, budget_cut, competitor, delivery_capability, "
     "disqualified, failed_tender, no_decision, not_invited, price, relationship, "
     "requirements_mismatch, ... (or set default_lost_reason)"),
    ("K,New,Open,,2024-01-01,,", "1 deal_created", None),
    ("K,New,Maybe,,2024-01-01,,", None,
     "w.csv:2:3  result  the outcome 'Maybe' is not in the mapping's outcomes; valid: Lost, "
     "Open, Won"),
], ids=["won-by-outcome", "lost-with-mapped-reason", "unmapped-reason", "open",
        "unknown-outcome"])
def test_the_outcome_column_and_lost_reasons_decide_the_close(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch, row: str,
    expected: str | None, problem: str | None,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "w.csv", [OUTCOME_HEADER, row])
    chosen = mapping(
        {**WIDE, "columns": {"deal_id": "id", "stage": "stage", "outcome": "result",
                             "lost_reason": "reason"},
         "stage_dates": {"qualify": "new on", "won": "won on", "lost": "lost on"}},
        outcomes={"Won": "won", "Lost": "lost", "Open": "open"},
        lost_reasons={"Price too high": "price"}, default_lost_reason=None)
    result = import_csv(store, "w.csv", chosen)
    assert [str(p) for p in result.problems] == ([problem] if problem else [])
    if expected is not None:
        assert history(store, "K")[-1].startswith(expected.replace("4 ", "2 "))


@pytest.mark.parametrize(("policy", "imported", "skipped"), [
    ("skip", [], 1), ("default", ["1 deal_created qualify 2024-01-02 w.csv:2",
                                  "2 stage_advanced qualify>shape 2024-01-09 w.csv:2"], 0),
], ids=["skip-passes-over-the-deal", "default-puts-it-in-the-default-stage"])
def test_an_unmapped_current_stage_follows_the_policy(
    tmp_path: Path, store: Store, policy: str, imported: list[str], skipped: int,
) -> None:
    path = write_csv(tmp_path / "w.csv", [HEADER, "L,,Limbo,1,,2024-01-02,,2024-01-09,"])
    extra = {"default_stage": "shape"} if policy == "default" else {}
    result = import_csv(store, path, mapping(WIDE, unmapped_stage=policy, **extra))
    assert (result.ok, result.skipped_rows) == (True, skipped)
    assert [line for deal in store.list_deals() for line in history(store, deal.id)] == imported

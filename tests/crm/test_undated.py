"""Deals with no date at all, in wide and long exports: they take the date the mapping's
`undated` gives them (a fixed date, the export's date, a column), marked undated, and are
counted; without one they are refused with their row and the key to add."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from dealflow.analytics import funnel, time_in_stage
from dealflow.crm import CrmMapping, import_csv
from dealflow.errors import MappingError
from dealflow.store import Store
from tests.crm.conftest import history, write_csv

STAGES = {"New": "qualify", "Discovery": "discover", "Won": "won", "Lost": "lost"}

#: Per layout: a mapping without `undated`, its header, a row of deal A with no date at
#: all (its `created` cell filled in), and a dated row of deal OK.
LAYOUTS: dict[str, tuple[dict[str, Any], str, str, str]] = {
    "wide": ({"shape": "wide", "currency": "EUR",
              "columns": {"deal_id": "id", "stage": "stage", "time": "closed"},
              "stages": STAGES, "default_lost_reason": "no_decision",
              "stage_dates": {"qualify": "new on", "discover": "discovery on"}},
             "id,stage,closed,created,new on,discovery on",
             "A,New,,{created},,", "OK,Discovery,,,2024-01-01,2024-01-09"),
    "long": ({"shape": "long", "currency": "EUR",
              "columns": {"deal_id": "id", "stage": "stage", "time": "when"},
              "stages": STAGES, "default_lost_reason": "no_decision"},
             "id,stage,when,created",
             "A,New,,{created}", "OK,Discovery,2024-01-09,"),
}


def _mapping(layout: str, **changes: Any) -> CrmMapping:
    return CrmMapping.model_validate({**LAYOUTS[layout][0], **changes})


def _file(tmp_path: Path, layout: str, *rows: str, created: str = "") -> Path:
    _, header, undated, dated = LAYOUTS[layout]
    lines = [header, undated.format(created=created), dated, *rows]
    return write_csv(tmp_path / "f.csv", lines)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("layout", ["wide", "long"])
@pytest.mark.parametrize(("undated", "dates", "exported_on", "utc", "rule"), [
    ({"date": "2024-06-30"}, {}, None, "2024-06-30 00:00", "2024-06-30 (undated.date)"),
    ({"date": dt.date(2024, 6, 30)}, {"timezone": "Europe/Berlin"}, None,
     "2024-06-29 22:00", "2024-06-30 (undated.date)"),
    ({"date": "2024-06-30 17:00"}, {}, None, "2024-06-30 17:00",
     "2024-06-30 17:00 (undated.date)"),
    ({"date": "exported"}, {}, dt.date(2024, 7, 1), "2024-07-01 00:00",
     "the export date, 2024-07-01"),
    ({"date": "exported"}, {"timezone": "Asia/Shanghai"}, dt.datetime(2024, 7, 1, 9, 30),
     "2024-07-01 01:30", "the export date, 2024-07-01 09:30"),
    ({"column": "created"}, {"formats": ["%d.%m.%Y"]}, None, "2024-05-02 00:00",
     "the date in column 'created'"),
], ids=["fixed-date", "fixed-date-in-the-mapping-zone", "fixed-date-and-time", "exported",
        "exported-in-the-mapping-zone", "column"])
def test_a_deal_with_no_date_at_all_takes_the_date_undated_gives_and_is_marked_undated(
    tmp_path: Path, store: Store, layout: str, undated: dict[str, Any],
    dates: dict[str, Any], exported_on: dt.date | None, utc: str, rule: str,
) -> None:
    path = _file(tmp_path, layout, created="02.05.2024")
    chosen = _mapping(layout, undated=undated, dates=dates)
    result = import_csv(store, path, chosen, exported_on=exported_on)
    assert result.ok, result.problems
    (created,) = store.events("A")
    assert (created.type, created.stage, created.undated, created.source) == (
        "deal_created", "qualify", True, "f.csv:2")
    assert f"{created.at:%Y-%m-%d %H:%M}" == utc
    assert (result.deals, result.undated, result.undated_rule) == (2, 1, rule)
    assert not store.events("OK")[0].undated


@pytest.mark.parametrize("layout", ["wide", "long"])
@pytest.mark.parametrize(("undated", "problem"), [
    (None, {
        "wide": "f.csv:2:2  stage  the deal has no date at all: give the date it entered a "
                "stage, or say in the mapping what date such a deal takes (undated: {date: "
                "2024-06-30}, {date: exported} or {column: NAME})",
        "long": "f.csv:2:3  when  the deal has no date at all: give the time of one of its "
                "rows, or say in the mapping what date such a deal takes (undated: {date: "
                "2024-06-30}, {date: exported} or {column: NAME})"}),
    ({"date": "exported"}, {
        "wide": "f.csv:2:2  stage  the deal has no date at all and takes the export's date "
                "(undated.date: exported), but none was given: pass --exported-on DATE "
                "(exported_on= in Python), or write the date in the mapping (undated.date: "
                "2024-06-30)",
        "long": "f.csv:2:3  when  the deal has no date at all and takes the export's date "
                "(undated.date: exported), but none was given: pass --exported-on DATE "
                "(exported_on= in Python), or write the date in the mapping (undated.date: "
                "2024-06-30)"}),
    ({"column": "created"}, {
        "wide": "f.csv:2:4  created  the deal has no date at all, and its 'created' cell "
                "(undated.column) is blank too",
        "long": "f.csv:2:4  created  the deal has no date at all, and its 'created' cell "
                "(undated.column) is blank too"}),
], ids=["no-undated", "exported-but-no-export-date", "blank-column"])
def test_a_deal_with_no_date_and_none_to_take_is_refused_naming_what_to_add(
    here: Path, store: Store, layout: str, undated: dict[str, Any] | None,
    problem: dict[str, str],
) -> None:
    _file(here, layout)
    result = import_csv(store, "f.csv", _mapping(layout, undated=undated))
    assert [str(p) for p in result.problems] == [problem[layout]]
    assert (result.deals, result.rejected, result.undated) == (1, 1, 0)
    assert (result.imported_rows, result.refused_rows) == (1, 1)
    assert [deal.id for deal in store.list_deals()] == ["OK"]


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_an_unreadable_undated_column_is_a_problem_of_its_cell(
    here: Path, store: Store, layout: str,
) -> None:
    _file(here, layout, created="soon")
    result = import_csv(store, "f.csv", _mapping(layout, undated={"column": "created"}))
    assert [str(p) for p in result.problems] == [
        "f.csv:2:4  created  cannot read 'soon' as a date (tried ISO 8601); add its format "
        "to dates.formats in the mapping"]


@pytest.mark.parametrize("layout", ["wide", "long"])
@pytest.mark.parametrize(("undated", "said"), [
    (None, "does not say what date a deal with no date takes"),
    ({"date": "2024-06-30"}, "gives a deal with no date the date 2024-06-30 (undated.date)"),
    ({"column": "created"}, "gives a deal with no date the date in column 'created' "
                            "(undated.column)"),
], ids=["no-undated", "fixed-date", "column"])
def test_an_export_date_the_mapping_does_not_take_stops_the_import(
    tmp_path: Path, store: Store, layout: str, undated: dict[str, Any] | None, said: str,
) -> None:
    path = _file(tmp_path, layout, created="2024-05-02")
    with pytest.raises(MappingError) as caught:
        import_csv(store, path, _mapping(layout, undated=undated),
                   exported_on=dt.date(2024, 7, 1))
    assert [str(p) for p in caught.value.problems] == [
        f"<mapping>  undated  an export date was given (--exported-on), but the mapping "
        f"{said}; write undated: {{date: exported}} to give such deals the export's date"]
    assert store.count_deals() == 0


def test_a_wide_deal_in_a_later_stage_still_needs_the_date_it_entered_it(
    here: Path, store: Store,
) -> None:
    _file(here, "wide", "B,Discovery,,,,")
    result = import_csv(store, "f.csv", _mapping("wide", undated={"date": "2024-06-30"}))
    assert [str(p) for p in result.problems] == [
        "f.csv:4:6  discovery on  no date entered for discover, the stage the deal is in "
        "(undated gives a date only to a deal with no date at all in qualify, the first "
        "stage)"]
    assert [deal.id for deal in store.list_deals()] == ["A", "OK"]


def test_a_wide_deal_with_no_date_that_moves_on_later_counts_no_made_up_stay(
    here: Path, store: Store,
) -> None:
    chosen = _mapping("wide", undated={"date": "2024-01-01"})
    _file(here, "wide")
    import_csv(store, "f.csv", chosen)
    _, header, _, dated = LAYOUTS["wide"]
    write_csv(here / "f.csv", [header, "A,Discovery,,,,2024-03-01", dated])
    grown = import_csv(store, "f.csv", chosen)
    assert (grown.added, grown.skipped, grown.undated) == (1, 3, 0)
    assert history(store, "A") == ["1 deal_created qualify undated 2024-01-01 f.csv:2",
                                   "2 stage_advanced qualify>discover 2024-03-01 f.csv:2"]
    qualify = time_in_stage(store)[0]
    assert (qualify.stage, qualify.stays, qualify.mean) == ("qualify", 1, 8.0)
    assert funnel(store).stages[0].entered == 2


def test_a_long_deal_whose_first_row_has_no_date_opens_at_its_next_dated_row(
    here: Path, store: Store,
) -> None:
    _file(here, "long", "A,Discovery,2024-02-01,", "A,Won,2024-02-20,")
    result = import_csv(store, "f.csv", _mapping("long"))
    assert result.ok, result.problems
    assert history(store, "A") == [
        "1 deal_created qualify undated 2024-02-01 f.csv:2",
        "2 stage_advanced qualify>discover 2024-02-01 f.csv:4",
        "3 deal_won discover 2024-02-20 f.csv:5",
    ]
    assert (result.undated, result.imported_rows) == (0, 4)
    assert [stage.stays for stage in time_in_stage(store)[:2]] == [0, 1]


def test_a_long_deal_whose_undated_first_row_is_followed_by_a_dated_one_in_its_stage(
    here: Path, store: Store,
) -> None:
    _file(here, "long", "A,New,2024-02-01,")
    result = import_csv(store, "f.csv", _mapping("long"))
    assert (result.ok, result.duplicate_rows, result.imported_rows) == (True, 0, 3)
    assert history(store, "A") == ["1 deal_created qualify undated 2024-02-01 f.csv:2"]


@pytest.mark.parametrize(("rows", "problem", "duplicates"), [
    (["A,New,,"], None, 1),
    (["A,Discovery,,"],
     "f.csv:4:3  when  no date: every row of a deal after its first needs the time of its "
     "change", 0),
    (["A,New,2024-02-01,", "A,Discovery,,"],
     "f.csv:5:3  when  no date: every row of a deal after its first needs the time of its "
     "change", 0),
], ids=["undated-repeat", "undated-second-row", "undated-after-a-dated-row"])
def test_only_a_long_deals_first_row_may_go_without_a_date(
    here: Path, store: Store, rows: list[str], problem: str | None, duplicates: int,
) -> None:
    _file(here, "long", *rows)
    result = import_csv(store, "f.csv", _mapping("long", undated={"date": "2024-06-30"}))
    assert [str(p) for p in result.problems] == ([problem] if problem else [])
    assert result.duplicate_rows == duplicates
    assert ("A" in [deal.id for deal in store.list_deals()]) is (problem is None)


@pytest.mark.parametrize("closing", ["Won", "Lost"])
def test_a_long_row_that_closes_a_deal_needs_its_date(
    here: Path, store: Store, closing: str,
) -> None:
    _, header, _, dated = LAYOUTS["long"]
    write_csv(here / "f.csv", [header, f"C,{closing},,", dated])
    result = import_csv(store, "f.csv", _mapping("long", undated={"date": "2024-06-30"}))
    assert [str(p) for p in result.problems] == [
        f"f.csv:2:3  when  no date: the row closes the deal ({closing.lower()}), and a close "
        "needs the date it happened"]


def test_problems_found_at_the_end_of_a_long_file_are_listed_in_row_order(
    here: Path, store: Store,
) -> None:
    _file(here, "long", "B,Limbo,2024-01-01,")
    result = import_csv(store, "f.csv", _mapping("long"))
    assert [problem.line for problem in result.problems] == [2, 4]


def test_the_bundled_mappings_give_deals_with_no_date_the_export_date(
    here: Path, store: Store,
) -> None:
    write_csv(here / "sf.csv", ["OpportunityId,StageName,CreatedDate,Amount",
                                "006A,Prospecting,,1000"])
    result = import_csv(store, "sf.csv", "salesforce", exported_on=dt.date(2024, 6, 30))
    assert (result.ok, result.undated, result.undated_rule) == (
        True, 1, "the export date, 2024-06-30")
    assert history(store, "006A") == ["1 deal_created qualify undated 2024-06-30 sf.csv:2"]

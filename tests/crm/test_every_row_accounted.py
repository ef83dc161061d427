"""Nothing is dropped silently: every row read is imported with its deal, refused (and its
deal's problem listed with a row of it), or passed over, in wide and long exports that
mix dated rows, rows with no date at all and broken rows."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealflow.crm import CrmMapping, CsvImport, import_csv
from dealflow.store import Store
from tests.crm.conftest import write_csv

STAGES = {"New": "qualify", "Discovery": "discover", "Won": "won", "Lost": "lost"}
WIDE: dict[str, Any] = {
    "shape": "wide", "currency": "EUR",
    "columns": {"deal_id": "id", "stage": "stage", "time": "closed"}, "stages": STAGES,
    "stage_dates": {"qualify": "new on", "discover": "discovery on"},
    "default_lost_reason": "no_decision"}
LONG: dict[str, Any] = {
    "shape": "long", "currency": "EUR",
    "columns": {"deal_id": "id", "stage": "stage", "time": "when"}, "stages": STAGES,
    "default_lost_reason": "no_decision"}
HEADERS = {"wide": "id,stage,closed,created,new on,discovery on", "long": "id,stage,when,created"}


def _dated(layout: str, row: str) -> bool:
    """Whether a row gives its deal a date: a long row its time; a wide row a stage date,
    or the close date of a won or lost deal (an open deal's close date is the expected
    one, not a date of its history)."""
    cells = row.split(",")
    if layout == "long":
        return bool(cells[2].strip())
    closed = cells[1] in ("Won", "Lost") and cells[2].strip()
    return bool(closed or cells[4].strip() or cells[5].strip())

EXPORTED = dt.date(2024, 6, 30)

MIXED = {
    "wide": [
        "A,New,,,,",                            # 2 no date at all: the export's date
        "B,Discovery,,,2024-01-01,2024-01-09",  # 3 dated
        "C,Discovery,,,2024-01-01,",            # 4 no date for the stage it is in
        "D,New,,,2024-13-01,",                  # 5 a date that cannot be read
        ",New,,,2024-01-01,",                   # 6 no deal id
        "E,Won,,,2024-01-01,",                  # 7 won without the date it closed
        "F,New,,,,",                            # 8 no date at all
    ],
    "long": [
        "A,New,,",                # 2 no date at all: the export's date
        "B,New,2024-01-01,",      # 3 dated
        "B,Discovery,2024-01-09,",
        "C,New,2024-01-10,",      # 5
        "C,Discovery,2024-01-01,",  # 6 goes backwards
        "D,New,,",                # 7
        "D,Discovery,,",          # 8 a later row without a date
        ",New,2024-01-01,",       # 9 no deal id
        "E,Won,,",                # 10 closes without a date
        "F,New,,",                # 11 no date at all
    ],
}


def _run(folder: Path, layout: str, rows: list[str], **changes: Any) -> tuple[CsvImport, Store]:
    path = write_csv(folder / "f.csv", [HEADERS[layout], *rows])
    mapping = CrmMapping.model_validate({**(WIDE if layout == "wide" else LONG), **changes})
    store = Store("sqlite://")
    exported = EXPORTED if (changes.get("undated") or {}).get("date") == "exported" else None
    return import_csv(store, path, mapping, exported_on=exported), store


def _check_every_row_is_accounted(layout: str, rows: list[str], result: CsvImport,
                                  store: Store) -> None:
    """The report adds up, and every row left out has its deal's problem listed."""
    assert result.rows == len(rows)
    assert result.rows == (result.imported_rows + result.refused_rows + result.skipped_rows
                           + result.duplicate_rows)
    stored = {deal.id for deal in store.list_deals()}
    assert result.deals == len(stored)
    listed = {problem.line for problem in result.problems}
    lines: dict[str, set[int]] = {}
    for number, row in enumerate(rows, start=2):
        lines.setdefault(row.split(",")[0].strip(), set()).add(number)
    assert lines.pop("", set()) <= listed  # a row without a deal id is listed itself
    for deal_id, numbers in lines.items():
        assert deal_id in stored or numbers & listed, (deal_id, numbers, result.problems)
    if layout == "wide":
        assert result.imported_rows == result.deals
    undated = {deal_id for deal_id in stored if not any(
        _dated(layout, row) for number, row in enumerate(rows, start=2)
        if number in lines[deal_id])}
    assert result.undated == len(undated)


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_rows_in_are_the_rows_imported_plus_the_rows_refused_each_listed(
    tmp_path: Path, layout: str,
) -> None:
    rows = MIXED[layout]
    result, store = _run(tmp_path, layout, rows, undated={"date": "exported"})
    with store:
        _check_every_row_is_accounted(layout, rows, result, store)
        assert sorted(deal.id for deal in store.list_deals()) == ["A", "B", "F"]
        assert [store.events(deal_id)[0].undated for deal_id in "ABF"] == [True, False, True]
    refused = {"wide": [4, 5, 6, 7], "long": [6, 8, 9, 10]}[layout]
    assert [problem.line for problem in result.problems] == refused
    if layout == "wide":  # a row per deal: rows in = deals imported + rows refused
        assert result.rows == result.deals + result.refused_rows == 3 + 4
    else:
        assert (result.imported_rows, result.refused_rows) == (4, 6)
    assert (result.undated, result.undated_rule) == (2, "the export date, 2024-06-30")


CELLS = {
    "id": st.sampled_from(["A", "B", "C", "", " "]),
    "stage": st.sampled_from(["New", "Discovery", "Won", "Lost", "Limbo", ""]),
    "date": st.sampled_from(["", "", "2024-01-01", "2024-01-20", "2024-02-30", "soon"]),
}
UNDATED = st.sampled_from([None, {"date": "2024-06-30"}, {"date": "exported"},
                           {"column": "created"}])


@st.composite
def _rows(draw: st.DrawFn, layout: str) -> list[str]:
    width = 4 if layout == "long" else 6
    count = draw(st.integers(min_value=1, max_value=8))
    rows = [",".join([draw(CELLS["id"]), draw(CELLS["stage"]),
                      *(draw(CELLS["date"]) for _ in range(width - 2))])
            for _ in range(count)]
    return [row for row in rows if row.replace(",", "").strip()] or ["A,New" + "," * (width - 2)]


@pytest.mark.parametrize("layout", ["wide", "long"])
@settings(max_examples=60, deadline=None)
@given(data=st.data(), undated=UNDATED, repair=st.booleans())
def test_every_row_is_imported_refused_and_listed_or_passed_over(
    layout: str, data: st.DataObject, undated: dict[str, str] | None, repair: bool,
) -> None:
    rows = data.draw(_rows(layout))
    with tempfile.TemporaryDirectory() as folder:
        result, store = _run(Path(folder), layout, rows, undated=undated, repair=repair)
        with store:
            _check_every_row_is_accounted(layout, rows, result, store)

"""A CRM cell out of its form (see `dealflow.values`) is a problem at its row and column that
rejects only its deal, on SQLite and PostgreSQL; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealflow.crm import import_csv
from dealflow.store import Store
from tests.crm.conftest import LONG, mapping, write_csv

HEADER = "id,stage,when,amount,owner,reason"


@pytest.mark.parametrize(("row", "problem"), [
    ("G,New,9999-01-01,1,,",
     "f.csv:2:3  when  9999-01-01T00:00:00+00:00 is outside the times dealflow takes "
     "(1900-01-01 to 2200-12-31, UTC)"),
    ("G,New,1899-12-31,1,,", "f.csv:2:3  when  1899-12-31T00:00:00+00:00 is outside the times"),
    ("G,New,2024-01-02,１２,,",
     "f.csv:2:4  amount  the amount '１２' uses the digit '１' (U+FF11 FULLWIDTH DIGIT ONE); "
     "write the amount with the digits 0-9"),
    ("G,New,2024-01-02,١٢٠٠,,",
     "f.csv:2:4  amount  the amount '١٢٠٠' uses the digit '١' (U+0661 ARABIC-INDIC DIGIT ONE)"),
    ("G,New,2024-01-02,1,a\x00b,",
     "f.csv:2:5  owner  the owner holds a NUL character (U+0000) at position 1, which no "
     "database stores"),
    ("G\u202e,New,2024-01-02,1,,",
     "f.csv:2:1  id  the deal id holds U+202E RIGHT-TO-LEFT OVERRIDE at position 1; an id is "
     "printable characters"),
], ids=["year-9999", "year-1899", "fullwidth-amount", "arabic-indic-amount", "nul-owner",
        "id-right-to-left-override"])
def test_a_cell_out_of_its_form_rejects_its_deal_at_its_row_and_column(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch, row: str, problem: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "f.csv", [HEADER, row, "OK,New,2024-01-01,1,,"])
    result = import_csv(store, "f.csv", mapping(LONG))
    assert len(result.problems) == 1
    assert str(result.problems[0]).startswith(problem), str(result.problems[0])
    assert [d.id for d in store.list_deals()] == ["OK"]


def test_a_minus_zero_amount_is_stored_as_zero(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "f.csv", [HEADER, "Z,New,2024-01-01,-0,,"])
    assert import_csv(store, "f.csv", mapping(LONG)).ok
    assert str(store.get("Z").amount) == "0.00"

"""Long exports (a row per stage change) become the events they describe, on SQLite and
PostgreSQL; every problem is reported with its row and rejects only its deal."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealflow.crm import check_csv, import_csv
from dealflow.store import Store
from tests.crm.conftest import LONG, history, mapping, write_csv

HEADER = "id,stage,when,amount,owner,reason"


@pytest.mark.parametrize(("newline", "bom"), [
    ("\n", False), ("\r\n", False), ("\r\n", True), ("\r", False),
], ids=["lf", "crlf", "crlf-bom", "cr"])
def test_a_deal_moves_through_its_rows_whatever_the_line_endings(
    tmp_path: Path, store: Store, newline: str, bom: bool,
) -> None:
    path = write_csv(tmp_path / "f.csv", [
        HEADER,
        "A,New,2024-01-02,1000,li,",
        "A,Proposal,2024-01-20,1000,li,",
        "A,Discovery,2024-02-01,1200,li,",
        "A,Won,2024-03-01,1200,li,",
    ], newline=newline, bom=bom)
    result = import_csv(store, path, mapping(LONG))
    assert result.ok, result.problems
    assert history(store, "A") == [
        "1 deal_created qualify 2024-01-02 f.csv:2",
        "2 stage_advanced qualify>propose 2024-01-20 f.csv:3",
        "3 deal_edited amount=1200.00 2024-02-01 f.csv:4",
        "4 stage_moved_back propose<discover 2024-02-01 f.csv:4",
        "5 deal_won discover 2024-03-01 f.csv:5",
    ]
    deal = store.get("A")
    assert (deal.status, deal.amount, deal.currency, deal.owner) == ("won", 1200, "EUR", "li")


def test_blank_cells_keep_what_earlier_rows_said_and_defaults_fill_the_first(
    tmp_path: Path, store: Store,
) -> None:
    path = write_csv(tmp_path / "f.csv", [
        HEADER,
        "B,New,2024-01-02,,,",
        "B,Discovery,2024-01-09,500,,",
        "B,Lost,2024-01-20,,wang,Went elsewhere",
        "C,Lost,2024-01-05,,,something else",
    ])
    result = import_csv(store, path, mapping(LONG))
    assert result.ok, result.problems
    assert history(store, "B") == [
        "1 deal_created qualify 2024-01-02 f.csv:2",
        "2 deal_edited amount=500.00 2024-01-09 f.csv:3",
        "3 stage_advanced qualify>discover 2024-01-09 f.csv:3",
        "4 deal_edited owner=wang 2024-01-20 f.csv:4",
        "5 deal_lost discover competitor 'Went elsewhere' 2024-01-20 f.csv:4",
    ]
    assert history(store, "C") == [
        "1 deal_created qualify 2024-01-05 f.csv:5",
        "2 deal_lost qualify no_decision 'something else' 2024-01-05 f.csv:5",
    ]
    created = store.get("C")
    assert (created.title, created.account, created.owner, created.amount) == (
        "C", "unknown", "unassigned", 0)


UNMAPPED = [HEADER, "D,New,2024-01-02,1,,", "D,Limbo,2024-01-05,1,,", "D,Proposal,2024-01-09,1,,"]


@pytest.mark.parametrize(("policy", "expected", "problems", "skipped"), [
    ("error", None, ["f.csv:3:2  stage  the stage 'Limbo' is not in the mapping's stages; "
                     "valid: Discovery, Lost, New, Proposal, Shaping, Won (or set "
                     "unmapped_stage: skip or default)"], 0),
    ("skip", ["1 deal_created qualify 2024-01-02 f.csv:2",
              "2 stage_advanced qualify>propose 2024-01-09 f.csv:4"], [], 1),
    ("default", ["1 deal_created qualify 2024-01-02 f.csv:2",
                 "2 stage_advanced qualify>shape 2024-01-05 f.csv:3",
                 "3 stage_advanced shape>propose 2024-01-09 f.csv:4"], [], 0),
], ids=["error-rejects-the-deal", "skip-passes-over-the-row", "default-goes-to-default-stage"])
def test_an_unmapped_stage_follows_the_policy(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch, policy: str,
    expected: list[str] | None, problems: list[str], skipped: int,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "f.csv", UNMAPPED)
    extra = {"default_stage": "shape"} if policy == "default" else {}
    result = import_csv(store, "f.csv", mapping(LONG, unmapped_stage=policy, **extra))
    assert [str(p) for p in result.problems] == problems
    assert result.skipped_rows == skipped
    if expected is None:
        assert store.count_deals() == 0
        assert result.rejected == 1
    else:
        assert history(store, "D") == expected


BACKWARDS = [HEADER, "E,New,2024-01-10,1,,", "E,Discovery,2024-01-05,1,,",
             "E,Proposal,2024-01-20,1,,", "F,New,2024-01-01,1,,"]


def test_a_date_going_backwards_rejects_the_deal_without_repair(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "f.csv", BACKWARDS)
    result = import_csv(store, "f.csv", mapping(LONG))
    assert [str(p) for p in result.problems] == [
        "f.csv:3:3  when  the date goes backwards: 2024-01-05 is before 2024-01-10 on row 2 "
        "of the same deal (repair: true moves it up to that date)"]
    assert (result.deals, result.rejected) == (1, 1)
    assert [d.id for d in store.list_deals()] == ["F"]


def test_with_repair_a_date_going_backwards_is_moved_up_to_the_previous_one(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "f.csv", BACKWARDS)
    result = import_csv(store, "f.csv", mapping(LONG, repair=True))
    assert result.ok
    assert [str(p) for p in result.repairs] == [
        "f.csv:3:3  when  the date goes backwards: 2024-01-05 is before 2024-01-10 on row 2 "
        "of the same deal; repaired: moved up to the date of that row"]
    assert history(store, "E") == [
        "1 deal_created qualify 2024-01-10 f.csv:2",
        "2 stage_advanced qualify>discover 2024-01-10 f.csv:3",
        "3 stage_advanced discover>propose 2024-01-20 f.csv:4",
    ]


@pytest.mark.parametrize(("rows", "problem"), [
    (["G,New,2024-01-02,1,,", "G,Won,2024-01-05,1,,", "G,Proposal,2024-01-09,1,,"],
     "f.csv:4:2  stage  the stage 'Proposal' comes after the deal was won (row 3); a closed "
     "deal takes no further stage"),
    (["G,New,2024-01-02,1,,", "G,Lost,2024-01-05,1,,", "G,Won,2024-01-09,1,,"],
     "f.csv:4:2  stage  the stage 'Won' comes after the deal was lost (row 3); a closed "
     "deal takes no further stage"),
    (["G,New,2024-01-02,1,,", "G,Discovery,31/01/2024,1,,"],
     "f.csv:3:3  when  cannot read '31/01/2024' as a date (tried ISO 8601); add its format "
     "to dates.formats in the mapping"),
    (["G,New,2024-01-02,1,,", "G,Discovery,,1,,"],
     "f.csv:3:3  when  no date: every row of a deal after its first needs the time of its "
     "change"),
    (["G,New,2024-01-02,1,,", "G,Discovery,2024-01-05,12 thousand,,"],
     "f.csv:3:4  amount  cannot read '12 thousand' as an amount; write a number like "
     "12500.00 (commas between thousands are fine)"),
    (["G,New,2024-01-02,-5,,"],
     "f.csv:2:4  amount  the amount '-5' is not a number of zero or more"),
], ids=["stage-after-won", "won-after-lost", "unparsable-date", "blank-later-date",
        "bad-amount", "negative-amount"])
def test_a_problem_rejects_its_deal_and_names_its_row_and_column(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch, rows: list[str],
    problem: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "f.csv", [HEADER, *rows, "OK,New,2024-01-01,1,,"])
    result = import_csv(store, "f.csv", mapping(LONG, repair=True))
    assert [str(p) for p in result.problems] == [problem]
    assert [d.id for d in store.list_deals()] == ["OK"]
    assert (result.deals, result.rejected, result.ok) == (1, 1, False)


def test_a_row_without_an_id_is_left_out_and_reported(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "f.csv", [HEADER, "H,New,2024-01-02,1,,", " ,Discovery,2024-01-03,1,,",
                                   "H,Discovery,2024-01-04,1,,"])
    result = import_csv(store, "f.csv", mapping(LONG))
    assert [str(p) for p in result.problems] == [
        "f.csv:3:1  id  no deal id: the row cannot be given to a deal and is left out"]
    assert (result.deals, result.rejected) == (1, 0)
    assert len(history(store, "H")) == 2


def test_later_rows_of_a_rejected_deal_report_only_their_own_cells(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "f.csv", [HEADER, "I,New,2024-01-10,1,,", "I,Discovery,2024-01-05,1,,",
                                   "I,Proposal,2024-01-01,1,,", "I,Won,someday,1,,"])
    result = import_csv(store, "f.csv", mapping(LONG))
    assert [(p.line, p.path) for p in result.problems] == [(3, "when"), (5, "when")]
    assert result.rejected == 1


def test_identical_duplicate_rows_are_no_ops(tmp_path: Path, store: Store) -> None:
    path = write_csv(tmp_path / "f.csv", [
        HEADER, "J,New,2024-01-02,1,,", "J,New,2024-01-02,1,,", "J,Discovery,2024-01-05,1,,",
        "J,Discovery,2024-01-05,1,,", "J,Won,2024-01-09,1,,", "J,Won,2024-01-09,1,,"])
    result = import_csv(store, path, mapping(LONG))
    assert result.ok
    assert result.duplicate_rows == 3
    assert [line.split()[1] for line in history(store, "J")] == [
        "deal_created", "stage_advanced", "deal_won"]


def test_interleaved_deals_each_keep_their_own_order(tmp_path: Path, store: Store) -> None:
    path = write_csv(tmp_path / "f.csv", [
        HEADER, "K,New,2024-01-02,1,,", "L,New,2024-01-01,1,,", "K,Shaping,2024-01-04,1,,",
        "L,Discovery,2024-01-03,1,,", "K,Lost,2024-01-05,1,,", "L,Won,2024-01-07,1,,"])
    assert import_csv(store, path, mapping(LONG)).ok
    assert history(store, "K")[1:] == ["2 stage_advanced qualify>shape 2024-01-04 f.csv:4",
                                       "3 deal_lost shape no_decision '' 2024-01-05 f.csv:6"]
    assert history(store, "L")[2] == "3 deal_won discover 2024-01-07 f.csv:7"


@pytest.mark.parametrize(("formats", "timezone", "cell", "utc"), [
    ([], "UTC", "2024-03-05", "2024-03-05 00:00"),
    ([], "UTC", "2024-03-05T14:22:10.000Z", "2024-03-05 14:22"),
    ([], "Europe/Berlin", "2024-03-05 10:00", "2024-03-05 09:00"),
    ([], "Europe/Berlin", "2024-07-05 10:00", "2024-07-05 08:00"),
    ([], "Europe/Berlin", "2024-03-05T10:00+05:00", "2024-03-05 05:00"),
    (["%d.%m.%Y"], "UTC", "05.03.2024", "2024-03-05 00:00"),
    (["%m/%d/%Y", "%d/%m/%Y"], "UTC", "03/05/2024", "2024-03-05 00:00"),
    (["%d/%m/%Y", "%m/%d/%Y"], "UTC", "03/05/2024", "2024-05-03 00:00"),
], ids=["iso-date", "iso-utc", "local-winter", "local-summer", "own-offset", "format",
        "first-format-wins", "order-matters"])
def test_dates_are_read_with_the_formats_in_order_then_iso_in_the_time_zone(
    tmp_path: Path, formats: list[str], timezone: str, cell: str, utc: str,
) -> None:
    path = write_csv(tmp_path / "f.csv", [HEADER, f"M,New,{cell},1,,"])
    with Store("sqlite://") as memory:
        chosen = mapping(LONG, dates={"formats": formats, "timezone": timezone})
        assert import_csv(memory, path, chosen).ok
        assert f"{memory.get('M').created_at:%Y-%m-%d %H:%M}" == utc


def test_re_importing_the_same_file_adds_nothing(tmp_path: Path, store: Store) -> None:
    path = write_csv(tmp_path / "f.csv", [HEADER, "N,New,2024-01-02,1,,",
                                          "N,Proposal,2024-01-09,1,,", "P,New,2024-01-03,1,,"])
    first = import_csv(store, path, mapping(LONG))
    again = import_csv(store, path, mapping(LONG))
    assert (first.added, first.skipped) == (3, 0)
    assert (again.added, again.skipped, again.events) == (0, 3, 3)


def test_a_grown_export_adds_only_the_new_rows(tmp_path: Path, store: Store) -> None:
    rows = [HEADER, "Q,New,2024-01-02,1,,", "Q,Proposal,2024-01-09,1,,"]
    import_csv(store, write_csv(tmp_path / "f.csv", rows), mapping(LONG))
    grown = import_csv(store, write_csv(tmp_path / "f.csv", [*rows, "Q,Won,2024-02-01,1,,"]),
                       mapping(LONG))
    assert (grown.added, grown.skipped) == (1, 2)
    assert store.get("Q").status == "won"


def test_the_dry_run_writes_nothing_and_counts_what_would_be_added(
    tmp_path: Path, store: Store,
) -> None:
    rows = [HEADER, "R,New,2024-01-02,1,,", "R,Proposal,2024-01-09,1,,"]
    import_csv(store, write_csv(tmp_path / "f.csv", rows), mapping(LONG))
    path = write_csv(tmp_path / "f.csv", [*rows, "R,Won,2024-02-01,1,,", "S,New,2024-01-01,1,,"])
    before = [event.model_dump() for event in store.iter_events()]
    result = check_csv(path, mapping(LONG), database=store.database)
    assert result.dry_run
    assert (result.deals, result.events, result.added, result.skipped) == (2, 4, 2, 2)
    assert [event.model_dump() for event in store.iter_events()] == before


def test_a_deal_created_in_dealflow_is_not_overwritten_by_an_import(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    store.create(deal_id="T", title="Live", account="Acme", owner="li", actor="li")
    write_csv(tmp_path / "f.csv", [HEADER, "T,New,2024-01-02,1,,", "T,Won,2024-01-09,1,,"])
    result = import_csv(store, "f.csv", mapping(LONG))
    assert [str(p) for p in result.problems] == [
        "f.csv:2:1  id  the store holds a deal 'T' that was not imported (it was created in "
        "dealflow); its CRM history is left out; give the CRM deals other ids"]
    assert len(store.events("T")) == 1


def test_the_projection_of_an_imported_deal_equals_its_replay(
    tmp_path: Path, store: Store,
) -> None:
    path = write_csv(tmp_path / "f.csv", [
        HEADER, "U,New,2024-01-02,1,li,", "U,Shaping,2024-01-05,2,wang,",
        "U,Discovery,2024-01-09,3,,", "U,Lost,2024-02-01,3,,Went elsewhere"])
    assert import_csv(store, path, mapping(LONG)).ok
    assert store.replay("U") == store.get("U")

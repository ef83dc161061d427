"""Mapping files load like playbooks: every problem located FILE:LINE:COL PATH MESSAGE,
with the closest match for a typo, and checked against the playbook."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dealflow import load_playbook
from dealflow.crm import Undated, bundled_mappings, import_csv, load_mapping, parse_mapping
from dealflow.errors import ImportProblems, MappingError
from dealflow.store import Store
from tests.crm.conftest import LONG, mapping, write_csv

GOOD = """\
shape: long
currency: EUR
columns:
  deal_id: id
  stage: stage
  time: when
stages:
  New: qualify
  Won: won
"""


@pytest.mark.parametrize("name", ["salesforce", "hubspot"])
def test_a_bundled_mapping_loads_by_name_against_the_default_playbook(name: str) -> None:
    loaded = load_mapping(name)
    assert loaded.shape == {"salesforce": "long", "hubspot": "wide"}[name]
    assert set(bundled_mappings()) == {"salesforce", "hubspot"}
    assert loaded.undated == Undated(date="exported")


def test_the_salesforce_mapping_maps_every_default_opportunity_stage() -> None:
    stages = load_mapping("salesforce").stages
    assert list(stages) == ["Prospecting", "Qualification", "Needs Analysis",
                            "Value Proposition", "Id. Decision Makers", "Perception Analysis",
                            "Proposal/Price Quote", "Negotiation/Review", "Closed Won",
                            "Closed Lost"]


def test_the_hubspot_mapping_maps_every_default_pipeline_stage() -> None:
    stages = load_mapping("hubspot").stages
    for name in ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
                 "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"):
        assert name in stages


def _problems(text: str) -> list[str]:
    with pytest.raises(MappingError) as caught:
        parse_mapping(textwrap.dedent(text), "m.yaml")
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(("text", "expected"), [
    (GOOD + "repiar: true\n",
     ["m.yaml:10:1  repiar  unknown key 'repiar'; did you mean 'repair'?"]),
    (GOOD.replace("  time: when", "  time: when\n  amout: Amount"),
     ["m.yaml:7:3  columns.amout  unknown key 'amout'; did you mean 'amount'?"]),
    (GOOD.replace("shape: long", "shape: tall"),
     ["m.yaml:1:8  shape  'tall' is not allowed; expected 'long' or 'wide'"]),
    (GOOD.replace("currency: EUR", "currency: euro"),
     ["m.yaml:2:11  currency  'euro' is not an ISO 4217 currency code: use one like CNY, "
      "EUR or USD, in capitals"]),
    (GOOD.replace("  New: qualify", "  New: qualfy"),
     ["m.yaml:8:8  stages.New  'qualfy' is not a stage of playbook complex-b2b 2.0.0, nor "
      "won or lost; did you mean 'qualify'?"]),
    (GOOD + "dates: {timezone: Europe/Berln}\n",
     ["m.yaml:10:19  dates.timezone  unknown time zone 'Europe/Berln'; did you mean "
      "'Europe/Berlin'?"]),
    (GOOD + "dates: {formats: ['%Y-%m-%d', 'day %q']}\n",
     ["m.yaml:10:31  dates.formats[1]  the format 'day %q' cannot read the dates it writes; use "
      "strftime codes such as %Y-%m-%d or %m/%d/%Y %H:%M"]),
    (GOOD + "unmapped_stage: default\n",
     ["m.yaml:10:17  unmapped_stage  unmapped_stage: default needs default_stage: the "
      "playbook stage an unmapped CRM stage goes to"]),
    (GOOD + "default_lost_reason: too_expensive\n",
     ["m.yaml:10:22  default_lost_reason  'too_expensive' is not a lost reason of the "
      "playbook; valid: bid_rejected, budget_cut, competitor, delivery_capability, "
      "disqualified, failed_tender, no_decision, not_invited, price, relationship, "
      "requirements_mismatch, timing"]),
    (GOOD.replace("  time: when\n", "") + "stage_dates: {qualify: d}\n",
     ["m.yaml:4:3  columns  a long export needs columns.time: the column with the time of "
      "each row",
      "m.yaml:9:1  stage_dates  stage_dates is only read with shape: wide; a long export "
      "has a stage and a time on every row"]),
    ("shape: wide\ncurrency: EUR\ncolumns: {deal_id: id}\nstage_dates: {qualfy: d}\n",
     ["m.yaml:4:15  stage_dates.qualfy  'qualfy' is not a stage of playbook complex-b2b "
      "2.0.0, nor won or lost; did you mean 'qualify'?"]),
    ("shape: wide\ncurrency: EUR\ncolumns: {deal_id: id}\n",
     ["m.yaml:1:1  <document>  a wide export needs stage_dates: each playbook stage and the "
      "column with the date the deal entered it"]),
    ("shape: long\ncolumns: {deal_id: id, stage: s, time: t}\nstages: {A: qualify}\n",
     ["m.yaml:1:1  <document>  missing required key 'currency'"]),
    ("- shape: long\n",
     ["m.yaml:1:1  <document>  a mapping is a mapping of keys such as `shape:` and "
      "`columns:`, but this document holds a list"]),
    (GOOD + "undated: {date: yesterday}\n",
     ["m.yaml:10:17  undated.date  'yesterday' is neither a date nor exported; write a date "
      "like 2024-06-30 (or 2024-06-30 17:00), or exported for the export's date, given when "
      "importing (--exported-on)"]),
    (GOOD + "undated: {date: 2024-06-31}\n",
     ["m.yaml:10:17  undated.date  cannot read this value: day is out of range for month"]),
    (GOOD + "undated: {}\n",
     ["m.yaml:10:10  undated  undated takes one of date (a date like 2024-06-30, or "
      "exported) and column (the column whose date such a deal takes)"]),
    (GOOD + "undated: {date: exported, column: created}\n",
     ["m.yaml:10:10  undated  undated takes one of date (a date like 2024-06-30, or "
      "exported) and column (the column whose date such a deal takes), not both"]),
    (GOOD + "undated: {colum: created}\n",
     ["m.yaml:10:11  undated.colum  unknown key 'colum'; did you mean 'column'?"]),
], ids=["unknown-key", "unknown-column-key", "bad-shape", "bad-currency", "unknown-stage",
        "unknown-time-zone", "bad-date-format", "default-without-stage", "unknown-lost-reason",
        "long-needs-time", "unknown-stage-date", "wide-needs-dates", "missing-currency",
        "not-a-mapping", "undated-not-a-date", "undated-impossible-date", "undated-empty",
        "undated-both", "undated-unknown-key"])
def test_a_mapping_problem_is_located_in_the_file(text: str, expected: list[str]) -> None:
    assert _problems(text) == expected


def test_a_missing_time_zone_database_is_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import zoneinfo

    def missing(name: str) -> zoneinfo.ZoneInfo:
        raise zoneinfo.ZoneInfoNotFoundError(name)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", missing)
    monkeypatch.setattr(zoneinfo, "available_timezones", set)
    assert _problems(GOOD + "dates: {timezone: Asia/Shanghai}\n") == [
        "m.yaml:10:19  dates.timezone  cannot find the time zone 'Asia/Shanghai': this system "
        "has no time-zone database; install one with `pip install tzdata`, or use UTC"]
    assert parse_mapping(GOOD + "dates: {timezone: UTC}\n").dates.zone() is not None


def test_a_mapping_file_is_found_by_path_and_a_bad_name_lists_the_bundled_ones(
    tmp_path: Path,
) -> None:
    (tmp_path / "mine.yaml").write_text(GOOD, encoding="utf-8")
    assert load_mapping(tmp_path / "mine.yaml").currency == "EUR"
    with pytest.raises(MappingError, match=r"bundled: hubspot, salesforce"):
        load_mapping("salesforse")


def test_a_mapping_is_checked_against_the_playbook_it_imports_into(tmp_path: Path) -> None:
    minimal = load_playbook(Path(__file__).parents[1] / "playbooks" / "minimal.yaml")
    with pytest.raises(MappingError) as caught:
        load_mapping("salesforce", minimal)
    assert "stages.Needs Analysis  'discover' is not a stage of playbook minimal 1" in str(
        caught.value)
    path = write_csv(tmp_path / "f.csv", ["id,stage,when", "A,New,2024-01-01"])
    with Store("sqlite://") as store, pytest.raises(MappingError, match="stages.Discovery"):
        import_csv(store, path, mapping(LONG), playbook=minimal)


@pytest.mark.parametrize(("header", "expected"), [
    ("id,stage,When,amount,owner,reason", None),
    ("id,stage,time,amount,owner,reason",
     ["f.csv:1:1  columns.time  no column 'when' in the header; valid: amount, id, owner, "
      "reason, stage, time"]),
    ("id,stage,when,amont,owner,reason",
     ["f.csv:1:1  columns.amount  no column 'amount' in the header; did you mean 'amont'?"]),
    ("id,stage,when,amount,owner,reason,when",
     ["f.csv:1:3  columns.time  the header has 2 columns named 'when' (columns 3, 7); rename "
      "one in the export"]),
    ("id,stage,when,amount,owner,reason,create",
     ["f.csv:1:1  undated.column  no column 'created' in the header; did you mean "
      "'create'?"]),
], ids=["case-does-not-matter", "missing-column", "did-you-mean", "ambiguous",
        "undated-column"])
def test_every_mapped_column_must_be_in_the_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, header: str, expected: list[str] | None,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "f.csv", [header, "A,New,2024-01-01,1,li,,"])
    chosen = mapping(LONG, undated={"column": "created"} if "create" in header else None)
    with Store("sqlite://") as store:
        if expected is None:
            assert import_csv(store, "f.csv", chosen).ok
            return
        with pytest.raises(ImportProblems) as caught:
            import_csv(store, "f.csv", chosen)
        assert [str(p) for p in caught.value.problems] == expected
        assert store.count_deals() == 0


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "f.csv  <document>  the file is empty: it needs a header row and a row per change "
          "or deal"),
    (b"id,stage,when,amount,owner,reason\nA,New,2024-01-01,1,\xe9,\n",
     "f.csv:2:1  <document>  is not UTF-8 text; export the file as UTF-8 (CSV UTF-8 in "
     "spreadsheets)"),
    (None, "f.csv  <document>  file not found"),
], ids=["empty", "not-utf8", "missing"])
def test_a_file_that_cannot_be_read_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None, expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    if content is not None:
        (tmp_path / "f.csv").write_bytes(content)
    with Store("sqlite://") as store:
        with pytest.raises(ImportProblems) as caught:
            import_csv(store, "f.csv", mapping(LONG))
        assert [str(p) for p in caught.value.problems] == [expected]
        assert store.count_deals() == 0

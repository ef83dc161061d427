"""`dealflow import-csv` through typer's runner: the report, the exit codes, the dry run.

The command is registered on an app of its own here (`dealflow.cli._crm.register`), as
`dealflow.cli` does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from dealflow.cli import _crm
from dealflow.store import Store
from tests.crm.conftest import write_csv

HEADER = "OpportunityId,StageName,CreatedDate,Amount"
CLEAN = [HEADER, "006A,Prospecting,2024-01-02,1000", "006A,Needs Analysis,2024-01-09,1000",
         "006A,Closed Won,2024-02-01,1500"]
DIRTY = [*CLEAN, "006B,Prospecting,2024-01-05,10", "006B,Qualification,2024-01-01,10",
         "006C,Prospectin,2024-01-05,10"]


@pytest.fixture
def app() -> typer.Typer:
    made = typer.Typer()

    @made.callback()
    def main() -> None:
        """dealflow"""

    _crm.register(made)
    return made



@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_clean_import_prints_its_counts_and_exits_0(
    app: typer.Typer, runner: CliRunner, folder: Path,
) -> None:
    write_csv(folder / "sf.csv", CLEAN)
    result = runner.invoke(app, ["import-csv", "sf.csv", "--mapping", "salesforce",
                                 "--db", "sqlite:///deals.db"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "sf.csv: 3 rows read\n"
        "deals: 1 imported, 0 rejected\n"
        "events: 4 added, 0 already stored\n"
        "rows: 3 imported, 0 refused, 0 passed over (0 of an unmapped stage, 0 repeated)\n")
    with Store("sqlite:///deals.db") as store:
        assert store.get("006A").status == "won"


def test_problems_are_printed_with_their_rows_and_exit_1_after_importing_the_rest(
    app: typer.Typer, runner: CliRunner, folder: Path,
) -> None:
    write_csv(folder / "sf.csv", DIRTY)
    result = runner.invoke(app, ["import-csv", "sf.csv", "-m", "salesforce",
                                 "--db", "sqlite:///deals.db"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        "deals: 1 imported, 2 rejected",
        "events: 4 added, 0 already stored",
        "rows: 3 imported, 3 refused, 0 passed over (0 of an unmapped stage, 0 repeated)",
        "problems (2):",
        "  sf.csv:6:3  CreatedDate  the date goes backwards: 2024-01-01 is before 2024-01-05 "
        "on row 5 of the same deal (repair: true moves it up to that date)",
        "  sf.csv:7:2  StageName  the stage 'Prospectin' is not in the mapping's stages; did "
        "you mean 'Prospecting'? (or set unmapped_stage: skip or default)",
    ]
    with Store("sqlite:///deals.db") as store:
        assert [deal.id for deal in store.list_deals()] == ["006A"]


def test_the_json_report_has_every_count_and_problem(
    app: typer.Typer, runner: CliRunner, folder: Path,
) -> None:
    write_csv(folder / "sf.csv", DIRTY)
    result = runner.invoke(app, ["import-csv", "sf.csv", "-m", "salesforce", "--format",
                                 "json", "--db", "sqlite:///deals.db"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {key: report[key] for key in ("rows", "deals", "rejected", "added", "ok")} == {
        "rows": 6, "deals": 1, "rejected": 2, "added": 4, "ok": False}
    assert [(p["line"], p["path"]) for p in report["problems"]] == [
        (6, "CreatedDate"), (7, "StageName")]


def test_a_dry_run_creates_no_database(
    app: typer.Typer, runner: CliRunner, folder: Path,
) -> None:
    write_csv(folder / "sf.csv", CLEAN)
    result = runner.invoke(app, ["import-csv", "sf.csv", "-m", "salesforce", "--dry-run",
                                 "--db", "sqlite:///deals.db"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        "sf.csv: 3 rows read (dry run: nothing written)",
        "deals: 1 to import, 0 rejected",
        "events: 4 to add, 0 already stored",
    ]
    assert not (folder / "deals.db").exists()


def test_a_dry_run_compares_with_the_store_and_changes_nothing(
    app: typer.Typer, runner: CliRunner, folder: Path,
) -> None:
    write_csv(folder / "sf.csv", CLEAN[:3])
    runner.invoke(app, ["import-csv", "sf.csv", "-m", "salesforce", "--db", "sqlite:///d.db"])
    write_csv(folder / "sf.csv", DIRTY)
    result = runner.invoke(app, ["import-csv", "sf.csv", "-m", "salesforce", "--dry-run",
                                 "--db", "sqlite:///d.db"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[2] == "events: 2 to add, 2 already stored"
    with Store("sqlite:///d.db") as store:
        assert [len(store.events(deal.id)) for deal in store.list_deals()] == [2]


@pytest.mark.parametrize(("args", "message"), [
    (["sf.csv", "-m", "salesforse"], "no such file, and no bundled mapping of that name "
                                     "(bundled: hubspot, salesforce)"),
    (["missing.csv", "-m", "salesforce"], "missing.csv  <document>  file not found"),
    (["sf.csv", "-m", "bad.yaml"], "bad.yaml:2:1  stags  unknown key 'stags'; did you mean "
                                   "'stages'?"),
    (["sf.csv", "-m", "salesforce", "--playbook", "nope"], "no bundled playbook"),
], ids=["unknown-mapping", "missing-file", "mapping-typo", "unknown-playbook"])
def test_invalid_input_is_reported_on_stderr_and_exits_1_importing_nothing(
    app: typer.Typer, runner: CliRunner, folder: Path, args: list[str], message: str,
) -> None:
    write_csv(folder / "sf.csv", CLEAN)
    (folder / "bad.yaml").write_text("shape: long\nstags: {}\n", encoding="utf-8")
    result = runner.invoke(app, ["import-csv", *args, "--db", "sqlite:///deals.db"])
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""
    assert not (folder / "deals.db").exists()


def test_a_usage_error_exits_2(app: typer.Typer, runner: CliRunner, folder: Path) -> None:
    result = runner.invoke(app, ["import-csv", "sf.csv"])
    assert result.exit_code == 2
    assert "--mapping" in result.stderr


LAB = Path(__file__).parent / "lab"
FOREIGN = Path(__file__).parents[2] / "docs" / "examples" / "lab-subscriptions.yaml"


@pytest.fixture
def lab(folder: Path) -> list[str]:
    """The lab export, its mapping and the lab-subscriptions playbook, in the folder: the
    arguments that import the one into the other."""
    for source in (LAB / "deals.csv", LAB / "mapping.yaml", FOREIGN):
        shutil.copy(source, folder / source.name)
    return ["import-csv", "deals.csv", "-m", "mapping.yaml", "--playbook", "lab-subscriptions.yaml",
            "--db", "sqlite:///lab.db"]


def test_an_import_on_another_playbook_counts_the_deals_with_no_date_and_every_row(
    app: typer.Typer, runner: CliRunner, lab: list[str],
) -> None:
    result = runner.invoke(app, [*lab, "--exported-on", "2024-06-28"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "deals.csv: 13 rows read",
        "deals: 4 imported, 2 rejected",
        "1 deal had no date; it takes the export date, 2024-06-28",
        "events: 9 added, 0 already stored",
        "rows: 9 imported, 3 refused, 1 passed over (0 of an unmapped stage, 1 repeated)",
        "problems (2):",
        "  deals.csv:12:3  changed  the date goes backwards: 2024-02-01 is before 2024-03-04 "
        "on row 11 of the same deal (repair: true moves it up to that date)",
        "  deals.csv:13:2  stage  the stage 'Trail' is not in the mapping's stages; did you "
        "mean 'Trial'? (or set unmapped_stage: skip or default)",
    ]
    with Store("sqlite:///lab.db") as store:
        assert {(deal.id, deal.playbook_id, deal.stage) for deal in store.list_deals()} == {
            ("L1", "lab-subscriptions", "paperwork"), ("L2", "lab-subscriptions", "inbound"),
            ("L3", "lab-subscriptions", "trial_run"), ("L4", "lab-subscriptions", "inbound")}
        created = {deal_id: store.events(deal_id)[0] for deal_id in ("L1", "L2", "L3")}
        assert [(e.undated, f"{e.at:%Y-%m-%d}") for e in created.values()] == [
            (False, "2024-02-05"), (True, "2024-06-28"), (True, "2024-05-10")]


def test_the_json_report_counts_the_deals_with_no_date_and_every_row(
    app: typer.Typer, runner: CliRunner, lab: list[str],
) -> None:
    result = runner.invoke(app, [*lab, "--exported-on", "2024-06-28", "--dry-run",
                                 "--format", "json"])
    report = json.loads(result.stdout)
    assert {key: report[key] for key in ("rows", "imported_rows", "refused_rows",
                                         "skipped_rows", "duplicate_rows", "undated",
                                         "undated_rule")} == {
        "rows": 13, "imported_rows": 9, "refused_rows": 3, "skipped_rows": 0,
        "duplicate_rows": 1, "undated": 1, "undated_rule": "the export date, 2024-06-28"}
    assert [p["line"] for p in report["problems"]] == [12, 13]


def test_without_the_export_date_the_deals_with_no_date_are_refused_with_their_rows(
    app: typer.Typer, runner: CliRunner, lab: list[str],
) -> None:
    result = runner.invoke(app, [*lab, "--dry-run"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[1:4] == [
        "deals: 3 to import, 3 rejected",
        "events: 8 to add, 0 already stored",
        "rows: 8 to import, 4 refused, 1 passed over (0 of an unmapped stage, 1 repeated)"]
    assert lines[5].startswith("  deals.csv:6:3  changed  the deal has no date at all and "
                               "takes the export's date (undated.date: exported), but none "
                               "was given: pass --exported-on DATE")


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--exported-on", "28.06.2024"], 2, "--exported-on"),
    (["-m", "salesforce", "--exported-on", "2024-06-28"], 1, "not a stage of playbook "
     "lab-subscriptions 3"),
], ids=["not-a-date", "bundled-mapping-on-another-playbook"])
def test_a_bad_export_date_or_a_mapping_of_another_playbook_imports_nothing(
    app: typer.Typer, runner: CliRunner, lab: list[str], folder: Path, args: list[str],
    code: int, message: str,
) -> None:
    result = runner.invoke(app, [*lab, *args])
    assert result.exit_code == code
    assert message in result.stderr
    assert not (folder / "lab.db").exists()


def test_an_export_date_the_mapping_does_not_take_imports_nothing(
    app: typer.Typer, runner: CliRunner, lab: list[str], folder: Path,
) -> None:
    text = (folder / "mapping.yaml").read_text(encoding="utf-8")
    (folder / "mapping.yaml").write_text(text.split("undated:")[0], encoding="utf-8")
    result = runner.invoke(app, [*lab, "--exported-on", "2024-06-28"])
    assert result.exit_code == 1
    assert ("mapping.yaml  undated  an export date was given (--exported-on), but the "
            "mapping does not say what date a deal with no date takes; write undated: "
            "{date: exported} to give such deals the export's date") in result.stderr
    assert not (folder / "lab.db").exists()

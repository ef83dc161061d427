"""`dealflow import-csv` through typer's runner: the report, the exit codes, the dry run.

The command is registered on an app of its own here (`dealflow.cli._crm.register`), as
`dealflow.cli` does.
"""

from __future__ import annotations

import json
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
def runner() -> CliRunner:
    return CliRunner()


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

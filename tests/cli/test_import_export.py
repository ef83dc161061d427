"""`dealflow events`, `import` and `export` through typer's runner, with their error exits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow.cli import app
from dealflow.store import Store
from tests.cli.conftest import flat


@pytest.fixture
def source(tmp_path: Path, runner: CliRunner) -> str:
    """A database with two deals: D-1 (4 events) and D-2 (1 event)."""
    url = f"sqlite:///{tmp_path}/source.db"
    for args in (
        ("deal", "new", "--id", "D-1", "--title", "Cracker [b]upgrade", "--account", "Zhenhai",
         "--owner", "li"),
        ("fact", "set", "D-1", "industry", "petrochemical"),
        ("stakeholder", "add", "D-1", "--id", "chen", "--name", "Chen Hao", "--role",
         "initiator"),
        ("item", "done", "D-1", "discovery_meeting"),
        ("deal", "new", "--id", "D-2", "--title", "Boiler", "--account", "Sinopec",
         "--owner", "wang"),
    ):
        result = runner.invoke(app, [*args, "--db", url])
        assert result.exit_code == 0, result.output
    return url


@pytest.fixture
def target(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/target.db"


@pytest.fixture
def exported(tmp_path: Path, runner: CliRunner, source: str) -> Path:
    out = tmp_path / "all.jsonl"
    result = runner.invoke(app, ["export", "-o", str(out), "--db", source])
    assert result.exit_code == 0, result.output
    return out


# -- events ------------------------------------------------------------------------------

def test_events_prints_the_log_of_a_deal(runner: CliRunner, source: str) -> None:
    result = runner.invoke(app, ["events", "D-1", "--db", source])
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    for expected in ("deal_created", "title: Cracker [b]upgrade", "fact_set",
                     "industry = petrochemical", "stakeholder_added",
                     "chen: Chen Hao (initiator; unknown, medium influence)", "item_completed"):
        assert expected in text


def test_events_as_json_are_the_events_first_to_last(runner: CliRunner, source: str) -> None:
    result = runner.invoke(app, ["events", "D-1", "--db", source, "--format", "json"])
    events = json.loads(result.stdout)
    assert [(e["seq"], e["type"]) for e in events] == [
        (1, "deal_created"), (2, "fact_set"), (3, "stakeholder_added"), (4, "item_completed")]


# -- export ------------------------------------------------------------------------------

def test_export_writes_the_playbook_then_every_event_as_json_lines(
    runner: CliRunner, source: str,
) -> None:
    result = runner.invoke(app, ["export", "--db", source])
    assert result.exit_code == 0, result.output
    playbook, *events = [json.loads(line) for line in result.stdout.splitlines()]
    assert (playbook["type"], playbook["id"], playbook["version"]) == (
        "playbook", "complex-b2b", "2.0.0")
    assert playbook["text"].startswith("id: complex-b2b\n")
    assert [(e["deal_id"], e["seq"]) for e in events] == [
        ("D-1", 1), ("D-1", 2), ("D-1", 3), ("D-1", 4), ("D-2", 1)]


def test_export_of_one_deal_writes_only_its_playbook_and_events(
    runner: CliRunner, source: str,
) -> None:
    result = runner.invoke(app, ["export", "--deal", "D-2", "--db", source])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("deal_id", r["type"]) for r in records] == ["playbook", "D-2"]


def test_export_to_a_file_leaves_no_temporary_file(
    tmp_path: Path, exported: Path,
) -> None:
    assert len(exported.read_text(encoding="utf-8").splitlines()) == 6
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_export_to_a_file_replaces_it_whole(
    tmp_path: Path, runner: CliRunner, source: str,
) -> None:
    out = tmp_path / "one.jsonl"
    out.write_text("old\n" * 100, encoding="utf-8")
    result = runner.invoke(app, ["export", "--deal", "D-2", "-o", str(out), "--db", source])
    assert result.exit_code == 0, result.output
    assert "wrote 1 event(s) to" in result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2  # its playbook, its event


@pytest.mark.parametrize(("args", "message"), [
    (("--deal", "nope"), "no deal 'nope' in the store"),
    (("-o", "missing-folder/out.jsonl"), "cannot write missing-folder/out.jsonl"),
], ids=["unknown-deal", "missing-folder"])
def test_a_failed_export_exits_1(
    runner: CliRunner, source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...], message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["export", *args, "--db", source])
    assert result.exit_code == 1
    assert message in result.output


# -- import ------------------------------------------------------------------------------

def test_an_export_imports_into_another_store_as_the_same_deals(
    runner: CliRunner, source: str, target: str, exported: Path,
) -> None:
    result = runner.invoke(app, ["import", str(exported), "--batch-size", "2", "--db", target])
    assert result.exit_code == 0, result.output
    assert "lines: 6, added: 5, skipped: 0, deals: 2, playbooks added: 1" in result.stdout
    assert "importing all.jsonl" in result.stderr  # the progress bar
    with Store(source) as before, Store(target) as after:
        for deal_id in ("D-1", "D-2"):
            assert after.get(deal_id) == before.get(deal_id)
            assert after.replay(deal_id) == after.get(deal_id)


def test_importing_the_same_file_again_skips_every_event(
    runner: CliRunner, target: str, exported: Path,
) -> None:
    runner.invoke(app, ["import", str(exported), "--db", target])
    result = runner.invoke(app, ["import", str(exported), "--db", target, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"lines": 6, "added": 0, "skipped": 5, "deals": 2,
                                         "playbooks": 0}


def test_a_bad_import_file_exits_1_with_the_line_and_writes_nothing(
    runner: CliRunner, target: str, exported: Path,
) -> None:
    lines = exported.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3][:-5]  # cut short: not JSON
    exported.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(exported), "--db", target])
    assert result.exit_code == 1
    assert f"{exported}:4:1" in result.output
    assert "not JSON" in result.output
    assert "nothing was imported" in result.output
    with Store(target) as store:
        assert store.count_deals() == 0


def test_an_import_file_that_does_not_exist_exits_1(
    runner: CliRunner, target: str, tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "none.jsonl"), "--db", target])
    assert result.exit_code == 1
    assert "file not found" in result.output


def test_a_batch_size_below_one_is_a_usage_error(
    runner: CliRunner, target: str, exported: Path,
) -> None:
    result = runner.invoke(app, ["import", str(exported), "--batch-size", "0", "--db", target])
    assert result.exit_code == 2

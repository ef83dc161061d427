"""The decision chain travels: the demo deal (organisations, lines, owners, wins,
competitors, scores) exported as JSON Lines imports into another store as the same deal,
and the map reads in Chinese."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from dealflow.cli import app
from dealflow.store import Store

DEAL = "zhenhai-cracker-dcs"


def test_the_demo_chain_exports_and_imports_as_the_same_deal(
        runner: CliRunner, tmp_path: Path) -> None:
    source, target = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    assert runner.invoke(app, ["demo", "--db", source]).exit_code == 0
    exported = runner.invoke(app, ["export", "--db", source, "-o", str(tmp_path / "x.jsonl")])
    assert exported.exit_code == 0, exported.output
    imported = runner.invoke(app, ["import", str(tmp_path / "x.jsonl"), "--db", target])
    assert imported.exit_code == 0, imported.output

    with Store(source) as first, Store(target) as second:
        assert second.get(DEAL) == first.get(DEAL)
        assert second.replay(DEAL) == first.get(DEAL)
        assert second.get(DEAL).organisations
    shown = runner.invoke(app, ["map", DEAL, "--db", target, "--lang", "zh"])
    assert "经济决策者" in shown.stdout
    assert "设计院" in shown.stdout

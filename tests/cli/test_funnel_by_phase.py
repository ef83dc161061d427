"""`dealflow funnel --by-phase` and `dealflow report --by-phase`: the funnel grouped by the
buyer phase each stage serves, on the bundled playbook and on one that shares no id with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import load_playbook
from dealflow.analytics import funnel, funnel_by_phase
from dealflow.cli import app
from dealflow.store import Store
from tests.conftest import LAB_PLAYBOOK

PLAYBOOKS = {"complex-b2b": "complex-b2b", "lab": str(LAB_PLAYBOOK)}


@pytest.fixture(scope="module", params=sorted(PLAYBOOKS), ids=sorted(PLAYBOOKS))
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          runner: CliRunner) -> tuple[str, str]:
    """A database filled by `dealflow simulate` under one playbook: (url, playbook)."""
    playbook = PLAYBOOKS[request.param]
    url = f"sqlite:///{tmp_path_factory.mktemp('by-phase')}/p.db"
    result = runner.invoke(app, ["simulate", "--deals", "40", "--seed", "3", "--db", url,
                                 "--playbook", playbook])
    assert result.exit_code == 0, result.output
    return url, playbook


def test_the_json_agrees_with_the_api_and_sums_to_the_stages(runner: CliRunner,
                                                             world: tuple[str, str]) -> None:
    url, playbook = world
    result = runner.invoke(app, ["funnel", "--db", url, "--by-phase", "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    pb = load_playbook(playbook)
    with Store(url) as store:
        assert printed == funnel_by_phase(store, playbook=pb).to_dict()
        by_stage = {layer.stage: layer for layer in funnel(store, playbook=pb).stages}
    served = [s.id for s in pb.stages if s.buyer_phase]
    expected = [(p.id, [s.id for s in pb.stages if s.buyer_phase == p.id])
                for p in pb.buyer_phases]
    expected += [(None, [s.id for s in pb.stages if s.id not in served])] * (
        len(served) < len(pb.stages))
    assert [(p["phase"], [layer["stage"] for layer in p["stages"]])
            for p in printed["phases"]] == expected
    for phase, (_, stages) in zip(printed["phases"], expected, strict=True):
        assert phase["lost_total"] == sum(by_stage[s].lost_total for s in stages)
        assert phase["open"] == sum(by_stage[s].open for s in stages)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_table_names_each_phase_in_the_language_asked(runner: CliRunner,
                                                          world: tuple[str, str],
                                                          lang: str) -> None:
    url, playbook = world
    result = runner.invoke(app, ["funnel", "--db", url, "--by-phase", "--lang", lang],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    pb = load_playbook(playbook)
    for phase in pb.buyer_phases:
        assert pb.text(phase.name, lang) in result.stdout


@pytest.mark.parametrize(("flag", "shown"), [("--by-phase", True), ("--no-by-phase", False),
                                             (None, True)])
def test_the_report_carries_the_phases_unless_told_not_to(runner: CliRunner,
                                                          world: tuple[str, str],
                                                          tmp_path: Path, flag: str | None,
                                                          shown: bool) -> None:
    url, playbook = world
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "-o", str(out), "--db", url, "--lang", "en",
                                 *([flag] if flag else [])])
    assert result.exit_code == 0, result.output
    first_phase = load_playbook(playbook).buyer_phases[0]
    page = out.read_text(encoding="utf-8")
    assert ("Funnel by buyer phase" in page) is shown
    assert (first_phase.name.get_text("en", "en") in page) or not shown

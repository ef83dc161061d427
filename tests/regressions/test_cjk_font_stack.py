"""The HTML outputs name fonts that have Chinese glyphs, before the generic family: a zh
checklist or report is never left to a browser's fallback font (issue 21)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from dealflow import Deal, load_playbook
from dealflow.analytics import render_report, simulate
from dealflow.sop import build_checklist, render_checklist
from dealflow.store import Store, import_events
from tests.conftest import LAB_PLAYBOOK

END = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
CJK_FAMILIES = ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC")


def _checklist(playbook_path: Path | None) -> str:
    playbook = load_playbook(playbook_path) if playbook_path else load_playbook()
    deal = Deal(id="d-1", title="扩容项目", account="镇海炼化", owner="li.wei",
                playbook_id=playbook.id, playbook_version=playbook.version,
                stage=playbook.stages[0].id, created_at=END, stage_entered_at=END)
    sheet = build_checklist(playbook, deal, now=END, locale=playbook.locales[-1])
    return render_checklist(sheet, "html")


def _report(playbook_path: Path | None, folder: Path) -> str:
    playbook = load_playbook(playbook_path) if playbook_path else load_playbook()
    with Store(f"sqlite:///{folder}/deals.db", playbook=playbook) as store:
        import_events(store, simulate(playbook, deals=5, seed=1, end=END))
        return render_report(store, now=END, locale=playbook.locales[-1])


@pytest.mark.parametrize("playbook_path", [None, LAB_PLAYBOOK], ids=["bundled", "lab"])
@pytest.mark.parametrize("output", ["checklist", "report"])
def test_the_page_names_chinese_fonts_before_the_generic_family(
        output: str, playbook_path: Path | None, tmp_path: Path) -> None:
    page = _checklist(playbook_path) if output == "checklist" else _report(playbook_path,
                                                                              tmp_path)
    body = re.search(r"body\s*\{[^}]*font-family:\s*([^;]+);", page)
    assert body is not None
    families = [family.strip().strip('"') for family in body.group(1).split(",")]
    assert families[-1] == "sans-serif"
    assert set(CJK_FAMILIES) <= set(families[:-1])

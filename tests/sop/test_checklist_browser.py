"""The HTML checklist opens in a real browser and shows its items (not a blank page)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dealflow import Deal, Stakeholder, load_playbook
from dealflow.sop import build_checklist, render_checklist
from tests._png import read_png

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("DEALFLOW_CI"):
            pytest.fail("chromium is required in CI (.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI runs this test")
    return found


@pytest.fixture
def page(tmp_path: Path) -> Path:
    playbook = load_playbook()
    entered = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    deal = Deal(id="zh-1", title="Ethylene cracker <b>upgrade</b>", account="Zhenhai Refining",
                owner="li.wei", amount=1_200_000, playbook_id=playbook.id,
                playbook_version=playbook.version, stage="discover", created_at=entered,
                stage_entered_at=entered,
                stakeholders=(Stakeholder(id="zhao", name="<script>Zhao</script>",
                                          roles=("economic_buyer",), stance="skeptic",
                                          influence="high"),))
    sheet = build_checklist(playbook, deal, now=entered + dt.timedelta(days=3), locale="en")
    path = tmp_path / "checklist.html"
    path.write_text(render_checklist(sheet, "html"), encoding="utf-8")
    return path


def _run(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )


def test_the_browser_sees_every_item_row_and_no_script_from_deal_data(
    chromium: str, page: Path, tmp_path: Path
) -> None:
    dom = _run(chromium, tmp_path, "--dump-dom", page.as_uri()).stdout
    assert dom.count('class="item ') >= 5
    assert "meet_skeptic@zhao" in dom
    assert "<script>" not in dom
    assert "&lt;script&gt;Zhao&lt;/script&gt;" in dom


def test_a_screenshot_of_the_checklist_is_not_blank(
    chromium: str, page: Path, tmp_path: Path
) -> None:
    shot = tmp_path / "shot.png"
    _run(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri())
    width, height, rows = read_png(shot)
    assert (width, height) == (1000, 1400)
    dark_rows = [y for y, row in enumerate(rows)
                 if sum(1 for i in range(0, len(row), 3) if row[i] < 128) > 10]
    assert len(dark_rows) > 200, "the page looks blank: too few rows with text"
    red = sum(1 for row in rows for i in range(0, len(row), 3)
              if row[i] > 150 and row[i + 1] < 90 and row[i + 2] < 90)
    assert red > 50, "no red pixels: the failing control points are not drawn"


def test_the_checklist_embeds_the_decision_chain_as_svg_the_browser_draws(
    chromium: str, page: Path, tmp_path: Path
) -> None:
    dom = _run(chromium, tmp_path, "--dump-dom", page.as_uri()).stdout
    chart = dom.split('<div id="chain-map">', 1)[1].split("</div>", 1)[0]
    assert 'class="chain-map"' in chart
    assert 'class="person stance-skeptic" data-id="zhao"' in chart
    assert "&lt;script&gt;Zhao&lt;/script&gt;" in chart
    shot = tmp_path / "map.png"
    _run(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1000,2600", page.as_uri())
    _, _, rows = read_png(shot)
    orange = sum(1 for row in rows for i in range(0, len(row), 3)
                 if row[i] > 230 and 180 < row[i + 1] < 205 and 100 < row[i + 2] < 135)
    assert orange > 500, "the skeptic's orange circle (#f6c177) is not drawn"

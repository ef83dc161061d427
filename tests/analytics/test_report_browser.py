"""The HTML report opens in a real browser and draws its funnel chart (not a blank box)."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dealflow import load_playbook
from dealflow.analytics import funnel, render_report, simulate
from dealflow.store import Store, import_events
from tests._png import read_png
from tests.sop.test_checklist_browser import _run, chromium  # noqa: F401 - the browser fixture

END = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
BLUE = (0x3E, 0x7C, 0xB1)
"""`.bar`: deals that entered a stage."""
RED = (0xD6, 0x45, 0x45)
"""`.lost`: deals lost in a stage."""


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, int]]]:
    """The report of 200 simulated deals, and each stage's (entered, lost) deals."""
    folder = tmp_path_factory.mktemp("report")
    with Store(f"sqlite:///{folder}/deals.db", playbook=load_playbook()) as store:
        import_events(store, simulate(store.playbook, deals=200, seed=1, end=END))
        page = render_report(store, now=END, locale="en")
        layers = [(layer.entered, layer.lost_total) for layer in funnel(store).stages]
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path, layers


class _Chart(HTMLParser):
    """The classes of the shapes inside `svg#funnel-chart`."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.shapes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "svg" and found.get("id") == "funnel-chart":
            self.inside = True
        elif self.inside and tag == "rect":
            self.shapes.append(found.get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.inside = False


def test_the_browser_sees_one_bar_per_stage_in_the_funnel_chart(
    chromium: str,  # noqa: F811
    simulated: tuple[Path, list[tuple[int, int]]], tmp_path: Path,
) -> None:
    path, layers = simulated
    dom = _run(chromium, tmp_path, "--dump-dom", path.as_uri()).stdout
    chart = _Chart()
    chart.feed(dom)
    assert chart.shapes.count("bar") == len(layers) == len(load_playbook().stages) == 7
    assert chart.shapes.count("lost") == len(layers)


def _count(rows: list[bytes], colour: tuple[int, int, int], tolerance: int = 8) -> int:
    return sum(1 for row in rows for i in range(0, len(row), 3)
               if all(abs(row[i + k] - colour[k]) <= tolerance for k in range(3)))


def test_a_screenshot_of_the_report_shows_the_bars_and_the_losses(
    chromium: str,  # noqa: F811
    simulated: tuple[Path, list[tuple[int, int]]], tmp_path: Path,
) -> None:
    path, layers = simulated
    shot = tmp_path / "shot.png"
    _run(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1000,800",
         "--force-device-scale-factor=1", path.as_uri())
    width, height, rows = read_png(shot)
    assert (width, height) == (1000, 800)
    blue, red = _count(rows, BLUE), _count(rows, RED)
    # The chart's scale: the widest bar (every deal entered the first stage) is 390 px
    # wide, and every bar 34 px high; the red part of a bar is its share of losses.
    top = layers[0][0]
    drawn_red = sum(34 * 390 * lost / top for _, lost in layers)
    drawn_blue = sum(34 * max(2.0, 390 * entered / top) for entered, _ in layers) - drawn_red
    assert blue > 10_000, "no blue bars: the funnel chart is not drawn"
    assert red > 1_000, "no red pixels: the losses per stage are not drawn"
    assert blue == pytest.approx(drawn_blue, rel=0.05)
    assert red == pytest.approx(drawn_red, rel=0.05)

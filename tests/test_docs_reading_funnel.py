"""docs/reading-your-funnel.md is a test: its commands and its Python print what it shows.

The commands run in order in a fresh folder (the first, `dealflow simulate`, fills
`dealflow.db`), 100 columns wide, with the clock of `stalled` at the moment the page was
written. A command followed directly by a ```` ```text ```` block must print exactly that
text (up to a last line `...`); a text block after prose must be a part of what one of
the commands printed.
"""

from __future__ import annotations

import datetime as dt
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dealflow.cli import app
from tests._docs import ELLIPSIS, Block, Example, blocks, output_problem, python_examples, read
from tests._docs import run as run_python
from tests.conftest import LAB_PLAYBOOK

PAGE = "reading-your-funnel.md"
WRITTEN = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
"""The moment the page's `dealflow stalled` output was taken."""


def _commands() -> tuple[list[Example], list[Block]]:
    """(each `dealflow` command with the text block right after it; the other text blocks)."""
    text = read(PAGE)
    found = blocks(PAGE)
    commands: list[Example] = []
    shown_after: set[int] = set()
    for index, block in enumerate(found):
        if block.lang not in ("bash", "python"):
            continue
        after = found[index + 1] if index + 1 < len(found) else None
        adjacent = after is not None and not text[block.end:after.start].strip()
        shown = after if adjacent and after is not None and after.lang == "text" else None
        if shown is not None:
            shown_after.add(shown.start)
        if block.lang == "bash" and block.body.startswith("dealflow "):
            assert block.body.count("\n") == 1, f"{block.id}: one command per block"
            commands.append(Example(block, shown))
    excerpts = [b for b in found if b.lang == "text" and b.start not in shown_after]
    return commands, excerpts


def _contains(printed: list[str], part: list[str]) -> bool:
    return any(printed[i:i + len(part)] == part for i in range(len(printed) - len(part) + 1))


def test_the_commands_of_the_page_print_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEALFLOW_DATABASE_URL", raising=False)
    shutil.copy(LAB_PLAYBOOK, tmp_path / "lab-subscriptions.yaml")
    monkeypatch.setattr("dealflow.analytics._timing._now",
                        lambda now: (now or WRITTEN).astimezone(dt.UTC))
    commands, excerpts = _commands()
    assert commands[0].block.body.startswith("dealflow simulate")
    runner = CliRunner()
    printed: list[list[str]] = []
    for example in commands:
        args = shlex.split(example.block.body)[1:]
        result = runner.invoke(app, args, env={"COLUMNS": "100"})
        assert result.exit_code == 0, f"{example.id}: {result.output}"
        problem = output_problem(example, result.stdout)
        assert problem is None, problem
        printed.append(result.stdout.splitlines())
    assert (tmp_path / "report.html").is_file()
    for block in excerpts:
        part = block.body.splitlines()
        part = part[:-1] if part and part[-1] == ELLIPSIS else part
        assert any(_contains(lines, part) for lines in printed), (
            f"{block.id} is not a part of what the page's commands print")


def test_the_python_of_the_page_runs_in_order_and_prints_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    examples = python_examples(PAGE)
    assert len(examples) >= 4
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for example in examples:
        problem = output_problem(example, run_python(example, namespace),
                                 unshown_allowed=False)
        assert problem is None, problem
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE")

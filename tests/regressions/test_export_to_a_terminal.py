"""Regression: `dealflow export` printed deal text raw to a terminal, bidirectional
overrides (U+202E, U+2066) and 8-bit controls (U+009B, an escape sequence's start) and
all, while every other command shows them as escapes.

To a terminal, JSON Lines now carries them as `\\uXXXX` escapes (the same JSON, so a copy
imports the same data) and CSV as `visible` shows them; piped or written to a file, the
export keeps the exact data.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from dealflow._safe_text import INVISIBLE, visible
from dealflow.store import Store

TITLE = "Cracker \u202eedadpu\u202c \u2066x\u2069 \x9b31mred \x1b[2J \x7f"
"""A title with a right-to-left override, an isolate, an 8-bit CSI, an ESC and DEL."""


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('terminal')}/deals.db"
    with Store(url) as store:
        store.create(deal_id="D-1", title=TITLE, account="Zhenhai", owner="li",
                     actor="li").raise_for_refusal()
    return url


def _dealflow(*args: str, terminal: bool) -> str:
    """What `dealflow ARGS` prints on its standard output: a terminal (a pseudo-terminal)
    or a pipe."""
    command = [sys.executable, "-c", "from dealflow.cli import main; main()", *args]
    if not terminal:
        done = subprocess.run(command, capture_output=True, check=True)
        return done.stdout.decode("utf-8")
    main, secondary = pty.openpty()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=secondary,
                               stderr=subprocess.DEVNULL)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 1 << 16)
        except OSError:  # EIO: the program ended and closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait() == 0
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def _created(jsonl: str) -> dict[str, object]:
    """The `deal_created` record of an export (after the playbook records)."""
    records = [json.loads(line) for line in jsonl.splitlines()]
    found: dict[str, object] = next(r for r in records if r.get("type") == "deal_created")
    return found


def test_json_lines_to_a_terminal_escape_controls_and_keep_the_data(db: str) -> None:
    shown = _dealflow("export", "--db", db, terminal=True)
    assert not INVISIBLE.search(shown), repr(shown)
    assert _created(shown)["title"] == TITLE


def test_csv_to_a_terminal_shows_controls_as_escapes(db: str) -> None:
    shown = _dealflow("export", "--format", "csv", "--db", db, terminal=True)
    assert not INVISIBLE.search(shown), repr(shown)
    assert visible(TITLE) in shown


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_pipe_gets_the_exact_data(db: str, fmt: str) -> None:
    piped = _dealflow("export", "--format", fmt, "--db", db, terminal=False)
    if fmt == "jsonl":  # JSON Lines always escape controls: the same JSON value
        assert _created(piped)["title"] == TITLE
    else:
        rows = list(csv.DictReader(io.StringIO(piped, newline="")))
        assert rows[0]["title"] == TITLE


def test_a_file_gets_the_exact_data(db: str, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    _dealflow("export", "-o", str(out), "--db", db, terminal=True)
    text = out.read_text(encoding="utf-8")
    assert _created(text)["title"] == TITLE

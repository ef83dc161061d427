"""The command line of timers: `deal log`, a follow-up opened by `sweep --apply` shown by
`deal show` and `checklist` and done with `item done` on a won deal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import Playbook, Store
from dealflow.cli import app
from tests.timers.conftest import Clock, open_deal


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path, timed: Playbook) -> str:
    url = f"sqlite:///{tmp_path}/timers.db"
    with Store(url, playbook=timed, clock=Clock()) as store:
        open_deal(store, "won", "mid")
        for fact in ("demo_booked", "terms_signed"):
            store.apply("won", lambda engine, deal, fact=fact: engine.set_fact(
                deal, fact, True, actor="ana"))
        store.apply("won", lambda engine, deal: engine.advance(deal, actor="ana"))
        assert store.apply("won", lambda engine, deal: engine.win(deal, actor="ana")).ok
    return url


def test_a_logged_meeting_shows_as_the_last_activity(db: str) -> None:
    code, output = _run("deal", "log", "won", "--kind", "meeting", "--note", "Go-live review",
                        "--db", db, "--actor", "ben")
    assert (code, output.strip()) == (0, "won: meeting logged")
    code, output = _run("deal", "show", "won", "--db", db)
    assert code == 0
    assert "last activity   meeting" in output
    code, output = _run("events", "won", "--db", db, "--format", "json")
    logged = json.loads(output)[-1]
    assert (logged["type"], logged["kind"], logged["note"], logged["actor"]) == (
        "activity_logged", "meeting", "Go-live review", "ben")


def test_a_follow_up_is_opened_shown_and_done_from_the_command_line(db: str) -> None:
    code, output = _run("sweep", "--db", db, "--apply", "--now", "2026-05-01")
    assert code == 0, output
    assert "follow-up opened: Call the customer about their first month (due 2026-05-08)" in output
    code, output = _run("deal", "show", "won", "--db", db)
    assert "check_in_after_win: Call the customer about their first month (success_manager, " \
           "due 2026-05-08, open)" in output
    code, output = _run("checklist", "won", "--db", db, "--format", "md")
    assert code == 0
    assert "Call the customer about their first month" in output
    code, output = _run("item", "done", "won", "check_in_after_win", "--db", db)
    assert code == 0, output
    code, output = _run("item", "done", "won", "check_in_after_win", "--db", db)
    assert code == 1
    code, output = _run("sweep", "--db", db, "--apply", "--now", "2026-06-01", "--format",
                        "json")
    assert json.loads(output)["actions"] == []

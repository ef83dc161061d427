"""Fixtures of the command-line tests: a fresh database per test and a way to run on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from dealflow.cli import app

Invoke = Callable[..., Result]
"""`invoke("deal", "show", "D-1")`: run `dealflow ARGS... --db URL` on the test's database."""


def flat(output: str) -> str:
    """Output as one line of words, without the frame of typer's error box."""
    return " ".join(output.translate({ord(c): " " for c in "│╭╮╰╯─"}).split())


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A database of the test's own (created by the first command that writes)."""
    return f"sqlite:///{tmp_path}/x.db"


@pytest.fixture
def invoke(runner: CliRunner, db: str) -> Invoke:
    """Run `dealflow ARGS... --db URL` on the test's database."""
    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", db])
    return run

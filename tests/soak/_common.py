"""What the soak commands share: choosing and emptying the database they run on."""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

from tests.store.conftest import POSTGRES_ENV, reset_postgres


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """--backend and --url."""
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--url", help=f"PostgreSQL URL (default: ${POSTGRES_ENV}); its public "
                        "schema is EMPTIED first, so give a database of its own")


def empty_database(backend: str, url: str | None, workdir: Path) -> str:
    """The URL of an empty database: a new SQLite file in `workdir`, or the PostgreSQL
    database at `url` (or $DEALFLOW_TEST_POSTGRES_URL) with its public schema emptied."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'soak.db'}"
    url = url or os.environ.get(POSTGRES_ENV)
    if not url:
        raise SystemExit(f"--backend postgresql needs --url or ${POSTGRES_ENV}")
    return reset_postgres(url)


def machine() -> str:
    """The machine the figures were measured on, in one line."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"

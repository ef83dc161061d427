"""What the soak commands share: choosing and emptying the database they run on."""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

from sqlalchemy import create_engine, text

POSTGRES_ENV = "DEALFLOW_TEST_POSTGRES_URL"


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
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def machine() -> str:
    """The machine the figures were measured on, in one line."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"

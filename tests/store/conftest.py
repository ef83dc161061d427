"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL needs a real server: set DEALFLOW_TEST_POSTGRES_URL (for example
postgresql+psycopg://dealflow:dealflow@127.0.0.1:5432/dealflow). Without it the
PostgreSQL cases skip, except in CI (DEALFLOW_CI=1), where `.ci/run` starts a server
and a missing one is a failure. Run in parallel (`pytest -n`), each worker gets a database
of its own, the URL's name plus the worker's (`dealflow_gw0`), created when first needed:
every PostgreSQL test empties its database's schema, which two workers must not share.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

POSTGRES_ENV = "DEALFLOW_TEST_POSTGRES_URL"


def reset_postgres(url: str) -> str:
    """Empty the PostgreSQL database at `url` (drop and recreate its public schema)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("DEALFLOW_CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} to run these tests")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


@functools.cache
def _worker_database(url: str, worker: str) -> str:
    """The URL of this worker's own database beside the one `url` names (created once)."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": name}).scalar()
            if not found:
                try:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                except ProgrammingError:  # another run created it meanwhile
                    pass
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'deals.db'}"
        return
    yield reset_postgres(_postgres_url())

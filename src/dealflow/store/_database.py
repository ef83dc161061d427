"""Opening a database: engine options per backend, and the schema version check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from dealflow.errors import StoreError
from dealflow.store.migrations import migrate
from dealflow.store.tables import META, SCHEMA_VERSION, metadata

__all__ = ["WRITE_OPTION", "open_engine", "prepare_schema", "writer"]

WRITE_OPTION = "dealflow_write"
"""Execution option marking a connection that writes (SQLite: BEGIN IMMEDIATE)."""


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that write."""
    return engine.execution_options(**{WRITE_OPTION: True})


def _sqlite_engine(url: str) -> Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    options: dict[str, Any] = {"connect_args": {"timeout": 60, "check_same_thread": False}}
    if memory:
        options["poolclass"] = StaticPool
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A write takes the lock up front, so two writers never deadlock on a lock
        # upgrade; a read does not take it, so readers never wait for writers (WAL).
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def open_engine(url: str) -> Engine:
    """A SQLAlchemy engine for `url` (SQLite file or memory, or PostgreSQL)."""
    try:
        if url.startswith("sqlite"):
            return _sqlite_engine(url)
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"cannot open database {url!r}: {exc}") from None


def prepare_schema(engine: Engine) -> None:
    """Create the tables in an empty database, migrate an older one, refuse a newer one."""
    try:
        tables = set(inspect(engine).get_table_names())
    except OperationalError as exc:
        raise StoreError(f"cannot open the database: {exc.orig}") from None
    if not tables:
        with writer(engine).begin() as conn:
            metadata.create_all(conn)
            conn.execute(META.insert().values(
                key="schema_version", value=str(SCHEMA_VERSION)))
        return
    if "meta" not in tables:
        raise StoreError("this database was not made by dealflow (it has tables, but no "
                         "`meta` table with a schema version); use an empty database")
    with engine.connect() as conn:
        found = conn.execute(select(META.c.value).where(META.c.key == "schema_version")
                             ).scalar_one_or_none()
    if found is None or not found.isdigit():
        raise StoreError(f"the database's schema version is unknown ({found!r})")
    version = int(found)
    if version > SCHEMA_VERSION:
        raise StoreError(f"the database has schema version {version}, newer than this dealflow "
                         f"understands ({SCHEMA_VERSION}); upgrade dealflow")
    if version < SCHEMA_VERSION:
        migrate(engine, version)

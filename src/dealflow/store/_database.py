"""Opening a database: engine options per backend, and the schema version check."""

from __future__ import annotations

import re
import select as sockets
from typing import Any

from sqlalchemy import (
    Engine,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.pool import StaticPool

from dealflow._messages import N_, _
from dealflow.errors import StoreError
from dealflow.store._files import (
    cannot_open,
    check_sqlite_url,
    read_only_opening,
    read_only_writing,
    shown_url,
    url_reads_only,
)
from dealflow.store._schema_versions import migrate
from dealflow.store._tables import META, SCHEMA_VERSION, metadata

__all__ = ["WRITE_OPTION", "engine_url", "is_read_only", "open_engine", "prepare_schema",
           "reader", "store_error", "writer"]

RECYCLE = 1800
"""Seconds a PostgreSQL connection is kept before the pool replaces it."""

WRITE_OPTION = "dealflow_write"
"""Execution option marking a connection that writes (SQLite: BEGIN IMMEDIATE)."""

_PASSWORD = re.compile(r"(://[^:/@\s']*:)[^\s']*@")
"""The password in a URL (`scheme://user:PASSWORD@host`), hidden in error messages."""


_FULL = (N_("the database is full"), N_("nothing of this operation was written; free disk "
                                        "space (or raise the database's size limit) and retry"))
_READ_ONLY = (N_("the database is read-only"), N_("nothing was written"))  # precise per URL
_CANNOT_OPEN = (N_("cannot open the database"), N_("check the path and its permissions"))
_LOST = (N_("cannot reach the database server"), N_(
    "this operation was not confirmed: re-read before retrying; the store reconnects by "
    "itself once the server is back"))
_LOCKED = (N_("the database stayed locked by another writer"), N_("nothing was written; retry"))
_CORRUPT = (N_("the database file is damaged or not a database"),
            N_("restore it from a backup (or an export)"))
_IO = (N_("the disk failed to read or write the database"), N_(
    "nothing of this operation was confirmed; check the disk, then re-read before retrying"))


def _kind(exc: SQLAlchemyError) -> tuple[str, str] | None:
    """What went wrong, in the user's words, and what to do; None when nothing specific."""
    orig = getattr(exc, "orig", None)
    sqlite_name = str(getattr(orig, "sqlite_errorname", ""))
    if sqlite_name:
        for prefix, kind in (("SQLITE_FULL", _FULL), ("SQLITE_READONLY", _READ_ONLY),
                             ("SQLITE_CANTOPEN", _CANNOT_OPEN),
                             ("SQLITE_BUSY", _LOCKED), ("SQLITE_LOCKED", _LOCKED),
                             ("SQLITE_CORRUPT", _CORRUPT), ("SQLITE_NOTADB", _CORRUPT),
                             ("SQLITE_IOERR", _IO)):
            if sqlite_name.startswith(prefix):
                return kind
        return None
    state = str(getattr(orig, "sqlstate", None) or "")
    if state == "53100":  # disk_full
        return _FULL
    if state == "25006":  # read_only_sql_transaction
        return _READ_ONLY
    if state.startswith(("08", "57P")):  # connection exception, admin/crash shutdown
        return _LOST
    driver = type(orig).__module__.split(".")[0]
    if isinstance(exc, DBAPIError) and (exc.connection_invalidated or (
            not state and driver != "sqlite3"
            and isinstance(exc, OperationalError | InterfaceError))):
        return _LOST
    return None


def store_error(exc: SQLAlchemyError, url: str, *, opening: bool = False) -> StoreError:
    """A `StoreError` for a failed database call (`opening`: while opening the store):
    what went wrong with the database at `url` (passwords hidden), the driver's own
    words, and what to do about it."""
    orig = getattr(exc, "orig", None) or exc
    detail = " ".join(str(orig).split()) or type(orig).__name__
    kind = _kind(exc)
    if kind is _READ_ONLY:
        kind = read_only_opening(url) if opening else read_only_writing(url)
    elif kind is _CANNOT_OPEN:
        kind = cannot_open(url)
    if kind is None:
        doing = _("cannot open the database") if opening else _("database error")
        return StoreError(f"{doing} ({url}): {detail}")
    what, remedy = kind
    return StoreError(_("{what} ({url}): {detail}; {remedy}", what=_(what), url=url,
                        detail=detail, remedy=_(remedy)))


def is_read_only(exc: SQLAlchemyError) -> bool:
    """Whether a failed database call failed because the database may not be written."""
    return _kind(exc) is _READ_ONLY


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that write."""
    return engine.execution_options(**{WRITE_OPTION: True})


def reader(engine: Engine) -> Engine:
    """The same engine, for reads of one statement. On PostgreSQL they run outside a
    transaction (autocommit: one round trip, where BEGIN, the read and ROLLBACK made
    three); a statement sees one snapshot anyway."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _sqlite_engine(url: str) -> Engine:
    check_sqlite_url(url)
    memory = url in ("sqlite://", "sqlite:///:memory:")
    # A read-only connection cannot switch to WAL (one made by dealflow is in WAL already)
    journal = not memory and not url_reads_only(url)
    options: dict[str, Any] = {"connect_args": {"timeout": 60, "check_same_thread": False}}
    if memory:
        options["poolclass"] = StaticPool
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below
        cursor = dbapi_connection.cursor()
        if journal:
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


def _alive(dbapi_connection: Any) -> bool:
    """Whether an idle psycopg connection may be lent, known without a round trip: it is
    open, and the server has sent nothing since its last answer. A server that ends a
    connection says why before it closes it; what else a server sends unasked
    (a changed setting after a reload) is rare enough that the connection is replaced
    then too."""
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        return False
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return True
    if int(pgconn.status) != 0:  # not CONNECTION_OK: libpq already knows it is lost
        return False
    try:
        readable, _, _ = sockets.select([pgconn.socket], [], [], 0)
    except OSError:  # no socket to read
        return False
    return not readable


def _postgres_engine(url: str) -> Engine:
    """A PostgreSQL engine whose pool checks a connection as it lends it without a round
    trip (`_alive`; no pre-ping), and replaces connections after half an hour, before
    firewalls and servers drop idle ones."""
    engine = create_engine(url, pool_recycle=RECYCLE)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if not _alive(dbapi_connection):
            raise DisconnectionError("the server ended this connection")

    return engine


def open_engine(url: str) -> Engine:
    """A SQLAlchemy engine for `url` (SQLite file or memory, or PostgreSQL)."""
    try:
        if url.startswith("sqlite"):
            return _sqlite_engine(url)
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return _postgres_engine(url)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        message = _("cannot open database {url!r}: {error}", url=url, error=exc)
        raise StoreError(_PASSWORD.sub(r"\1***@", message)) from None


def engine_url(engine: Engine) -> str:
    """The URL of `engine` as messages show it (see `shown_url`)."""
    return shown_url(engine.url)


def prepare_schema(engine: Engine) -> None:
    """Create the tables in an empty database, migrate an older one, refuse a newer one."""
    try:
        tables = set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        raise store_error(exc, engine_url(engine), opening=True) from None
    if not tables:
        with writer(engine).begin() as conn:
            metadata.create_all(conn)
            conn.execute(META.insert().values(
                key="schema_version", value=str(SCHEMA_VERSION)))
        return
    if "meta" not in tables:
        raise StoreError(_("this database was not made by dealflow (it has tables, but no "
                           "`meta` table with a schema version); use an empty database"))
    with engine.connect() as conn:
        found = conn.execute(select(META.c.value).where(META.c.key == "schema_version")
                             ).scalar_one_or_none()
    if found is None or not found.isdigit():
        raise StoreError(_("the database's schema version is unknown ({found!r})", found=found))
    version = int(found)
    if version > SCHEMA_VERSION:
        raise StoreError(_("the database has schema version {version}, newer than this "
                           "dealflow understands ({known}); upgrade dealflow", version=version,
                           known=SCHEMA_VERSION))
    if version < SCHEMA_VERSION:
        migrate(engine, version)

"""Reads and writes that survive a dropped connection, and a store operation on
PostgreSQL in three round trips.

`Store.apply` on PostgreSQL reads the deal in the transaction that writes it (`SELECT ...
FOR UPDATE`: no other writer can change it before the commit, so the write cannot
conflict), and sends the write's statements and the COMMIT together in psycopg's pipeline
mode: BEGIN, the locked read, the statements with the COMMIT.

The pool does not ping a connection before lending it (a round trip per checkout): a
connection the server ended has said so on its socket, which the pool reads
(`_database._alive`) without asking the server anything; a connection lost without a
word fails on its first statement. A read (which has written nothing) is then retried
once on a new connection, and so is a write whose BEGIN failed (nothing else was sent);
a write lost later is not retried (the error says to re-read before retrying).
Connections are replaced after half an hour, before firewalls and servers drop idle ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Executable, Row, bindparam
from sqlalchemy import select as select_rows
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from dealflow.deal import Deal
from dealflow.engine import Engine as DealEngine
from dealflow.engine import Outcome
from dealflow.errors import ConflictError, DealNotFound
from dealflow.store._database import store_error
from dealflow.store._tables import DEALS
from dealflow.store._writes import write_changes

if TYPE_CHECKING:
    from dealflow.store._repository import Store

__all__ = ["Reconnecting"]

Operation = Callable[[DealEngine, Deal], Outcome]

_LOCK_DATA = (select_rows(DEALS.c.data).where(DEALS.c.id == bindparam("b_id"))
              .with_for_update())


class Reconnecting:
    """`Store` methods: reads retried on a new connection, and the PostgreSQL write."""

    def _read(self, work: Callable[[], Any]) -> Any:
        """`_guard(work)` for work that only reads: retried once on a new connection when
        the one it had turns out to be dead."""
        store = cast("Store", self)
        try:
            return work()
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise store_error(exc, store._safe_url()) from None
        except SQLAlchemyError as exc:
            raise store_error(exc, store._safe_url()) from None
        return store._guard(work)

    def _stream(self, query: Executable) -> Iterator[Row[Any]]:
        """The rows of `query`, streamed (a thousand at a time); retried once on a new
        connection when the one it had turns out to be dead before the first row."""
        store = cast("Store", self)
        for attempt in (1, 2):
            started = False
            try:
                with store.database.connect() as conn:
                    for row in conn.execution_options(yield_per=1000).execute(query):
                        started = True
                        yield row
                return
            except DBAPIError as exc:
                if started or attempt == 2 or not exc.connection_invalidated:
                    raise store_error(exc, store._safe_url()) from None
            except SQLAlchemyError as exc:
                raise store_error(exc, store._safe_url()) from None

    def _apply_locked(self, deal_id: str, operation: Operation) -> Outcome:
        """`apply` in one transaction (see the module docstring)."""
        store = cast("Store", self)
        read: list[Deal] = []
        try:
            try:
                outcome = store._guard(lambda: _locked_once(store, deal_id, operation, read))
            except _DeadAtBegin:
                outcome = store._guard(lambda: _locked_once(store, deal_id, operation, read))
        except IntegrityError:  # not with the row locked, unless the log itself is broken
            raise ConflictError(deal_id, read[-1].version if read else 0,
                                store._version_of(deal_id)) from None
        return cast(Outcome, outcome)


class _DeadAtBegin(Exception):
    """The connection was dead when the transaction began: nothing was sent on it."""


def _locked_once(store: Store, deal_id: str, operation: Operation,
                 read: list[Deal]) -> Outcome:
    # The transaction is begun by hand (the driver in autocommit), so that a dead
    # connection is known by its BEGIN, before anything else was sent.
    with store.database.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        try:
            conn.exec_driver_sql("BEGIN")
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise _DeadAtBegin from exc
            raise
        try:
            return _locked_work(store, conn, deal_id, operation, read)
        except BaseException:
            _roll_back(conn)
            raise


def _locked_work(store: Store, conn: Connection, deal_id: str, operation: Operation,
                 read: list[Deal]) -> Outcome:
    data = conn.execute(_LOCK_DATA, {"b_id": deal_id}).scalar()
    if data is None:
        raise DealNotFound(deal_id)
    deal = store._deal(data)
    read.append(deal)
    outcome = operation(store.engine_for(deal), deal)
    if not (outcome.ok and outcome.events):
        conn.exec_driver_sql("ROLLBACK")
        return outcome
    with _pipelined(conn):  # the row is ours: its version cannot have moved
        write_changes(conn, [(outcome.deal, deal.version, outcome.events)],
                      lambda keys: store._keep_playbooks(conn, keys), checked=True)
        conn.exec_driver_sql("COMMIT")
    return outcome


def _roll_back(conn: Connection) -> None:
    """End the transaction begun by hand on `conn` after a failure, or discard the
    connection when that fails too (so no open transaction goes back to the pool)."""
    if conn.invalidated:
        return
    try:
        conn.exec_driver_sql("ROLLBACK")
    except SQLAlchemyError:
        if not conn.invalidated:
            conn.invalidate()


@contextmanager
def _pipelined(conn: Connection) -> Iterator[None]:
    """Statements run in the block (the commit too) are sent together, and their answers
    read once at its end (psycopg's pipeline mode); their results (row counts) are not
    known inside it. A failure is raised at the end of the block as a SQLAlchemy error,
    and the connection is then discarded (its transaction's outcome is the server's)."""
    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.pipeline():
            yield
    except SQLAlchemyError:
        conn.invalidate()
        raise
    except conn.dialect.loaded_dbapi.Error as exc:
        lost = bool(getattr(driver, "broken", False) or getattr(driver, "closed", False))
        conn.invalidate(exc)
        raise DBAPIError.instance(None, None, exc, conn.dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost) from exc

"""A full disk or a read-only database file: a clear `StoreError`, nothing half written,
and the store works again once the cause is gone (SQLite)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from dealflow import Deal, Engine, Outcome, Playbook, Stakeholder
from dealflow.errors import StoreError
from dealflow.store import Store, import_events
from tests._nobody import as_nobody

Operation = Callable[[Engine, Deal], Outcome]


def _add_person(number: int) -> Operation:
    person = Stakeholder(id=f"p{number}", name=f"Person {number} " + "x" * 480,
                         roles=("initiator",), title="y" * 500)
    return lambda e, d: e.add_stakeholder(d, person, actor="li")


def _new_store(url: str) -> Store:
    store = Store(url)
    store.create(deal_id="d1", title="Reactor", account="Acme", owner="li", actor="li")
    return store


def _assert_unchanged(store: Store, before: Deal) -> None:
    assert store.get(before.id) == before
    assert len(store.events(before.id)) == before.version
    assert store.replay(before.id) == before


def _write_until_full(store: Store) -> tuple[Deal, StoreError, Operation]:
    """Add big stakeholders until a write fails; (the deal before it, the error, the write)."""
    for number in range(500):
        before = store.get("d1")
        operation = _add_person(number)
        try:
            store.apply("d1", operation)
        except StoreError as exc:
            return before, exc, operation
    raise AssertionError("500 writes fitted: the database never filled up")


def test_a_database_at_its_size_limit_refuses_the_write_whole_then_works_again(
    tmp_path: Path,
) -> None:
    store = _new_store(f"sqlite:///{tmp_path / 'deals.db'}")
    with store.database.connect() as conn:
        pages = {"max": int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())}

    @event.listens_for(store.database, "connect")
    def _limit(dbapi_connection: Any, _record: Any) -> None:  # the limit is per connection
        dbapi_connection.execute(f"PRAGMA max_page_count={pages['max']}")

    store.database.dispose()
    before, error, operation = _write_until_full(store)
    assert "the database is full" in str(error)
    assert str(tmp_path / "deals.db") in str(error)
    assert "free disk space" in str(error)
    _assert_unchanged(store, before)

    pages["max"] = 1_000_000  # space freed
    store.database.dispose()
    assert store.apply("d1", operation).deal.version == before.version + 1
    assert store.replay("d1") == store.get("d1")
    store.close()


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root, or another way to mount it: else the test skips)."""
    where = Path(tempfile.mkdtemp(prefix="dealflow-disk-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)],
                             capture_output=True, text=True, check=False) if shutil.which(
        "mount") else None
    if mounted is None or mounted.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a small tmpfs: {mounted.stderr if mounted else 'no mount'}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)
        where.rmdir()


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 4096)
    return filler


def test_a_full_disk_refuses_the_write_whole_then_works_again(tiny_disk: Path) -> None:
    with _new_store(f"sqlite:///{tiny_disk / 'deals.db'}") as store:
        store.apply("d1", _add_person(1000))  # the -wal and -shm files exist before it fills
        filler = _fill(tiny_disk)
        before, error, operation = _write_until_full(store)
        assert "the database is full" in str(error)
        assert "free disk space" in str(error)
        _assert_unchanged(store, before)

        filler.unlink()
        assert store.apply("d1", operation).deal.version == before.version + 1
        assert store.replay("d1") == store.get("d1")


def _read_then_write(url: str, playbook: Playbook) -> dict[str, Any]:
    """Open the store at `url`, read d1, then try two writes; what happened, as a dict."""
    with Store(url, playbook=playbook) as store:
        seen: dict[str, Any] = {"version": store.get("d1").version,
                                "listed": [d.id for d in store.list_deals()]}
        writes: list[Callable[[], object]] = [
            lambda: store.create(deal_id="d2", title="New", account="Acme", owner="li",
                                 actor="li"),
            lambda: store.apply("d1", lambda e, d: e.set_fact(d, "pain_confirmed", True,
                                                              actor="li")),
            lambda: import_events(store, Engine(playbook).create(
                deal_id="d3", title="Imported", account="Acme", owner="li", actor="li").events),
        ]
        seen["errors"] = []
        for write in writes:
            try:
                write()
            except StoreError as exc:
                seen["errors"].append(str(exc))
        return seen


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder anyone may write (the database's -shm file goes there), with d1 in it."""
    where = Path(tempfile.mkdtemp(prefix="dealflow-ro-"))
    where.chmod(0o777)
    _new_store(f"sqlite:///{where / 'deals.db'}").close()
    yield where
    shutil.rmtree(where)


@pytest.mark.parametrize("how", ["file permissions", "mode=ro URL"])
def test_a_read_only_database_reads_but_refuses_writes_whole(
    shared_dir: Path, default_playbook: Playbook, how: str
) -> None:
    path = shared_dir / "deals.db"
    if how == "file permissions":
        path.chmod(0o444)
        seen = as_nobody(lambda: _read_then_write(f"sqlite:///{path}", default_playbook))
    else:
        seen = _read_then_write(f"sqlite:///file:{path}?mode=ro&uri=true", default_playbook)
    assert (seen["version"], seen["listed"]) == (1, ["d1"])
    assert len(seen["errors"]) == 3, seen
    for message in seen["errors"]:
        assert message.startswith("the database is read-only (sqlite:///"), message
        assert "deals.db" in message
        assert "reading still works" in message
    path.chmod(0o644)
    with Store(f"sqlite:///{path}") as store:
        assert [d.id for d in store.list_deals()] == ["d1"]
        _assert_unchanged(store, store.replay("d1"))
        assert store.get("d1").version == 1


def _open_error(url: str, playbook: Playbook) -> dict[str, Any]:
    try:
        Store(url, playbook=playbook).close()
    except StoreError as exc:
        return {"error": str(exc)}
    return {"error": None}


def test_a_read_only_database_in_a_read_only_folder_cannot_be_opened_and_says_why(
    shared_dir: Path, default_playbook: Playbook
) -> None:
    path = shared_dir / "deals.db"
    assert sorted(p.name for p in shared_dir.iterdir()) == ["deals.db"]  # no -shm file
    path.chmod(0o444)
    shared_dir.chmod(0o555)
    try:
        seen = as_nobody(lambda: _open_error(f"sqlite:///{path}", default_playbook))
    finally:
        shared_dir.chmod(0o777)
    assert seen["error"] is not None, "the store opened"
    assert seen["error"].startswith("cannot open the database: it is read-only (sqlite:///")
    assert "make the folder writable" in seen["error"]

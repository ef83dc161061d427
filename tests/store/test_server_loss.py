"""The PostgreSQL server goes away: the operation that needs it fails with a clear
`StoreError`, nothing is half written, and the store works again once the server is back.

Two ways: the server ends the store's connections (`pg_terminate_backend`, on the shared
test server), and a real stop and start of a private server made for the test (needs the
PostgreSQL server programs; without them the test skips, except in CI where it fails).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from dealflow.errors import StoreError
from dealflow.store import Store

APP = "dealflow_server_loss_test"
LOST = "cannot reach the database server"
postgres_only = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)


def _named(url: str) -> str:
    """`url` with an application name, so that the test finds the store's connections."""
    return make_url(url).update_query_dict({"application_name": APP}).render_as_string(
        hide_password=False)


def _set_pain(store: Store, value: bool = True) -> int:
    outcome = store.apply("d1", lambda e, d: e.set_fact(d, "pain_confirmed", value, actor="li"))
    return outcome.deal.version


def _assert_consistent(store: Store, version: int) -> None:
    deal = store.get("d1")
    assert deal.version == version == len(store.events("d1"))
    assert store.replay("d1") == deal


@postgres_only
def test_connections_ended_by_the_server_between_operations_are_replaced(
    store_url: str,
) -> None:
    with Store(_named(store_url)) as store:
        store.create(deal_id="d1", title="Reactor", account="Acme", owner="li", actor="li")
        admin = create_engine(store_url)
        with admin.begin() as conn:
            ended = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM "
                                      "pg_stat_activity WHERE application_name = :app"),
                                 {"app": APP}).scalar_one()
        admin.dispose()
        assert ended >= 1
        assert _set_pain(store) == 2  # the pool tests a connection before it lends it
        _assert_consistent(store, 2)


@postgres_only
def test_a_connection_lost_in_the_middle_of_a_write_is_a_clear_error(store_url: str) -> None:
    with Store(_named(store_url)) as store:
        store.create(deal_id="d1", title="Reactor", account="Acme", owner="li", actor="li")
        admin = create_engine(store_url)
        outcome: dict[str, Any] = {}

        def write() -> None:
            try:
                outcome["version"] = _set_pain(store)
            except Exception as exc:  # noqa: BLE001 - the test looks at it below
                outcome["error"] = exc

        with admin.connect() as blocker:
            blocker.begin()  # holds the deal's row, so the store's write waits in the server
            blocker.execute(text("SELECT 1 FROM deals WHERE id = 'd1' FOR UPDATE"))
            writer = threading.Thread(target=write)
            writer.start()
            query = text("SELECT pid FROM pg_stat_activity WHERE application_name = :app "
                         "AND wait_event_type = 'Lock'")
            deadline = time.monotonic() + 30
            with admin.connect() as conn:
                while not (waiting := conn.execute(query, {"app": APP}).scalars().all()):
                    assert time.monotonic() < deadline, "the write never reached the lock"
                    time.sleep(0.02)
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting[0]})
            writer.join(30)
            blocker.rollback()
        admin.dispose()
        error = outcome.get("error")
        assert isinstance(error, StoreError), outcome
        assert str(error).startswith(f"{LOST} (postgresql"), str(error)
        assert "re-read before retrying" in str(error)
        _assert_consistent(store, 1)
        assert _set_pain(store) == 2
        _assert_consistent(store, 2)


@pytest.mark.parametrize("url", [
    "postgresql+nosuchdriver://li:s3cret@db.example/deals",
    "postgresql://li:s3cret@db.example:notaport/deals",
    "postgresql+psycopg://li:s3c@ret@db.example:1x/deals",
])
def test_a_url_that_cannot_be_used_is_refused_without_showing_its_password(url: str) -> None:
    with pytest.raises(StoreError, match="cannot open database") as caught:
        Store(url)
    assert "li:***@" in str(caught.value)
    assert "s3c" not in str(caught.value)


def _server_programs() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = Path(found[-1]) if found else (Path(p) if (p := shutil.which("initdb")) else None)
    if initdb is None:
        if os.environ.get("DEALFLOW_CI"):
            pytest.fail("no PostgreSQL server programs (initdb): CI must run this test")
        pytest.skip("no PostgreSQL server programs (initdb) to make a private server with")
    return initdb.parent


class _Server:
    """A private PostgreSQL server in a temporary folder, on a free port."""

    def __init__(self, bindir: Path, home: Path) -> None:
        self.bindir, self.home = bindir, home
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"postgresql+psycopg://dealflow@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(home / "data"), "-U", "dealflow", "--auth=trust", "-N")

    def _run(self, program: str, *args: str) -> None:
        user = "postgres" if os.geteuid() == 0 else None  # the server refuses to run as root
        done = subprocess.run([str(self.bindir / program), *args], user=user,
                              capture_output=True, text=True, check=False, timeout=120)
        assert done.returncode == 0, f"{program} failed: {done.stdout}{done.stderr}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.home / "data"), "-o", options,
                  "-l", str(self.home / "log"), "-w", "start")

    def stop(self) -> None:
        """Stop the server (fast: open connections are ended)."""
        self._run("pg_ctl", "-D", str(self.home / "data"), "-m", "fast", "-w", "stop")


@pytest.fixture
def private_server() -> Iterator[_Server]:
    """A PostgreSQL server of this test's own, which it may stop and start."""
    bindir = _server_programs()
    home = Path(tempfile.mkdtemp(prefix="dealflow-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
    server = _Server(bindir, home)
    server.start()
    try:
        yield server
    finally:
        subprocess.run([str(bindir / "pg_ctl"), "-D", str(home / "data"), "-m", "immediate",
                        "stop"], user="postgres" if os.geteuid() == 0 else None,
                       capture_output=True, check=False)
        shutil.rmtree(home)


def test_a_stopped_server_is_a_clear_error_and_a_restarted_one_works_again(
    private_server: _Server,
) -> None:
    with Store(private_server.url) as store:
        store.create(deal_id="d1", title="Reactor", account="Acme", owner="li", actor="li")
        private_server.stop()
        for operation in (lambda: _set_pain(store), lambda: store.get("d1"),
                          lambda: store.list_deals(), lambda: list(store.iter_events())):
            with pytest.raises(StoreError, match=LOST) as caught:
                operation()
            assert f"127.0.0.1:{private_server.port}" in str(caught.value)
        private_server.start()
        assert _set_pain(store) == 2
        _assert_consistent(store, 2)
    private_server.stop()
    with pytest.raises(StoreError, match=LOST):  # opening a store while the server is down
        Store(private_server.url)

"""Opening a SQLite database: the URI form for read-only access, and what SQLite's "unable
to open database file" means, in words.

`sqlite:///file:PATH?mode=ro&uri=true` (SQLAlchemy's form of SQLite's URI filenames) opens
a database read-only: the commands that only read work on it, also for deals under a
playbook other than the bundled one, and write nothing (not even the playbook); those
that write say the URL is read-only. A URI parameter without `uri=true` (which SQLite
would silently ignore) is refused. A file SQLite cannot open is named with the reason: a
folder, a missing folder, a file this user may not read, a folder this user may not write.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dealflow import load_playbook
from dealflow.cli import app
from dealflow.errors import StoreError
from dealflow.store import Store, sqlite_file
from tests._nobody import as_nobody
from tests.conftest import LAB_PLAYBOOK

FOREIGN = load_playbook(LAB_PLAYBOOK)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("url", "path"), [
    ("sqlite:///deals.db", "deals.db"),
    ("sqlite:////srv/deals.db", "/srv/deals.db"),
    ("sqlite:///file:deals.db?mode=ro&uri=true", "deals.db"),
    ("sqlite:///file:/srv/deals.db?mode=ro&uri=true", "/srv/deals.db"),
    ("sqlite:///file:///srv/deals.db?immutable=1&uri=true", "/srv/deals.db"),
    ("sqlite:///file:my%20deals.db?mode=ro&uri=true", "my deals.db"),
    ("sqlite:///plain.db?uri=true", "plain.db"),
    ("sqlite://", None),
    ("sqlite:///:memory:", None),
    ("sqlite:///file::memory:?cache=shared&uri=true", None),
    ("sqlite:///file:x?mode=memory&uri=true", None),
    ("postgresql://u@db/dealflow", None),
], ids=["relative", "absolute", "uri-relative", "uri-absolute", "uri-three-slashes",
        "uri-escaped", "uri-plain-name", "memory", "memory-named", "uri-memory",
        "uri-mode-memory", "postgresql"])
def test_the_file_of_a_url(url: str, path: str | None) -> None:
    assert sqlite_file(url) == (Path(path) if path else None)


@pytest.mark.parametrize(("url", "fix"), [
    ("sqlite:///deals.db?mode=ro", "sqlite:///file:deals.db?mode=ro&uri=true"),
    ("sqlite:///file:deals.db?mode=ro", "sqlite:///file:deals.db?mode=ro&uri=true"),
    ("sqlite:///file:deals.db", "sqlite:///file:deals.db?uri=true"),
    ("sqlite:///deals.db?immutable=1", "sqlite:///file:deals.db?immutable=1&uri=true"),
], ids=["mode", "file-name", "file-name-alone", "immutable"])
def test_a_uri_parameter_without_uri_true_is_refused_with_the_url_to_use(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, fix: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match="needs uri=true") as raised:
        Store(url)
    assert str(raised.value).endswith(fix)
    assert list(tmp_path.iterdir()) == []  # SQLite was never asked to open "file:deals.db"


# -- read-only access through the URL -------------------------------------------------------

@pytest.fixture
def foreign_db(tmp_path: Path) -> Path:
    """A database whose one deal runs under a playbook other than the bundled one."""
    path = tmp_path / "deals.db"
    with Store(f"sqlite:///{path}", playbook=FOREIGN) as store:
        store.create(deal_id="L-1", title="Cell counter", account="Acme Labs", owner="li",
                     actor="li").raise_for_refusal()
    return path


def _content(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return [row for table in ("playbooks", "deals", "events")
                for row in conn.execute(f"SELECT * FROM {table}")]  # noqa: S608 - fixed names


READING = {
    "deal list": ["deal", "list"],
    "deal show": ["deal", "show", "L-1"],
    "events": ["events", "L-1"],
    "export": ["export"],
    "checklist": ["checklist", "L-1"],
}


@pytest.mark.parametrize("form", ["absolute", "relative"])
@pytest.mark.parametrize("command", READING, ids=list(READING))
def test_commands_that_read_work_on_a_read_only_url_and_write_nothing(
        foreign_db: Path, monkeypatch: pytest.MonkeyPatch, command: str, form: str) -> None:
    before = _content(foreign_db)
    monkeypatch.chdir(foreign_db.parent)
    name = foreign_db if form == "absolute" else foreign_db.name
    result = CliRunner().invoke(app, [*READING[command], "--db",
                                      f"sqlite:///file:{name}?mode=ro&uri=true"])
    assert result.exit_code == 0, result.output
    assert "Acme Labs" in result.output
    assert _content(foreign_db) == before  # not even the bundled playbook was stored


def test_a_command_that_writes_says_the_url_is_read_only(foreign_db: Path) -> None:
    before = _content(foreign_db)
    result = CliRunner().invoke(app, [
        "deal", "new", "--id", "D-2", "--title", "t", "--account", "a", "--owner", "o",
        "--db", f"sqlite:///file:{foreign_db}?mode=ro&uri=true"])
    assert result.exit_code == 1, result.output
    message = flat(result.output)
    assert message.startswith("the database is read-only (sqlite:///file:"), message
    assert "nothing was written" in message
    assert "the URL opens it read-only (mode=ro): to write, drop mode=ro" in message
    assert _content(foreign_db) == before


def test_a_database_not_in_wal_mode_reads_through_a_read_only_url(foreign_db: Path) -> None:
    with sqlite3.connect(foreign_db) as conn:
        assert conn.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    with Store(f"sqlite:///file:{foreign_db}?mode=ro&uri=true", playbook=FOREIGN) as store:
        assert [deal.id for deal in store.list_deals()] == ["L-1"]


# -- what "unable to open database file" means ----------------------------------------------

def _open_error(url: str) -> dict[str, Any]:
    try:
        Store(url, playbook=FOREIGN).close()
    except StoreError as exc:
        return {"error": flat(str(exc))}
    return {"error": None}


def test_a_folder_given_as_the_database_is_named(tmp_path: Path) -> None:
    error = _open_error(f"sqlite:///{tmp_path}")["error"]
    assert error.startswith(f"cannot open the database (sqlite:///{tmp_path}): ")
    assert f"{tmp_path} is a folder, not a database file" in error


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    error = _open_error(f"sqlite:///{tmp_path}/missing/deals.db")["error"]
    assert f"the folder {tmp_path}/missing does not exist" in error
    assert not (tmp_path / "missing").exists()


def test_a_read_only_url_does_not_create_a_database(tmp_path: Path) -> None:
    error = _open_error(f"sqlite:///file:{tmp_path}/none.db?mode=ro&uri=true")["error"]
    assert f"there is no file {tmp_path}/none.db, and a read-only URL (mode=ro)" in error
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def shared_dir(foreign_db: Path) -> Iterator[Path]:
    """A folder anyone may enter, with a copy of the foreign database and no -shm file."""
    where = Path(tempfile.mkdtemp(prefix="dealflow-open-"))
    where.chmod(0o755)
    shutil.copy(foreign_db, where / "deals.db")
    yield where
    where.chmod(0o755)
    shutil.rmtree(where)


def test_a_file_this_user_may_not_read_is_named(shared_dir: Path) -> None:
    path = shared_dir / "deals.db"
    path.chmod(0o600)
    shared_dir.chmod(0o777)
    error = as_nobody(lambda: _open_error(f"sqlite:///{path}"))["error"]
    assert f"this user may not read the file {path}" in error


def test_a_folder_this_user_may_not_write_cannot_get_a_new_database(shared_dir: Path) -> None:
    error = as_nobody(lambda: _open_error(f"sqlite:///{shared_dir}/new.db"))["error"]
    assert f"this user may not write the folder {shared_dir}" in error


def _listed(url: str) -> dict[str, Any]:
    with Store(url, playbook=FOREIGN) as store:
        return {"ids": [deal.id for deal in store.list_deals()]}


def test_a_read_only_folder_suggests_immutable_which_then_reads(shared_dir: Path) -> None:
    path = shared_dir / "deals.db"
    path.chmod(0o444)
    shared_dir.chmod(0o555)
    error = as_nobody(lambda: _open_error(f"sqlite:///file:{path}?mode=ro&uri=true"))["error"]
    immutable = f"sqlite:///file:{path}?immutable=1&uri=true"
    assert error.startswith("cannot open the database: it is read-only ("), error
    assert f"so is its folder {shared_dir}" in error
    assert error.endswith(f"open it as immutable: {immutable}"), error
    assert as_nobody(lambda: _listed(immutable)) == {"ids": ["L-1"]}
    assert sorted(p.name for p in shared_dir.iterdir()) == ["deals.db"]

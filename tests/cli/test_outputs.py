"""`-o FILE` of `checklist`, `report` and `export`: what each kind of path gets.

A regular file (or a new path) is replaced whole, atomically; a symbolic link is followed
and stays a link; a FIFO or a character device is written in place (never replaced by a
regular file); a folder, a socket or a missing folder is refused with a clear message.
Never a traceback, never a temporary file left behind, never "wrote" after a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from dealflow.cli import app
from dealflow.cli._target import write_output
from dealflow.errors import DealflowError
from dealflow.store import Store
from tests._nobody import as_nobody

COMMANDS: dict[str, list[str]] = {
    "checklist": ["checklist", "D-1"],
    "report": ["report"],
    "export": ["export"],
}
"""Each command that takes `-o`, with its other arguments (the store comes after)."""

Run = Callable[..., Result]


def flat(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('outputs')}/deals.db"
    with Store(url) as store:
        store.create(deal_id="D-1", title="Cracker upgrade", account="Zhenhai", owner="li",
                     actor="li").raise_for_refusal()
    return url


@pytest.fixture(params=COMMANDS, ids=list(COMMANDS))
def command(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def run(db: str, command: str) -> Run:
    """Run `command` with `-o TARGET` on the module's store."""
    def invoke(target: Path | str) -> Result:
        return CliRunner().invoke(app, [*COMMANDS[command], "-o", str(target), "--db", db])
    return invoke


@pytest.fixture
def expected(run: Run, tmp_path_factory: pytest.TempPathFactory) -> str:
    """What the command writes to a plain new file."""
    out = tmp_path_factory.mktemp("expected") / "out"
    result = run(out)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def _no_temporary_files(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


def _wrote_nothing(result: Result, code: int) -> str:
    """The command failed with `code`, said why and never that it wrote; its message."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "wrote" not in result.output
    return flat(result.output)


def test_a_new_file_is_written_and_nothing_else(run: Run, tmp_path: Path) -> None:
    result = run(tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_existing_file_is_replaced_whole_and_keeps_its_mode_and_owner(
        run: Run, expected: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("old\n" * 10_000, encoding="utf-8")
    out.chmod(0o640)
    owner = (65534, 65534) if os.geteuid() == 0 else (os.geteuid(), os.getegid())
    os.chown(out, *owner)  # as root: someone else's file, which keeps its owner
    result = run(out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == expected
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert (out.stat().st_uid, out.stat().st_gid) == owner
    _no_temporary_files(tmp_path)


@pytest.mark.parametrize("exists", [True, False], ids=["to-a-file", "dangling"])
def test_a_symlink_is_followed_and_stays_a_link(
        run: Run, expected: str, tmp_path: Path, exists: bool) -> None:
    real = tmp_path / "real" / "out"
    real.parent.mkdir()
    if exists:
        real.write_text("old", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(real)
    result = run(link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") == expected
    _no_temporary_files(tmp_path)
    _no_temporary_files(real.parent)


def test_a_fifo_is_written_in_place_and_stays_a_fifo(
        run: Run, expected: str, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # Held open for writing until the command is done, so the reader never waits on its
    # own and sees the end only when this is closed too (even if the FIFO were replaced).
    held = os.open(fifo, os.O_RDWR)
    received: list[bytes] = []

    def read() -> None:
        with fifo.open("rb") as incoming:
            received.append(incoming.read())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        result = run(fifo)
    finally:
        os.close(held)
        reader.join()
    assert result.exit_code == 0, result.output
    assert received[0].decode("utf-8") == expected
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["fifo"]


_DEVICES = {"null": (1, 3), "full": (1, 7)}


@pytest.fixture
def device(tmp_path: Path) -> Callable[[str], Path]:
    """A character device like `/dev/null` or `/dev/full`: a node of our own when we may
    make one (as root; a regression that replaced the node then breaks only the test's
    copy, never the machine's), else the machine's own (which a user cannot replace)."""
    def make(name: str) -> Path:
        node = tmp_path / name
        try:
            os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(*_DEVICES[name]))
        except PermissionError:
            if os.geteuid() == 0:
                pytest.skip("root may not make device nodes here, and /dev is not for tests")
            if not os.access(f"/dev/{name}", os.W_OK):
                pytest.skip(f"no writable /dev/{name} here")
            return Path("/dev") / name
        try:
            with node.open("wb"):
                pass
        except OSError as exc:
            pytest.skip(f"device nodes do not work in the test folder: {exc}")
        return node
    return make


def test_a_null_device_is_written_in_place_and_stays_a_device(
        run: Run, device: Callable[[str], Path]) -> None:
    null = device("null")
    result = run(null)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    assert stat.S_ISCHR(null.lstat().st_mode)
    _no_temporary_files(null.parent)


def test_a_full_device_is_an_error_never_wrote(
        run: Run, device: Callable[[str], Path]) -> None:
    full = device("full")
    message = _wrote_nothing(run(full), 1)
    assert f"cannot write {full}: no space left on device" in message
    assert stat.S_ISCHR(full.lstat().st_mode)
    _no_temporary_files(full.parent)


def test_a_folder_is_a_usage_error_naming_it(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    message = _wrote_nothing(run(folder), 2)
    assert f"{folder} is a folder" in message
    assert list(folder.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]


def test_a_missing_folder_is_an_error_naming_it(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "out"
    message = _wrote_nothing(run(out), 1)
    assert f"cannot write {out}: the folder {out.parent} does not exist" in message
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path (a socket's path may not pass about 100 bytes)."""
    where = Path(tempfile.mkdtemp(prefix="df-"))
    yield where
    shutil.rmtree(where)


def test_a_socket_is_a_usage_error(run: Run, short_dir: Path) -> None:
    path = short_dir / "s"
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(path))
        message = _wrote_nothing(run(path), 2)
    assert f"{path} is a socket" in message
    assert stat.S_ISSOCK(path.lstat().st_mode)


# -- the helper itself -----------------------------------------------------------------------

def test_a_write_that_fails_midway_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("old", encoding="utf-8")

    def fail(handle: IO[str]) -> None:
        handle.write("new" * 100_000)
        raise OSError(28, "No space left on device")

    with pytest.raises(DealflowError, match=r"no space left on device; .*out is unchanged"):
        write_output(out, fail)
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_error_of_the_command_while_writing_removes_the_temporary_file(
        tmp_path: Path) -> None:
    def fail(handle: IO[str]) -> None:
        handle.write("half")
        raise DealflowError("the store went away")

    with pytest.raises(DealflowError, match="the store went away"):
        write_output(tmp_path / "out", fail)
    assert list(tmp_path.iterdir()) == []


def test_text_that_utf8_cannot_encode_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(DealflowError, match=r"holds \\udcff, which is not text"):
        write_output(tmp_path / "out", lambda handle: handle.write("bad \udcff"))
    assert list(tmp_path.iterdir()) == []


def _error_of(path: Path) -> dict[str, Any]:
    try:
        write_output(path, lambda handle: handle.write("new"))
    except DealflowError as exc:
        return {"error": str(exc)}
    return {"error": None}


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_path_this_user_may_not_write_is_an_error_saying_so(
        short_dir: Path, what: str) -> None:
    out = short_dir / "out"
    out.write_text("old", encoding="utf-8")
    short_dir.chmod(0o555 if what == "folder" else 0o777)
    out.chmod(0o444 if what == "file" else 0o666)
    try:
        seen = as_nobody(lambda: _error_of(out))
    finally:
        short_dir.chmod(0o755)
    expected = {"folder": "permission denied (in the folder", "file": "the file is read-only"}
    assert seen["error"] is not None, "it wrote"
    assert f"cannot write {out}: " in seen["error"]
    assert expected[what] in seen["error"]
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in short_dir.iterdir()] == ["out"]

"""Writing a command's output to the path `-o` names (`checklist`, `report`, `export`).

What happens depends on what the path is (a symbolic link counts as what it points to,
and stays a link):

- a regular file, or nothing yet: the output goes to a temporary file in the same folder,
  which is flushed to the disk and then renamed over the path in one step. The path holds
  the old content or the new, never half of it; on any failure the temporary file is
  removed. An existing file keeps its mode (and owner, when allowed); a read-only one is
  refused.
- a FIFO or a character device (`/dev/null`, `/dev/stdout`, a terminal): written in
  place, as a shell's `>` would (a FIFO waits for its reader). Renaming over it would
  replace the FIFO or the device node itself.
- a folder, a socket or a block device (a disk): refused as a usage error (exit 2): no
  such path can take output.

A path the file system refuses (its folder is missing, no permission, a full disk,
`/dev/full`) is a `DealflowError` (exit 1) naming the path, the reason and what to do; the
command then never says it wrote the file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TypeVar

import typer

from dealflow._messages import N_, _
from dealflow._safe_text import visible
from dealflow.errors import DealflowError

__all__ = ["write_output"]

T = TypeVar("T")

_OPTION = "-o / --output"


def write_output(path: Path, write: Callable[[IO[str]], T], *, newline: str | None = None
                 ) -> T:
    """Call `write` with a UTF-8 text file open on `path` (see the module's docstring for
    what each kind of path gets); returns what `write` returned.

    Raises `typer.BadParameter` (exit 2) for a path that cannot take output at all, and
    `DealflowError` (exit 1) when writing fails.
    """
    target = Path(os.path.realpath(path))  # a link's target; the link itself stays
    try:
        found = os.stat(target)
    except FileNotFoundError:
        return _replace(path, target, None, write, newline)
    except OSError as exc:  # a folder we may not read, a loop of links, a name too long
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise DealflowError(_cannot(path, _("{reason}; {remedy}", reason=_reason(exc),
                                                remedy=_remedy(exc)))) from None
        raise typer.BadParameter(_cannot(path, _reason(exc)), param_hint=_OPTION) from None
    if stat.S_ISREG(found.st_mode):
        return _replace(path, target, found, write, newline)
    if stat.S_ISFIFO(found.st_mode) or stat.S_ISCHR(found.st_mode):
        return _in_place(path, write, newline)
    raise typer.BadParameter(_("{path} is {kind}; give the path of a file to write (a new "
                               "one, or one to replace)", path=_shown(path),
                               kind=_kind(found.st_mode)), param_hint=_OPTION)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    if stat.S_ISBLK(mode):
        return _("a block device (a disk), which dealflow never writes to")
    return _("not a file")


def _replace(path: Path, target: Path, found: os.stat_result | None,
             write: Callable[[IO[str]], T], newline: str | None) -> T:
    """Write to a temporary file beside `target`, flush it to the disk, rename it over
    `target`; on any failure remove the temporary file."""
    folder = target.parent
    # the folder as the user wrote it, unless a link leads elsewhere
    named = folder if os.path.islink(path) else path.parent
    if not folder.is_dir():
        raise DealflowError(_cannot(path, _(
            "the folder {folder} does not exist; create it first, or give a path in an "
            "existing folder", folder=_shown(named))))
    if found is not None and not os.access(target, os.W_OK):
        raise DealflowError(_cannot(path, _("the file is read-only; make it writable, or give "
                                            "another path")))
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise DealflowError(_cannot(path, _(
            "{reason} (in the folder {folder}); {remedy}", reason=_reason(exc),
            folder=_shown(named), remedy=_remedy(exc)))) from None
    try:
        with _failing_as(path, N_("is unchanged") if found else N_("was not created")), os.fdopen(
                handle, "w", encoding="utf-8", newline=newline) as out:
            result = write(out)
            out.flush()
            os.fsync(out.fileno())
            # mkstemp makes the file private: give it the mode (and, when allowed, the
            # owner) the file had, or a new file's mode
            os.chmod(name, stat.S_IMODE(found.st_mode) if found else 0o666 & ~_umask())
            if found:
                _keep_owner(name, found)
            os.replace(name, target)
        _sync_folder(folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
    return result


def _in_place(path: Path, write: Callable[[IO[str]], T], newline: str | None) -> T:
    """Open the FIFO or device `path` for writing, as it is (no rename, no truncation)."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_NOCTTY)
    except OSError as exc:
        raise DealflowError(_cannot(path, _(
            "{reason}; nothing was written; {remedy}", reason=_reason(exc),
            remedy=_remedy(exc)))) from None
    with _failing_as(path, N_("may have received part of the output")), os.fdopen(
            handle, "w", encoding="utf-8", newline=newline) as out:
        result = write(out)
        out.flush()
    return result


@contextlib.contextmanager
def _failing_as(path: Path, after: str) -> Iterator[None]:
    """A failed write of `path` as a `DealflowError`; `after` says what `path` holds then."""
    try:
        yield
    except OSError as exc:
        raise DealflowError(_cannot(path, _(
            "{reason}; {path} {after}; {remedy}", reason=_reason(exc), path=_shown(path),
            after=_(after), remedy=_remedy(exc)))) from None
    except UnicodeEncodeError as exc:
        raise DealflowError(_cannot(path, _(
            "the output holds {text}, which is not text (UTF-8 cannot encode it); {path} "
            "{after}", text=visible(exc.object[exc.start:exc.end]), path=_shown(path),
            after=_(after)))) from None


def _cannot(path: Path, why: str) -> str:
    return _("cannot write {path}: {why}", path=_shown(path), why=why)


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _remedy(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("free some disk space, or write elsewhere")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _("write to a folder you may write, or change its permissions")
    return _("check the path and the disk, then retry")


def _shown(path: Path) -> str:
    return visible(str(path))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _keep_owner(name: str, found: os.stat_result) -> None:
    """Give the new file the owner and group of the file it replaces, when this user may
    (root may; anyone may keep their own); else it stays this user's."""
    if (found.st_uid, found.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):
            os.chown(name, found.st_uid, found.st_gid)


def _sync_folder(folder: Path) -> None:
    """Flush the rename to the disk too (not every file system can: then it is skipped)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)

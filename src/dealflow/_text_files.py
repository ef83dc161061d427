"""Reading a text file a user gave (a playbook, a mapping, a deal file): refused with a
located problem when it is missing, too big, binary or not UTF-8, never half read."""

from __future__ import annotations

from pathlib import Path

from dealflow._messages import _
from dealflow._yaml import DocumentError, too_big
from dealflow.errors import Problem
from dealflow.limits import Limits, current_limits

__all__ = ["read_text"]


def read_text(path: Path, limits: Limits | None = None) -> str:
    """The text of a file, or `DocumentError` for a missing, oversized or binary file.

    `limits` defaults to `current_limits()`; a file over `max_bytes` is refused unread.
    """
    limits = limits or current_limits()
    name = str(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise DocumentError(Problem(name, 0, 0, "", _("is a directory, not a file")))
        if size > limits.max_bytes:
            raise DocumentError(Problem(name, 0, 0, "", too_big(size, limits)))
        with path.open("rb") as handle:  # a file that grew since `stat` is not read whole
            raw = handle.read(limits.max_bytes + 1)
        if len(raw) > limits.max_bytes:
            raise DocumentError(Problem(name, 0, 0, "", too_big(len(raw), limits, over=True)))
    except FileNotFoundError:
        raise DocumentError(Problem(name, 0, 0, "", _("file not found"))) from None
    except PermissionError:
        raise DocumentError(Problem(name, 0, 0, "", _("permission denied"))) from None
    except OSError as exc:
        reason = _("cannot read: {reason}", reason=exc.strerror)
        raise DocumentError(Problem(name, 0, 0, "", reason)) from None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DocumentError(Problem(name, line, 1, "", _("is a binary file, not YAML text")))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocumentError(
            Problem(name, line, 1, "", _("is not UTF-8 text (save the file as UTF-8)"))
        ) from None

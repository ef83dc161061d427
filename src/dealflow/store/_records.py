"""The lines of a JSON Lines export: reading them (bounded), and the records they hold.

A line holds one record: an event (its `type` is an event type), or a playbook version
(`{"type": "playbook", "id": ..., "version": ..., "text": ...}`, the text as the store
keeps it). A line is strict JSON: one object, no key twice, no `NaN` or `Infinity`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from dealflow._messages import _
from dealflow._plain import plain_errors
from dealflow._safe_text import json_visible, visible
from dealflow.engine import Event, event_adapter
from dealflow.limits import limit_hint

__all__ = ["PlaybookRecord", "Record", "lines", "parse_checked_event", "parse_record",
           "playbook_line", "read_record"]


class PlaybookRecord(BaseModel):
    """A playbook version carried by an export, so that its deals can be restored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["playbook"]
    id: str
    version: str
    text: str


Record = PlaybookRecord | Event
"""What one line holds."""


class _NotStrictJson(ValueError):
    """JSON that Python reads but that is not valid (or not safe) as data."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _NotStrictJson(_("the key {key!r} appears twice in one object",
                                       key=visible(key)))
            seen.add(key)
    return found


def _constant(name: str) -> Any:
    raise _NotStrictJson(_("{name} is not a number JSON allows", name=name))


def _json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_object, parse_constant=_constant)


def _validate(data: Any) -> Record:
    if isinstance(data, dict) and data.get("type") == "playbook":
        return PlaybookRecord.model_validate(data)
    return event_adapter.validate_python(data)


def parse_record(text: str) -> Record:
    """The record on a line (no check of its problems: the line passed `read_record`)."""
    return _validate(_json(text))


def parse_checked_event(text: str) -> Record:
    """The record on a line that passed `read_record`, read faster: an event line is read
    by pydantic's own JSON parser in one step (it gives the same event as `parse_record`,
    whose strict reading already passed); a playbook record, or any line that parser
    refuses, is read as `parse_record` reads it."""
    if '"playbook"' not in text:
        try:
            return event_adapter.validate_json(text)
        except ValidationError:
            pass
    return parse_record(text)


def read_record(text: str) -> tuple[Record | None, str | None]:
    """The record on a line, or what is wrong with the line."""
    try:
        data = _json(text)
    except _NotStrictJson as exc:
        return None, _("not valid JSON: {error}", error=exc)
    except json.JSONDecodeError as exc:
        return None, _("not JSON: {error} at column {column}", error=exc.msg, column=exc.colno)
    except RecursionError:
        return None, _("not JSON that can be read: nested too deeply")
    except ValueError as exc:  # Python reads no number of more than 4300 digits
        if "digits" not in str(exc):
            return None, _("not JSON that can be read")
        return None, _("not JSON that can be read: a number has more than {digits} digits",
                       digits=sys.get_int_max_str_digits())
    try:
        return _validate(data), None
    except ValidationError as exc:
        tag = data.get("type") if isinstance(data, dict) else None
        errors = _("; ").join(plain_errors(exc, tag if isinstance(tag, str) else None))
        if tag == "playbook":
            return None, _("not a valid playbook record: {errors}", errors=errors)
        return None, _("not a valid event: {errors}", errors=errors)
    except RecursionError:
        return None, _("not an event that can be read: nested too deeply")


def playbook_line(playbook_id: str, version: str, text: str) -> str:
    """The line of a playbook record (UTF-8 as it is, like the events)."""
    return json_visible(json.dumps({"type": "playbook", "id": playbook_id, "version": version,
                                    "text": text}, ensure_ascii=False)) + "\n"


def lines(path: Path, max_line: int) -> Iterator[tuple[int, str | None, str]]:
    """(line number, problem or None, text) for every non-blank line.

    A line longer than `max_line` bytes is never held in memory whole: at most
    `max_line + 2` bytes of it are read, the rest is skipped in chunks and counted.
    """
    with path.open("rb") as handle:
        number = 0
        while raw := handle.readline(max_line + 2):
            number += 1
            ended = raw.endswith(b"\n")
            if len(raw) - ended > max_line:
                size = len(raw) - ended + (0 if ended else _skip_line(handle))
                yield number, _("line is {size} bytes long; the limit max_line_bytes is "
                                "{limit} {hint}", size=size, limit=max_line,
                                hint=limit_hint("max_line_bytes")), ""
                continue
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield number, _("line is not UTF-8 text"), ""
                continue
            if text.strip():
                yield number, None, text


def _skip_line(handle: IO[bytes]) -> int:
    """Read to the end of the current line in chunks; the number of bytes before its end."""
    size = 0
    while chunk := handle.readline(1 << 16):
        if chunk.endswith(b"\n"):
            return size + len(chunk) - 1
        size += len(chunk)
    return size

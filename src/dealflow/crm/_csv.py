"""Reading a CSV export as a stream of numbered rows, and finding the mapped columns.

The file is read with the csv module, one row at a time: any line ending, UTF-8 with or
without a byte-order mark. A row's number is the line it starts on (the header is row
1), so for files without line breaks inside cells it is the line number an editor shows
and the row number a spreadsheet shows. Blank lines are passed over, keeping the count.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from dealflow._messages import _
from dealflow._problems import did_you_mean
from dealflow.errors import ImportProblems, Problem

__all__ = ["Row", "column_indexes", "count_lines", "rows"]

Row = tuple[int, list[str]]
"""A row's number and its cells."""


def _unreadable(path: Path, line: int, message: str) -> ImportProblems:
    return ImportProblems([Problem(str(path), line, 1 if line else 0, "", message)])


def rows(path: Path) -> Iterator[Row]:
    """Every non-blank row of the file, the header first; `ImportProblems` for a file
    that cannot be read (missing, not UTF-8, not CSV), with the row where it stops."""
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise _unreadable(path, 0, _("file not found")) from None
    except IsADirectoryError:
        raise _unreadable(path, 0, _("is a directory, not a file")) from None
    except OSError as exc:
        raise _unreadable(path, 0, _("cannot read: {reason}", reason=exc.strerror)) from None
    line = 0
    with handle:
        reader = csv.reader(handle)
        try:
            for cells in reader:
                number, line = line + 1, reader.line_num
                if any(cell.strip() for cell in cells):
                    yield number, cells
        except UnicodeDecodeError:
            raise _unreadable(path, _first_bad_line(path), _(
                "is not UTF-8 text; export the file as UTF-8 (CSV UTF-8 in spreadsheets)")
            ) from None
        except csv.Error as exc:
            raise _unreadable(path, line + 1, _("cannot read this row as CSV: {error}",
                                                error=exc)) from None


def _first_bad_line(path: Path) -> int:
    """The number of the first line that is not UTF-8 (text is decoded a block at a time,
    so the reader cannot tell)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def count_lines(path: Path) -> int:
    """The number of lines of the file (for a progress bar); 0 when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return 0


def column_indexes(path: Path, line: int, header: list[str],
                   wanted: dict[tuple[str, ...], str]) -> dict[tuple[str, ...], int]:
    """Where each mapped column is in the header (`wanted`: mapping key -> column name).

    A name matches exactly, else (when exactly one does) ignoring case and surrounding
    spaces. `ImportProblems` lists every column that is not there, with the closest match.
    """
    names = [cell.strip() for cell in header]
    problems: list[Problem] = []
    found: dict[tuple[str, ...], int] = {}
    for key, column in wanted.items():
        where = ".".join(key)
        matches = [i for i, name in enumerate(names) if name == column.strip()]
        if not matches:
            matches = [i for i, name in enumerate(names)
                       if name.casefold() == column.strip().casefold()]
        if len(matches) == 1:
            found[key] = matches[0]
            continue
        if matches:
            message = _("the header has {count} columns named {column!r} (columns {numbers}); "
                        "rename one in the export", count=len(matches), column=column,
                        numbers=", ".join(str(i + 1) for i in matches))
        else:
            message = (_("no column {column!r} in the header", column=column)
                       + did_you_mean(column, names))
        problems.append(Problem(str(path), line, (matches[0] + 1) if matches else 1, where,
                                message))
    if problems:
        raise ImportProblems(problems)
    return found

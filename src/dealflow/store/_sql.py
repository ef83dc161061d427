"""SQL expressions that differ between the database dialects dealflow supports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Float, cast, func

__all__ = ["days_between"]

_MS_PER_DAY = 86_400_000


def days_between(bind: Engine | Connection, start: Any, end: Any) -> ColumnElement[Any]:
    """`end - start` in days of 24 hours, fractional (36 hours are 1.5 days), counted to
    the millisecond (what SQLite's date functions keep), in the database's own dialect.

    The same definition of a day as everywhere else in dealflow (`dealflow._days`)."""
    if bind.dialect.name == "sqlite":
        milliseconds = func.round((func.julianday(end) - func.julianday(start)) * _MS_PER_DAY)
    else:
        milliseconds = func.round(func.extract("epoch", end - start) * 1000)
    return cast(milliseconds, Float) / float(_MS_PER_DAY)

"""SQL expressions that differ between the database dialects dealflow supports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func

__all__ = ["days_between"]


def days_between(bind: Engine | Connection, start: Any, end: Any) -> ColumnElement[Any]:
    """`end - start` in days (fractional), in the database's own dialect."""
    if bind.dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400.0

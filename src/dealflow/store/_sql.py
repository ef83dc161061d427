"""SQL expressions that differ between the database dialects dealflow supports."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Float, Integer, cast, func

__all__ = ["amount_sums", "amount_total", "days_between"]

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


_CENT = Decimal("0.01")
_PART = 1_000_000_000
"""SQLite adds cents in two parts (above and below a billion cents), each far from the
64-bit limit of its integers however many deals there are."""


def amount_sums(bind: Engine | Connection, amount: Any) -> list[ColumnElement[Any]]:
    """Aggregates that add up `amount` (money, with two decimals) exactly; pass the values
    they return to `amount_total`.

    PostgreSQL adds its NUMERIC values exactly. SQLite keeps them as floating point, and
    its SUM of floats is off by cents once totals reach about 10**13 (a few large deals
    in yen, won or rupiah), so there the sum is of whole cents, as integers."""
    if bind.dialect.name == "sqlite":
        cents = cast(func.round(amount * 100), Integer)
        return [func.sum(cents // _PART), func.sum(cents % _PART)]
    return [func.sum(amount)]


def amount_total(values: Sequence[Any]) -> Decimal:
    """The exact total (two decimals) from the values of the `amount_sums` aggregates."""
    if len(values) == 2:
        high, low = (int(value or 0) for value in values)
        return Decimal(high * _PART + low).scaleb(-2)
    return Decimal(values[0] or 0).quantize(_CENT)

"""Reading the values of CSV cells: times (formats, time zones), amounts, texts.

Every reader returns the value, or raises `ValueError` with a message that says what
was expected; the converters turn that into a problem at the row and column.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import zoneinfo
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from dealflow._messages import _
from dealflow._problems import did_you_mean
from dealflow.values import MAX_ID, MAX_NAME, check_id, check_moment, check_note, parse_amount

__all__ = ["TimeReader", "read_amount", "read_id", "read_text", "resolve_zone"]

_CENT = Decimal("0.01")
_MAX_AMOUNT = Decimal(10) ** 16


def resolve_zone(name: str) -> dt.tzinfo:
    """The time zone `name` (IANA, like Europe/Berlin); `ValueError` when there is none.

    UTC needs no time-zone database; any other zone does (the system's, else the
    `tzdata` package), and a missing database is said so.
    """
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        known = zoneinfo.available_timezones()
        if not known:
            raise ValueError(_("cannot find the time zone {name!r}: this system has no "
                               "time-zone database; install one with `pip install tzdata`, "
                               "or use UTC", name=name)) from None
        raise ValueError(_("unknown time zone {name!r}", name=name)
                         + did_you_mean(name, known)) from None


class TimeReader:
    """Reads a cell as an aware UTC datetime: the formats in order, then ISO 8601.

    A date without a time is midnight; a time without a zone is in `zone`.
    """

    def __init__(self, formats: tuple[str, ...], zone: dt.tzinfo) -> None:
        self.formats = formats
        self.zone = zone
        # The characters each format needs as written (not its %-codes, not spaces, which
        # match any run of spaces): a text without one of them is not tried, since a failed
        # strptime costs as much as ten successful ISO reads.
        self._needs = [frozenset(re.sub(r"%.", "", fmt)) - frozenset(string.whitespace)
                       for fmt in formats]

    def __call__(self, text: str) -> dt.datetime:
        value = self._parse(text.strip())
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zone)
        return check_moment(value)

    def _parse(self, text: str) -> dt.datetime:
        for fmt, needs in zip(self.formats, self._needs, strict=True):
            if not needs.issubset(text):
                continue
            try:
                return dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        tried = ", ".join([*self.formats, "ISO 8601"])
        raise ValueError(_("cannot read {text!r} as a date (tried {tried}); add its format to "
                           "dates.formats in the mapping", text=text, tried=tried))


def read_amount(text: str) -> Decimal:
    """An amount like `12500`, `12,500.00` or `1 250 000`, rounded to cents."""
    cleaned = text.strip().replace(",", "").replace(" ", "").replace("_", "")
    if not cleaned.isascii():  # Decimal reads fullwidth and Arabic-Indic digits: refuse them
        try:
            parse_amount(cleaned)
        except ValueError as exc:
            raise ValueError(_("the amount {problem}", problem=exc)) from None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("cannot read {text!r} as an amount; write a number like 12500.00 "
                           "(commas between thousands are fine)", text=text.strip())) from None
    if not value.is_finite() or value < 0:
        raise ValueError(_("the amount {text!r} is not a number of zero or more",
                           text=text.strip()))
    if value >= _MAX_AMOUNT:
        raise ValueError(_("the amount {text!r} is too large (the limit is 10^16)",
                           text=text.strip()))
    return parse_amount(value.quantize(_CENT, rounding=ROUND_HALF_EVEN))  # -0.00 is 0.00


def read_text(text: str, what: str, limit: int = MAX_NAME) -> str:
    """A text cell, stripped; `ValueError` when longer than `limit` characters, or when it
    holds what no text may (a NUL character)."""
    value = text.strip()
    if len(value) > limit:
        raise ValueError(_("the {what} is {length} characters long; the limit is {limit}",
                           what=what, length=len(value), limit=limit))
    try:
        return check_note(value, limit)
    except ValueError as exc:
        raise ValueError(_("the {what} {problem}", what=what, problem=exc)) from None


def read_id(text: str) -> str:
    """A deal id cell, stripped; `ValueError` when it is not an id (see `check_id`)."""
    value = text.strip()
    if len(value) > MAX_ID:
        raise ValueError(_("the deal id is {length} characters long; the limit is {limit}",
                           length=len(value), limit=MAX_ID))
    try:
        return check_id(value)
    except ValueError as exc:
        raise ValueError(_("the deal id {problem}", problem=exc)) from None

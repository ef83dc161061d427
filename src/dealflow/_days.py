"""What a day is, once, for everything in dealflow that counts days.

A day is 24 hours of elapsed time (86,400 seconds) between two moments. Moments are
stored in UTC, so a count of days is the same in every time zone and across daylight
saving changes.

- Figures (time in stage, days to close, cycle time, the age of a stalled deal) count
  fractional days: 36 hours are 1.5 days.
- Rules count whole days, the elapsed days rounded down: 36 hours are 1 day
  (`days_in_stage`, `days_since`), so `days_in_stage >= 30` holds from the moment a
  figure counts 30 days.
- A date (a due date, `today`, a date fact, a stakeholder's last contact) is a calendar
  date in UTC and stands for its midnight UTC: whole days from a date are the calendar
  days between it and today's date in UTC.
- A checklist item is due on the date (UTC) `due_days` days after the deal entered the
  stage, and is done on time when done by the end of that date.

The analytics compute the same in SQL (`dealflow.store._sql.days_between`).
"""

from __future__ import annotations

import datetime as dt

__all__ = ["DAY", "as_moment", "due_date", "elapsed_days", "utc_date", "whole_days"]

DAY = dt.timedelta(days=1)
"""One day: 24 hours of elapsed time."""


def utc_date(moment: dt.datetime) -> dt.date:
    """The calendar date of `moment` in UTC (a naive moment is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(dt.UTC).date()


def as_moment(value: dt.date | dt.datetime) -> dt.datetime:
    """`value` as a moment: a date stands for its midnight UTC."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(value, dt.time(), dt.UTC)


def elapsed_days(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> float:
    """Days from `start` to `end`, fractional (negative when `end` is earlier)."""
    return (as_moment(end) - as_moment(start)) / DAY


def whole_days(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
    """Whole days from `start` to `end`: the elapsed days rounded down."""
    return (as_moment(end) - as_moment(start)) // DAY


def due_date(entered: dt.datetime, due_days: int) -> dt.date:
    """The date (UTC) `due_days` days after `entered`."""
    return utc_date(entered + due_days * DAY)

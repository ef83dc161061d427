"""Deals with no date at all: the date the mapping's `undated` gives them.

A wide row without a single date, or a long deal none of whose rows has a time, still
says the deal exists. The mapping's `undated` names the date it takes: a fixed date
(`date: 2024-06-30`), the export's date (`date: exported`, given when importing), or the
date in another column of its row (`column: Created`). The deal is created at that date
and marked `undated`, so that no figure counts the stay that date would make up.
Without `undated`, such a deal is refused, and its problem names the key to add.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from dealflow._messages import N_, _
from dealflow.crm._mapping import EXPORTED, CrmMapping
from dealflow.errors import Problem

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.crm._columns import Cells, Key, Layout

__all__ = ["COLUMN", "NoDate"]

COLUMN = ("undated", "column")
"""The mapped field of `undated.column`."""

_ADD = N_("say in the mapping what date such a deal takes (undated: {date: 2024-06-30}, "
          "{date: exported} or {column: NAME})")


class NoDate:
    """The date a deal with no date at all takes in one import, and what to say when it
    has none; `exported` is the export's date (UTC) when one was given."""

    def __init__(self, mapping: CrmMapping, exported: dt.datetime | None) -> None:
        self.rule = mapping.undated
        self.fixed: dt.datetime | None = None
        if self.rule is not None and self.rule.date == EXPORTED:
            self.fixed = exported
        elif self.rule is not None and isinstance(self.rule.date, dt.datetime):
            self.fixed = mapping.dates.utc(self.rule.date)

    def start(self, row: Cells) -> dt.datetime | None:
        """The date the deal on `row` takes; None when the mapping gives none (or its
        column is blank or unreadable on this row: a problem noted on `row`)."""
        if self.rule is not None and self.rule.column is not None:
            return row.time(COLUMN)
        return self.fixed

    def missing(self, layout: Layout, number: int, key: Key, give: str) -> Problem:
        """The problem of a deal (first on row `number`) with no date at all and none to
        take: at the column of `key`, saying to `give` a date or which mapping key to add."""
        rule = self.rule
        if rule is None:
            return layout.problem(number, key, _("the deal has no date at all: {give}, or {add}",
                                                 give=give, add=_(_ADD)))
        if rule.column is not None:
            return layout.problem(number, COLUMN, _(
                "the deal has no date at all, and its {column!r} cell (undated.column) is "
                "blank too", column=rule.column))
        return layout.problem(number, key, _(
            "the deal has no date at all and takes the export's date (undated.date: "
            "exported), but none was given: pass --exported-on DATE (exported_on= in "
            "Python), or write the date in the mapping (undated.date: 2024-06-30)"))

    def describe(self, show: Callable[[dt.datetime], str]) -> str | None:
        """What such a deal takes, for the report (`show` writes a time as the export
        does); None when the mapping does not say."""
        rule = self.rule
        if rule is None:
            return None
        if rule.column is not None:
            return _("the date in column {column!r}", column=rule.column)
        when = show(self.fixed) if self.fixed is not None else _("not given")
        if rule.date == EXPORTED:
            return _("the export date, {when}", when=when)
        return _("{when} (undated.date)", when=when)

"""One export read under one mapping: where each field is, and what its values mean.

`Layout` knows the columns (by their place in the header), the readers of times and
amounts, and the mapping's tables (stages, lost reasons); `Cells` reads one row with
them, noting a located problem for every cell it cannot read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from dealflow._messages import _
from dealflow._problems import did_you_mean
from dealflow.crm._cells import TimeReader, read_amount, read_id, read_text
from dealflow.crm._mapping import CrmMapping
from dealflow.crm._undated import NoDate
from dealflow.errors import Problem
from dealflow.playbook import Playbook

__all__ = ["SKIP", "Cells", "Key", "Layout"]

Key = tuple[str, ...]
"""A mapped field: `("columns", "time")`, `("stage_dates", "qualify")`."""

SKIP = ""
"""The target of a CRM stage that `unmapped_stage: skip` passes over."""


class Layout:
    """How the rows of `path` are read under `mapping`, for `playbook`."""

    def __init__(self, path: Path, header: list[str], indexes: dict[Key, int],
                 mapping: CrmMapping, playbook: Playbook,
                 exported: dt.datetime | None = None) -> None:
        self.file = str(path)
        self.source = path.name
        self.header = [cell.strip() for cell in header]
        self.indexes = indexes
        self.mapping = mapping
        self.playbook = playbook
        self.read_time = TimeReader(mapping.dates.formats, mapping.dates.zone())
        self.order = {stage.id: index for index, stage in enumerate(playbook.stages)}
        self.first_stage = playbook.stages[0].id
        self._stages = {name.strip(): target for name, target in mapping.stages.items()}
        self._folded = {name.casefold(): target for name, target in self._stages.items()}
        self._reasons = {name.strip(): reason for name, reason in mapping.lost_reasons.items()}
        self._playbook_reasons = {reason.id for reason in playbook.lost_reasons}
        self.no_date = NoDate(mapping, exported)

    def problem(self, number: int, key: Key | None, message: str) -> Problem:
        """A problem at row `number`, in the column of `key` (the deal id's when None)."""
        index = self.indexes.get(key) if key is not None else None
        if index is None:
            index = self.indexes[("columns", "deal_id")]
        return Problem(self.file, number, index + 1, self.header[index], message)

    def show(self, at: dt.datetime) -> str:
        """A time as the export writes it: in the mapping's time zone, to the minute (the
        day alone at midnight)."""
        local = at.astimezone(self.read_time.zone)
        return f"{local:%Y-%m-%d}" if local.time() == dt.time() else f"{local:%Y-%m-%d %H:%M}"

    def target(self, raw: str) -> str:
        """The playbook stage, `won` or `lost` a CRM stage means; `SKIP` to pass it over;
        `ValueError` when it is not mapped and `unmapped_stage` is `error`."""
        name = raw.strip()
        found = self._stages.get(name) or self._folded.get(name.casefold())
        if found is not None:
            return found
        policy = self.mapping.unmapped_stage
        if policy == "skip":
            return SKIP
        if policy == "default" and self.mapping.default_stage is not None:
            return self.mapping.default_stage
        message = (_("the stage {name!r} is not in the mapping's stages", name=name) if name
                   else _("a blank stage is not in the mapping's stages"))
        raise ValueError(message + did_you_mean(name, self._stages)
                         + _(" (or set unmapped_stage: skip or default)"))

    def lost_reason(self, raw: str) -> tuple[str, str]:
        """The playbook's lost reason for a CRM value, and the value kept as the note."""
        value = raw.strip()
        if value in self._reasons:
            return self._reasons[value], value
        if value in self._playbook_reasons:
            return value, ""
        if self.mapping.default_lost_reason is not None:
            return self.mapping.default_lost_reason, value
        if not value:
            raise ValueError(_("the deal is lost but has no lost reason; map the column "
                               "(columns.lost_reason) or set default_lost_reason"))
        raise ValueError(_("the lost reason {value!r} is not in the mapping's lost_reasons",
                           value=value)
                         + did_you_mean(value, [*self._reasons, *self._playbook_reasons])
                         + _(" (or set default_lost_reason)"))


class Cells:
    """The mapped cells of one row; `problems` lists the cells that could not be read."""

    def __init__(self, layout: Layout, number: int, cells: list[str]) -> None:
        self.layout = layout
        self.number = number
        self.cells = cells
        self.problems: list[Problem] = []

    def raw(self, key: Key) -> str:
        """The cell of `key` as written; empty when not mapped or missing in this row."""
        index = self.layout.indexes.get(key)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def note(self, key: Key | None, message: str) -> None:
        """Record a problem in the column of `key`."""
        self.problems.append(self.layout.problem(self.number, key, message))

    def deal_id(self) -> str | None:
        """The deal id; None (and a problem) when blank or too long."""
        value = self.raw(("columns", "deal_id")).strip()
        if not value:
            self.note(None, _("no deal id: the row cannot be given to a deal and is left out"))
            return None
        try:
            return read_id(value)
        except ValueError as exc:
            self.note(None, str(exc))
            return None

    def time(self, key: Key) -> dt.datetime | None:
        """The time in the cell of `key`; None when blank or unreadable (a problem)."""
        text = self.raw(key)
        if not text.strip():
            return None
        try:
            return self.layout.read_time(text)
        except ValueError as exc:
            self.note(key, str(exc))
            return None

    def amount(self) -> Decimal | None:
        """The amount; None when blank or unreadable (a problem)."""
        text = self.raw(("columns", "amount"))
        if not text.strip():
            return None
        try:
            return read_amount(text)
        except ValueError as exc:
            self.note(("columns", "amount"), str(exc))
            return None

    def text(self, field: str) -> str:
        """A text field (title, account, owner), stripped; empty when blank or too long."""
        try:
            return read_text(self.raw(("columns", field)), field)
        except ValueError as exc:
            self.note(("columns", field), str(exc))
            return ""

    def target(self) -> str | None:
        """What the row's stage means (see `Layout.target`); None for a problem."""
        try:
            return self.layout.target(self.raw(("columns", "stage")))
        except ValueError as exc:
            self.note(("columns", "stage"), str(exc))
            return None

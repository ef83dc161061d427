"""What a pass over an export found: problems, repairs, rejected deals, rows passed over.

Problems and repairs are kept up to a limit and counted beyond it, so a file with a
problem on every row does not fill the memory; rejected deals are all kept (one id each).

Every row is accounted for once: it belongs to a deal (`take`: imported with it, or
refused with it), belongs to no deal and is refused (`refuse_row`), or is passed over
(`skipped_rows`, `duplicate_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable

from dealflow.errors import Problem

__all__ = ["Findings", "Rejected"]


class Rejected(Exception):
    """A deal cannot be imported: `problem` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class Findings:
    """Collects what the converters find; `limit` problems (and repairs) are kept."""

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.repairs: list[Problem] = []
        self.repair_count = 0
        self.rejected: set[str] = set()
        self.rows = 0
        self.skipped_rows = 0
        self.duplicate_rows = 0
        self.orphan_rows = 0
        self.deal_rows: dict[str, int] = {}
        self.undated: set[str] = set()

    def take(self, deal_id: str) -> None:
        """Count a row as one of the deal's (imported or refused with it)."""
        self.deal_rows[deal_id] = self.deal_rows.get(deal_id, 0) + 1

    def refuse_row(self, problems: Iterable[Problem]) -> None:
        """Refuse a row that belongs to no deal, for these problems."""
        self.orphan_rows += 1
        self.report(problems)

    def report(self, problems: Iterable[Problem]) -> None:
        """Record problems (of a row that belongs to no deal, or to a rejected one)."""
        for problem in problems:
            self.problem_count += 1
            if len(self.problems) < self.limit:
                self.problems.append(problem)

    def reject(self, deal_id: str, problems: Iterable[Problem]) -> None:
        """Leave the deal out of the import, for these problems."""
        self.rejected.add(deal_id)
        self.report(problems)

    def rows_of(self, deal_ids: Iterable[str]) -> int:
        """How many rows the deals have."""
        return sum(self.deal_rows.get(deal_id, 0) for deal_id in deal_ids)

    def repair(self, problem: Problem) -> None:
        """Record a repair made to a deal's history (`repair: true`)."""
        self.repair_count += 1
        if len(self.repairs) < self.limit:
            self.repairs.append(problem)

"""What a pass over an export found: problems, repairs, rejected deals, rows passed over.

Problems and repairs are kept up to a limit and counted beyond it, so a file with a
problem on every row does not fill the memory; rejected deals are all kept (one id each).
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

    def repair(self, problem: Problem) -> None:
        """Record a repair made to a deal's history (`repair: true`)."""
        self.repair_count += 1
        if len(self.repairs) < self.limit:
            self.repairs.append(problem)

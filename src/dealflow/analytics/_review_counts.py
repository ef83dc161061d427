"""Win/loss review counts: the answers to the playbook's review forms, counted over the
closed deals of one playbook, in total and by the stage a deal closed from, its lost
reason and its owner, so the next revision of the playbook starts from counted causes.

`GROUPS` names each way of grouping and how it is read from a deal: the stage, the lost
reason, the owner, and the competitor a lost deal went to (`lose --winner`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dealflow.analytics._query import scope
from dealflow.deal import Deal, Status
from dealflow.playbook import Playbook
from dealflow.store import Store

__all__ = ["GROUPS", "ReviewCounts", "count_reviews", "review_counts"]

GROUPS: dict[str, Callable[[Deal], str | None]] = {
    "stage": lambda deal: deal.stage,
    "reason": lambda deal: deal.lost_reason,
    "owner": lambda deal: deal.owner,
    "competitor": lambda deal: deal.lost_to,
}
"""Each grouping of the counts and how a deal's key is read (None: not counted there)."""

Key = tuple[str, str, str]
"""(outcome, question, choice)."""


@dataclass
class ReviewCounts:
    """Review answers counted: `total[(outcome, question, choice)]`, and the same per key of
    each grouping (`by["stage"]["validate"][...]`); `closed` and `reviewed` count deals."""

    closed: int = 0
    reviewed: int = 0
    total: Counter[Key] = field(default_factory=Counter)
    by: dict[str, dict[str, Counter[Key]]] = field(default_factory=dict)

    def add(self, deal: Deal) -> None:
        """Count one closed deal (its review, when it has one for how it closed)."""
        self.closed += 1
        review = deal.review
        if review is None or review.outcome != deal.status.value:
            return
        self.reviewed += 1
        for question, choice in review.answers.items():
            key = (review.outcome, question, choice)
            self.total[key] += 1
            for name, read in GROUPS.items():
                group = read(deal)
                if group is not None:
                    self.by.setdefault(name, {}).setdefault(group, Counter())[key] += 1

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain data: rows of outcome, question, choice and count."""
        def rows(counts: Counter[Key]) -> list[dict[str, Any]]:
            return [{"outcome": o, "question": q, "choice": c, "count": n}
                    for (o, q, c), n in sorted(counts.items())]

        return {"closed": self.closed, "reviewed": self.reviewed, "total": rows(self.total),
                "by": {name: {group: rows(counts) for group, counts in sorted(groups.items())}
                       for name, groups in self.by.items()}}


def count_reviews(deals: Iterable[Deal]) -> ReviewCounts:
    """The review answers of the won and lost deals among `deals`."""
    result = ReviewCounts()
    for deal in deals:
        if deal.status in (Status.won, Status.lost):
            result.add(deal)
    return result


def review_counts(store: Store, *, playbook: Playbook | str | None = None) -> ReviewCounts:
    """The review answers of one playbook's closed deals in `store` (see `scope`)."""
    chosen, _ = scope(store, None, playbook)
    return count_reviews(store.list_deals(playbook_id=chosen.id))

"""CRM import fixtures: CSV files written by the tests, mappings, a store per backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dealflow.crm import CrmMapping
from dealflow.engine import Event
from dealflow.store import Store
from tests.store.conftest import store_url  # noqa: F401 - the backend fixture

LONG: dict[str, Any] = {
    "shape": "long",
    "currency": "EUR",
    "columns": {"deal_id": "id", "stage": "stage", "time": "when", "amount": "amount",
                "owner": "owner", "lost_reason": "reason"},
    "stages": {"New": "qualify", "Discovery": "discover", "Shaping": "shape",
               "Proposal": "propose", "Won": "won", "Lost": "lost"},
    "lost_reasons": {"Went elsewhere": "competitor"},
    "default_lost_reason": "no_decision",
}
"""A long mapping over the columns id, stage, when, amount, owner, reason."""

WIDE: dict[str, Any] = {
    "shape": "wide",
    "currency": "EUR",
    "columns": {"deal_id": "id", "stage": "stage", "time": "closed", "amount": "amount",
                "title": "name"},
    "stages": {"New": "qualify", "Discovery": "discover", "Shaping": "shape",
               "Proposal": "propose", "Won": "won", "Lost": "lost"},
    "stage_dates": {"qualify": "new on", "discover": "discovery on", "shape": "shaping on",
                    "propose": "proposal on"},
    "default_lost_reason": "no_decision",
}
"""A wide mapping: id, name, stage, amount, closed and a date column per stage."""


def mapping(base: dict[str, Any], **changes: Any) -> CrmMapping:
    """`base` with some keys changed."""
    return CrmMapping.model_validate({**base, **changes})


def write_csv(path: Path, lines: list[str], *, newline: str = "\n", bom: bool = False) -> Path:
    """Write `lines` (already CSV) with the line ending given, and a BOM if asked."""
    text = newline.join(lines) + newline
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def brief(event: Event) -> str:
    """`3 stage_advanced discover>propose 2024-02-01 f.csv:4`: an event in a few words."""
    data = event.model_dump()
    what = {
        "deal_created": lambda: data["stage"] + (" undated" if data.get("undated") else ""),
        "stage_advanced": lambda: f"{data['from_stage']}>{data['to_stage']}",
        "stage_moved_back": lambda: f"{data['from_stage']}<{data['to_stage']}",
        "deal_won": lambda: data["stage"],
        "deal_lost": lambda: f"{data['stage']} {data['reason']} {data['note']!r}",
        "deal_edited": lambda: ",".join(f"{k}={v}" for k, v in sorted(data["changes"].items())),
    }[event.type]()
    return f"{event.seq} {event.type} {what} {event.at:%Y-%m-%d} {event.source}"


def history(store: Store, deal_id: str) -> list[str]:
    """A stored deal's events, each in a few words."""
    return [brief(event) for event in store.events(deal_id)]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:  # noqa: F811
    """An empty store, on each backend."""
    with Store(store_url) as opened:
        yield opened

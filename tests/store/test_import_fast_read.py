"""The write pass of a JSON Lines import reads each line with pydantic's own JSON parser
(`parse_checked_event`); it must give exactly the record the checking pass's strict
reading (`parse_record`) gives, for every line that reading accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealflow import Playbook
from dealflow.analytics import simulate
from dealflow.engine import event_adapter
from dealflow.store._records import parse_checked_event, parse_record, playbook_line

_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


def test_every_simulated_event_reads_the_same(any_playbook: Playbook) -> None:
    lines = [event_adapter.dump_json(event).decode() for event in
             simulate(any_playbook, deals=40, seed=3)]
    assert len({json.loads(line)["type"] for line in lines}) > 4  # several kinds of event
    for line in lines:
        assert parse_checked_event(line) == parse_record(line)


@settings(max_examples=60)
@given(value=_JSON, amount=st.decimals(min_value=0, max_value=10**12, places=2),
       spaced=st.booleans())
def test_odd_values_read_the_same(value: Any, amount: Any, spaced: bool) -> None:
    envelope = {"deal_id": "d-1", "at": "2026-03-02T09:00:00Z", "actor": "ada",
                "source": None}
    records = [
        {**envelope, "seq": 2, "type": "fact_set", "name": "seats", "value": value},
        {**envelope, "seq": 1, "type": "deal_created", "title": "T", "account": "A",
         "amount": str(amount), "currency": "EUR", "owner": "ada", "playbook_id": "p",
         "playbook_version": "1", "stage": "s"},
    ]
    for record in records:
        line = json.dumps(record, separators=(", ", ": ") if spaced else (",", ":"))
        try:
            expected = parse_record(line)
        except ValueError:  # refused by the strict reading: never reaches the write pass
            continue
        assert parse_checked_event(line) == expected


def test_a_playbook_record_is_read_as_one() -> None:
    line = playbook_line("p", "1", "id: p\nversion: '1'\n")
    assert parse_checked_event(line) == parse_record(line)


@pytest.mark.parametrize("line", [
    '{"deal_id": "playbook", "seq": 2, "type": "fact_set", "at": "2026-03-02T09:00:00Z", '
    '"actor": "a", "source": null, "name": "n", "value": "playbook"}',
], ids=["the-word-playbook-in-an-event"])
def test_an_event_naming_playbook_reads_the_same(line: str) -> None:
    assert parse_checked_event(line) == parse_record(line)

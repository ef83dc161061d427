"""A playbook dumped to YAML loads back into an equal object."""

from __future__ import annotations

import yaml
from hypothesis import given, settings

from dealflow import Playbook, dump_playbook, parse_playbook
from dealflow.testing import playbook_documents


@settings(max_examples=60, deadline=None)
@given(document=playbook_documents())
def test_a_generated_playbook_round_trips_through_yaml(document: dict[str, object]) -> None:
    first = parse_playbook(yaml.safe_dump(document, allow_unicode=True), "generated.yaml")
    again = parse_playbook(dump_playbook(first), "dumped.yaml")
    assert again == first
    assert dump_playbook(again) == dump_playbook(first)


def test_the_default_playbook_round_trips(default_playbook: Playbook) -> None:
    assert parse_playbook(dump_playbook(default_playbook)) == default_playbook


def test_the_minimal_playbook_round_trips(minimal_playbook: Playbook) -> None:
    assert parse_playbook(dump_playbook(minimal_playbook)) == minimal_playbook

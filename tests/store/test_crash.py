"""A writer killed with SIGKILL at a random moment loses no acknowledged write and leaves
no half-written one (more runs: `python -m tests.soak.crash`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store._crash import check_store, kill_round

ROUNDS = 4
"""Writers killed one after the other on the same store, per test."""


@pytest.mark.parametrize("seed", [11, 29])
def test_a_writer_killed_at_random_moments_keeps_every_acknowledged_write(
    store_url: str, tmp_path: Path, seed: int
) -> None:
    acks = []
    for round_ in range(ROUNDS):  # each round starts on what the previous crash left
        acks += kill_round(store_url, seed * 1000 + round_, tmp_path)
        unacknowledged = check_store(store_url, acks)
        assert 0 <= unacknowledged <= round_ + 1, "more than the write in flight per crash"
    assert len(acks) > ROUNDS, "the writers were killed before they wrote anything"

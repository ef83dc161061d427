"""Twice as many processes as cores hammer one store for a few seconds: afterwards every
deal equals the replay of its events and every acknowledged write is there, nothing else
(the long run with its figures: `python -m tests.soak.load`)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.soak.load import run_load


def test_processes_hammering_one_store_lose_nothing_and_add_nothing(
    store_url: str, tmp_path: Path
) -> None:
    processes = 2 * (os.cpu_count() or 1)
    result = run_load(store_url, seconds=2, processes=processes, workdir=tmp_path)
    print(result.summary(store_url.split(":")[0]))
    assert result.processes == processes
    assert result.landed > 0, "no write landed: the run tested nothing"
    assert result.reads > 0

"""Regression: importing a file whose deal has the id of another deal in the store added
the file's later events to that other deal (only the sequence numbers were compared).
Now the file's creation event must be the stored one, else nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealflow import (
    ImportProblems,
    Store,
    export_jsonl,
    import_events,
    import_jsonl,
    load_playbook,
    simulate,
)
from tests.conftest import LAB_PLAYBOOK
from tests.store.conftest import store_url  # noqa: F401 - the backend fixture


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, int]:
    """An export of two simulated deals of the foreign playbook, and its event count."""
    lab = load_playbook(LAB_PLAYBOOK)
    path = tmp_path / "lab.jsonl"
    with Store("sqlite://", playbook=lab) as source, path.open("w", encoding="utf-8") as out:
        import_events(source, simulate(lab, deals=2, seed=4))
        return path, export_jsonl(source, out)


def test_a_deal_of_the_same_id_is_refused_and_nothing_is_written(
    store_url: str, exported: tuple[Path, int],  # noqa: F811
) -> None:
    taken = "lab-subscriptions-000000"
    with Store(store_url) as store:
        store.create(deal_id=taken, title="Ours", account="Acme", owner="li", actor="li")
        before = store.events(taken)
        with pytest.raises(ImportProblems, match="holds another deal of this id"):
            import_jsonl(store, exported[0])
        assert store.events(taken) == before
        assert store.count_deals() == 1


def test_the_same_file_again_skips_what_is_stored(
    store_url: str, exported: tuple[Path, int],  # noqa: F811
) -> None:
    path, written = exported
    with Store(store_url) as store:
        first = import_jsonl(store, path)
        again = import_jsonl(store, path)
    assert (first.added, again.added, again.skipped) == (written, 0, written)

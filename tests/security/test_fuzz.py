"""Fuzzing the readers: mutated valid documents load, or fail with a located dealflow error.

Valid playbooks, deal files, JSON Lines event logs and rules are broken at the byte,
line and value level (see `_fuzzing`) and fed to `load_playbook`, `load_deal_file`,
`import_jsonl` and `compile_rule`. Any other exception, an error without a place, or an
import that failed yet wrote something fails the test.

This is the CI-sized run: a fixed (derandomized) set of examples per target, the file in
well under a minute. The long run with fresh random examples is
`python -m tests.soak.fuzz --minutes N` (see docs/security-and-limits.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealflow.limits import Limits
from dealflow.store import Store
from tests.security import _fuzzing as fz

CI = settings(max_examples=120, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def store(folder: Path) -> Iterator[Store]:
    """One store for every import example, emptied before each."""
    with Store(f"sqlite:///{folder}/fuzz.db", playbook=fz.default_playbook()) as opened:
        opened.register_playbook(fz.minimal_playbook())
        yield opened


@CI
@given(data=fz.playbook_bytes())
def test_a_mutated_playbook_loads_or_every_problem_is_located(folder: Path, data: bytes) -> None:
    fz.check_playbook(data, folder)


@settings(CI, max_examples=60)
@given(data=fz.deal_file_bytes(), suffix=st.sampled_from([".json", ".yaml"]))
def test_a_mutated_deal_file_loads_or_every_problem_is_located(
    folder: Path, data: bytes, suffix: str
) -> None:
    fz.check_deal_file(data, folder, suffix=suffix)


@CI
@given(data=fz.jsonl_bytes(), small=st.booleans(), preload=st.sampled_from([0, 0, 3, 8]))
def test_a_mutated_import_is_done_or_refused_at_its_lines_with_nothing_written(
    folder: Path, store: Store, data: bytes, small: bool, preload: int
) -> None:
    limits = Limits(max_line_bytes=600) if small else None
    fz.check_import(data, folder, store, limits, preload=preload)


@settings(CI, max_examples=400)
@given(source=fz.rule_text(), max_length=st.sampled_from([2_000, 20_000]))
def test_a_mutated_rule_compiles_or_raises_a_rule_syntax_error(
    source: str, max_length: int
) -> None:
    fz.check_rule(source, max_length)


@settings(CI, max_examples=60)
@given(source=fz.rule_text())
def test_a_mutated_rule_in_a_playbook_is_reported_at_the_gate(source: str) -> None:
    fz.check_rule_in_playbook(source)


def test_the_seeds_are_valid(folder: Path, store: Store) -> None:
    """The mutations start from documents that load (the broken corpus aside)."""
    assert fz.check_playbook(fz.playbook_seeds()[0], folder) is not None
    for seed, suffix in zip(fz.deal_file_seeds(), (".json", ".yaml"), strict=True):
        fz.check_deal_file(seed, folder, suffix=suffix)
    fz.check_import(fz.jsonl_seed(), folder, store)
    assert fz.TALLY.counts.get("import done")
    assert len(fz.rule_seeds()) > 20

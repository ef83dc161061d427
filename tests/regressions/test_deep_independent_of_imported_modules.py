"""Regression: the deep checks found other things depending on what else was imported.

Hypothesis mixes literals of the local modules loaded in the process into the data it
generates, so with the same fixed seed a playbook got DF202 from a script and nothing
from the test suite (which had imported the CLI), and within a test suite the outcome
depended on which tests had run first. The deep checks now generate from their
strategies alone.
"""

from __future__ import annotations

import pytest
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants

from dealflow import load_playbook
from dealflow.testing import deep_check
from tests.conftest import TESTS

CASES = ["first_letter_of_an_empty_title", "unset_int_fact_in_ordering"]


@pytest.mark.parametrize("stem", CASES)
def test_the_findings_do_not_depend_on_the_constants_of_loaded_modules(
    stem: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    playbook = load_playbook(TESTS / "playbooks" / "unsound" / f"{stem}.yaml")
    alone = deep_check(playbook, examples=30)
    noise = Constants(strings={"", " ", "x", "Eric", "CFO", "é"}, integers={0, 1, 7, 1000})
    monkeypatch.setattr(providers, "_get_local_constants", lambda: noise)
    providers.CONSTANTS_CACHE.cache.clear()
    assert deep_check(playbook, examples=30) == alone

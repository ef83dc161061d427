"""The Python examples of docs/storing-deals.md run, in order, and print what the page shows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests._docs import output_problem, python_examples, run
from tests.conftest import LAB_PLAYBOOK

PAGE = "storing-deals.md"


def test_the_python_examples_of_the_storing_page_run_in_order_and_print_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    examples = python_examples(PAGE)
    assert len(examples) >= 4
    monkeypatch.chdir(tmp_path)  # the page's databases and files go to a fresh folder
    shutil.copy(LAB_PLAYBOOK, tmp_path / "lab-subscriptions.yaml")
    namespace: dict[str, Any] = {"__name__": "__docs__"}  # each goes on from the last
    for example in examples:
        printed = run(example, namespace)
        problem = output_problem(example, printed)
        assert problem is None, problem
    namespace["store"].close()

"""Fixtures shared by the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealflow import Playbook, load_playbook

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The root of the repository checkout."""
    return REPO


@pytest.fixture(scope="session")
def minimal_playbook() -> Playbook:
    """The two-stage playbook in tests/playbooks/minimal.yaml."""
    return load_playbook(TESTS / "playbooks" / "minimal.yaml")


@pytest.fixture(scope="session")
def default_playbook() -> Playbook:
    """The bundled default playbook for complex B2B projects."""
    return load_playbook()

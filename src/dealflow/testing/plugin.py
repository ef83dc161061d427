"""A pytest plugin: test playbook files as part of a team's test suite.

    pytest --dealflow-playbooks playbooks/ [--dealflow-examples 100]

collects every `*.yaml` playbook in the given folders (or files) as test items, one per
check, so that CI fails with a readable report when a playbook change breaks it.
Registered through the `pytest11` entry point; it does nothing unless the option is given
(and then needs hypothesis: `pip install dealflow[testing]`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CHECKS", "PlaybookFile", "PlaybookItem"]

#: The items made for each playbook: name -> the finding codes that fail it.
CHECKS: dict[str, tuple[str, ...]] = {
    "loads": (),
    "lint": tuple(f"DF1{n:02}" for n in range(1, 100)),
    "rules-evaluate": ("DF201",),
    "checklists-render": ("DF202",),
    "stages-passable": ("DF203",),
    "gates-can-fail": ("DF204",),
    "drives-to-won": ("DF205",),
    "deterministic": ("DF206",),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dealflow", "dealflow playbooks")
    group.addoption("--dealflow-playbooks", action="append", default=[], metavar="PATH",
                    help="Test the playbook files in PATH (a folder or a file).")
    group.addoption("--dealflow-examples", type=int, default=100, metavar="N",
                    help="Generated deals per deep check (default 100).")


def _playbook_paths(config: pytest.Config) -> Iterator[Path]:
    for given in config.getoption("dealflow_playbooks"):
        path = Path(given)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            yield path


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    for path in _playbook_paths(config):
        node = PlaybookFile.from_parent(session, path=path.resolve())
        items.extend(node.collect())


class PlaybookFile(pytest.File):
    """A playbook file; its soundness is computed once and shared by its items."""

    _result: Any = None

    def soundness(self) -> Any:
        """The `Soundness` of this playbook (computed on first use)."""
        if self._result is None:
            try:
                from dealflow.testing._soundness import check_soundness
            except ImportError as exc:  # hypothesis comes with the testing extra
                raise pytest.UsageError(
                    f"--dealflow-playbooks needs hypothesis ({exc.name} is missing): "
                    "pip install 'dealflow[testing]'") from None
            examples = self.config.getoption("dealflow_examples")
            self._result = check_soundness(self.path, examples=examples)
        return self._result

    def collect(self) -> Iterator[pytest.Item]:
        for name in CHECKS:
            yield PlaybookItem.from_parent(self, name=name)


class PlaybookFailure(Exception):
    """The report of a failed playbook check."""


class PlaybookItem(pytest.Item):
    """One check of one playbook."""

    def runtest(self) -> None:
        assert isinstance(self.parent, PlaybookFile)
        result = self.parent.soundness()
        if result.problems:
            raise PlaybookFailure("\n".join(str(p) for p in result.problems))
        codes = CHECKS[self.name]
        lines = [str(f) for f in result.lint if f.code in codes]
        lines += [f"{result.file}  {f}" for f in result.deep if f.code in codes]
        if lines:
            raise PlaybookFailure("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, PlaybookFailure):
            return f"playbook check {self.name!r} failed:\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"playbook {self.path.name}::{self.name}"

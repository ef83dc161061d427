"""The corpus of broken playbooks: each is rejected with its place and a helpful message.

Every file in `tests/playbooks/broken/` is `minimal.yaml` (or a small document) broken in
one way. Its header says what loading it must report:

```yaml
# Broken: a gate rule that ends in `and`.
# expect: stages[0].gates[0].when | rule does not compile
# line: 20
```

`expect` is the path of the problem (`<document>` for the document as a whole) and a
fragment of its message; `line`, when given, is the line the problem must point at.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import PlaybookError, Problem, load_playbook
from dealflow.cli import app
from tests.conftest import TESTS

PLAYBOOKS = TESTS / "playbooks"
BROKEN = PLAYBOOKS / "broken"
MINIMAL = PLAYBOOKS / "minimal.yaml"
MISSING = BROKEN / "no_such_playbook.yaml"
CORPUS = sorted(BROKEN.glob("*.yaml"))


@dataclass(frozen=True)
class Expected:
    """What loading a broken playbook must report."""

    path: str
    fragment: str
    line: int | None = None

    def matches(self, problem: Problem) -> bool:
        return (
            (problem.path or "<document>") == self.path
            and self.fragment in problem.message
            and self.line in (None, problem.line)
        )


def expectation(file: Path) -> Expected:
    """The `# expect:` and `# line:` header of a corpus file (which may not be UTF-8)."""
    fields: dict[str, str] = {}
    for raw in file.read_bytes().splitlines():
        header = re.fullmatch(r"# (\w+): (.*)", raw.decode("utf-8", errors="replace"))
        if header is None:
            break
        fields[header[1]] = header[2]
    assert "expect" in fields, f"{file.name} has no `# expect: PATH | FRAGMENT` header"
    path, _, fragment = fields["expect"].partition(" | ")
    assert path, f"{file.name}: write `# expect: PATH | FRAGMENT`"
    assert fragment, f"{file.name}: write `# expect: PATH | FRAGMENT`"
    line = int(fields["line"]) if "line" in fields else None
    return Expected(path, fragment, line)


CASES = [pytest.param(file, id=file.stem) for file in CORPUS] + [
    pytest.param(MISSING, id="file_not_found"),
]


def expected_for(file: Path) -> Expected:
    if file == MISSING:
        return Expected("<document>", "file not found")
    return expectation(file)


def problems_of(file: Path) -> tuple[Problem, ...]:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(file)
    return caught.value.problems


def listing(problems: tuple[Problem, ...]) -> str:
    return "\n".join(str(problem) for problem in problems)



def test_the_corpus_holds_at_least_35_broken_playbooks() -> None:
    assert len(CORPUS) >= 35


@pytest.mark.parametrize("file", CASES)
def test_a_broken_playbook_is_rejected_with_its_place_and_message(file: Path) -> None:
    expected = expected_for(file)
    problems = problems_of(file)
    assert any(expected.matches(problem) for problem in problems), (
        f"expected {expected}, got:\n{listing(problems)}"
    )
    assert all(problem.file == str(file) for problem in problems)


@pytest.mark.parametrize("file", CASES)
def test_a_broken_playbook_is_broken_in_exactly_one_way(file: Path) -> None:
    problems = problems_of(file)
    assert len(problems) == 1, listing(problems)


@pytest.mark.parametrize("file", CASES)
def test_validate_exits_1_and_prints_the_place_without_a_traceback(
    runner: CliRunner, file: Path
) -> None:
    expected = expected_for(file)
    [problem] = [p for p in problems_of(file) if expected.matches(p)]
    result = runner.invoke(app, ["validate", str(file)])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception), result.exception
    assert "Traceback" not in result.output
    where = f"{file}:{problem.line}:{problem.column}" if problem.line else str(file)
    assert f"{where}  {expected.path}  " in result.output
    assert expected.fragment in result.output


@pytest.mark.parametrize("file", CASES)
def test_validate_as_json_reports_the_playbook_invalid(runner: CliRunner, file: Path) -> None:
    expected = expected_for(file)
    result = runner.invoke(app, ["validate", "--format", "json", str(file)])
    assert result.exit_code == 1
    [report] = json.loads(result.stdout)
    assert report["file"] == str(file)
    assert report["valid"] is False
    problems = tuple(Problem(**problem) for problem in report["problems"])
    assert any(expected.matches(problem) for problem in problems), listing(problems)


def test_the_alias_bomb_is_rejected_quickly() -> None:
    start = time.perf_counter()
    [problem] = problems_of(BROKEN / "alias_bomb.yaml")
    assert "max_nodes" in problem.message
    assert time.perf_counter() - start < 5


def test_validate_prints_a_summary_and_exits_0_for_a_valid_playbook(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(MINIMAL)])
    assert result.exit_code == 0, result.output
    assert f"ok  {MINIMAL}  minimal 1: 2 stages, 2 gates" in result.output


def test_validate_as_json_reports_a_valid_playbook(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "-f", "json", str(MINIMAL)])
    assert result.exit_code == 0
    [report] = json.loads(result.stdout)
    assert report["valid"] is True
    assert (report["id"], report["stages"], report["gates"]) == ("minimal", 2, 2)


@pytest.mark.parametrize(
    "args",
    [[], ["validate"], ["validate", "--colour", str(MINIMAL)], ["validate", "-f", "xml",
                                                                 str(MINIMAL)]],
    ids=["no-command", "no-file", "unknown-option", "unknown-format"],
)
def test_a_usage_error_exits_2(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_valid_and_invalid_playbooks_together_exit_1_and_report_each(runner: CliRunner) -> None:
    broken = BROKEN / "unknown_owner.yaml"
    result = runner.invoke(app, ["validate", str(MINIMAL), str(broken), str(MISSING)])
    assert result.exit_code == 1
    assert f"ok  {MINIMAL}" in result.output
    assert f"FAIL  {broken}: 1 problem" in result.output
    assert f"FAIL  {MISSING}: 1 problem" in result.output
    assert f"{MISSING}  <document>  file not found" in result.output


def test_valid_and_invalid_playbooks_together_as_json(runner: CliRunner) -> None:
    broken = BROKEN / "duplicate_stage_id.yaml"
    result = runner.invoke(app, ["validate", "-f", "json", str(MINIMAL), str(broken)])
    assert result.exit_code == 1
    assert [report["valid"] for report in json.loads(result.stdout)] == [True, False]

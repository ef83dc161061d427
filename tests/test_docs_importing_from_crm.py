"""docs/importing-from-crm.md is current: its commands print what it shows on the example
files, its Python runs and prints what it shows, its mappings load (or fail as shown),
and its reference lists every key of the mapping."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from dealflow.cli import _crm
from dealflow.crm import Columns, CrmMapping, Dates, parse_mapping
from dealflow.errors import MappingError
from tests._docs import DOCS, REPO, marked, output_problem, python_examples, read, run

PAGE = "importing-from-crm.md"
EXAMPLES = DOCS / "examples" / "crm"

#: The commands of the page, in order (they share one database), and their exit codes.
COMMANDS = {"salesforce": 0, "salesforce-again": 0, "hubspot": 1, "hubspot-repair": 0}


@pytest.fixture
def app() -> typer.Typer:
    made = typer.Typer()

    @made.callback()
    def main() -> None:
        """dealflow"""

    _crm.register(made)
    return made


def test_the_commands_of_the_page_print_what_it_shows(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "docs" / "examples" / "crm")
    monkeypatch.chdir(tmp_path)  # the page's database goes to a fresh folder
    runner = CliRunner()
    for name, code in COMMANDS.items():
        command, _ = marked(PAGE, f"{name}-command")
        shown, _ = marked(PAGE, f"{name}-output")
        words = shlex.split(command.body)
        assert words[:2] == ["dealflow", "import-csv"], command.id
        result = runner.invoke(app, words[1:])
        assert (result.exit_code, result.stdout) == (code, shown.body), command.id


def test_the_python_of_the_page_runs_in_order_and_prints_what_it_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    examples = python_examples(PAGE)
    assert len(examples) >= 3
    for example in examples:
        problem = output_problem(example, run(example, namespace), unshown_allowed=False)
        assert problem is None, problem
    for name in ("store", "hub"):
        namespace[name].close()


def test_the_mapping_shown_is_the_example_file_and_loads() -> None:
    block, _ = marked(PAGE, "hubspot-mapping")
    path = EXAMPLES / "hubspot-repair.yaml"
    assert block.body == path.read_text(encoding="utf-8")
    assert parse_mapping(block.body).repair


def test_the_misspelt_stage_is_refused_as_shown() -> None:
    mapping, _ = marked(PAGE, "typo-mapping")
    shown, _ = marked(PAGE, "typo-problem")
    with pytest.raises(MappingError) as caught:
        parse_mapping(mapping.body, "mine.yaml")
    assert [str(p) for p in caught.value.problems] == shown.body.splitlines()


@pytest.mark.parametrize("model", [CrmMapping, Columns, Dates], ids=lambda m: m.__name__)
def test_every_key_of_the_mapping_is_a_row_of_the_reference(model: type[Any]) -> None:
    rows = set(re.findall(r"^\| `(\w+)` \|", read(PAGE), re.M))
    assert set(model.model_fields) <= rows


def test_the_sample_files_are_the_ones_the_page_names() -> None:
    named = set(re.findall(r"docs/examples/crm/([\w.-]+)", read(PAGE)))
    assert named == {path.name for path in EXAMPLES.iterdir()}

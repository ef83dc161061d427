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

from dealflow import load_playbook
from dealflow.cli import _crm
from dealflow.crm import Columns, CrmMapping, Dates, Undated, check_csv, parse_mapping
from dealflow.errors import MappingError
from tests._docs import DOCS, REPO, marked, output_problem, python_examples, read, run

PAGE = "importing-from-crm.md"
EXAMPLES = DOCS / "examples" / "crm"
LAB = "docs/examples/lab-subscriptions.yaml"

#: The commands of the page, in order, and their exit codes.
COMMANDS = {"salesforce": 0, "salesforce-again": 0, "hubspot": 1, "hubspot-repair": 0,
            "lab": 1, "lab-exported": 1}


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
    (tmp_path / LAB).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / LAB, tmp_path / LAB)
    monkeypatch.chdir(tmp_path)  # the page's databases go to a fresh folder
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
    for name in ("store", "hub", "lab"):
        namespace[name].close()


def test_the_mapping_shown_is_the_example_file_and_loads() -> None:
    block, _ = marked(PAGE, "hubspot-mapping")
    path = EXAMPLES / "hubspot-repair.yaml"
    assert block.body == path.read_text(encoding="utf-8")
    assert parse_mapping(block.body).repair


def test_the_lab_mapping_shown_is_the_example_file_and_fits_the_lab_playbook() -> None:
    block, _ = marked(PAGE, "lab-mapping")
    assert block.body == (EXAMPLES / "lab-mapping.yaml").read_text(encoding="utf-8")
    undated = parse_mapping(block.body, playbook=load_playbook(REPO / LAB)).undated
    assert undated == Undated(date="exported")


def test_without_undated_a_deal_with_no_date_is_refused_as_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    shown, _ = marked(PAGE, "no-rule-problem")
    text = (EXAMPLES / "lab-mapping.yaml").read_text(encoding="utf-8")
    without = parse_mapping(text.split("undated:")[0], playbook=load_playbook(LAB))
    result = check_csv("docs/examples/crm/lab-deals.csv", without, playbook=load_playbook(LAB))
    assert str(result.problems[0]) == shown.body.strip()


def test_the_misspelt_stage_is_refused_as_shown() -> None:
    mapping, _ = marked(PAGE, "typo-mapping")
    shown, _ = marked(PAGE, "typo-problem")
    with pytest.raises(MappingError) as caught:
        parse_mapping(mapping.body, "mine.yaml")
    assert [str(p) for p in caught.value.problems] == shown.body.splitlines()


@pytest.mark.parametrize("model", [CrmMapping, Columns, Dates, Undated],
                         ids=lambda m: m.__name__)
def test_every_key_of_the_mapping_is_a_row_of_the_reference(model: type[Any]) -> None:
    rows = set(re.findall(r"^\| `(\w+)` \|", read(PAGE), re.M))
    assert set(model.model_fields) <= rows


def test_the_sample_files_are_the_ones_the_page_names() -> None:
    named = set(re.findall(r"docs/examples/crm/([\w.-]+)", read(PAGE)))
    assert named == {path.name for path in EXAMPLES.iterdir()}


def test_the_cli_page_shows_the_lab_import_as_this_page_runs_it() -> None:
    section = read("cli.md").split("## dealflow import-csv", 1)[1].split("\n## ", 1)[0]
    command = re.findall(r"^```bash\n(.*?)^```", section, re.M | re.S)
    shown = re.findall(r"^```text\n(.*?)^```", section, re.M | re.S)
    ran, _ = marked(PAGE, "lab-exported-command")
    printed, _ = marked(PAGE, "lab-exported-output")
    assert [shlex.split(text.replace("\\\n", " ")) for text in command] == [
        shlex.split(ran.body)]
    assert shown[1:] == [printed.body]

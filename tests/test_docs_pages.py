"""The guide pages are tests: their Python runs, their output and diagram are current.

Each page's Python blocks run in order in one namespace, like a reader working through
the page, from the root of the repository. A block followed directly by a ```` ```text ````
block must print exactly that text; a block without one must print nothing. Files the
pages show (the diagram of the default playbook, the example templates) are compared
with what they show.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import load_playbook
from dealflow.cli import app
from dealflow.engine import mermaid
from tests._docs import DOCS, REPO, blocks, marked, output_problem, python_examples, run

GUIDES = ("driving-a-deal.md", "writing-sops.md", "modelling-your-process-authority.md")


@pytest.mark.parametrize("page", GUIDES)
def test_a_guide_has_python_examples_that_show_their_output(page: str) -> None:
    examples = python_examples(page)
    assert examples
    assert any(example.shown is not None for example in examples)


@pytest.mark.parametrize("page", GUIDES)
def test_the_python_of_a_guide_runs_in_order_and_prints_what_the_page_shows(
    page: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for example in python_examples(page):
        printed = run(example, namespace)
        problem = output_problem(example, printed, unshown_allowed=False)
        if problem is not None:
            pytest.fail(problem, pytrace=False)


def _lines(text: str) -> list[str]:
    """The lines of `text` without trailing whitespace, which editors strip."""
    return [line.rstrip() for line in text.splitlines()]


def test_the_diagram_of_the_default_playbook_is_current() -> None:
    block, markers = marked("driving-a-deal.md", "diagram")
    expected = mermaid(load_playbook())
    assert block.lang == "mermaid", f"{block.id}: the diagram is a ```mermaid block"
    assert _lines(block.body) == _lines(expected), (
        f"the diagram in docs/driving-a-deal.md ({block.id}) is stale. Between {markers}, "
        "replace the ```mermaid block's content with the output of "
        f"`dealflow diagram complex-b2b`, which is:\n\n{expected}"
    )


def test_the_team_template_shown_is_the_example_file() -> None:
    block, markers = marked("writing-sops.md", "team-template")
    path = DOCS / "examples" / "plant-sops" / "checklist.md.j2"
    assert block.body == path.read_text(encoding="utf-8"), (
        f"docs/writing-sops.md ({block.id}) shows a template that differs from {path}: "
        f"copy the file between {markers}"
    )


def test_the_items_and_gates_shown_are_those_of_the_example_playbook() -> None:
    path = DOCS / "examples" / "plant-sops" / "plant-sops.yaml"
    playbook = path.read_text(encoding="utf-8")
    shown = [block for block in blocks("writing-sops.md")
             if block.lang == "yaml" and block.body.startswith(("items:", "gates:"))]
    assert shown
    for block in shown:  # the fragments are stage keys, indented by 4 in the file
        assert textwrap.indent(block.body, "    ") in playbook, (
            f"{block.id} shows items or gates that are not in {path}: copy them from there")


def test_the_cli_example_uses_the_team_layout_next_to_the_playbook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, [
        "checklist", "docs/examples/donghai-deal.yaml",
        "--playbook", "docs/examples/plant-sops/plant-sops.yaml",
    ])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("## Donghai Petrochemical · Discover\n\n| | Item |")
    assert "Meet Chen Jie one-to-one" in result.output


def test_the_map_on_the_decision_chain_page_is_the_demo_deals_map(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/demo.db"
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--db", db]).exit_code == 0
    drawn = runner.invoke(app, ["map", "zhenhai-cracker-dcs", "--db", db])
    block, markers = marked("mapping-the-decision-chain.md", "demo-map")
    assert block.body == drawn.stdout, (
        f"the map in docs/mapping-the-decision-chain.md ({block.id}) is stale: put the "
        f"output of `dealflow map zhenhai-cracker-dcs` (after `dealflow demo`) between {markers}")

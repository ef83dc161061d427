"""docs/modelling-your-process-types.md is a test: its Python runs in order and prints what
the page shows, its YAML fragments are parts of the worked example, and the worked example
(docs/examples/orchard-robots.yaml) loads and declares only the structure it has."""

from __future__ import annotations

import pytest

from dealflow import load_playbook
from tests._docs import REPO, blocks, output_problem, python_examples, read, run

PAGE = "modelling-your-process-types.md"
EXAMPLE = REPO / "docs" / "examples" / "orchard-robots.yaml"


def test_the_page_runs_in_order_and_prints_what_it_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    examples = python_examples(PAGE)
    assert len(examples) >= 6
    for example in examples:
        printed = run(example, namespace)
        problem = output_problem(example, printed, unshown_allowed=False)
        if problem is not None:
            pytest.fail(problem, pytrace=False)


def test_every_line_of_yaml_shown_is_a_line_of_the_worked_example() -> None:
    lines = set(EXAMPLE.read_text(encoding="utf-8").splitlines())
    fragments = [block.body for block in blocks(PAGE) if block.lang == "yaml"]
    assert fragments
    for fragment in fragments:
        assert set(fragment.splitlines()) <= lines, fragment


def test_the_worked_example_has_no_phases_probabilities_roles_or_items() -> None:
    playbook = load_playbook(EXAMPLE)
    assert playbook.buyer_phases == ()
    assert playbook.roles == ()
    assert playbook.our_roles == ()
    assert all(stage.probability is None and stage.goal is None for stage in playbook.stages)
    assert {fact.type for fact in playbook.facts} >= {"money", "list", "enum", "date"}


@pytest.mark.parametrize("heading", ["Structure only where you have it",
                                     "Gates that apply only sometimes", "Fact types"])
def test_the_page_has_the_sections_the_modelling_page_folds_in(heading: str) -> None:
    assert f"\n## {heading}\n" in read(PAGE)

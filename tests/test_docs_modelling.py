"""The page "Modelling your process": its YAML is taken from the worked examples, which
tests/engine/test_moves.py drives through allowed and refused moves."""

from __future__ import annotations

import re

import pytest

from tests._docs import DOCS, REPO, Block, blocks, read

PAGE = "modelling-your-process.md"
EXAMPLES = ("crm-forward-only.yaml", "crm-skip-allowed.yaml", "close-rules.yaml")


def _yaml() -> list[Block]:
    return [block for block in blocks(PAGE) if block.lang == "yaml"]


def test_the_pages_are_in_the_navigation_after_concepts() -> None:
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert ("  - Concepts: concepts.md\n"
            "  - Modelling your process:\n"
            "      - Moves and their control points: modelling-your-process.md\n") in nav
    for page in ("types", "timers", "authority"):
        assert f"modelling-your-process-{page}.md" in nav


@pytest.mark.parametrize("block", _yaml(), ids=lambda block: block.id)
def test_each_yaml_excerpt_is_part_of_a_worked_example(block: Block) -> None:
    files = [(DOCS / "examples" / name).read_text(encoding="utf-8") for name in EXAMPLES]
    assert any(block.body in text for text in files), (
        f"{block.id}: not an excerpt of {', '.join(EXAMPLES)}")


def test_every_worked_example_is_named_on_the_page() -> None:
    text = read(PAGE)
    for name in EXAMPLES:
        assert f"docs/examples/{name}" in text or f"`{name}`" in text


def test_each_topic_is_a_section_and_the_end_links_the_rest_of_the_guide() -> None:
    text = read(PAGE)
    assert len(re.findall(r"^## ", text, re.M)) >= 8
    last = text.rsplit("\n## ", 1)[1]
    assert last.startswith("More of your process")
    for page in ("types", "timers", "authority"):
        assert f"(modelling-your-process-{page}.md)" in last

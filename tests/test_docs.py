"""The docs stay in step with the code: every field, every rule name, every example.

Code blocks in the docs are tests: complete playbooks load, fragments of a playbook are
valid against the models (and their rules use only names of the rule context), Python
blocks run, and shown output is what the code prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
import typer.main
import yaml
from pydantic import BaseModel, TypeAdapter

from dealflow import PlaybookError, parse_playbook
from dealflow.cli import app
from dealflow.playbook import ApprovalRule, Gate, Item, Play, Playbook, Stage, playbook_schema
from dealflow.rules import (
    MOVE_NAME,
    RULE_NAMES,
    STAKEHOLDER_NAME,
    TEMPLATE_NAMES,
    Rule,
    template_names,
)
from dealflow.rules._compiler import FILTERS, TESTS
from tests._docs import REPO, Block, Example, blocks, output_problem, python_examples, read, run

REFERENCE = "reference/playbook.md"
PAGES_WITH_YAML = (
    "index.md", "concepts.md", REFERENCE, "rules.md", "cli.md", "writing-sops.md",
    "mapping-the-decision-chain.md",
)

_TABLE_KEY = re.compile(r"^\| `(?P<key>[^`]+)` \|", re.M)


def _sections(text: str) -> dict[str, str]:
    """`## Heading` sections of a page, keyed by the heading's first word."""
    parts = re.split(r"^## ", text, flags=re.M)[1:]
    return {part.split(None, 1)[0]: part for part in parts}


def _is_playbook(block: Block) -> bool:
    """A complete playbook: a YAML block with a top-level `id:` key."""
    return block.lang == "yaml" and re.search(r"^id:", block.body, re.M) is not None


# -- (a) every field of the format is in the reference -----------------------------------

def _schema_models() -> dict[str, dict[str, Any]]:
    schema = playbook_schema()
    return {"Playbook": schema, **schema["$defs"]}


@pytest.mark.parametrize("model", sorted(_schema_models()), ids=str)
def test_every_field_of_the_model_is_a_row_of_its_reference_section(model: str) -> None:
    sections = _sections(read(REFERENCE))
    assert model in sections, f"{REFERENCE} has no `## {model}` section"
    documented = set(_TABLE_KEY.findall(sections[model]))
    fields = set(_schema_models()[model]["properties"])
    missing = sorted(fields - documented)
    assert not missing, f"{REFERENCE} `## {model}` does not document: {', '.join(missing)}"
    unknown = sorted(documented - fields)
    assert not unknown, f"{REFERENCE} `## {model}` documents keys that do not exist: {unknown}"


def test_every_field_appears_in_the_reference_as_code() -> None:
    text = read(REFERENCE)
    missing = sorted(
        f"{model}.{name}"
        for model, definition in _schema_models().items()
        for name in definition["properties"]
        if f"`{name}`" not in text
    )
    assert not missing, f"{REFERENCE} does not mention: {', '.join(missing)}"


# -- (b) every rule name is on the rules page --------------------------------------------

def test_every_rule_name_is_described_on_the_rules_page() -> None:
    text = read("rules.md")
    missing = sorted(name for name in RULE_NAMES if f"`{name}`" not in text)
    assert not missing, f"docs/rules.md does not describe: {', '.join(missing)}"


def test_the_rule_context_table_lists_exactly_the_rule_names() -> None:
    section = read("rules.md").split("## The rule context", 1)[1].split("\n### ", 1)[0]
    assert set(_TABLE_KEY.findall(section)) == set(RULE_NAMES)


def test_the_filters_and_tests_on_the_rules_page_are_those_rules_allow() -> None:
    text = read("rules.md")
    filters = text.split("- filters, ", 1)[1].split("\n- ", 1)[0]
    tests = text.split("- tests, ", 1)[1].split("and the comparison symbols", 1)[0]
    assert set(re.findall(r"`([a-z]+)`", filters)) == set(FILTERS)
    assert set(re.findall(r"`([a-z]+)`", tests)) == {name for name in TESTS if name.isalpha()}


# -- (c) YAML examples: complete playbooks load, fragments are valid -----------------------

def _yaml_blocks() -> list[Block]:
    return [block for page in PAGES_WITH_YAML for block in blocks(page) if block.lang == "yaml"]


def test_the_quickstart_shows_at_least_one_complete_playbook() -> None:
    assert any(_is_playbook(block) for block in blocks("index.md"))


@pytest.mark.parametrize(
    "block", [b for b in _yaml_blocks() if _is_playbook(b)], ids=lambda b: b.id
)
def test_a_complete_playbook_in_the_docs_loads(block: Block) -> None:
    playbook = parse_playbook(block.body, block.id)
    assert playbook.stages


def _field_types() -> dict[str, Any]:
    """Where a fragment's top-level key comes from: a Playbook key, else a Stage key."""
    types = {name: field.annotation for name, field in Stage.model_fields.items()}
    types.update({name: field.annotation for name, field in Playbook.model_fields.items()})
    metadata = {**Stage.model_fields, **Playbook.model_fields}
    return {name: (types[name], metadata[name].metadata) for name in types}


def _walk(value: Any) -> Iterator[BaseModel]:
    if isinstance(value, BaseModel):
        yield value
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name))
    elif isinstance(value, tuple | list):
        for child in value:
            yield from _walk(child)


def _rules_of(model: BaseModel) -> Iterator[tuple[str, Rule, frozenset[str]]]:
    if isinstance(model, Gate | Play | ApprovalRule):
        yield "when", model.when, RULE_NAMES
    if isinstance(model, Item):
        if model.when is not None:
            yield "when", model.when, RULE_NAMES
        if model.for_each is not None:
            yield "for_each", model.for_each, RULE_NAMES | {STAKEHOLDER_NAME}


def _names_in(rule: Rule) -> frozenset[str]:
    """Every name a rule reads, found by Jinja itself (the whole rule, root included)."""
    return template_names("{{ (" + rule.source + ") }}")


def _template_problems(item: Item) -> list[str]:
    allowed = TEMPLATE_NAMES if item.for_each is not None else TEMPLATE_NAMES - {STAKEHOLDER_NAME}
    sources = [item.text.get_text("")] if item.text.plain else list(item.text.values())
    return [f"item {item.id}: template uses {name!r}"
            for source in sources for name in sorted(template_names(source) - allowed)]


@pytest.mark.parametrize(
    "block",
    [b for b in _yaml_blocks() if not _is_playbook(b) and yaml.safe_load(b.body) is not None],
    ids=lambda b: b.id,
)
def test_a_playbook_fragment_in_the_docs_is_valid_and_its_rules_use_known_names(
    block: Block,
) -> None:
    data = yaml.safe_load(block.body)
    assert isinstance(data, dict), "a fragment is a mapping of playbook (or stage) keys"
    types = _field_types()
    problems: list[str] = []
    for key, value in data.items():
        assert key in types, f"{key!r} is not a key of a playbook or a stage"
        annotation, metadata = types[key]
        adapter: TypeAdapter[Any] = TypeAdapter(
            Annotated[(annotation, *metadata)] if metadata else annotation
        )
        validated = adapter.validate_python(value)
        for model in _walk(validated):
            for where, rule, names in _rules_of(model):
                move = {MOVE_NAME} if key == "moves" else set()  # a move's control points
                unknown = sorted(_names_in(rule) - names - move)
                if unknown:
                    problems.append(f"{key}: {where} {rule.source!r} uses {unknown}")
            if isinstance(model, Item):
                problems.extend(_template_problems(model))
    assert not problems


# -- (d) Python examples run, and the output they show is what they print --------------

def test_the_quickstart_has_python_examples() -> None:
    assert python_examples("index.md")


@pytest.mark.parametrize("example", python_examples("index.md"), ids=lambda e: e.id)
def test_a_python_example_of_the_quickstart_runs(
    example: Example, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    printed = run(example, {"__name__": "__docs__"})
    problem = output_problem(example, printed)
    if problem is not None:
        pytest.fail(problem, pytrace=False)


# -- the error shown in the docs is the error dealflow reports ----------------------------

def _quickstart_playbook() -> str:
    return next(block.body for block in blocks("index.md") if _is_playbook(block))


def _shown_failures() -> list[Block]:
    return [block for page in ("index.md", "cli.md") for block in blocks(page)
            if block.lang == "text" and "probabilty" in block.body]


@pytest.mark.parametrize("block", _shown_failures(), ids=lambda b: b.id)
def test_the_misspelt_key_example_shows_what_validate_reports(block: Block) -> None:
    name = re.search(r"^FAIL  (\S+): ", block.body, re.M)
    assert name is not None
    broken = _quickstart_playbook().replace("probability: 10", "probabilty: 10", 1)
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(broken, name[1])
    reported = [f"  {problem}" for problem in caught.value.problems]
    shown = [line for line in block.body.splitlines() if line.startswith("  ")]
    assert shown == reported


# -- the CLI page documents exactly the commands that exist -------------------------------

def test_the_cli_page_documents_exactly_the_existing_commands() -> None:
    commands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    documented = {
        heading.split()[1] for heading in re.findall(r"^## (dealflow \S+)", read("cli.md"), re.M)
    }
    assert documented == commands

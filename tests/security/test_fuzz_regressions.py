"""Regressions: each input here once ended in an exception that was not a located dealflow
error (or in minutes of work); the fuzzing of test_fuzz.py or the long run found them."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from dealflow import _yaml
from dealflow.deal import load_deal_file
from dealflow.errors import DealFileError, ImportProblems, PlaybookError, Problem, RuleSyntaxError
from dealflow.playbook import parse_playbook
from dealflow.rules import compile_rule, compile_template
from dealflow.store import Store, import_jsonl
from tests.security import _fuzzing as fz


def playbook_problems(change: dict[str, object], where: tuple[object, ...] = ()) -> list[Problem]:
    """The problems of the minimal playbook with `change` applied to the mapping at `where`."""
    data = copy.deepcopy(fz.minimal_data())
    target = data
    for step in where:
        target = target[step]
    target.update(change)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)
    for key, value in change.items():  # numbers written as they are, not as YAML dumps them
        if isinstance(value, str) and value.startswith("RAW:"):
            text = text.replace(f"{key}: {value}", f"{key}: {value[4:]}")
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, "p.yaml")
    return list(caught.value.problems)


@pytest.mark.parametrize(
    "number",
    ["0x" + "f" * 3990, "0b" + "1" * 13_500, "1" + ":1" * 5000, "9" * 5000],
    ids=["hex", "binary", "sexagesimal", "decimal"],
)
def test_regression_yaml_number_too_long_to_print_or_quadratic_to_read(number: str) -> None:
    """`title: 0xfff...` (4,800 digits once read) crashed the message that describes the
    wrong type (Python prints no int of more than 4,300 digits); `1:1:1:...` (base 60)
    took minutes to read. Both are now refused where they stand."""
    [problem] = playbook_problems({"title": f"RAW:{number}"})
    assert (problem.path, problem.line, problem.column) == ("title", 3, 8)
    assert problem.message == ("cannot read this value: the number is too long (at most "
                               "about 3,900 digits); quote it if it is text")


@pytest.mark.parametrize(
    "text",
    ["{{ " + "9" * 5000 + " }}", "{% if deal.amount > 0x" + "f" * 4000 + " %}x{% endif %}"],
    ids=["decimal", "hex"],
)
def test_regression_item_text_with_a_number_too_long_to_print(text: str) -> None:
    """An item text (a template) with such a number raised Python's ValueError."""
    problems = playbook_problems({"text": text}, ("stages", 0, "items", 0))
    assert [p.path for p in problems] == ["stages[0].items[0].text"]
    assert problems[0].line > 0
    assert "template does not compile: a number has more than 4300 digits" in \
        problems[0].message
    with pytest.raises(RuleSyntaxError, match="more than 4300 digits"):
        compile_template(text)


def test_regression_rule_with_a_number_too_long_to_print() -> None:
    """With max_rule_length raised, a rule with a 5,000-digit number raised ValueError."""
    with pytest.raises(RuleSyntaxError) as caught:
        compile_rule("deal.amount > " + "9" * 5000, max_length=10_000)
    assert str(caught.value) == "does not compile: a number has more than 4300 digits"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path}/r.db", playbook=fz.minimal_playbook())


@pytest.mark.parametrize(
    ("line", "message"),
    [(b'{"type": "deal_created", "seq": ' + b"9" * 5000 + b"}",
      "not JSON that can be read: a number has more than 4300 digits"),
     (b"[" * 100_000 + b"]" * 100_000, "not JSON that can be read: nested too deeply")],
    ids=["long-number", "deep-nesting"],
)
def test_regression_import_line_python_cannot_read(
    tmp_path: Path, store: Store, line: bytes, message: str,
) -> None:
    """`json.loads` raised ValueError (a number of more than 4300 digits) or
    RecursionError (deep nesting) past the import's checks."""
    path = tmp_path / "events.jsonl"
    first, *_ = fz.jsonl_seed().splitlines(keepends=True)
    path.write_bytes(first + line + b"\n")
    with pytest.raises(ImportProblems) as caught:
        import_jsonl(store, path)
    assert caught.value.problems == (Problem(str(path), 2, 1, "", message),)
    assert fz.event_count(store) == 0


@pytest.mark.parametrize(
    ("change", "path"),
    [({"stakeholders": True}, "stakeholders"),
     ({"stakeholders": [{"id": "eric", "name": "Eric", "roles": [["economic_buyer"]]}]},
      "stakeholders[0].roles[0]")],
    ids=["stakeholders-not-a-list", "role-not-a-string"],
)
def test_regression_deal_file_with_a_list_where_a_value_belongs(
    tmp_path: Path, change: dict[str, object], path: str,
) -> None:
    """`stakeholders: true` and `roles: [[economic_buyer]]` raised TypeError in the checks
    against the playbook (found by `python -m tests.soak.fuzz`)."""
    data = {"id": "D-1", "title": "T", "account": "A", "owner": "li", **change}
    file = tmp_path / "deal.yaml"
    file.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DealFileError) as caught:
        load_deal_file(file, fz.minimal_playbook())
    assert {p.path for p in caught.value.problems} == {path}
    assert all(p.line >= 1 for p in caught.value.problems)


@pytest.mark.parametrize(
    "text",
    ["a:\n" + "- 1\n" * 20_000, "a: [" + "1, " * 20_000 + "]\n"],
    ids=["block-list", "flow-list"],
)
def test_regression_too_many_values_are_refused_while_they_are_read(
    monkeypatch: pytest.MonkeyPatch, text: str,
) -> None:
    """A 2 MB document of 500,000 short values took over a minute before max_nodes refused
    it: the whole node graph was built first. Now reading stops at the value past the
    limit, before any value is built."""
    def not_reached(*args: object) -> None:
        raise AssertionError("the document was read whole before max_nodes was checked")

    monkeypatch.setattr(_yaml._Builder, "build", not_reached)
    with pytest.raises(_yaml.DocumentError) as caught:
        _yaml.read_document(text, "t.yaml", _yaml.Limits(max_nodes=1000))
    assert caught.value.problem.path == "a[998]"  # the root and the list count too
    assert "more than max_nodes=1000 values" in caught.value.problem.message


@pytest.mark.parametrize("brk", ["\x85", "\u2028", "\u2029", "\r"],
                         ids=["NEL", "line-separator", "paragraph-separator", "lone-CR"])
def test_regression_lines_are_counted_by_newlines_only(brk: str) -> None:
    """PyYAML also ends lines at NEL, U+2028, U+2029 and a lone CR: a deal file with such
    a character in a string had every later problem reported lines past its place (and
    past the end of the file), found by `python -m tests.soak.fuzz`."""
    document = _yaml.read_document(f'a: "x{brk}y"\nb: 1\na: 2\n', "t.yaml")
    [problem] = document.problems
    assert (problem.line, problem.column, problem.path) == (3, 1, "a")
    assert problem.message == "duplicate key 'a' (first defined on line 1); keep one of them"
    assert document.position(("b",)) == (2, 4)
    with pytest.raises(_yaml.DocumentError) as caught:
        _yaml.read_document(f'a: "x{brk}y"\nb: [1, 2\nc: 3\n', "t.yaml")
    assert (caught.value.problem.line, caught.value.problem.column) == (3, 2)
    assert "while parsing a flow sequence (line 2)" in caught.value.problem.message

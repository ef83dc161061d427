"""Parsing limits: each one lets its value pass, refuses one more naming itself, and can be
changed from Python (`Limits`), the environment (`DEALFLOW_LIMITS`) and the CLI (`--limits`).

The limits of the YAML reader itself (max_bytes, max_nodes, max_depth, max_aliases,
max_anchors) are tested at their boundary in tests/test_yaml_reader.py.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dealflow import load_playbook
from dealflow.cli import app
from dealflow.errors import DefinitionError, ImportProblems, PlaybookError, Problem
from dealflow.limits import DEFAULT_LIMITS, LIMITS_ENV, Limits, current_limits, parse_limits
from dealflow.playbook import parse_playbook
from dealflow.rules._rule import MAX_RULE_LENGTH
from dealflow.store import Store, import_jsonl
from tests.security import _fuzzing as fz

MINIMAL = Path(__file__).resolve().parents[1] / "playbooks" / "minimal.yaml"


@pytest.fixture(autouse=True)
def _no_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LIMITS_ENV, raising=False)


def minimal() -> dict[str, Any]:
    return copy.deepcopy(fz.minimal_data())


def with_stages(n: int) -> dict[str, Any]:
    data = minimal()
    data["stages"][1:1] = [{"id": f"s{i}", "name": "S", "buyer_phase": "needs", "goal": "G",
                            "probability": 20} for i in range(n - 2)]
    return data


def with_rules(n: int) -> dict[str, Any]:
    """Gates: the minimal playbook's rules are the `when` of its two gates."""
    data = minimal()
    data["stages"][1]["gates"] += [{"id": f"g{i}", "text": "T", "when": "true"}
                                   for i in range(n - 2)]
    return data


def with_items(n: int) -> dict[str, Any]:
    data = minimal()
    data["stages"][1]["items"] = [{"id": f"i{i}", "text": "T", "owner": "sales"}
                                  for i in range(n - 1)]
    return data


def with_rule_of(n: int) -> dict[str, Any]:
    data = minimal()
    head = "facts.pain_confirmed or 'y' == '"
    data["stages"][0]["gates"][0]["when"] = head + "x" * (n - len(head) - 1) + "'"
    return data


#: name -> (a playbook that uses exactly n, the path of the first entry past the limit)
PLAYBOOK_LIMITS: dict[str, tuple[Callable[[int], dict[str, Any]], Callable[[int], str]]] = {
    "max_stages": (with_stages, lambda n: f"stages[{n - 1}]"),
    "max_rules": (with_rules, lambda n: f"stages[1].gates[{n - 2}].when"),
    "max_items": (with_items, lambda n: f"stages[1].items[{n - 2}]"),
    "max_rule_length": (with_rule_of, lambda n: "stages[0].gates[0].when"),
}


def text_of(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def refusal(text: str, limits: Limits | None = None) -> Problem:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, "p.yaml", limits=limits)
    [problem] = caught.value.problems
    return problem


@pytest.mark.parametrize("name", list(PLAYBOOK_LIMITS))
@pytest.mark.parametrize("limit", [3, 40])
def test_a_playbook_limit_lets_its_value_pass_and_refuses_one_more(name: str, limit: int) -> None:
    if name == "max_rule_length":
        limit = 50 + 10 * limit  # room for a rule
    build, past = PLAYBOOK_LIMITS[name]
    limits = Limits(**{name: limit})
    parse_playbook(text_of(build(limit)), "p.yaml", limits=limits)
    problem = refusal(text_of(build(limit + 1)), limits)
    assert problem.path == past(limit + 1)
    assert problem.line > 0
    assert f"the limit {name} is {limit} (raise it with DEALFLOW_LIMITS={name}=N)" in \
        problem.message


@pytest.mark.parametrize(
    ("name", "message"),
    [("max_stages", "the playbook has 101 stages; the limit max_stages is 100"),
     ("max_rules", "the playbook has 1001 rules (the `when` and `for_each` of gates, items, "
                   "plays and approval rules); the limit max_rules is 1000"),
     ("max_items", "the playbook has 1001 SOP items in all its stages; the limit max_items "
                   "is 1000"),
     ("max_rule_length", "rule is 2001 characters long; the limit max_rule_length is 2000")],
)
def test_the_default_playbook_limits_apply_when_none_are_given(name: str, message: str) -> None:
    build, _ = PLAYBOOK_LIMITS[name]
    value = getattr(DEFAULT_LIMITS, name)
    assert message in refusal(text_of(build(value + 1))).message


def test_rules_are_counted_in_the_order_of_the_document() -> None:
    data = minimal()
    data["plays"] = [{"id": "p1", "name": "P", "when": "true", "action": "A"}]
    data["stages"][0]["items"][0].update({"when": "true", "for_each": "true"})
    order = ["stages[0].gates[0].when", "stages[0].items[0].when",
             "stages[0].items[0].for_each", "stages[1].gates[0].when", "plays[0].when"]
    for limit, path in enumerate(order[1:], start=1):
        assert refusal(text_of(data), Limits(max_rules=limit)).path == path


def test_the_rule_length_limit_is_the_compilers() -> None:
    assert DEFAULT_LIMITS.max_rule_length == MAX_RULE_LENGTH


def test_a_playbook_over_a_limit_is_refused_before_its_entries_are_checked() -> None:
    data = with_stages(5)
    data["stages"][3]["probability"] = "high"  # not reported: the playbook is over max_stages
    assert refusal(text_of(data), Limits(max_stages=4)).path == "stages[4]"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("max_stages=7", {"max_stages": 7}),
     (" max_bytes = 5_000_000 , max_depth=80,", {"max_bytes": 5_000_000, "max_depth": 80}),
     ("max_line_bytes=10;max_items=3", {"max_line_bytes": 10, "max_items": 3}),
     ("", {})],
    ids=["one", "spaces-and-underscores", "semicolons", "empty"],
)
def test_limits_are_read_from_a_spec(spec: str, expected: dict[str, int]) -> None:
    assert parse_limits(spec) == dataclasses.replace(DEFAULT_LIMITS, **expected)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [("max_stage=3", "unknown limit 'max_stage' in 'max_stage=3'; the limits are max_bytes, "),
     ("max_stages", "the limit max_stages must be a whole number of at least 1, like "
                    "max_stages=100; not ''"),
     ("max_stages=0", "not '0'"), ("max_stages=-1", "not '-1'"), ("max_stages=2.5", "not '2.5'"),
     ("max_stages=lots", "not 'lots'"), ("max_stages=１２", "not '１２'"),
     ("max_stages=" + "9" * 40, "must be a whole number")],
    ids=["unknown", "no-value", "zero", "negative", "fraction", "text", "fullwidth-digits",
         "huge"],
)
def test_a_wrong_spec_names_the_variable_and_the_limit(spec: str, fragment: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_limits(spec)
    assert str(caught.value).startswith("DEALFLOW_LIMITS: ")
    assert fragment in str(caught.value)


@pytest.mark.parametrize("value", [0, -3, True, 2.0, "5"])
def test_limits_in_python_are_whole_numbers_of_at_least_one(value: object) -> None:
    with pytest.raises(ValueError, match="the limit max_depth must be a whole number"):
        Limits(max_depth=value)  # type: ignore[arg-type]


def test_the_environment_sets_the_limits_where_none_are_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(LIMITS_ENV, "max_stages=4,max_depth=9")
    assert (current_limits().max_stages, current_limits().max_depth) == (4, 9)
    load_playbook(MINIMAL)
    assert "the limit max_stages is 4" in refusal(text_of(with_stages(5))).message
    parse_playbook(text_of(with_stages(5)), "p.yaml", limits=Limits())  # explicit limits win


def test_a_wrong_environment_variable_is_an_error_when_limits_are_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(LIMITS_ENV, "max_stages=many")
    with pytest.raises(DefinitionError, match="DEALFLOW_LIMITS: the limit max_stages"):
        load_playbook(MINIMAL)



@pytest.fixture
def five_stages(tmp_path: Path) -> Path:
    path = tmp_path / "five.yaml"
    path.write_text(text_of(with_stages(5)), encoding="utf-8")
    return path


def test_validate_takes_limits_from_the_option(runner: CliRunner, five_stages: Path) -> None:
    result = runner.invoke(app, ["validate", "--limits", "max_stages=4", str(five_stages)])
    assert result.exit_code == 1
    assert f"{five_stages}:" in result.output
    assert "stages[4]  the playbook has 5 stages; the limit max_stages is 4" in result.output
    assert runner.invoke(app, ["validate", "--limits", "max_stages=5",
                               str(five_stages)]).exit_code == 0


def test_validate_takes_limits_from_the_environment_and_the_option_wins(
    runner: CliRunner, five_stages: Path,
) -> None:
    env = {LIMITS_ENV: "max_stages=4"}
    assert runner.invoke(app, ["validate", str(five_stages)], env=env).exit_code == 1
    result = runner.invoke(app, ["validate", "--limits", "max_stages=6", str(five_stages)],
                           env=env)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "env", "code", "fragment"),
    [(["--limits", "max_stages=x"], {}, 2, "the limit max_stages must be a whole number"),
     (["--limits", "stages=3"], {}, 2, "unknown limit 'stages'"),
     ([], {LIMITS_ENV: "stages=3"}, 1, "DEALFLOW_LIMITS: unknown limit 'stages'")],
    ids=["option-value", "option-name", "environment"],
)
def test_a_wrong_limit_is_a_clear_error_not_a_traceback(
    runner: CliRunner, args: list[str], env: dict[str, str], code: int, fragment: str,
) -> None:
    result = runner.invoke(app, ["validate", *args, str(MINIMAL)], env=env)
    assert result.exit_code == code
    assert fragment in " ".join(result.output.split())
    assert "Traceback" not in result.output


# -- max_line_bytes ------------------------------------------------------------------------

def padded_log(length: int) -> bytes:
    """The seed event log with its first line padded to `length` bytes (without its break)."""
    first, *rest = fz.jsonl_seed().splitlines(keepends=True)
    body = first.rstrip(b"\n")
    return body + b" " * (length - len(body)) + b"\n" + b"".join(rest)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(f"sqlite:///{tmp_path}/limits.db", playbook=fz.minimal_playbook())
    return opened


@pytest.mark.parametrize("ending", [b"\n", b""], ids=["with-a-line-break", "at-the-end"])
def test_an_import_line_of_max_line_bytes_passes_and_one_byte_more_is_refused(
    tmp_path: Path, store: Store, ending: bytes,
) -> None:
    path = tmp_path / "events.jsonl"
    first = padded_log(600).splitlines()[0]
    path.write_bytes(first + ending)
    assert import_jsonl(store, path, limits=Limits(max_line_bytes=600)).added == 1
    path.write_bytes(first + b" " + ending)
    with pytest.raises(ImportProblems) as caught:
        import_jsonl(store, path, limits=Limits(max_line_bytes=600))
    assert caught.value.problems == (Problem(
        str(path), 1, 1, "", "line is 601 bytes long; the limit max_line_bytes is 600 (raise "
        "it with DEALFLOW_LIMITS=max_line_bytes=N)"),)


def test_a_very_long_import_line_is_measured_without_being_read_whole(
    tmp_path: Path, store: Store,
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(padded_log(16_000_000))
    tracemalloc.start()
    try:
        with pytest.raises(ImportProblems) as caught:
            import_jsonl(store, path, limits=Limits(max_line_bytes=1000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "line is 16000000 bytes long; the limit max_line_bytes is 1000" in str(caught.value)
    assert peak < 4_000_000
    assert fz.event_count(store) == 0


def test_import_takes_max_line_bytes_from_the_option_and_the_environment(
    tmp_path: Path, runner: CliRunner,
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(padded_log(5000))
    db = f"sqlite:///{tmp_path}/cli.db"
    with Store(db, playbook=fz.minimal_playbook()):  # the events are of this playbook
        pass
    refused = runner.invoke(app, ["import", str(path), "--db", db, "--limits",
                                  "max_line_bytes=4999"])
    assert refused.exit_code == 1
    assert "<document> line is 5000 bytes long; the limit max_line_bytes is 4999 (raise it " \
           "with DEALFLOW_LIMITS=max_line_bytes=N)" in " ".join(refused.output.split())
    env = {LIMITS_ENV: "max_line_bytes=4999"}
    assert runner.invoke(app, ["import", str(path), "--db", db], env=env).exit_code == 1
    done = runner.invoke(app, ["import", str(path), "--db", db, "--format", "json"],
                         env={LIMITS_ENV: "max_line_bytes=5000"})
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout[done.stdout.index("{"):])["added"] == \
        len(fz.jsonl_seed().splitlines())


# -- hostile documents, end to end -------------------------------------------------------

MINIMAL_BYTES = MINIMAL.read_bytes()
LAUGHS = b"".join([b'lol1: &lol1 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n',
                   *(f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]\n".encode()
                     for i in range(2, 10))])


@pytest.mark.parametrize(
    ("content", "path", "fragment"),
    [
        (LAUGHS + MINIMAL_BYTES, "lol5[9][8][6][4][3]", "more than max_nodes=100000 values"),
        (MINIMAL_BYTES + b"x: " + b"[" * 50_000, "x" + "[0]" * 50, "deeper than max_depth=50"),
        (MINIMAL_BYTES.replace(b"probability: 10", b"probability: 1e999999"),
         "stages[0].probability", "expected a whole number, not the text '1e999999'"),
        (MINIMAL_BYTES.replace(b"probability: 10", b"probability: 1.0e+999999"),
         "stages[0].probability", "finite number"),
        (MINIMAL_BYTES.replace(b"probability: 10", b"probability: " + b"7" * 100_000),
         "stages[0].probability", "the number is too long"),
        (MINIMAL_BYTES.replace(b"title: {en: Minimal", b"title: {en: " + b"M" * 2_000_000),
         "", "the limit max_bytes is 2000000"),
        (MINIMAL_BYTES.replace(b"id: minimal", b"id: mini\x00mal"), "", "is a binary file"),
        (MINIMAL_BYTES.replace(b"Minimal", b"Minimal \xff"), "", "is not UTF-8 text"),
        (MINIMAL_BYTES.replace(b"\n  - id: close", b"\n\t- id: close"), "",
         "found character '\\t' that cannot start any token"),
        (MINIMAL_BYTES.replace(b'version: "1"', b'version: "1"\nversion: "2"'), "version",
         "duplicate key 'version'"),
        (MINIMAL_BYTES.replace(b'version: "1"', b"version: !!python/object/apply:os.system "
                               b"['true']"), "version", "is not supported"),
    ],
    ids=["billion-laughs", "deep-flow-lists", "1e999999", "1.0e+999999", "100000-digits",
         "long-scalar", "nul", "invalid-utf8", "tab", "duplicate-key", "python-tag"],
)
def test_a_hostile_playbook_is_refused_at_its_place(
    tmp_path: Path, content: bytes, path: str, fragment: str,
) -> None:
    file = tmp_path / "hostile.yaml"
    file.write_bytes(content)
    with pytest.raises(PlaybookError) as caught:
        load_playbook(file)
    [problem] = [p for p in caught.value.problems if fragment in p.message]
    assert problem.file == str(file)
    assert problem.path == path
    assert problem.line >= 1 or "max_bytes" in problem.message


def test_a_playbook_with_a_byte_order_mark_and_a_long_text_loads(tmp_path: Path) -> None:
    file = tmp_path / "bom.yaml"
    long_goal = b"goal: {en: " + b"G" * 1_900_000
    file.write_bytes(b"\xef\xbb\xbf" + MINIMAL_BYTES.replace(b"goal: {en: Sign", long_goal))
    assert len(load_playbook(file).stages[1].goal.get_text("en")) == 1_900_000

"""Soundness checks find what is wrong with a playbook that loads.

`tests/playbooks/unsound/` is a corpus of playbooks derived from minimal.yaml: each loads,
and each is unsound in one way. Its header names the codes it must produce
(`# expect: DF101 DF103`), optionally codes it must not produce (`# absent: DF102`), and
says in one line what is wrong. Every case runs through `check_soundness` and through
`dealflow validate --deep`; cases that expect an info-level code (DF108, DF109) are run
apart, since those are only reported on request.

The deep checks of a case run once: `check_soundness` is memoized, and the tests of the
text output of `dealflow validate --deep` (a thin layer over it) answer from that memo. The
JSON tests and the tests of the sound playbooks run the command end to end.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

import dealflow.testing
from dealflow import Deal, load_playbook
from dealflow.cli import app
from dealflow.playbook import CODES
from dealflow.testing import Soundness, assert_sound, check_soundness
from dealflow.testing._deep import DEEP_CODES
from tests._docs import marked, python_examples, read, run
from tests.conftest import REPO, TESTS

UNSOUND = TESTS / "playbooks" / "unsound"
EXAMPLES = 30
"""Generated deals per deep check in these tests: enough for every case of the corpus."""

SOUND = [REPO / "playbooks" / "complex-b2b.yaml", TESTS / "playbooks" / "minimal.yaml"]


@dataclass(frozen=True)
class Case:
    """A playbook of the corpus and what its header says about it."""

    path: Path
    expect: frozenset[str]
    absent: frozenset[str]
    description: str

    @property
    def info(self) -> bool:
        """Whether the case expects a finding that is only reported with `info`."""
        return any(CODES[code][0] == "info" for code in self.expect if code in CODES)

    @property
    def severity(self) -> str:
        return "info" if self.info else "warning"


def _read_case(path: Path) -> Case:
    header = {}
    description = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, rest = line.removeprefix("#").strip().partition(":")
        if key in ("expect", "absent"):
            header[key] = frozenset(rest.split())
        elif not description:
            description = line.removeprefix("#").strip()
    return Case(path, header.get("expect", frozenset()), header.get("absent", frozenset()),
                description)


CASES = [_read_case(path) for path in sorted(UNSOUND.glob("*.yaml"))]


def _params(cases: list[Case]) -> list[Any]:
    return [pytest.param(case, id=case.path.stem) for case in cases]


def soundness(path: Path, min_severity: str = "warning", examples: int = EXAMPLES) -> Soundness:
    """The soundness of `path` (computed once per test run)."""
    return _soundness(path, min_severity, examples)


@functools.cache
def _soundness(path: Path, min_severity: str, examples: int) -> Soundness:
    return check_soundness(path, examples=examples, min_severity=min_severity)


@pytest.fixture
def memoized(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check_soundness`, as the CLI calls it, answers from the memo of `soundness`."""

    def check(path: str | Path, *, deep: bool = True, examples: int = 100,
              min_severity: str = "warning") -> Soundness:
        assert deep
        return soundness(Path(path), min_severity, examples)

    monkeypatch.setattr(dealflow.testing, "check_soundness", check)



@functools.cache
def validate(case: Case, *options: str) -> Result:  # memoized: each test asks for it again
    """`dealflow validate --deep` on the case, with `--verbose` for an info case (run once)."""
    verbose = ["--verbose"] if case.info else []
    return CliRunner().invoke(app, ["validate", "--deep", "--examples", str(EXAMPLES),
                                    *verbose, *options, str(case.path)])


def _witnesses(output: str) -> list[Any]:
    """The deals the text report shows under `deal:`, each parsed as YAML."""
    found = []
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line != "    deal:":
            continue
        body = []
        for following in lines[index + 1:]:
            if not following.startswith("      "):
                break
            body.append(following)
        found.append(yaml.safe_load(textwrap.dedent("\n".join(body))))
    return found


# -- the corpus itself ----------------------------------------------------------------------

def test_the_corpus_has_at_least_22_cases_each_with_its_codes_and_a_description() -> None:
    assert len(CASES) >= 22
    for case in CASES:
        assert case.expect, f"{case.path.name} has no `# expect:` line"
        assert case.description, f"{case.path.name} has no one-line description"
        unknown = (case.expect | case.absent) - set(CODES) - set(DEEP_CODES)
        assert not unknown, f"{case.path.name} names unknown codes {sorted(unknown)}"


def test_the_corpus_covers_every_code_but_determinism() -> None:
    covered = set().union(*(case.expect for case in CASES))
    # DF206 cannot be provoked by a playbook: the engine is deterministic by construction.
    assert (set(CODES) | set(DEEP_CODES)) - {"DF206"} <= covered


@pytest.mark.parametrize("case", _params(CASES))
def test_every_playbook_of_the_corpus_loads(case: Case) -> None:
    load_playbook(case.path)


# -- check_soundness ------------------------------------------------------------------------

@pytest.mark.parametrize("case", _params([case for case in CASES if not case.info]))
def test_an_unsound_playbook_reports_every_code_it_expects(case: Case) -> None:
    result = soundness(case.path)
    assert not result.problems
    missing = case.expect - set(result.codes())
    assert not missing, f"{case.description}\nmissing {sorted(missing)} in:\n{result.report()}"
    unwanted = case.absent & set(result.codes())
    assert not unwanted, f"{sorted(unwanted)} should not be reported:\n{result.report()}"


@pytest.mark.parametrize("case", _params([case for case in CASES if case.info]))
def test_an_info_finding_is_reported_only_when_info_is_asked_for(case: Case) -> None:
    assert not case.expect & set(soundness(case.path).codes())
    result = soundness(case.path, "info")
    missing = case.expect - set(result.codes())
    assert not missing, f"{case.description}\nmissing {sorted(missing)} in:\n{result.report()}"


@pytest.mark.parametrize("path", [
    pytest.param(SOUND[0], id="complex-b2b"),
    pytest.param(SOUND[1], id="minimal"),
])
def test_the_default_playbook_and_minimal_are_sound_with_the_default_examples(
    path: Path, runner: CliRunner,
) -> None:
    result = runner.invoke(app, ["validate", "--deep", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == f"ok  {path}: sound (100 examples per check)\n"


def test_assert_sound_fails_with_the_whole_report_for_an_unsound_playbook() -> None:
    path = UNSOUND / "missing_translation.yaml"
    with pytest.raises(AssertionError) as failure:
        assert_sound(path, examples=EXAMPLES)
    assert "playbook is not sound" in str(failure.value)
    assert soundness(path).report() in str(failure.value)


def test_assert_sound_returns_the_soundness_of_a_sound_playbook() -> None:
    result = assert_sound(SOUND[1], examples=EXAMPLES)
    assert result.ok
    assert result.report() == f"{SOUND[1]}: sound"


# -- codes ignored by the playbook ----------------------------------------------------------

IGNORED = TESTS / "playbooks" / "ignored.yaml"


def test_codes_the_playbook_ignores_are_not_reported(runner: CliRunner) -> None:
    assert soundness(IGNORED, "info").ok
    result = runner.invoke(app, ["validate", "--deep", "--examples", str(EXAMPLES), str(IGNORED)])
    assert result.exit_code == 0, result.output


def test_without_its_ignore_list_the_same_playbook_reports_those_codes(tmp_path: Path) -> None:
    text = IGNORED.read_text(encoding="utf-8")
    ignore = "lint:\n  ignore: [DF102, DF105, DF204]\n"
    assert ignore in text
    path = tmp_path / "not-ignored.yaml"
    path.write_text(text.replace(ignore, ""), encoding="utf-8")
    assert set(soundness(path, "info").codes()) >= {"DF102", "DF105", "DF204"}


# -- dealflow validate --deep ---------------------------------------------------------------

def _located_line(case: Case, line: int) -> str:
    lines = case.path.read_text(encoding="utf-8").splitlines()
    assert 0 < line <= len(lines)
    return lines[line - 1]


@pytest.mark.parametrize("case", _params(CASES))
@pytest.mark.usefixtures("memoized")
def test_validate_deep_exits_1_and_prints_every_code_of_an_unsound_playbook(case: Case) -> None:
    result = validate(case)
    assert result.exit_code == 1, result.output
    printed = set(re.findall(r"\bDF\d{3}\b", result.output))
    assert case.expect <= printed, result.output
    assert not case.absent & printed, result.output


@pytest.mark.parametrize("case", _params(CASES))
@pytest.mark.usefixtures("memoized")
def test_validate_deep_prints_each_static_finding_at_its_line_in_the_file(case: Case) -> None:
    output = validate(case).output
    located = re.findall(rf"^{re.escape(str(case.path))}:(\d+):(\d+)  (\S+)  (DF1\d\d) ",
                         output, re.M)
    assert {code for *_, code in located} == {c for c in case.expect if c.startswith("DF1")}
    for line, _, path, _ in located:
        # the line holds the key the finding is about, or the `id:` of the list entry
        last = path.rsplit(".", 1)[-1]
        key = "id" if last.endswith("]") else last
        assert f"{key}:" in _located_line(case, int(line)), (line, path)


@pytest.mark.parametrize("case", _params([case for case in CASES
                                          if case.expect & {"DF201", "DF202", "DF205"}]))
@pytest.mark.usefixtures("memoized")
def test_a_deep_finding_prints_the_shrunk_deal_as_yaml_that_loads_as_a_deal(case: Case) -> None:
    output = validate(case).output
    witnesses = _witnesses(output)
    assert witnesses, output
    for data in witnesses:
        assert "id" in data
        Deal.model_validate(data)


JSON_CASES = ("role_nobody_maps", "unset_int_fact_in_ordering", "owner_not_in_resources",
              "always_true_gate_with_df102_ignored")
"""A case of each kind: static, deep with a deal, info, ignored (JSON takes another run)."""


@pytest.mark.parametrize("case", _params([case for case in CASES
                                          if case.path.stem in JSON_CASES]))
def test_validate_deep_in_json_gives_the_findings_of_check_soundness(case: Case) -> None:
    result = validate(case, "--format", "json")
    assert result.exit_code == 1
    [report] = json.loads(result.stdout)
    assert report["file"] == str(case.path)
    assert report["valid"] is True
    assert report["sound"] is False
    codes = [finding["code"] for finding in report["findings"]]
    assert codes == soundness(case.path, case.severity).codes()


# -- the page "Testing your playbook" -------------------------------------------------------

PAGE = "testing-playbooks.md"
BROKEN = "docs/examples/broken-playbook.yaml"


def test_every_code_appears_in_the_testing_page_with_its_severity_and_title() -> None:
    rows = re.findall(r"^\| `(DF\d{3})` \| (\w+) \| (.+) \|$", read(PAGE), re.M)
    expected = [(code, severity, title) for code, (severity, title) in CODES.items()]
    expected += [(code, "error", title) for code, title in DEEP_CODES.items()]
    assert rows == expected, f"copy the codes table of docs/{PAGE} from CODES and DEEP_CODES"


def _without_deals(report: str) -> list[str]:
    return [line for line in report.splitlines() if not line.startswith("      ")]


def test_the_report_shown_for_the_broken_example_is_the_one_it_gets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    block, markers = marked(PAGE, "broken-report")
    report = check_soundness(BROKEN).report()
    # the deals shown depend on hypothesis's shrinking; they must be deals of the playbook
    assert _without_deals(block.body) == _without_deals(report), (
        f"docs/{PAGE} ({block.id}) shows a stale report: between {markers}, paste the "
        f"output of `dealflow validate --deep {BROKEN}`, which is:\n{report}")
    for data in _witnesses(block.body):
        assert Deal.model_validate(data).playbook_id == "plant_upgrade"


def _apply(diff: str, text: str) -> str:
    """`text` with each `@@ ... @@` hunk of `diff` applied (context, `-` and `+` lines)."""
    for hunk in re.split(r"^@@.*@@\n", diff, flags=re.M)[1:]:
        lines = hunk.splitlines()
        old = "".join(line[1:] + "\n" for line in lines if line[0] in " -")
        new = "".join(line[1:] + "\n" for line in lines if line[0] in " +")
        assert text.count(old) == 1, f"this part of the fix does not apply:\n{old}"
        text = text.replace(old, new)
    return text


def test_the_fix_shown_makes_the_broken_example_sound(
    tmp_path: Path, runner: CliRunner,
) -> None:
    block, _ = marked(PAGE, "fix")
    fixed = tmp_path / "broken-playbook.yaml"
    fixed.write_text(_apply(block.body, (REPO / BROKEN).read_text(encoding="utf-8")),
                     encoding="utf-8")
    result = runner.invoke(app, ["validate", "--deep", str(fixed)])
    assert result.exit_code == 0, result.output
    assert result.output == f"ok  {fixed}: sound (100 examples per check)\n"


def test_the_python_examples_of_the_testing_page_run_and_their_tests_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    examples = python_examples(PAGE)
    assert examples
    for example in examples:
        namespace: dict[str, Any] = {"__name__": "__docs__"}
        assert run(example, namespace) == ""
        tests = [value for name, value in namespace.items() if name.startswith("test_")]
        assert tests, f"{example.id} defines no test"
        for test in tests:
            test()

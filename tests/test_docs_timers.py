"""The page "Modelling your process: timers and automation" is a test: its Python runs in
order and prints what the page shows, its playbook fragments are valid, and its example
playbook loads and passes the soundness checks."""

from __future__ import annotations

import pytest
import yaml

from dealflow import load_playbook
from dealflow.playbook import Playbook
from dealflow.testing import assert_sound
from tests._docs import REPO, blocks, output_problem, python_examples, run

PAGE = "modelling-your-process-timers.md"
EXAMPLE = REPO / "docs" / "examples" / "regional-software.yaml"


def test_the_page_runs_in_order_and_prints_what_it_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    examples = python_examples(PAGE)
    assert examples
    for example in examples:
        printed = run(example, namespace)
        problem = output_problem(example, printed, unshown_allowed=False)
        if problem is not None:
            pytest.fail(problem, pytrace=False)


def _fragments() -> list[object]:
    found = []
    for block in blocks(PAGE):
        data = yaml.safe_load(block.body) if block.lang == "yaml" else None
        if isinstance(data, dict) and "on" not in data and True not in data:  # not a CI file
            found.append(pytest.param(data, id=block.id))
    return found


@pytest.mark.parametrize("fragment", _fragments())
def test_a_fragment_of_the_page_fits_into_the_example_playbook(fragment: dict[str, object]
                                                                ) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    if "expected_days" in fragment:
        data["stages"][0].update(fragment)
    else:
        data.update(fragment)
    assert isinstance(Playbook.model_validate(data), Playbook)


def test_the_example_playbook_shares_no_id_with_the_bundled_one() -> None:
    def ids(playbook: Playbook) -> set[str]:
        found = {playbook.id}
        found |= {s.id for s in playbook.stages} | {f.id for f in playbook.facts}
        found |= {r.id for r in (*playbook.roles, *playbook.our_roles, *playbook.lost_reasons)}
        found |= {g.id for s in playbook.stages for g in s.gates}
        found |= {i.id for _, i in playbook.iter_items()}
        return found

    assert not ids(load_playbook(EXAMPLE)) & ids(load_playbook())


def test_the_example_playbook_is_sound() -> None:
    assert assert_sound(EXAMPLE, examples=30).ok

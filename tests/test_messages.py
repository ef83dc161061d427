"""The message catalogue: every message dealflow writes has its Chinese, and the compiled
catalogue is the one its source says.

After adding or changing a `_("...")` message, update and compile the catalogue:

    pybabel extract --no-default-keywords -k _ -k N_ -o /tmp/dealflow.pot src/dealflow
    pybabel update -i /tmp/dealflow.pot -d src/dealflow/locale -D dealflow
    (translate the new entries in src/dealflow/locale/zh/LC_MESSAGES/dealflow.po)
    pybabel compile -d src/dealflow/locale -D dealflow
"""

from __future__ import annotations

import gettext
import re
import string

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from dealflow._messages import CATALOGUES, DOMAIN, _, current_locale, use_locale
from dealflow.cli import app
from tests.conftest import REPO

LANGUAGES = sorted(path.name for path in CATALOGUES.iterdir() if path.is_dir())
SOURCE = REPO / "src" / "dealflow"


def _fields(text: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def messages() -> dict[str, str]:
    """Every message id in the code, with the first place it is written."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(SOURCE), method_map=[("**.py", "python")], keywords={"_": None, "N_": None},
            comment_tags=()):
        if isinstance(message, str):
            found.setdefault(message, f"src/dealflow/{filename}:{lineno}")
    return found


def _catalogue(language: str) -> dict[str, str]:
    path = CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.id): str(m.string) for m in catalog if m.id and not m.fuzzy}


def test_there_is_a_chinese_catalogue() -> None:
    assert "zh" in LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation(language: str, messages: dict[str, str]) -> None:
    catalogue = _catalogue(language)
    missing = [f"{where}: {message!r}" for message, where in messages.items()
               if not catalogue.get(message)]
    assert not missing, f"no {language} translation (see this module's docstring):\n" + \
        "\n".join(missing)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_field(language: str) -> None:
    changed = [f"{message!r}: {text!r}" for message, text in _catalogue(language).items()
               if text and _fields(text) != _fields(message)]
    assert not changed


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_holds_no_message_the_code_no_longer_writes(
        language: str, messages: dict[str, str]) -> None:
    assert sorted(set(_catalogue(language)) - set(messages)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_source_compiled(language: str) -> None:
    compiled = CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with compiled.open("rb") as handle:
        read = gettext.GNUTranslations(handle)
    held = {key: value for key, value in read._catalog.items()  # type: ignore[attr-defined]
            if key}
    assert held == {key: value for key, value in _catalogue(language).items() if value}


def test_a_message_is_english_outside_any_locale() -> None:
    assert current_locale() is None
    assert _("deal {deal} is {status}", deal="d-1", status="won") == "deal d-1 is won"


def test_a_locale_holds_only_inside_its_block() -> None:
    with use_locale("zh"):
        assert current_locale() == "zh"
        with use_locale(None):
            assert current_locale() == "zh"
    assert current_locale() is None


def test_a_locale_without_a_catalogue_writes_english() -> None:
    with use_locale("fr"):
        assert _("deal {deal} is {status}", deal="d-1", status="won") == "deal d-1 is won"


def test_a_value_is_filled_in_after_the_lookup() -> None:
    with use_locale("zh"):
        text = _("deal {deal} is {status}", deal="{status}", status="won")
    assert re.search(r"\{status\}", text)


@pytest.mark.parametrize(("language", "expected"), [
    pytest.param("zh", "未知的键 'severty'；是否想写 'severity'？", id="zh"),
    pytest.param("", "unknown key 'severty'; did you mean 'severity'?", id="unset"),
])
def test_dealflow_lang_chooses_the_language_of_the_messages(
        runner: CliRunner, language: str, expected: str) -> None:
    broken = REPO / "tests" / "playbooks" / "broken" / "unknown_key_did_you_mean.yaml"
    result = runner.invoke(app, ["validate", str(broken)], env={"DEALFLOW_LANG": language})
    assert result.exit_code == 1
    assert expected in result.output

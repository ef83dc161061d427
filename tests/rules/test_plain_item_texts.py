"""An item text without expressions or blocks is returned as it is, exactly as Jinja
would render it (its newlines normalised, a trailing newline dropped), without reading
any name."""

from __future__ import annotations

import dataclasses

import pytest

from dealflow.rules._sandbox import compile_text


@pytest.mark.parametrize("text", [
    "Call the economic buyer.", "", "two\nlines", "ends with a newline\n",
    "windows\r\nnewlines\r\n", "old mac\rnewline", "a } brace and 100% sure", "中文文本",
], ids=["plain", "empty", "lines", "trailing-newline", "crlf", "cr", "brace", "cjk"])
def test_a_plain_text_is_what_jinja_renders(text: str) -> None:
    template = compile_text(text)
    assert template.plain is not None
    rendered = dataclasses.replace(template, plain=None).render({})
    assert template.render({}) == rendered


@pytest.mark.parametrize("text", [
    "Meet {{ deal.account }}", "{% if true %}x{% endif %}", "{# note #}",
], ids=["expression", "block", "comment"])
def test_a_text_with_markup_is_rendered(text: str) -> None:
    template = compile_text(text)
    if text.startswith("{#"):  # a comment leaves no part at all: the text is plain ("")
        assert template.plain == ""
        return
    assert template.plain is None


def test_a_plain_text_reads_no_name() -> None:
    class Nothing(dict[str, object]):
        def __getitem__(self, key: str) -> object:
            raise AssertionError(f"read {key}")

    assert compile_text("Send the recap.").render(Nothing()) == "Send the recap."

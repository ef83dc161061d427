"""`dealflow fact set` and deal files take the richer fact types as people write them:
`150000 EUR`, a JSON list, an enum's label in any locale; `deal show` shows an enum by its
label. Bad values are refused with what would be valid, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dealflow import DealFileError, load_deal_file, load_playbook
from tests.cli.conftest import Invoke, flat
from tests.conftest import REPO

EXAMPLE = REPO / "docs" / "examples" / "orchard-robots.yaml"


@pytest.fixture
def deal(invoke: Invoke) -> Invoke:
    made = invoke("deal", "new", "--id", "OR-1", "--title", "Robots", "--account", "Pomona",
                  "--owner", "ana", "--amount", "150000", "--currency", "EUR",
                  "--playbook", str(EXAMPLE))
    assert made.exit_code == 0, made.output
    return invoke


@pytest.mark.parametrize(("name", "value", "shown", "stored"), [
    ("crop", "樱桃", "crop = Cherries", "cherries"),
    ("crop", "pears", "crop = Pears", "pears"),
    ("budget", "EUR 120000", "budget = 120000 EUR", "120000 EUR"),
    ("competitors", '["Agrobot", "Tevel"]', "competitors = Agrobot, Tevel",
     ["Agrobot", "Tevel"]),
    ("quotes", '[{"vendor": "Tevel", "price": "95000 USD"}]',
     "quotes = vendor Tevel, price 95000 USD", [{"vendor": "Tevel", "price": "95000 USD"}]),
], ids=["enum zh label", "enum id", "money", "list", "records"])
def test_fact_set_takes_each_type_as_people_write_it(
    deal: Invoke, name: str, value: str, shown: str, stored: object,
) -> None:
    result = deal("fact", "set", "OR-1", name, value)
    assert result.exit_code == 0, result.output
    assert shown in result.output
    data = json.loads(deal("deal", "show", "OR-1", "-f", "json").output)
    assert data["deal"]["facts"][name] == stored


def test_deal_show_names_an_enum_by_its_label(deal: Invoke) -> None:
    assert deal("fact", "set", "OR-1", "crop", "cherries").exit_code == 0
    assert "Cherries" in deal("deal", "show", "OR-1").output


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("budget", "120000", "is not money"),
    ("crop", "plums", "expected one of: apples (Apples)"),
    ("competitors", "Agrobot, Tevel", "JSON"),
    ("quotes", '[{"vendor": "Tevel"}]', "missing price"),
], ids=["money without currency", "unknown enum", "not a list", "record missing a field"])
def test_fact_set_refuses_a_bad_value_with_what_would_be_valid(
    deal: Invoke, name: str, value: str, fragment: str,
) -> None:
    result = deal("fact", "set", "OR-1", name, value)
    assert result.exit_code == 1
    assert fragment in flat(result.output)
    assert "Traceback" not in result.output


def test_a_deal_file_takes_money_lists_and_enum_labels(tmp_path: Path) -> None:
    path = tmp_path / "deal.yaml"
    path.write_text(
        "id: OR-2\ntitle: Robots\naccount: Cerasus\nowner: ana\n"
        "facts:\n  crop: 苹果\n  budget: 90000 USD\n  competitors: [Agrobot]\n"
        "  quotes:\n    - {vendor: Tevel, price: EUR 80000}\n", encoding="utf-8")
    deal = load_deal_file(path, load_playbook(EXAMPLE))
    assert deal.facts == {"crop": "apples", "budget": "90000 USD", "competitors": ("Agrobot",),
                          "quotes": ({"vendor": "Tevel", "price": "80000 EUR"},)}


def test_a_deal_file_with_a_bad_list_names_the_fact(tmp_path: Path) -> None:
    path = tmp_path / "deal.yaml"
    path.write_text("id: OR-3\ntitle: t\naccount: a\nowner: o\nfacts:\n  competitors: 5\n",
                    encoding="utf-8")
    with pytest.raises(DealFileError) as caught:
        load_deal_file(path, load_playbook(EXAMPLE))
    assert "competitors" in str(caught.value)

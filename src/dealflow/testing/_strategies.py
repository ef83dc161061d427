"""Hypothesis strategies that generate valid dealflow data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from dealflow.deal import Deal, Influence, Stakeholder, Stance
from dealflow.playbook import Fact, Playbook
from dealflow.testing._chain_strategies import draw_chain
from dealflow.values import FactValue, check_id

__all__ = [
    "HOSTILE_STRINGS",
    "deals",
    "fact_values",
    "hostile_ids",
    "hostile_text",
    "playbook_documents",
    "stakeholders",
    "texts",
]

#: Strings that have broken other tools: markup, template syntax, formula injection,
#: right-to-left overrides, SQL, very long and multilingual text.
HOSTILE_STRINGS = (
    "<script>alert(1)</script>", "</td></tr></table>", "{{ 7*7 }}", "{% raw %}", "[red]x[/red]",
    "=HYPERLINK(\"http://x\")", "+1-2", "@SUM(A1)", "-1", "\u202eevil", "'; DROP TABLE deals;--",
    "**bold** _it_ `code` [link](x) | pipe", "# heading", "石油化工 乙烯裂解 升级改造", "😀🚀",
    "a" * 300, "line\nbreak", "tab\tbed", "&amp; &lt;", "\\", "null", "None", "0",
)


def hostile_text(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text, mixed with the known-hostile strings above."""
    alphabet = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
    known = [value for value in HOSTILE_STRINGS if len(value) >= min_size]
    return st.one_of(st.sampled_from(known), st.text(alphabet, min_size=min_size,
                                                      max_size=max_size))

def _is_id(value: str) -> bool:
    try:
        check_id(value)
    except ValueError:
        return False
    return True


def hostile_ids(max_size: int = 20) -> st.SearchStrategy[str]:
    """Ids as hostile as an id may be: markup, template syntax, quotes, backticks, any
    script, emoji and inner spaces, each a valid deal or stakeholder id (printable
    characters, no space at either end; see `dealflow.values.check_id`)."""
    known = [value for value in HOSTILE_STRINGS if len(value) <= max_size and _is_id(value)]
    printable = st.characters(exclude_categories=["Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp",
                                                  "Zs"])
    made = st.text(st.one_of(printable, st.just(" ")), min_size=1, max_size=max_size)
    return st.one_of(st.sampled_from(known), made.map(str.strip).filter(_is_id))


_LOCALES = ("en", "zh", "de", "pt-BR")

_ID = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)

_PLAIN = st.text(  # no braces: item texts are templates, and `{%` alone does not compile
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="{}"),
    min_size=1,
    max_size=30,
).filter(lambda value: value.strip() != "")


def texts(locales: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """A playbook text: a plain string, or a map with the default locale and some others."""
    maps = st.fixed_dictionaries(
        {locales[0]: _PLAIN},
        optional={locale: _PLAIN for locale in locales[1:]},
    )
    return st.one_of(_PLAIN, maps)


def _unique_ids(count: int, prefix: str) -> st.SearchStrategy[list[str]]:
    return st.lists(_ID, min_size=count, max_size=count, unique=True).map(
        lambda ids: [f"{prefix}{value}" for value in ids]
    )


@st.composite
def playbook_documents(draw: st.DrawFn, max_stages: int = 5) -> dict[str, Any]:
    """A valid playbook as the plain data a YAML file holds (load it with `parse_playbook`).

    Ids, texts (plain and localized, any Unicode), stages with gates whose rules refer
    to declared facts and roles, items with owners, plays and approval rules.
    """
    locales = tuple(draw(st.lists(st.sampled_from(_LOCALES), min_size=1, max_size=3,
                                  unique=True)))
    text = texts(locales)
    phase_ids = draw(_unique_ids(draw(st.integers(1, 3)), "p_"))
    stage_ids = draw(_unique_ids(draw(st.integers(1, max_stages)), "s_"))
    role_ids = draw(_unique_ids(draw(st.integers(1, 4)), "r_"))
    our_ids = draw(_unique_ids(draw(st.integers(1, 3)), "o_"))
    fact_ids = draw(_unique_ids(draw(st.integers(1, 4)), "f_"))
    rules = st.one_of(
        st.sampled_from(fact_ids).map(lambda fact: f"facts.{fact}"),
        st.sampled_from(role_ids).map(lambda role: f"covered('{role}')"),
        st.integers(0, 10).map(lambda n: f"stakeholders | length >= {n}"),
        st.sampled_from(["true", "support_score > 0", "days_in_stage < 30"]),
        st.sampled_from(fact_ids).map(lambda fact: f"confirmed('{fact}') or verified('{fact}')"),
    )
    counter = iter(range(10_000))

    def gate() -> dict[str, Any]:
        data = {"id": f"g{next(counter)}", "text": draw(text), "when": draw(rules),
                "severity": draw(st.sampled_from(["block", "warn"]))}
        if draw(st.integers(0, 3)) == 0:
            data["applies_when"] = draw(rules)
        if draw(st.booleans()):
            data["waivable_by"] = draw(st.lists(st.sampled_from(our_ids), min_size=1,
                                                unique=True))
        return data

    with_phases = draw(st.booleans())

    def structure() -> dict[str, Any]:
        """The optional structure of a stage: a phase, a goal, a probability, or none."""
        data: dict[str, Any] = {}
        if with_phases:
            data["buyer_phase"] = draw(st.sampled_from(phase_ids))
        if draw(st.booleans()):
            data["goal"] = draw(text)
        if draw(st.booleans()):
            data["probability"] = draw(st.integers(0, 100))
        return data

    def item() -> dict[str, Any]:
        data: dict[str, Any] = {"id": f"i{next(counter)}", "text": draw(text),
                                "owner": draw(st.sampled_from(our_ids)),
                                "due_days": draw(st.integers(0, 60))}
        if draw(st.booleans()):
            data["when"] = draw(rules)
        return data

    stages = [
        {
            "id": stage_id,
            "name": draw(text),
            **structure(),
            "gates": [gate() for _ in range(draw(st.integers(0, 3)))],
            "required_roles": draw(st.lists(st.sampled_from(role_ids), unique=True, max_size=2)),
            "items": [item() for _ in range(draw(st.integers(0, 3)))],
        }
        for stage_id in stage_ids
    ]
    return {
        "id": draw(_ID),
        "version": draw(st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}", fullmatch=True)),
        "title": draw(text),
        "locales": list(locales),
        "buyer_phases": [{"id": pid, "name": draw(text)} for pid in phase_ids] if with_phases
        else [],
        "stages": stages,
        "roles": [{"id": rid, "name": draw(text)} for rid in role_ids],
        "our_roles": [{"id": oid, "name": draw(text)} for oid in our_ids],
        "facts": [{"id": fid, "name": draw(text), **draw(_FACT_SHAPES)} for fid in fact_ids],
        "plays": [
            {"id": "play_one", "name": draw(text), "when": draw(rules), "action": draw(text),
             "who": [our_ids[0]], "priority": draw(st.integers(1, 100))},
        ],
        "approval_rules": [
            {"id": "approval", "text": draw(text), "when": "deal.amount > 50000",
             "requires": [role_ids[0]], "before": stage_ids[-1]},
        ],
        "lost_reasons": [{"id": "lost", "name": draw(text)}],
        **({"reviews": {"lost": {"required": draw(st.booleans()), "questions": [
            {"id": "weakest", "text": draw(text), "choices_from": "stages"},
            {"id": "why", "text": draw(text), "choices": ["price", "fit"], "required": False},
        ]}}} if draw(st.booleans()) else {}),
    }


_FACT_SHAPES = st.one_of(
    st.sampled_from([{"type": kind} for kind in ("bool", "int", "float", "str", "date",
                                                  "money")]),
    st.just({"type": "enum", "values": ["a", "b"], "labels": {"a": "Alpha"}}),
    st.just({"type": "list", "max_items": 5}),
    st.just({"type": "list", "fields": [{"id": "who"}, {"id": "price", "type": "money"}]}),
)
"""A fact's type and what goes with it, for generated playbooks: every fact type."""

BLANK_TEXTS = ("", " ", "  \t ", "\u3000")
"""Texts a `str` fact (and any free text) accepts that hold nothing visible: gates that
test for them must be seen to fail."""
EDGE_NAMES = ("\u200b", "-", "x", "0")
"""Names (titles, accounts, owners) as short or as empty-looking as dealflow accepts."""
MONEY = st.builds(lambda cents, currency: f"{Decimal(cents) / 100} {currency}",
                  st.integers(0, 10**11), st.sampled_from(["CNY", "USD", "EUR"]))
"""Money as stored: `1234.56 EUR`, in the currencies generated deals use."""


def _texts_in_facts() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(BLANK_TEXTS), hostile_text(max_size=60))


def _field_values(kind: str) -> st.SearchStrategy[Any]:
    if kind == "money":
        return MONEY
    return fact_values(Fact(id="field", name="field", type=kind))


def fact_values(fact: Fact) -> st.SearchStrategy[FactValue]:
    """Valid values of one declared fact, as stored (an enum's id, money as `150000 EUR`,
    a list as a tuple), blank texts and empty lists included."""
    if fact.type == "enum":
        return st.sampled_from(list(fact.values or ()))
    if fact.type == "list":
        size = min(fact.max_items, 5)
        if not fact.fields:
            return st.lists(_texts_in_facts(), max_size=size).map(tuple)
        record = st.fixed_dictionaries({field.id: _field_values(field.type)
                                         for field in fact.fields})
        return st.lists(record, max_size=size).map(tuple)
    strategies: dict[str, st.SearchStrategy[Any]] = {
        "bool": st.booleans(),
        "int": st.integers(-10**6, 10**6),
        "float": st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
        "str": _texts_in_facts(),
        "date": st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
        "money": MONEY,
    }
    return strategies[fact.type]


def stakeholders(playbook: Playbook, *, ids: st.SearchStrategy[str] | None = None,
                 ) -> st.SearchStrategy[Stakeholder]:
    """Stakeholders with the playbook's roles, any stance and influence, hostile names."""
    role_ids = [role.id for role in playbook.roles]
    return st.builds(
        Stakeholder,
        id=ids if ids is not None else st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
        name=hostile_text(min_size=1, max_size=40).filter(lambda v: v.strip() != ""),
        title=st.one_of(st.sampled_from(BLANK_TEXTS), hostile_text(max_size=40)),
        roles=st.lists(st.sampled_from(role_ids), max_size=3, unique=True).map(tuple)
        if role_ids else st.just(()),  # a playbook may declare no roles
        stance=st.sampled_from(list(Stance)),
        influence=st.sampled_from(list(Influence)),
        org_win=hostile_text(max_size=60),
        personal_win=hostile_text(max_size=60),
        last_contact=st.none() | st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    )


@st.composite
def deals(draw: st.DrawFn, playbook: Playbook, stage: str | None = None,
          now: dt.datetime = dt.datetime(2026, 6, 1, tzinfo=dt.UTC), *,
          chain: bool = False, with_commitments: bool = True) -> Deal:
    """A valid open deal of `playbook` (in `stage`, or any stage): typed facts (some with
    evidence, confirmed and verified), a stakeholder map with unique ids, waivers of some
    waivable gates, a close date, close plan and play records (see `commitments`; none
    with `with_commitments=False`), hostile and multilingual text everywhere. With
    `chain`, also organisations, owners, depths, wins, lines, competitors and scores."""
    stage_id = stage or draw(st.sampled_from([s.id for s in playbook.stages]))
    facts: dict[str, FactValue] = {}
    for fact in playbook.facts:
        if draw(st.booleans()):
            facts[fact.id] = draw(fact_values(fact))
    people = draw(st.lists(stakeholders(playbook), max_size=8, unique_by=lambda p: p.id))
    entered = now - dt.timedelta(days=draw(st.integers(0, 400)), hours=draw(st.integers(0, 23)))
    name = st.one_of(st.sampled_from(EDGE_NAMES),
                     hostile_text(min_size=1, max_size=60).filter(lambda v: v.strip() != ""))
    deal = Deal(
        id=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)),
        title=draw(name), account=draw(name), owner=draw(name),
        amount=Decimal(draw(st.integers(0, 10**9))) / 100,
        currency=draw(st.sampled_from(["CNY", "USD", "EUR"])),
        playbook_id=playbook.id, playbook_version=playbook.version, stage=stage_id,
        facts=facts, created_at=entered - dt.timedelta(days=30), stage_entered_at=entered,
        **(draw_chain(draw, playbook, people, hostile_text(max_size=30), entered) if chain
           else {"stakeholders": tuple(people)}),
    )
    from dealflow.testing._evidence_strategies import provenances, waivers

    deal = deal.model_copy(update={"provenance": draw(provenances(deal)),
                                   "waivers": draw(waivers(playbook, deal))})
    if not with_commitments:
        return deal
    from dealflow.testing._commitment_strategies import commitments

    return draw(commitments(playbook, deal))

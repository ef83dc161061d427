"""Hypothesis strategies that generate valid dealflow data."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__ = ["playbook_documents", "texts"]

_LOCALES = ("en", "zh", "de", "pt-BR")

_ID = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)

_PLAIN = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
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
    )
    counter = iter(range(10_000))

    def gate() -> dict[str, Any]:
        return {"id": f"g{next(counter)}", "text": draw(text), "when": draw(rules),
                "severity": draw(st.sampled_from(["block", "warn"]))}

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
            "buyer_phase": draw(st.sampled_from(phase_ids)),
            "goal": draw(text),
            "probability": draw(st.integers(0, 100)),
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
        "buyer_phases": [{"id": pid, "name": draw(text)} for pid in phase_ids],
        "stages": stages,
        "roles": [{"id": rid, "name": draw(text)} for rid in role_ids],
        "our_roles": [{"id": oid, "name": draw(text)} for oid in our_ids],
        "facts": [{"id": fid, "name": draw(text), "type": "bool"} for fid in fact_ids],
        "plays": [
            {"id": "play_one", "name": draw(text), "when": draw(rules), "action": draw(text),
             "who": [our_ids[0]], "priority": draw(st.integers(1, 100))},
        ],
        "approval_rules": [
            {"id": "approval", "text": draw(text), "when": "deal.amount > 50000",
             "requires": [role_ids[0]], "before": stage_ids[-1]},
        ],
        "lost_reasons": [{"id": "lost", "name": draw(text)}],
    }

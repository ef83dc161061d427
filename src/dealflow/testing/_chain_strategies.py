"""The decision chain of a generated deal (issue 20): organisations of the playbook's kinds,
people placed in them with owners, depths and wins, lines between them, competitors
positioned on the playbook's criteria, and scores of its scorecard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from dealflow.deal import Competitor, Influence, Link, Organisation, Score, Stakeholder, Win
from dealflow.playbook import Playbook

__all__ = ["draw_chain"]

_IDS = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)


def _wins(draw: st.DrawFn, text: st.SearchStrategy[str]) -> tuple[Win, ...]:
    return tuple(Win(text=value, addressed=draw(st.booleans()))
                 for value in draw(st.lists(text.filter(str.strip), max_size=2)))


def _person(draw: st.DrawFn, playbook: Playbook, person: Stakeholder, orgs: list[str],
            text: st.SearchStrategy[str]) -> Stakeholder:
    owners = [role.id for role in playbook.our_roles]
    depths = [level.id for level in playbook.decision_chain.relationship_depth]
    return person.model_copy(update={
        "org": draw(st.none() | st.sampled_from(orgs)) if orgs else None,
        "owner": draw(st.none() | st.sampled_from(owners)),
        "depth": draw(st.none() | st.sampled_from(depths)),
        "org_wins": _wins(draw, text), "personal_wins": _wins(draw, text)})


def _links(draw: st.DrawFn, ids: list[str]) -> tuple[Link, ...]:
    if len(ids) < 2:
        return ()
    links: dict[tuple[str, str, str], Link] = {}
    for _ in range(draw(st.integers(0, 2 * len(ids)))):
        source, target = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2,
                                       unique=True))
        kind = draw(st.sampled_from(["reports_to", "influences"]))
        if kind == "reports_to" and ids.index(target) >= ids.index(source):
            continue  # reporting lines go up the list: never a circle
        if kind == "reports_to" and any(k == "reports_to" and s == source for k, s, _t in links):
            continue  # one boss each
        links[(kind, source, target)] = Link(kind=kind, source=source, target=target,
                                             strength=draw(st.sampled_from(list(Influence))))
    return tuple(links.values())


def draw_chain(draw: st.DrawFn, playbook: Playbook, people: list[Stakeholder],
               text: st.SearchStrategy[str], now: dt.datetime) -> dict[str, Any]:
    """The chain fields of a deal, and its people placed in it."""
    kinds = [kind.id for kind in playbook.decision_chain.kinds()]
    org_ids = draw(st.lists(_IDS, max_size=3, unique=True))
    orgs = tuple(Organisation(id=org, name=draw(text.filter(str.strip)) or org,
                              kind=draw(st.sampled_from(kinds))) for org in org_ids)
    placed = tuple(_person(draw, playbook, person, org_ids, text) for person in people)
    ids = [person.id for person in placed]
    criteria = [criterion.id for criterion in playbook.decision_criteria]
    rivals = tuple(Competitor(
        id=rival, name=rival, incumbent=draw(st.booleans()),
        positions={c: draw(st.sampled_from(["ahead", "even", "behind"]))
                   for c in draw(st.lists(st.sampled_from(criteria), unique=True))}
        if criteria else {},
        preferred_by=tuple(draw(st.lists(st.sampled_from(ids), unique=True, max_size=2)))
        if ids else ()) for rival in draw(st.lists(_IDS, max_size=2, unique=True)))
    card = playbook.scorecard
    scores = {c.id: Score(level=draw(st.integers(0, 3)), at=now,
                          previous=draw(st.none() | st.integers(0, 3)))
              for c in (card.criteria if card else ()) if draw(st.booleans())}
    return {"stakeholders": placed, "organisations": orgs, "links": _links(draw, ids),
            "competitors": rivals, "scores": scores}

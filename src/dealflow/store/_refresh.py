"""Schema 3 to 4: every deal's projection rebuilt from its events.

Timers and automation (issue 18) added fields to the deal that earlier events already
determine: when the deal was won or lost (`closed_at`) and when each kind of activity
last happened (`activity`: a next step set, an item done, a stakeholder contacted).
Projections written before them lack those values; this step replays each deal's events
under the playbook versions it ran under (kept in the database) and stores the deal
again, so that the projection equals a replay, as it must.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, select, update

from dealflow.engine import DealCreated, replay
from dealflow.limits import current_limits
from dealflow.playbook import Playbook, bundled_playbooks, load_playbook, parse_playbook_cached
from dealflow.store._rows import event_from_row
from dealflow.store._tables import DEALS, EVENTS, PLAYBOOKS

__all__ = ["refresh_projections"]


def _resolver(conn: Connection) -> Callable[[str, str], Playbook | None]:
    texts = {(str(pid), str(version)): str(text) for pid, version, text in conn.execute(
        select(PLAYBOOKS.c.id, PLAYBOOKS.c.version, PLAYBOOKS.c.text))}
    cache: dict[tuple[str, str], Playbook | None] = {}

    def resolve(playbook_id: str, version: str) -> Playbook | None:
        key = (playbook_id, version)
        if key not in cache:
            if key in texts:
                cache[key] = parse_playbook_cached(texts[key], f"<store {playbook_id} "
                                                   f"{version}>", current_limits())
            elif playbook_id in bundled_playbooks():
                bundled = load_playbook(playbook_id)
                cache[key] = bundled if bundled.version == version else None
            else:
                cache[key] = None
        return cache[key]

    return resolve


def refresh_projections(conn: Connection) -> None:
    """Store each deal again as the replay of its events."""
    resolve = _resolver(conn)
    for deal_id in list(conn.execute(select(DEALS.c.id)).scalars()):
        rows = conn.execute(select(EVENTS).where(EVENTS.c.deal_id == deal_id)
                            .order_by(EVENTS.c.seq)).all()
        events = [event_from_row(row) for row in rows]
        if not events or not isinstance(events[0], DealCreated):
            continue  # a broken history stays as it is; reading the deal says so
        created = events[0]
        playbook = resolve(created.playbook_id, created.playbook_version)

        def switch(playbook_id: str, version: str) -> Playbook:
            found = resolve(playbook_id, version)
            if found is None:
                raise LookupError(f"{playbook_id} {version}")
            return found

        try:
            deal = replay(events, playbook, resolve=switch)
        except LookupError:  # a version the database does not hold: facts stay untyped
            deal = replay(events)
        conn.execute(update(DEALS).where(DEALS.c.id == deal_id)
                     .values(data=deal.model_dump(mode="json")))

"""The lost reasons of a layer come in alphabetical order, on SQLite and PostgreSQL.

The "main lost reason" that `dealflow funnel` and the report show is the most frequent
one, the first in this order on a tie; without an ORDER BY, SQL promises no order (both
backends happen to group in order today), so the funnel asks for it.
"""

from __future__ import annotations

from dealflow.analytics import funnel
from dealflow.store import Store


def test_the_lost_reasons_of_every_layer_are_in_alphabetical_order(store: Store) -> None:
    layers = funnel(store).stages
    assert sum(len(layer.lost) > 1 for layer in layers) >= 3
    for layer in layers:
        assert list(layer.lost) == sorted(layer.lost), layer.stage

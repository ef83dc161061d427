"""The store the commands open: a `Store` that tells `speak` each playbook a command gets
from it, so that the output is in the playbook's first locale unless `--lang` or
`DEALFLOW_LANG` chose a language. Imported when a command opens the store (the store
brings SQLAlchemy along)."""

from __future__ import annotations

from dealflow.cli._lang import speak
from dealflow.engine import Engine
from dealflow.playbook import Playbook
from dealflow.store import Store

__all__ = ["SpeakingStore"]


class SpeakingStore(Store):
    """A `Store` whose every way to a playbook (a deal's, the one chosen for figures, the
    one new deals open under) tells `speak`."""

    def playbook_for(self, playbook_id: str, version: str) -> Playbook:
        """See `Store.playbook_for`."""
        found = super().playbook_for(playbook_id, version)
        speak(found)
        return found

    def choose_playbook(self, choice: str | Playbook | None = None) -> Playbook:
        """See `Store.choose_playbook`."""
        chosen = super().choose_playbook(choice)
        speak(chosen)
        return chosen

    def playbook_for_new_deals(self, choice: str | Playbook | None = None) -> Playbook:
        """See `Store.playbook_for_new_deals`."""
        chosen = super().playbook_for_new_deals(choice)
        speak(chosen)
        return chosen

    def engine_for_playbook(self, playbook: Playbook) -> Engine:
        """See `Store.engine_for_playbook`."""
        speak(playbook)
        return super().engine_for_playbook(playbook)

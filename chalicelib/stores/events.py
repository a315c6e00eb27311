"""Locker events as received (the deduplication record of each event id) and their outcome."""

from __future__ import annotations

from .engine import ABSENT, Engine, Transaction
from .rows import LockerEventRow


class EventStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(LockerEventRow)

    def record_first(self, row: LockerEventRow) -> None:
        """Record an event as received; WriteConflict if this locker's event id was recorded already."""
        self.table.put(row, expect={"event_id": ABSENT})

    def record(self, row: LockerEventRow, tx: Transaction) -> None:
        """Record an event with its outcome inside ``tx``, unguarded: a code event already answered, whose
        claim (made by this event id) is what tells a duplicate delivery."""
        self.table.put(row, tx=tx)

    def forget(self, locker_id: str, event_id: str) -> None:
        """Remove an event's record, so its redelivery is handled again."""
        self.table.delete((locker_id, event_id))

    def set_outcome(self, locker_id: str, event_id: str, outcome: str) -> None:
        """Note how the event was answered; no guard (as received or not, the outcome is written)."""
        self.table.update((locker_id, event_id), set={"outcome": outcome})

"""Locker events as received (the deduplication record of each event id) and their outcome."""

from __future__ import annotations

from .engine import Engine
from .rows import LockerEventRow


class EventStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(LockerEventRow)

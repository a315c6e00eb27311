"""Counters: the gapless registration sequence, uniqueness claims, rate-limit windows, status-lookup codes."""

from __future__ import annotations

from .engine import Engine
from .rows import Counter, Verification


class CounterStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(Counter)
        self.verifications = engine.table(Verification)

    def ping(self) -> None:
        """One read of a key no counter has: returns when DynamoDB answers (the health check), raises when not."""
        self.table.get("health#ping")

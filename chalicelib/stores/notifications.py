"""SMS notifications as records: recipient (masked), template, status, attempts, the provider's id."""

from __future__ import annotations

from .engine import Engine
from .rows import NotificationRow


class NotificationStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(NotificationRow)

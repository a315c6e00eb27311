"""The audit trail: who (a clerk's username or ``locker:<id>``) did what, when, to which subject."""

from __future__ import annotations

import uuid
from typing import Any

from .engine import Engine, Transaction
from .rows import AuditRow


def audit_row(subject: str, actor: str, action: str, now_ms: int, **detail: Any) -> AuditRow:
    return AuditRow(
        subject=subject,
        at_id=f"{now_ms:015d}#{uuid.uuid4().hex[:8]}",
        actor=actor,
        action=action,
        detail={k: v for k, v in detail.items() if v is not None} or None,
    )


class AuditStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(AuditRow)

    def add(self, entry: AuditRow, tx: Transaction | None = None) -> None:
        """Entries are never overwritten (their key holds the time and a random suffix)."""
        self.table.put(entry, tx=tx)

    def trail(self, subject: str, limit: int = 200) -> list[AuditRow]:
        """The subject's entries, oldest first."""
        return list(self.table.query(subject, limit=limit))

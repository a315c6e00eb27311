"""Audit trail entries: who (a clerk's username or ``locker:<id>``), when, what, to which subject."""

from __future__ import annotations

import uuid
from typing import Any

from ..storage.models import AuditRecord


def audit_entry(subject: str, actor: str, action: str, now_ms: int, **detail: Any) -> AuditRecord:
    return AuditRecord(
        subject=subject,
        at_id=f"{now_ms:015d}#{uuid.uuid4().hex[:8]}",
        actor=actor,
        action=action,
        detail={k: v for k, v in detail.items() if v is not None} or None,
    )


def history(subject: str, limit: int = 200) -> list[dict[str, Any]]:
    return [
        {"at": int(r.at_id.split("#")[0]), "actor": r.actor, "action": r.action, "detail": r.detail or {}}
        for r in AuditRecord.query(subject, limit=limit)
    ]


def request_subject(request_id: str) -> str:
    return f"request#{request_id}"


def locker_subject(locker_id: str) -> str:
    return f"locker#{locker_id}"

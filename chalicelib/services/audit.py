"""Audit trail entries: who (a clerk's username or ``locker:<id>``), when, what, to which subject."""

from __future__ import annotations

from typing import Any

from ..stores.audit import audit_row
from .deps import Deps


def history(deps: Deps, subject: str, limit: int = 200) -> list[dict[str, Any]]:
    """The subject's entries, oldest first, as the API shows them."""
    return [
        {"at": int(r.at_id.split("#")[0]), "actor": r.actor, "action": r.action, "detail": r.detail or {}}
        for r in deps.stores.audit.trail(subject, limit)
    ]


def request_subject(request_id: str) -> str:
    return f"request#{request_id}"


def locker_subject(locker_id: str) -> str:
    return f"locker#{locker_id}"


def staff_subject(username: str) -> str:
    """A staff account's trail: sign-ins, failures, locks, sign-outs, and the citizens' records it opened."""
    return f"staff#{username[:128]}"


def record_staff_event(deps: Deps, username: str, action: str, actor: str | None = None, **detail: Any) -> None:
    deps.stores.audit.add(audit_row(staff_subject(username), actor or username[:128], action, deps.now(), **detail))

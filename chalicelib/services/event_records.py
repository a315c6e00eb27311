"""The record of every locker event: the idempotency guard (locker + event id) and the locker's audit trail.

Codes are secrets: a record keeps only that a code was typed or scanned, never the code.
"""

from __future__ import annotations

import logging
from typing import Any

from ..domain.errors import DependencyDown
from ..domain.protocol import LockerEvent
from ..stores.engine import WriteConflict
from ..stores.rows import LockerEventRow
from .deps import Deps

log = logging.getLogger(__name__)
KEEP_EVENTS_S = 365 * 86_400


def event_row(deps: Deps, event: LockerEvent, outcome: str | None = None) -> LockerEventRow:
    """The record of an event as received now (its code redacted)."""
    return LockerEventRow(
        locker_id=event.locker,
        event_id=event.id,
        type=event.type,
        ts=event.ts,
        received_at=deps.now(),
        payload=redacted(event.raw or {}),
        outcome=outcome,
        ttl=deps.now() // 1000 + KEEP_EVENTS_S,
    )


def claim_event(deps: Deps, event: LockerEvent, outcome: str | None = None) -> bool:
    """True the first time this event is seen (conditional put, with its ``outcome`` when already known);
    False for a repeated delivery."""
    try:
        deps.stores.events.record_first(event_row(deps, event, outcome))
    except WriteConflict:
        return False
    return True


def redacted(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: ("<redacted>" if k == "code" else v) for k, v in raw.items()}


def forget(deps: Deps, event: LockerEvent) -> None:
    """Let an event whose handling failed be delivered again."""
    try:
        deps.stores.events.forget(event.locker, event.id)
    except DependencyDown:
        log.warning("could not release event %s; its redelivery will be taken as a duplicate", event.id)


def set_outcome(deps: Deps, event: LockerEvent, outcome: str) -> None:
    deps.stores.events.set_outcome(event.locker, event.id, outcome)

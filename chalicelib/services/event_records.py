"""The record of every locker event: the idempotency guard (locker + event id) and the locker's audit trail.

Codes are secrets: a record keeps only that a code was typed or scanned, never the code.
"""

from __future__ import annotations

import logging
from typing import Any

from pynamodb.exceptions import DeleteError, PutError

from ..domain.protocol import LockerEvent
from ..storage.models import LockerEventRecord, ttl_at
from .deps import Deps

log = logging.getLogger(__name__)
KEEP_EVENTS_S = 365 * 86_400


def claim_event(deps: Deps, event: LockerEvent) -> bool:
    """True the first time this event is seen (conditional put); False for a repeated delivery."""
    record = LockerEventRecord(
        locker_id=event.locker,
        event_id=event.id,
        type=event.type,
        ts=event.ts,
        received_at=deps.now(),
        payload=redacted(event.raw or {}),
        ttl=ttl_at(deps.now() // 1000 + KEEP_EVENTS_S),
    )
    try:
        record.save(condition=LockerEventRecord.event_id.does_not_exist())
    except PutError as error:
        if getattr(error, "cause_response_code", "") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def redacted(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: ("<redacted>" if k == "code" else v) for k, v in raw.items()}


def forget(event: LockerEvent) -> None:
    """Let an event whose handling failed be delivered again."""
    try:
        LockerEventRecord(locker_id=event.locker, event_id=event.id).delete()
    except DeleteError:
        log.warning("could not release event %s; its redelivery will be taken as a duplicate", event.id)


def set_outcome(event: LockerEvent, outcome: str) -> None:
    LockerEventRecord(locker_id=event.locker, event_id=event.id).update(
        actions=[LockerEventRecord.outcome.set(outcome)]
    )

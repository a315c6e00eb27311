"""Everything a locker says: events (scan, pin, door, ack, fault, heartbeat, offline pickup) and its status.

On AWS the IoT rule invokes this at least once and unordered; locally the MQTT
bridge calls the same function. Each event is applied once (conditional put on
locker + event id); door state is ordered by boot/seq, not by arrival. Bad
input never raises: it is recorded as a fault and changes nothing else.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from .. import metrics
from ..domain.errors import InvalidInput
from ..domain.protocol import CODE_EVENTS, MAX_EVENT_BYTES, LockerEvent, parse_event
from ..domain.redaction import redact_code_text
from ..stores.audit import audit_row
from ..stores.engine import WriteConflict
from ..stores.rows import LockerEventRow
from .audit import locker_subject
from .deps import Deps
from .event_records import KEEP_EVENTS_S, claim_event, forget, set_outcome
from .locker_codes import on_code
from .locker_doors import on_ack, on_door, on_fault, on_offline_pickup
from .lockers import push_revocations, push_verifiers

log = logging.getLogger(__name__)
MAX_CLOCK_OFFSET_MS = 7 * 86_400_000  # a larger reported offset is nonsense; the event ts is then taken as is


def decode_payload(payload: Any) -> Any:
    if isinstance(payload, (bytes, bytearray)):
        if len(payload) > MAX_EVENT_BYTES:
            raise InvalidInput("mesaj prea mare", "event larger than 8 KiB")
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("mesajul nu este UTF-8", "event is not UTF-8") from None
    if isinstance(payload, str):
        if len(payload) > MAX_EVENT_BYTES:
            raise InvalidInput("mesaj prea mare", "event larger than 8 KiB")
        try:
            return json.loads(payload)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to be an event
            raise InvalidInput("mesajul nu este JSON", "event is not valid JSON") from None
    return payload


def handle_locker_event(deps: Deps, locker_id: str, payload: Any) -> str:
    """Apply one event from ``locker_id``; returns a short outcome word for logs and tests."""
    try:
        event = parse_event(decode_payload(payload), locker_id)
    except InvalidInput as error:
        record_malformed(deps, locker_id, payload, error.message_en)
        return "malformed"
    if event.type in CODE_EVENTS:
        return on_code(deps, event)  # guarded by the claim on the code itself (see locker_codes)
    if not claim_event(deps, event):
        return "duplicate"
    try:
        outcome = _dispatch(deps, event)
    except Exception:
        log.exception("event %s from %s failed", event.type, locker_id)
        forget(deps, event)  # let the at-least-once delivery try again
        raise
    if event.type != "heartbeat":
        set_outcome(deps, event, outcome)
    if outcome == "collected":
        metrics.count(metrics.PICKUPS, lockerId=event.locker, channel="locker")
    return outcome


def _dispatch(deps: Deps, event: LockerEvent) -> str:
    if event.type in ("door_opened", "door_closed"):
        return on_door(deps, event)
    if event.type == "ack":
        return on_ack(deps, event)
    if event.type == "fault":
        return on_fault(deps, event)
    if event.type == "heartbeat":
        return on_heartbeat(deps, event)
    return on_offline_pickup(deps, event)


def record_malformed(deps: Deps, locker_id: str, payload: Any, why: str) -> None:
    now = deps.now()
    text = payload if isinstance(payload, str) else repr(payload)
    row = LockerEventRow(
        locker_id=locker_id[:64],
        event_id=f"malformed-{uuid.uuid4().hex}",
        type="malformed",
        ts=now,
        received_at=now,
        payload={"excerpt": redact_code_text(text[:4096])[:256]},
        outcome=why,
        ttl=now // 1000 + KEEP_EVENTS_S,
    )
    deps.stores.events.record_first(row)  # a fresh random id: never recorded before
    deps.stores.audit.add(
        audit_row(locker_subject(locker_id[:64]), f"locker:{locker_id[:64]}", "malformed_event", now, why=why)
    )
    log.warning("malformed event from %s: %s", locker_id[:64], why)


def on_heartbeat(deps: Deps, event: LockerEvent) -> str:
    raw = event.raw or {}
    version = raw["version"][:32] if isinstance(raw.get("version"), str) else None
    offset = raw.get("clockOffsetMs")
    if not (isinstance(offset, int) and not isinstance(offset, bool) and abs(offset) <= MAX_CLOCK_OFFSET_MS):
        offset = None
    try:
        deps.stores.lockers.heartbeat(event.locker, deps.now(), event.boot, version, offset)
    except WriteConflict:
        return "unknown_locker"
    return "alive"


def handle_locker_status(deps: Deps, locker_id: str, payload: Any) -> str:
    """The retained status topic: ``online`` counts as a heartbeat; a stale ``offline`` from an old boot is ignored."""
    try:
        body = decode_payload(payload)
    except InvalidInput as error:
        record_malformed(deps, locker_id, payload, error.message_en)
        return "malformed"
    if not isinstance(body, dict) or body.get("state") not in ("online", "offline"):
        record_malformed(deps, locker_id, payload, "status must be {state: online|offline}")
        return "malformed"
    boot = body.get("boot") if isinstance(body.get("boot"), str) else None
    ts: int = body["ts"] if isinstance(body.get("ts"), int) else deps.now()
    try:
        if body["state"] == "online":
            deps.stores.lockers.mark_online(locker_id, deps.now(), ts, boot)
        else:
            deps.stores.lockers.mark_offline(locker_id, ts, boot)  # an old boot's last will is ignored
    except WriteConflict:
        return "ignored"
    if body["state"] == "offline":
        deps.stores.audit.add(
            audit_row(locker_subject(locker_id), f"locker:{locker_id}", "offline", deps.now(), boot=boot)
        )
        metrics.count(metrics.LOCKERS_WENT_OFFLINE, lockerId=locker_id)
    if body["state"] == "online":
        push_revocations(deps, locker_id)  # the locker may have missed revocations while away
        push_verifiers(deps, locker_id)  # and the offline PIN verifiers of deposits made just before
    return body["state"]

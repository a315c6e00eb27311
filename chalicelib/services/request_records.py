"""A request's record, read and written by every service that touches requests: load it, move it through the
state machine, close it, schedule the erasure of its contact, and its JSON view for staff."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..domain.errors import NotFound, RequestChanged
from ..domain.lifecycle import change_status
from ..stores.engine import WriteConflict
from ..stores.rows import Request
from .audit import history, record_staff_event, request_subject
from .deps import Deps
from .notify import notifications_of
from .status_writes import write_status

log = logging.getLogger(__name__)
DAY_MS = 86_400_000


def get_request(deps: Deps, request_id: str) -> Request:
    """The request, or NotFound."""
    record = deps.stores.requests.get(request_id)
    if record is None:
        raise NotFound("Cererea nu există.", "request not found")
    return record


def transition(
    deps: Deps, record: Request, action: str, actor: str, extra: Mapping[str, Any] | None = None, **detail: Any
) -> Request:
    """Move ``record`` by ``action`` (with the fields of ``extra``), guarded by its current status, with an audit
    entry in the same transaction."""
    change = change_status(record.id, record.status, action, deps.now(), actor, **detail)
    try:
        with deps.stores.transaction() as tx:
            write_status(deps, change, tx, set=extra)
    except WriteConflict as error:
        raise RequestChanged() from error
    return get_request(deps, record.id)


def close_actions(deps: Deps, channel: str | None) -> dict[str, Any]:
    """The fields that close a request: its erasure clock starts now."""
    now = deps.now()
    fields: dict[str, Any] = {"closed_at": now, "due_at": now + deps.settings.erase_after_days * DAY_MS}
    if channel:
        fields["channel"] = channel
    return fields


def schedule_contact_erasure(deps: Deps, request_id: str) -> None:
    """The contact's TTL: it goes ``erase_after_days`` from now (a contact already erased needs none)."""
    erase_at = deps.now() // 1000 + deps.settings.erase_after_days * 86_400
    try:
        deps.stores.requests.schedule_contact_erasure(request_id, erase_at)
    except WriteConflict:
        log.info("request %s has no contact any more: no erasure to schedule", request_id)


def request_view(record: Request) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": record.id,
        "registrationNumber": record.registration_number,
        "status": record.status,
        "citizenName": record.citizen_name,
        "documents": record.documents,
        "size": record.size,
        "accessible": record.accessible,
        "lockerConsent": record.locker_consent,
        "smsConsent": record.sms_consent,
        "phone": record.phone_mask,
        "channel": record.channel,
        "lockerId": record.locker_id,
        "compartment": record.compartment,
        "deadline": record.deadline,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
        "closedAt": record.closed_at,
    }
    return view


def open_request(deps: Deps, actor: str, request_id: str) -> dict[str, Any]:
    """A request's whole record for a clerk (name, masked phone, history); each opening is in the clerk's trail."""
    record = get_request(deps, request_id)
    view = request_view(record)
    view["history"] = history(deps, request_subject(record.id))
    view["notifications"] = notifications_of(deps, record.id)
    record_staff_event(deps, actor, "viewed_request", request=request_id)
    return view

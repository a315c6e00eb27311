"""A request's record, read and written by every service that touches requests: load it, move it through the
state machine, close it, schedule the erasure of its contact, and its JSON view for staff."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..domain.errors import NotFound, RequestChanged
from ..domain.lifecycle import change_status
from ..storage.models import ContactRecord, RequestRecord, ttl_at
from ..stores.rows import Request
from .audit import history, record_staff_event, request_subject
from .deps import Deps
from .notify import notifications_of
from .status_writes import status_actions, status_audit, status_guard

DAY_MS = 86_400_000


def load_request(request_id: str) -> RequestRecord:
    try:
        return RequestRecord.get(request_id, consistent_read=True)
    except RequestRecord.DoesNotExist:
        raise NotFound("Cererea nu există.", "request not found") from None


def get_request(deps: Deps, request_id: str) -> Request:
    """The request, or NotFound."""
    record = deps.stores.requests.get(request_id)
    if record is None:
        raise NotFound("Cererea nu există.", "request not found")
    return record


def transition(
    deps: Deps, record: RequestRecord, action: str, actor: str, extra: list[Any] | None = None, **detail: Any
) -> RequestRecord:
    """Move ``record`` by ``action``, guarded by its current status, with an audit entry in the same transaction."""
    change = change_status(record.id, record.status, action, deps.now(), actor, **detail)
    try:
        with TransactWrite(connection=deps.connection) as tx:
            tx.update(record, actions=status_actions(change) + (extra or []), condition=status_guard(change))
            tx.save(status_audit(change))
    except TransactWriteError as error:
        raise RequestChanged() from error
    return load_request(record.id)


def close_actions(deps: Deps, channel: str | None) -> list[Any]:
    """Updates that close a request: its erasure clock starts now."""
    now = deps.now()
    erase_at = now + deps.settings.erase_after_days * DAY_MS
    actions = [RequestRecord.closed_at.set(now), RequestRecord.due_at.set(erase_at)]
    if channel:
        actions.append(RequestRecord.channel.set(channel))
    return actions


def schedule_contact_erasure(deps: Deps, request_id: str) -> None:
    erase_at = deps.now() // 1000 + deps.settings.erase_after_days * 86_400
    try:
        ContactRecord(request_id=request_id).update(
            actions=[ContactRecord.erase_at.set(ttl_at(erase_at))], condition=ContactRecord.request_id.exists()
        )
    except UpdateError as error:
        if getattr(error, "cause_response_code", "") != "ConditionalCheckFailedException":
            raise
        # no contact any more (already erased): nothing to schedule


def request_view(record: RequestRecord) -> dict[str, Any]:
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
    record = load_request(request_id)
    view = request_view(record)
    view["history"] = history(deps, request_subject(record.id))
    view["notifications"] = notifications_of(record.id)
    record_staff_event(deps, actor, "viewed_request", request=request_id)
    return view

"""Sending an SMS as a recorded notification: rendered, counted, retried with backoff, its fate visible to staff.

Policy: up to three quick attempts with exponential backoff for throttling and
transient faults; if they all fail the notification stays ``retrying`` and the
scheduled job tries again; a permanent failure is ``failed`` and shows in staff
tasks. A notification is recorded before it is sent, so none is lost.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from .. import metrics
from ..domain.phones import mask_phone
from ..domain.sms import SmsContext, render_sms, segment_count
from ..ports import PermanentSmsError, RetryableSmsError
from ..stores.rows import Contact, NotificationRow, Request
from .deps import Deps

log = logging.getLogger(__name__)
QUICK_ATTEMPTS = 3
MAX_ATTEMPTS = 8
BACKOFF_S = 0.2


def sms_context(deps: Deps, request: Request, **extra: object) -> SmsContext:
    s = deps.settings
    return SmsContext(
        registration_number=request.registration_number,
        deadline_ms=int(request.deadline) if request.deadline else None,
        counter_location=s.counter_location_ro,
        counter_hours=s.counter_hours_ro,
        **extra,  # type: ignore[arg-type]
    )


def pickup_context(deps: Deps, request: Request, pin: str, token: str) -> SmsContext:
    """The pickup SMS's content: PIN, deadline and, unless turned off, the link to the QR page."""
    qr_url = f"{deps.settings.public_base_url}/r/{token}" if deps.settings.sms_link_enabled else None
    return sms_context(deps, request, pin=pin, qr_url=qr_url)


def notify_pickup(deps: Deps, request: Request, pin: str, token: str) -> NotificationRow | None:
    """The pickup SMS: PIN, deadline and, unless turned off, the link to the QR page."""
    return notify(deps, request, "pickup_ready", pickup_context(deps, request, pin, token))


def notify(deps: Deps, request: Request, template: str, ctx: SmsContext) -> NotificationRow | None:
    """Record and send ``template`` to the request's citizen; None when there is no consent or no phone."""
    contact = current_contact(deps, request.id)
    if contact is None or not contact.sms_consent:
        return None
    return notify_phone(deps, request.id, contact.phone, template, ctx)


def notify_phone(deps: Deps, subject_id: str, phone: str, template: str, ctx: SmsContext) -> NotificationRow:
    """Record and send ``template`` to ``phone``, filed under ``subject_id`` (a request, or a sign-in)."""
    prepared = prepare_sms(deps, subject_id, phone, template, ctx)
    deps.stores.notifications.record(prepared.record)
    return send_prepared(deps, prepared)


@dataclass(frozen=True)
class PreparedSms:
    """A notification ready to be recorded (possibly inside a caller's transaction) and then sent."""

    record: NotificationRow
    phone: str
    body: str


def send_prepared(deps: Deps, prepared: PreparedSms) -> NotificationRow:
    """Send an SMS whose notification is already recorded."""
    _attempt(deps, prepared.record, prepared.phone, prepared.body, QUICK_ATTEMPTS)
    return prepared.record


def prepare_sms(deps: Deps, subject_id: str, phone: str, template: str, ctx: SmsContext) -> PreparedSms:
    body = render_sms(template, ctx)
    record = NotificationRow(
        request_id=subject_id,
        id=f"{deps.now():015d}#{uuid.uuid4().hex[:8]}",
        to_masked=mask_phone(phone),
        template=template,
        segments=segment_count(body),
        status="sending",
        attempts=0,
        created_at=deps.now(),
    )
    return PreparedSms(record, phone, body)


def prepare_for(
    deps: Deps, request: Request, contact: Contact | None, template: str, ctx: SmsContext
) -> PreparedSms | None:
    """``template`` for the request's citizen with the contact already read; None without consent or phone."""
    if contact is None or not contact.sms_consent or not contact.phone:
        return None
    if contact.erase_at is not None and contact.erase_at * 1000 <= deps.now():
        return None
    return prepare_sms(deps, request.id, contact.phone, template, ctx)


def current_contact(deps: Deps, request_id: str) -> Contact | None:
    """The citizen's contact, unless its erasure time has passed (DynamoDB's TTL may delete it days later)."""
    contact = deps.stores.requests.contact(request_id)
    if contact is None:
        return None
    if contact.erase_at is not None and contact.erase_at * 1000 <= deps.now():
        deps.stores.requests.forget_contact(request_id)
        return None
    return contact


def _attempt(deps: Deps, record: NotificationRow, phone: str, body: str, tries: int) -> None:
    sleep = deps.sleep or time.sleep
    error = ""
    for attempt in range(tries):
        record.attempts = (record.attempts or 0) + 1
        try:
            message_id = deps.sms.send(phone, body)
        except RetryableSmsError as exc:
            error = f"retryable: {exc}"
            if attempt + 1 < tries:
                sleep(BACKOFF_S * (2**attempt))
            continue
        except PermanentSmsError as exc:
            deps.stores.notifications.mark_unsent(
                record.request_id, record.id, "failed", f"permanent: {exc}", record.attempts
            )
            record.status, record.error = "failed", f"permanent: {exc}"
            log.warning("sms %s failed permanently: %s", record.template, exc)
            metrics.count(metrics.SMS_FAILED, template=record.template, status="failed")
            return
        deps.stores.notifications.mark_sent(record.request_id, record.id, record.attempts, message_id)
        record.status, record.sns_message_id, record.error = "sent", message_id, None
        metrics.count(metrics.SMS_SENT, template=record.template)
        return
    final = "failed" if (record.attempts or 0) >= MAX_ATTEMPTS else "retrying"
    deps.stores.notifications.mark_unsent(record.request_id, record.id, final, error, record.attempts)
    record.status, record.error = final, error
    metrics.count(metrics.SMS_FAILED, template=record.template, status=final)


def retry_pending(deps: Deps) -> int:
    """Resend notifications left ``retrying``; the body is rendered again from the request."""
    count = 0
    for record in deps.stores.notifications.in_status("retrying"):
        contact = current_contact(deps, record.request_id)
        request = deps.stores.requests.get(record.request_id)
        if contact is None or request is None:
            deps.stores.notifications.mark_unsent(record.request_id, record.id, "failed", "no contact")
            continue
        if record.template in ("pickup_ready", "verification", "citizen_code"):
            # Codes are never stored in clear, so they cannot be re-rendered: staff reissue a PIN, a
            # citizen asks for a new verification code.
            deps.stores.notifications.mark_unsent(record.request_id, record.id, "failed", "codes not recoverable")
            continue
        _attempt(
            deps, record, contact.phone, render_sms(record.template, sms_context(deps, request, at_ms=deps.now())), 1
        )
        count += 1
    return count


def notifications_of(deps: Deps, request_id: str) -> list[dict[str, object]]:
    return [
        {
            "id": n.id,
            "to": n.to_masked,
            "template": n.template,
            "segments": n.segments,
            "status": n.status,
            "attempts": n.attempts,
            "snsMessageId": n.sns_message_id,
            "error": n.error,
            "createdAt": n.created_at,
        }
        for n in deps.stores.notifications.of_request(request_id)
    ]

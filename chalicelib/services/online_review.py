"""Online requests, the office's side: the inbox by department and status with the deadline, taking a request
(``registered`` → ``in_review``), asking for documents, and answering it electronically, for pickup or with a
refusal. Every step is audited and the citizen is told by SMS.

Staff accounts carry their departments as roles ``dept:<id>`` (the catalogue's department ids); the registry
desk (role ``clerk``) belongs to every department, ``admin`` sees everything. A request of another
department answers 403.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .. import catalogue
from ..domain import checklist, lifecycle, online_requests
from ..domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from ..domain.lifecycle import change_status
from ..domain.sms import SmsContext
from ..ports import StaffIdentity
from ..stores.audit import audit_row
from ..stores.engine import WriteConflict
from ..stores.rows import Attachment, Request
from . import request_records
from .audit import record_staff_event, request_subject
from .deps import Deps
from .notify import notify
from .online_requests import DOWNLOAD_S, allow_upload, check_files
from .request_records import get_request, request_view
from .status_writes import write_status

INBOX_STATUSES = (
    online_requests.REGISTERED,
    online_requests.IN_REVIEW,
    online_requests.AWAITING_DOCUMENTS,
)
REGISTRY = "registry"
PATH_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_MESSAGE = 1000


def departments_of(identity: StaffIdentity) -> set[str] | None:
    """The departments whose requests ``identity`` works; None means all of them."""
    if "admin" in identity.roles or "clerk" in identity.roles:
        return None
    return {role.split(":", 1)[1] for role in identity.roles if role.startswith("dept:")}


def authorize(identity: StaffIdentity, record: Request) -> None:
    allowed = departments_of(identity)
    if allowed is not None and (record.department or REGISTRY) not in allowed:
        raise Forbidden("Cererea aparține altui departament.", "this request belongs to another department")


def staff_request(deps: Deps, identity: StaffIdentity, request_id: str) -> Request:
    record = get_request(deps, request_id)
    authorize(identity, record)
    return record


def inbox(deps: Deps, identity: StaffIdentity, status: str | None, department: str | None) -> list[dict[str, Any]]:
    """Online and drop-off requests, overdue first (the earliest answer deadline first)."""
    if status and status not in lifecycle.all_statuses():
        raise InvalidInput("Stare necunoscută.", f"unknown status {status!r}")
    if department and (len(department) > 64 or not department.replace("-", "").isalnum()):
        raise InvalidInput("Departament necunoscut.", "unknown department")
    statuses = [status] if status else list(INBOX_STATUSES)
    allowed = departments_of(identity)
    if department and allowed is not None and department not in allowed:
        raise Forbidden("Nu lucrați în acest departament.", "not a member of this department")
    found = [r for s in statuses for r in deps.stores.requests.inbox(s)]
    found = [
        r
        for r in found
        if (not department or r.department == department)
        and (allowed is None or r.department in allowed)
        and r.intake != "association"  # associations' filings have their own lists (services/filing_review.py)
    ]
    found.sort(key=lambda r: (r.answer_due or "9999-12-31", r.registered_at or r.created_at))
    return [online_view(deps, r) for r in found]


def online_view(deps: Deps, record: Request) -> dict[str, Any]:
    view = request_view(record)
    view.update(
        {
            "serviceId": record.service_id,
            "intake": record.intake or "desk",
            "delivery": record.delivery,
            "department": record.department or REGISTRY,
            "assignee": record.assignee,
            "registeredAt": record.registered_at,
            "answerDue": record.answer_due,
            "daysLeft": (
                online_requests.days_left(date.fromisoformat(record.answer_due), deps.now())
                if record.answer_due
                else None
            ),
            "answers": record.answers,
            "bringOriginal": record.bring_original,
            "asked": record.asked,
            "rejectionReason": record.outcome_reason,
            "answerAttachment": record.answer_attachment,
            # drop-off at the locker: what the citizen said is in the envelope, when, and where it still is
            "dropoffDocuments": record.dropoff_documents,
            "droppedAt": record.dropped_at,
            "collectFrom": record.collect_from,
        }
    )
    return view


def open_request(deps: Deps, identity: StaffIdentity, request_id: str) -> dict[str, Any]:
    """A request's whole record for staff of its department (history, SMS, files); each opening is audited."""
    record = staff_request(deps, identity, request_id)
    view = request_records.open_request(deps, identity.username, record.id)
    if not record.service_id:
        return view
    view.update(online_view(deps, record))
    view["attachments"] = [
        {
            "id": a.id,
            "kind": a.kind,
            "documentId": a.document_id,
            "fileName": a.file_name,
            "contentType": a.content_type,
            "size": a.size,
            "status": a.status,
        }
        for a in deps.stores.attachments.of_request(record.id)
    ]
    return view


def _change(deps: Deps, record: Request, action: str, actor: str, **fields: Any) -> Request:
    change = change_status(record.id, record.status, action, deps.now(), actor)
    try:
        with deps.stores.transaction() as tx:
            write_status(deps, change, tx, set=fields or None)
    except WriteConflict:
        raise IllegalTransition(
            "Cererea s-a schimbat între timp; reîncărcați pagina.", "request changed meanwhile"
        ) from None
    return get_request(deps, record.id)


def assign(deps: Deps, identity: StaffIdentity, request_id: str, department: object) -> Request:
    """A department takes the request (``registered`` → ``in_review``); it must be the service's own."""
    record = staff_request(deps, identity, request_id)
    if not record.service_id:
        raise IllegalTransition("Cererea nu este una online.", "not an online request")
    if record.collect_from:
        raise IllegalTransition(
            "Dosarul este încă în dulap: ridicați-l întâi („Scoate din dulap”); cererea trece apoi în analiză.",
            "the dropped-off file is still in the locker: retrieve it first",
        )
    service = catalogue.get_service(record.service_id)
    if department != service["department"]["id"]:
        raise InvalidInput(
            f"Cererea se repartizează la {service['department']['name']['ro']} ({service['department']['id']}).",
            f"department must be the service's: {service['department']['id']}",
        )
    allowed = departments_of(identity)
    if allowed is not None and department not in allowed:
        raise Forbidden("Nu lucrați în acest departament.", "not a member of this department")
    return _change(deps, record, "assign", identity.username, department=department, assignee=identity.username)


def ask_for_documents(
    deps: Deps, identity: StaffIdentity, request_id: str, documents: object, message: object
) -> Request:
    """Ask the citizen for documents (from the service's checklist, or described in ``message``)."""
    record = staff_request(deps, identity, request_id)
    service = catalogue.get_service(record.service_id or "")
    items = checklist.checklist(service, record.answers or {})
    asked = checklist.asked_for(items, documents, message, deps.now(), identity.username)
    updated = _change(deps, record, "ask_documents", identity.username, asked=asked)
    if updated.intake == "locker":  # a dropped-off file found incomplete: the SMS names what is missing
        names = tuple(d["name"]["ro"] for d in asked["documents"]) or (asked["message"],)
        ctx = SmsContext(updated.registration_number, url=_my_requests(deps), documents=names)
        notify(deps, updated, "dropoff_incomplete", ctx)
    else:
        notify(deps, updated, "documents_asked", SmsContext(updated.registration_number, url=_my_requests(deps)))
    return updated


def request_answer_upload(
    deps: Deps,
    identity: StaffIdentity,
    request_id: str,
    file_name: object,
    content_type: object,
    size: object,
    redirect: str | None = None,
) -> tuple[Attachment, dict[str, Any]]:
    """Allow the answer document (a PDF) to be uploaded for electronic delivery."""
    record = staff_request(deps, identity, request_id)
    if record.status != online_requests.IN_REVIEW:
        raise IllegalTransition("Răspunsul se încarcă pentru o cerere în analiză.", "request is not in review")
    if content_type != "application/pdf":
        raise InvalidInput("Răspunsul se încarcă în format PDF.", "the answer must be a PDF")
    if not isinstance(file_name, str) or not isinstance(size, int) or isinstance(size, bool):
        raise InvalidInput("Numele și mărimea fișierului lipsesc.", "fileName and size are required")
    return allow_upload(deps, record, "answer", identity.username, None, file_name, content_type, size, redirect)


def answer(deps: Deps, identity: StaffIdentity, request_id: str, body: dict[str, Any]) -> Request:
    """``answered`` (with the uploaded answer PDF), ``ready`` (the pickup path takes over) or ``rejected``."""
    record = staff_request(deps, identity, request_id)
    outcome = body.get("outcome")
    if outcome == "answered":
        return _answer_electronically(deps, identity, record, body.get("attachmentId"))
    if outcome == "ready":
        return _change(deps, record, "answer_for_pickup", identity.username, due_at=deps.now())
    if outcome == "rejected":
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_MESSAGE:
            raise InvalidInput("Scrieți motivul respingerii (cel mult 1000 de caractere).", "reason is required")
        rejected = _change(
            deps, record, "reject", identity.username, outcome_reason=reason.strip(), closed_at=deps.now()
        )
        notify(deps, rejected, "answer_rejected", SmsContext(rejected.registration_number, url=_my_requests(deps)))
        return rejected
    raise InvalidInput("Rezultatul este answered, ready sau rejected.", "outcome must be answered, ready or rejected")


def _answer_electronically(deps: Deps, identity: StaffIdentity, record: Request, attachment_id: object) -> Request:
    if not isinstance(attachment_id, str) or not PATH_ID.fullmatch(attachment_id):
        raise InvalidInput("Încărcați întâi documentul de răspuns.", "attachmentId is required")
    row = deps.stores.attachments.get(record.id, attachment_id)
    if row is None or row.kind != "answer":
        raise InvalidInput("Documentul de răspuns nu există.", "unknown answer attachment")
    stored = {a.id for a in check_files(deps, record, kind="answer")}
    if attachment_id not in stored:
        raise InvalidInput("Documentul de răspuns nu a fost încărcat încă.", "the answer file was not uploaded")
    answered = _change(
        deps, record, "answer_electronic", identity.username, answer_attachment=attachment_id, closed_at=deps.now()
    )
    notify(deps, answered, "answer_ready", SmsContext(answered.registration_number, url=_my_requests(deps)))
    return answered


def staff_download_url(deps: Deps, identity: StaffIdentity, request_id: str, attachment_id: str) -> str:
    """A short-lived link to a file of the request; each opening is in the request's and the clerk's trail."""
    record = staff_request(deps, identity, request_id)
    row = deps.stores.attachments.get(record.id, attachment_id)
    if row is None or row.status == "refused":
        raise NotFound("Fișierul nu există.", "attachment not found")
    now = deps.now()
    deps.stores.audit.add(
        audit_row(request_subject(record.id), identity.username, "file_opened", now, attachment=row.id)
    )
    record_staff_event(deps, identity.username, "opened_file", request=record.id, attachment=row.id)
    return deps.files.download_url(row.key, row.file_name, row.content_type, DOWNLOAD_S)


def _my_requests(deps: Deps) -> str:
    return f"{deps.settings.public_base_url}/cereri"

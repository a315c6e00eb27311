"""Online requests, the citizen's side: a draft for a catalogue service, its attachments, submission with a
registration number at once, the request followed to its answer, and withdrawal.

A citizen sees only their own requests (another's answers 404, as if it did not exist). Files go straight
to the private bucket with a presigned POST; before a request is registered every file is checked again
(size and content) and a file that fails is deleted and named in the refusal. Drafts are kept a year.
"""

from __future__ import annotations

import uuid
from typing import Any

from .. import catalogue
from ..domain import attachments as files_rules
from ..domain import checklist, online_requests
from ..domain.errors import IllegalTransition, InvalidInput, NotFound
from ..domain.lifecycle import change_status, label_ro
from ..domain.online_requests import DRAFT
from ..domain.sms import SmsContext
from ..stores.audit import audit_row
from ..stores.engine import Transaction, WriteConflict
from ..stores.rows import Attachment, Contact, Request
from .audit import history, request_subject
from .citizen_access import Citizen
from .credentials import revoke_code_pair
from .deps import Deps
from .notify import notify
from .registry import register_submitted, registered_fields
from .status_writes import write_status

DAY_MS = 86_400_000
UPLOAD_S = 15 * 60
DOWNLOAD_S = 60
DELIVERIES = ("electronic", "locker", "counter")
EDITABLE = (DRAFT, online_requests.AWAITING_DOCUMENTS)
MAX_ATTACHMENTS = 30


def _service(service_id: object, intake: str) -> dict[str, Any]:
    if not isinstance(service_id, str) or not service_id:
        raise InvalidInput("Alegeți serviciul.", "serviceId is required")
    service = catalogue.get_service(service_id)
    if service.get("status") != "available" or intake not in service.get("channels", []):
        raise InvalidInput(
            "Acest serviciu nu se poate cere online. Vedeți pe pagina serviciului cum se depune.",
            f"service '{service_id}' cannot be requested through '{intake}'",
        )
    return service


def _delivery(service: dict[str, Any], delivery: object) -> str:
    allowed = service.get("delivery") or ["counter"]
    if delivery is None:
        return str(allowed[0])
    if delivery not in DELIVERIES or delivery not in allowed:
        names = {"electronic": "electronic", "locker": "la dulap", "counter": "la ghișeu"}
        raise InvalidInput(
            "Răspunsul la acest serviciu se poate primi: " + ", ".join(names[d] for d in allowed) + ".",
            f"delivery must be one of {allowed}",
        )
    return str(delivery)


def _bring(service: dict[str, Any], answers: dict[str, Any], bring: object) -> list[str]:
    if bring is None:
        return []
    if not isinstance(bring, list) or not all(isinstance(b, str) for b in bring):
        raise InvalidInput("Lista documentelor aduse în original nu este validă.", "bringOriginal must be ids")
    allowed = {item.id for item in checklist.checklist(service, answers) if item.can_bring}
    wrong = [b for b in bring if b not in allowed]
    if wrong:
        raise InvalidInput(
            "Documentul „" + wrong[0] + "” trebuie trimis ca fișier, nu adus în original.",
            f"document '{wrong[0]}' cannot be brought in original",
        )
    return sorted(set(bring))


def create_request(deps: Deps, citizen: Citizen, body: dict[str, Any], intake: str = "online") -> Request:
    """A draft for ``serviceId`` with the answers given so far; nothing is registered yet."""
    service = _service(body.get("serviceId"), intake)
    answers = checklist.clean_answers(service, body.get("answers") or {})
    now = deps.now()
    record = Request(
        id=uuid.uuid4().hex,
        registration_number=f"draft-{uuid.uuid4().hex[:12]}",  # the index key must not be empty; replaced at submit
        status=DRAFT,
        due_at=now + 365 * DAY_MS,  # an untouched draft is deleted after a year
        citizen_name="",
        documents=service["title"]["ro"][:500],
        phone_mask=citizen.phone_mask,
        created_at=now,
        updated_at=now,
        created_by="citizen",
        service_id=service["id"],
        intake=intake,
        delivery=_delivery(service, body.get("delivery")),
        answers=answers,
        bring_original=_bring(service, answers, body.get("bringOriginal")),
        owner=citizen.owner,
        department=service["department"]["id"],
    )
    contact = Contact(request_id=record.id, phone=citizen.phone, consent_recorded_at=now)
    with deps.stores.transaction() as tx:
        deps.stores.requests.create(record, contact, tx)
        deps.stores.audit.add(audit_row(request_subject(record.id), "citizen", "draft_created", now), tx)
    return record


def own_request(deps: Deps, citizen: Citizen, request_id: str) -> Request:
    """The citizen's request; NotFound for anyone else's (no hint that it exists)."""
    record = deps.stores.requests.get(request_id)
    if record is None or record.owner is None or record.owner != citizen.owner:
        raise NotFound("Cererea nu există.", "request not found")
    return record


def update_draft(deps: Deps, citizen: Citizen, request_id: str, body: dict[str, Any]) -> Request:
    """Change a draft's answers (merged), delivery or documents brought in original."""
    record = own_request(deps, citizen, request_id)
    if record.status != DRAFT:
        raise IllegalTransition("Cererea a fost trimisă; nu se mai poate modifica.", "only a draft can be changed")
    service = catalogue.get_service(record.service_id or "")
    answers = {**(record.answers or {}), **(body.get("answers") or {})}
    answers = checklist.clean_answers(service, answers)
    fields: dict[str, Any] = {"answers": answers}
    if "delivery" in body:
        fields["delivery"] = _delivery(service, body["delivery"])
    if "bringOriginal" in body:
        fields["bring_original"] = _bring(service, answers, body["bringOriginal"])
    try:
        updated = deps.stores.requests.save_draft(record.id, citizen.owner, fields, deps.now())
    except WriteConflict:
        raise IllegalTransition(
            "Cererea a fost trimisă; nu se mai poate modifica.", "only a draft can be changed"
        ) from None
    assert updated is not None
    return updated


def request_upload(
    deps: Deps,
    citizen: Citizen,
    request_id: str,
    document_id: object,
    file_name: object,
    content_type: object,
    size: object,
    redirect: str | None = None,
) -> tuple[Attachment, dict[str, Any]]:
    """Allow one file for a document of the checklist: a presigned POST carrying the type and size limit."""
    record = own_request(deps, citizen, request_id)
    if record.status not in EDITABLE:
        raise IllegalTransition(
            "Documentele se pot adăuga doar înainte de trimitere sau când vi se cer.", "attachments are closed"
        )
    service = catalogue.get_service(record.service_id or "")
    items = {i.id: i for i in checklist.checklist(service, record.answers or {})}
    item = items.get(document_id) if isinstance(document_id, str) else None
    if item is None or not item.can_attach:
        raise InvalidInput("Documentul nu poate fi trimis online la acest serviciu.", "unknown or offline document")
    if not isinstance(content_type, str) or content_type not in item.formats:
        raise InvalidInput(
            "Pentru acest document se acceptă: " + ", ".join(f.split("/")[1].upper() for f in item.formats) + ".",
            f"contentType must be one of {list(item.formats)}",
        )
    if not isinstance(file_name, str) or not isinstance(size, int) or isinstance(size, bool):
        raise InvalidInput("Numele și mărimea fișierului lipsesc.", "fileName and size are required")
    return allow_upload(deps, record, "citizen", "citizen", item.id, file_name, content_type, size, redirect)


def allow_upload(
    deps: Deps,
    record: Request,
    kind: str,
    actor: str,
    document_id: str | None,
    file_name: str,
    content_type: str,
    size: int,
    redirect: str | None = None,
) -> tuple[Attachment, dict[str, Any]]:
    existing = [a for a in deps.stores.attachments.of_request(record.id) if a.status != "refused"]
    if len(existing) >= MAX_ATTACHMENTS:
        raise InvalidInput("O cerere poate avea cel mult 30 de fișiere.", "at most 30 files a request")
    already = sum(a.size for a in existing if a.kind == kind)
    name = files_rules.check_declared(file_name, content_type, size, already)
    now = deps.now()
    attachment_id = f"{now:013d}{uuid.uuid4().hex[:8]}"
    row = Attachment(
        request_id=record.id,
        id=attachment_id,
        kind=kind,
        document_id=document_id,
        file_name=name,
        content_type=content_type,
        size=size,
        key=f"requests/{record.id}/{attachment_id}",
        created_at=now,
        created_by=actor,
    )
    deps.stores.attachments.add(row)
    back = redirect.replace("{attachment}", attachment_id) if redirect else None  # where S3 sends the browser
    upload = deps.files.upload(row.key, content_type, files_rules.MAX_FILE_BYTES, UPLOAD_S, back)
    return row, {"url": upload.url, "fields": upload.fields}


def check_files(deps: Deps, record: Request, kind: str = "citizen") -> list[Attachment]:
    """Check every uploaded file of ``kind`` (size, content); a file that fails is deleted and recorded as
    refused; files never uploaded are forgotten. Returns the stored files; InvalidInput names a refused one."""
    stored, refused = [], []
    now = deps.now()
    for row in deps.stores.attachments.of_request(record.id):
        if row.kind != kind or row.status == "refused":
            continue
        if row.status == "stored":
            stored.append(row)
            continue
        found = deps.files.inspect(row.key, files_rules.SNIFF_BYTES)
        if found is None:
            if now - row.created_at > UPLOAD_S * 1000:
                deps.stores.attachments.remove(record.id, row.id)  # its upload window passed unused
            continue
        refusal = files_rules.check_stored(row.file_name, row.content_type, found.size, found.first_bytes)
        if refusal is not None:
            deps.files.delete(row.key)
            deps.stores.attachments.mark_refused(record.id, row.id, refusal.message_en, now)
            refused.append(refusal)
            continue
        deps.stores.attachments.mark_stored(record.id, row.id, found.size, now)
        row.status, row.size = "stored", found.size
        stored.append(row)
    total = sum(row.size for row in stored)
    if refused:
        raise InvalidInput(refused[0].message_ro + " Fișierul a fost șters; încărcați altul.", refused[0].message_en)
    if total > files_rules.MAX_REQUEST_BYTES:
        raise InvalidInput("Fișierele cererii depășesc 30 MB în total.", "the request's files exceed 30 MB")
    return stored


def submit(deps: Deps, citizen: Citizen, request_id: str) -> Request:
    """Register a complete draft (number, time, deadline, SMS), or send back a request whose documents were
    asked for (``awaiting_documents`` → ``in_review``). Refuses, naming it, a file that fails its check or
    a needed document that is missing."""
    record = own_request(deps, citizen, request_id)
    if record.status not in EDITABLE:
        raise IllegalTransition("Cererea a fost deja trimisă.", f"request is '{record.status}', not a draft")
    if record.intake == "locker" and record.status == DRAFT:
        raise IllegalTransition(
            "Această cerere se depune la dulap: numărul se dă când închideți ușa compartimentului.",
            "a request with intake 'locker' is registered by the door closing on its file",
        )
    _not_at_the_locker_now(record)
    service = catalogue.get_service(record.service_id or "")
    answers = checklist.clean_answers(service, record.answers or {}, complete=record.status == DRAFT)
    stored = check_files(deps, record)
    items = checklist.checklist(service, answers)
    missing = checklist.missing(
        items, {a.document_id for a in stored if a.document_id}, set(record.bring_original or [])
    )
    if missing:
        raise InvalidInput(
            f"Lipsește documentul „{missing[0].name_ro}”: atașați-l"
            + (" sau alegeți „Aduc originalul”." if missing[0].can_bring else "."),
            f"document '{missing[0].id}' is missing",
        )
    if record.status == online_requests.AWAITING_DOCUMENTS:
        return _resubmit(deps, record)
    return _register(deps, record, service)


def _register(deps: Deps, record: Request, service: dict[str, Any]) -> Request:
    now = deps.now()
    days = online_requests.answer_days(service, deps.settings.answer_days)
    due = online_requests.answer_due(now, days)
    change = change_status(record.id, record.status, "submit", now, "citizen")

    def write(tx: Transaction, number: str) -> None:
        write_status(deps, change, tx, set=registered_fields(number, now, due), expect={"owner": record.owner})

    already = IllegalTransition("Cererea a fost deja trimisă.", "request changed meanwhile")
    registered = register_submitted(deps, record, now, write, already)
    number = str(registered.registration_number)
    notify(
        deps,
        registered,
        "online_registered",
        SmsContext(registration_number=number, at_ms=now, answer_due=due.isoformat()),
    )
    return registered


def _resubmit(deps: Deps, record: Request) -> Request:
    change = change_status(record.id, record.status, "resubmit", deps.now(), "citizen")
    try:
        with deps.stores.transaction() as tx:
            write_status(deps, change, tx)
    except WriteConflict:
        raise IllegalTransition("Cererea a fost deja trimisă.", "request changed meanwhile") from None
    resent = deps.stores.requests.get(record.id)
    assert resent is not None
    return resent


def _not_at_the_locker_now(record: Request) -> None:
    """A compartment is open for this request's file right now: wait until its door closes."""
    if record.dropoff_cmd and not record.collect_from:
        raise IllegalTransition(
            "Dosarul se depune chiar acum la dulap. Reîncercați după ce se închide ușa compartimentului.",
            "a compartment is open for this request's file: wait for its door to close",
        )


def withdraw(deps: Deps, citizen: Citizen, request_id: str) -> Request:
    """The citizen withdraws the request (until it is answered)."""
    record = own_request(deps, citizen, request_id)
    _not_at_the_locker_now(record)
    change = change_status(record.id, record.status, "withdraw", deps.now(), "citizen")
    try:
        with deps.stores.transaction() as tx:
            write_status(deps, change, tx, set={"closed_at": deps.now()}, expect={"owner": citizen.owner})
    except WriteConflict:
        raise IllegalTransition("Cererea s-a schimbat între timp; reîncercați.", "request changed meanwhile") from None
    if record.dropoff_key:
        revoke_code_pair(deps, record.dropoff_key)  # a drop-off code opens nothing for a withdrawn request
    withdrawn = deps.stores.requests.get(record.id)
    assert withdrawn is not None
    return withdrawn


def download_url(deps: Deps, citizen: Citizen, request_id: str, attachment_id: str) -> str:
    """A short-lived link to one of the citizen's files or to the office's answer (once it is sent)."""
    record = own_request(deps, citizen, request_id)
    row = deps.stores.attachments.get(record.id, attachment_id)
    visible = row is not None and (
        (row.kind == "citizen" and row.status != "refused")
        or (row.kind == "answer" and record.answer_attachment == row.id)
    )
    if row is None or not visible:
        raise NotFound("Fișierul nu există.", "attachment not found")
    deps.stores.audit.add(
        audit_row(request_subject(record.id), "citizen", "file_downloaded", deps.now(), attachment=row.id)
    )
    return deps.files.download_url(row.key, row.file_name, row.content_type, DOWNLOAD_S)


def list_own(deps: Deps, citizen: Citizen) -> list[dict[str, Any]]:
    return [citizen_summary(r) for r in deps.stores.requests.of_owner(citizen.owner)]


def citizen_summary(record: Request) -> dict[str, Any]:
    registered = record.status != DRAFT
    return {
        "id": record.id,
        "serviceId": record.service_id,
        "title": record.documents,
        "status": record.status,
        "statusLabel": label_ro(record.status),
        "registrationNumber": record.registration_number if registered else None,
        "registeredAt": record.registered_at,
        "answerDue": record.answer_due,
        "delivery": record.delivery,
        "intake": record.intake,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
    }


CITIZEN_EVENTS = {
    "draft_created",
    "submit",
    "assign",
    "ask_documents",
    "resubmit",
    "answer_electronic",
    "answer_for_pickup",
    "reject",
    "withdraw",
    "deposit_confirmed",
    "collect_from_locker",
    "collect_at_counter",
    "dropoff_code",
    "dropoff_registered",
    "dropoff_collected",
    "found_empty",
}


def requester_files(deps: Deps, request_id: str) -> list[dict[str, Any]]:
    """The files the requester attached (a citizen's, or an association's for a filing), as the API shows them."""
    return [
        {
            "id": a.id,
            "documentId": a.document_id,
            "fileName": a.file_name,
            "contentType": a.content_type,
            "size": a.size,
            "status": a.status,
            "refusal": a.refusal,
        }
        for a in deps.stores.attachments.of_request(request_id)
        if a.kind == "citizen"
    ]


def citizen_view(deps: Deps, record: Request) -> dict[str, Any]:
    """The request as its citizen sees it: answers, checklist, files, what the office asked, its history."""
    service = catalogue.get_service(record.service_id or "")
    files = requester_files(deps, record.id)
    attached = {f["documentId"] for f in files if f["status"] != "refused"}
    bring = set(record.bring_original or [])
    view = citizen_summary(record)
    view.update(
        {
            "answers": record.answers or {},
            "bringOriginal": sorted(bring),
            "checklist": [
                {
                    "documentId": i.id,
                    "name": {"ro": i.name_ro, "en": i.name_en},
                    "needed": i.needed,
                    "canAttach": i.can_attach,
                    "canBringOriginal": i.can_bring,
                    "formats": list(i.formats),
                    "done": i.id in attached or (i.can_bring and i.id in bring),
                }
                for i in checklist.checklist(service, record.answers or {})
            ],
            "attachments": files,
            "asked": record.asked,
            "rejectionReason": record.outcome_reason,
            "answerAttachment": record.answer_attachment,
            "history": [
                {"at": h["at"], "action": h["action"], "status": h["detail"].get("to")}
                for h in history(deps, request_subject(record.id))
                if h["action"] in CITIZEN_EVENTS
            ],
        }
    )
    return view

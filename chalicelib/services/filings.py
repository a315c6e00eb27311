"""Associations' filings, the administrator's side (issue 15): a draft of a filing type for one of their
associations, its files, submission with a registration number of the registry's sequence, the documents
the department asks for, and the list of their filings.

Only an account linked to the association may file for it: any other answers 403 before the body is looked
at further. A filing is a request of the requests table (``intake`` association, ``owner`` the association,
``service_id`` the filing type), so the files, their checks and the registration are the online requests'
own (``online_requests.allow_upload``, ``check_files``, ``registry.register_next``); its
registration also writes its mark under the filing type (``stores/filings.py``) in the same transaction.
The association is told of each step by e-mail (``filing_notices``).
"""

from __future__ import annotations

import uuid
from typing import Any

from .. import filing_types
from ..domain import checklist, online_requests
from ..domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from ..domain.filings import AWAITING_DOCUMENTS, DRAFT, INTAKE, check_period, owner_of
from ..domain.lifecycle import change_status, label_ro
from ..ports import StaffIdentity
from ..stores.audit import audit_row
from ..stores.engine import Transaction, WriteConflict
from ..stores.filings import entry_of
from ..stores.rows import Attachment, Contact, FilingMark, Request
from . import associations
from .audit import history, request_subject
from .deps import Deps
from .filing_notices import tell
from .online_requests import allow_upload, check_files, requester_files
from .registry import register_submitted, registered_fields
from .status_writes import write_status

DAY_MS = 86_400_000
EDITABLE = (DRAFT, AWAITING_DOCUMENTS)


def type_view(kind: dict[str, Any]) -> dict[str, Any]:
    """A filing type as the API lists it: its form's questions and its checklist."""
    return {
        "id": kind["id"],
        "title": kind["title"],
        "description": kind.get("description"),
        "period": kind.get("period"),
        "questions": kind.get("questions", []),
        "checklist": [
            {
                "documentId": doc["id"],
                "name": doc["name"],
                "mandatory": bool(doc.get("mandatory")),
                "condition": doc.get("condition"),
                "formats": doc.get("formats", []),
            }
            for doc in kind.get("documents", [])
        ],
    }


def require_own(deps: Deps, identity: StaffIdentity, cui: object) -> str:
    """The CUI, when ``identity`` is an account linked to it; 403 otherwise (staff file nothing here)."""
    plausible = isinstance(cui, str) and cui.isdigit() and len(cui) <= 12  # a CUI's digits, never an empty key
    if associations.ROLE not in identity.roles or not plausible:
        linked = False
    else:
        linked = deps.stores.associations.may_act_for(identity.username, str(cui))
    if not linked:
        raise Forbidden(
            "Contul dumneavoastră nu administrează această asociație.", "this account does not manage this association"
        )
    return str(cui)


def cui_of(record: Request) -> str:
    return (record.owner or "").split("#", 1)[-1]


def create_filing(deps: Deps, identity: StaffIdentity, body: dict[str, Any]) -> Request:
    """A draft of ``type`` for ``cui`` with the answers given so far; nothing is registered yet."""
    cui = require_own(deps, identity, body.get("cui"))
    kind = _kind(body.get("type"))
    answers = checklist.clean_answers(kind, body.get("answers") or {})
    if "period" in answers:
        answers["period"] = check_period(kind.get("period"), answers["period"])
    association = deps.stores.associations.get(cui)
    if association is None:
        raise NotFound("Asociația nu există în registru.", "no such association")
    now = deps.now()
    record = Request(
        id=uuid.uuid4().hex,
        registration_number=f"draft-{uuid.uuid4().hex[:12]}",  # the index key must not be empty; replaced at submit
        status=DRAFT,
        due_at=now + 365 * DAY_MS,  # an untouched draft is deleted after a year (the retention rule)
        citizen_name=association.name[:200],  # the association, not a person
        documents=kind["title"]["ro"][:500],
        created_at=now,
        updated_at=now,
        created_by=identity.username,
        service_id=kind["id"],
        intake=INTAKE,
        delivery="electronic",
        answers=answers,
        owner=owner_of(cui),
        department=filing_types.department(),
    )
    no_phone = Contact(request_id=record.id, sms_consent=False, locker_consent=False, consent_recorded_at=now)
    with deps.stores.transaction() as tx:
        deps.stores.requests.create(record, no_phone, tx)
        deps.stores.audit.add(audit_row(request_subject(record.id), identity.username, "draft_created", now), tx)
    return record


def _kind(type_id: object) -> dict[str, Any]:
    if type_id not in filing_types.IDS:
        raise InvalidInput("Alegeți tipul depunerii.", f"type must be one of {', '.join(filing_types.IDS)}")
    return filing_types.get_type(type_id)


def own_filing(deps: Deps, identity: StaffIdentity, filing_id: str) -> Request:
    """The filing, when it belongs to one of the account's associations (404 if it is no filing, 403 if
    it is another association's)."""
    record = deps.stores.requests.get(filing_id)
    if record is None or record.intake != INTAKE:
        raise NotFound("Depunerea nu există.", "filing not found")
    require_own(deps, identity, cui_of(record))
    return record


def update_answers(deps: Deps, identity: StaffIdentity, filing_id: str, answers: object) -> Request:
    """Merge answers into a draft."""
    record = own_filing(deps, identity, filing_id)
    if record.status != DRAFT:
        raise IllegalTransition("Depunerea a fost trimisă; nu se mai poate modifica.", "only a draft can be changed")
    kind = filing_types.get_type(record.service_id)
    merged = checklist.clean_answers(kind, {**(record.answers or {}), **(answers if isinstance(answers, dict) else {})})
    if "period" in merged:
        merged["period"] = check_period(kind.get("period"), merged["period"])
    try:
        updated = deps.stores.requests.save_draft(record.id, record.owner or "", {"answers": merged}, deps.now())
    except WriteConflict:
        raise IllegalTransition("Depunerea a fost trimisă între timp.", "only a draft can be changed") from None
    assert updated is not None
    return updated


def request_upload(
    deps: Deps,
    identity: StaffIdentity,
    filing_id: str,
    document_id: object,
    file_name: object,
    content_type: object,
    size: object,
    redirect: str | None = None,
) -> tuple[Attachment, dict[str, Any]]:
    """Allow one file for a document of the type's checklist (a presigned POST with the type and size limit)."""
    record = own_filing(deps, identity, filing_id)
    if record.status not in EDITABLE:
        raise IllegalTransition(
            "Documentele se pot adăuga doar înainte de trimitere sau când vi se cer.", "attachments are closed"
        )
    kind = filing_types.get_type(record.service_id)
    items = {i.id: i for i in checklist.checklist(kind, record.answers or {})}
    item = items.get(document_id) if isinstance(document_id, str) else None
    if item is None:
        raise InvalidInput("Documentul nu este pe lista acestei depuneri.", "unknown document id")
    if not isinstance(content_type, str) or content_type not in item.formats:
        raise InvalidInput(
            "Pentru acest document se acceptă: " + ", ".join(f.split("/")[1].upper() for f in item.formats) + ".",
            f"contentType must be one of {list(item.formats)}",
        )
    if not isinstance(file_name, str) or not isinstance(size, int) or isinstance(size, bool):
        raise InvalidInput("Numele și mărimea fișierului lipsesc.", "fileName and size are required")
    return allow_upload(deps, record, "citizen", identity.username, item.id, file_name, content_type, size, redirect)


def submit(deps: Deps, identity: StaffIdentity, filing_id: str) -> Request:
    """Register a complete draft (number, deadline, e-mail), or send back a filing whose documents were asked
    for (``awaiting_documents`` → ``in_review``). Refuses, naming it, a failed file or a missing document."""
    record = own_filing(deps, identity, filing_id)
    if record.status not in EDITABLE:
        raise IllegalTransition("Depunerea a fost deja trimisă.", f"filing is '{record.status}', not a draft")
    kind = filing_types.get_type(record.service_id)
    answers = checklist.clean_answers(kind, record.answers or {}, complete=record.status == DRAFT)
    stored = check_files(deps, record)
    items = checklist.checklist(kind, answers)
    missing = checklist.missing(items, {a.document_id for a in stored if a.document_id}, set())
    if missing:
        raise InvalidInput(
            f"Lipsește documentul „{missing[0].name_ro}”: atașați-l.", f"document '{missing[0].id}' is missing"
        )
    if record.status == AWAITING_DOCUMENTS:
        return _resubmit(deps, identity, record)
    return _register(deps, identity, record, kind)


def _register(deps: Deps, identity: StaffIdentity, record: Request, kind: dict[str, Any]) -> Request:
    now = deps.now()
    due = online_requests.answer_due(now, online_requests.answer_days(kind, deps.settings.answer_days))
    cui = cui_of(record)
    period = (record.answers or {}).get("period")
    change = change_status(record.id, record.status, "submit", now, identity.username)

    def write(tx: Transaction, number: str) -> None:
        write_status(deps, change, tx, set=registered_fields(number, now, due), expect={"owner": record.owner})
        mark = FilingMark(
            type=kind["id"],
            entry=entry_of(period, cui, record.id),
            cui=cui,
            period=period,
            request_id=record.id,
            status=change.after,
            registration_number=number,
            registered_at=now,
            name=record.citizen_name,
        )
        deps.stores.filings.mark(mark, tx)

    already = IllegalTransition("Depunerea a fost deja trimisă.", "filing changed meanwhile")
    registered = register_submitted(deps, record, now, write, already)
    tell(deps, registered, "submit")
    return registered


def _resubmit(deps: Deps, identity: StaffIdentity, record: Request) -> Request:
    change = change_status(record.id, record.status, "resubmit", deps.now(), identity.username)
    try:
        with deps.stores.transaction() as tx:
            write_status(deps, change, tx)
            deps.stores.filings.set_status(record.service_id or "", mark_entry(record), change.after, tx)
    except WriteConflict:
        raise IllegalTransition("Depunerea a fost deja trimisă.", "filing changed meanwhile") from None
    resent = deps.stores.requests.get(record.id)
    assert resent is not None
    tell(deps, resent, "resubmit")
    return resent


def mark_entry(record: Request) -> str:
    return entry_of((record.answers or {}).get("period"), cui_of(record), record.id)


def list_filings(deps: Deps, identity: StaffIdentity) -> list[dict[str, Any]]:
    """The account's associations' filings, newest first."""
    if associations.ROLE not in identity.roles:
        raise Forbidden("Doar conturile asociațiilor au depuneri.", "role 'association' required")
    found = [
        r
        for cui in deps.stores.associations.cuis_of(identity.username)
        for r in deps.stores.requests.of_owner(owner_of(cui))
    ]
    return [summary(r) for r in sorted(found, key=lambda r: r.created_at, reverse=True)]


def summary(record: Request) -> dict[str, Any]:
    registered = record.status != DRAFT
    return {
        "id": record.id,
        "cui": cui_of(record),
        "association": record.citizen_name,
        "type": record.service_id,
        "title": record.documents,
        "period": (record.answers or {}).get("period"),
        "status": record.status,
        "statusLabel": label_ro(record.status),
        "registrationNumber": record.registration_number if registered else None,
        "registeredAt": record.registered_at,
        "answerDue": record.answer_due,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
    }


def filing_view(deps: Deps, record: Request) -> dict[str, Any]:
    """The filing with its answers, checklist, files, what the department asked and its history."""
    kind = filing_types.get_type(record.service_id)
    files = requester_files(deps, record.id)
    attached = {f["documentId"] for f in files if f["status"] != "refused"}
    view = summary(record)
    view.update(
        answers=record.answers or {},
        checklist=[
            {
                "documentId": i.id,
                "name": {"ro": i.name_ro, "en": i.name_en},
                "needed": i.needed,
                "formats": list(i.formats),
                "done": i.id in attached,
            }
            for i in checklist.checklist(kind, record.answers or {})
        ],
        attachments=files,
        asked=record.asked,
        rejectionReason=record.outcome_reason,
        history=[
            {"at": h["at"], "action": h["action"], "status": h["detail"].get("to")}
            for h in history(deps, request_subject(record.id))
            if h["action"] != "file_downloaded"
        ],
    )
    return view

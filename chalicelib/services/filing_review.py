"""Associations' filings, the department's side (issue 15): the filings of a type by period and status, one
filing with its files, taking it (``in_review``), asking for documents (``awaiting_documents``; the
administrator adds them and sends it back), accepting or rejecting it. Each step is written with the
filing's mark under its type in one transaction, audited, and e-mailed to the association.

Who: staff of the associations' department (``dept:ps2-asociatii-proprietari``), the registry's clerks and
admins (``online_review.departments_of``); an association's account is no staff (403).
"""

from __future__ import annotations

from typing import Any

from .. import filing_types
from ..domain import checklist
from ..domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from ..domain.filings import INTAKE, STATUSES
from ..domain.lifecycle import change_status
from ..ports import StaffIdentity
from ..stores.audit import audit_row
from ..stores.engine import WriteConflict
from ..stores.rows import Request
from . import associations, request_records
from .audit import request_subject
from .deps import Deps
from .filing_notices import tell
from .filings import filing_view, mark_entry
from .online_requests import DOWNLOAD_S
from .online_review import departments_of
from .status_writes import write_status

MAX_MESSAGE = 1000


def require_department(identity: StaffIdentity) -> None:
    allowed = departments_of(identity)
    if not associations.is_staff(identity) or (allowed is not None and filing_types.department() not in allowed):
        raise Forbidden(
            "Depunerile asociațiilor le lucrează direcția pentru asociații de proprietari.",
            "filings are worked by the associations' department",
        )


def staff_filing(deps: Deps, identity: StaffIdentity, filing_id: str) -> Request:
    require_department(identity)
    record = deps.stores.requests.get(filing_id)
    if record is None or record.intake != INTAKE:
        raise NotFound("Depunerea nu există.", "filing not found")
    return record


def list_filings(
    deps: Deps, identity: StaffIdentity, type_id: str, status: str = "", period: str = ""
) -> list[dict[str, Any]]:
    """A type's registered filings (of ``period``, in ``status``), the oldest registration first."""
    require_department(identity)
    if type_id not in filing_types.IDS:
        raise InvalidInput("Alegeți tipul depunerii.", f"type must be one of {', '.join(filing_types.IDS)}")
    if status and status not in STATUSES:
        raise InvalidInput("Stare necunoscută.", f"status must be one of {', '.join(STATUSES)}")
    if len(period) > 10:
        raise InvalidInput("Perioadă necunoscută.", "period: at most 10 characters")
    marks = deps.stores.filings.of_type(type_id, period or None, (status,) if status else ())
    return [
        {
            "id": m.request_id,
            "cui": m.cui,
            "association": m.name,
            "type": type_id,
            "period": m.period,
            "status": m.status,
            "registrationNumber": m.registration_number,
            "registeredAt": m.registered_at,
        }
        for m in sorted(marks, key=lambda m: m.registered_at)
    ]


def open_filing(deps: Deps, identity: StaffIdentity, filing_id: str) -> dict[str, Any]:
    """A filing's whole record for the department; each opening is audited."""
    record = staff_filing(deps, identity, filing_id)
    request_records.open_request(deps, identity.username, record.id)  # audits the opening
    view = filing_view(deps, record)
    view.update(assignee=record.assignee, department=record.department)
    return view


def _change(deps: Deps, identity: StaffIdentity, record: Request, action: str, **fields: Any) -> Request:
    change = change_status(record.id, record.status, action, deps.now(), identity.username)
    try:
        with deps.stores.transaction() as tx:
            write_status(deps, change, tx, set=fields or None)
            deps.stores.filings.set_status(record.service_id or "", mark_entry(record), change.after, tx)
    except WriteConflict:
        raise IllegalTransition(
            "Depunerea s-a schimbat între timp; reîncărcați pagina.", "filing changed meanwhile"
        ) from None
    updated = deps.stores.requests.get(record.id)
    assert updated is not None
    return updated


def take(deps: Deps, identity: StaffIdentity, filing_id: str) -> Request:
    record = staff_filing(deps, identity, filing_id)
    updated = _change(deps, identity, record, "assign", assignee=identity.username)
    tell(deps, updated, "assign")
    return updated


def ask_for_documents(
    deps: Deps, identity: StaffIdentity, filing_id: str, documents: object, message: object
) -> Request:
    """Ask for documents of the type's checklist, or described in ``message``."""
    record = staff_filing(deps, identity, filing_id)
    items = checklist.checklist(filing_types.get_type(record.service_id), record.answers or {})
    asked = checklist.asked_for(items, documents, message, deps.now(), identity.username)
    updated = _change(deps, identity, record, "ask_documents", asked=asked)
    names = "; ".join(d["name"]["ro"] for d in asked["documents"])
    lines = (f"Documente cerute: {names}." if names else "", asked["message"])
    tell(deps, updated, "ask_documents", "\n".join(line for line in lines if line))
    return updated


def accept(deps: Deps, identity: StaffIdentity, filing_id: str) -> Request:
    record = staff_filing(deps, identity, filing_id)
    updated = _change(deps, identity, record, "accept", closed_at=deps.now())
    tell(deps, updated, "accept")
    return updated


def reject(deps: Deps, identity: StaffIdentity, filing_id: str, reason: object) -> Request:
    record = staff_filing(deps, identity, filing_id)
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > MAX_MESSAGE:
        raise InvalidInput("Scrieți motivul respingerii (cel mult 1000 de caractere).", "reason: 1-1000 characters")
    updated = _change(deps, identity, record, "reject", outcome_reason=text, closed_at=deps.now())
    tell(deps, updated, "reject", f"Motivul: {text}")
    return updated


def download_url(deps: Deps, identity: StaffIdentity, filing_id: str, attachment_id: str) -> str:
    """A short-lived link to one of the filing's files, audited."""
    record = staff_filing(deps, identity, filing_id)
    row = deps.stores.attachments.get(record.id, attachment_id)
    if row is None or row.status == "refused":
        raise NotFound("Fișierul nu există.", "attachment not found")
    deps.stores.audit.add(
        audit_row(request_subject(record.id), identity.username, "file_downloaded", deps.now(), attachment=row.id)
    )
    return deps.files.download_url(row.key, row.file_name, row.content_type, DOWNLOAD_S)

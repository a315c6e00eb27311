"""Registry-desk use cases: register a request, mark it ready, send it to the counter, hand it over, cancel it,
and the staff queue with its search."""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass

from .. import metrics
from ..domain.codes import CUSTOM_REGISTRATION_RE, REGISTRATION_RE
from ..domain.compartments import SIZES
from ..domain.errors import Conflict, IllegalTransition, InvalidInput, RequestChanged
from ..domain.lifecycle import CLOSED_STATUSES, OPEN_STATUSES, Status, label_ro
from ..domain.phones import mask_phone, normalise_phone
from ..stores.audit import audit_row
from ..stores.engine import WriteConflict
from ..stores.rows import Contact, Request
from .audit import request_subject
from .deposit import release_compartment
from .deps import Deps
from .notify import notify, sms_context
from .registry import next_registration_number
from .request_records import close_actions, get_request, schedule_contact_erasure, transition

MAX_NAME = 120
MAX_DOCUMENTS = 500
DAY_MS = 86_400_000


@dataclass(frozen=True)
class NewRequest:
    citizen_name: str
    phone: str
    documents: str
    size: str = "S"
    accessible: bool = False
    registration_number: str | None = None
    sms_consent: bool = True
    locker_consent: bool = True


def field_errors(data: NewRequest) -> dict[str, InvalidInput]:
    """Every wrong field of a new request, in form order, so a form can list them all at once."""
    errors: dict[str, InvalidInput] = {}
    name = data.citizen_name.strip()
    if not name or len(name) > MAX_NAME:
        errors["citizenName"] = InvalidInput(
            "Scrieți numele solicitantului (cel mult 120 de caractere).", "citizenName is required (max 120)"
        )
    try:
        normalise_phone(data.phone)
    except InvalidInput as error:
        errors["phone"] = error
    documents = data.documents.strip()
    if not documents or len(documents) > MAX_DOCUMENTS:
        errors["documents"] = InvalidInput(
            "Scrieți ce documente se eliberează (cel mult 500 de caractere).", "documents is required (max 500)"
        )
    if data.size not in SIZES:
        errors["size"] = InvalidInput("Mărimea trebuie să fie S, M sau L.", "size must be S, M or L")
    number = data.registration_number
    if number is not None and not CUSTOM_REGISTRATION_RE.match(number):
        errors["registrationNumber"] = InvalidInput(
            "Numărul de înregistrare poate avea 3–20 de litere, cifre sau „/ . _ -”.",
            "registrationNumber must be 3-20 letters, digits or / . _ -",
        )
    elif number is not None and REGISTRATION_RE.match(number.upper()):
        # the sequence's own form: a number given by hand would collide with one the sequence hands out later
        errors["registrationNumber"] = InvalidInput(
            "Numerele de forma PS2-an-șase cifre le dă sistemul; lăsați câmpul gol "
            "sau scrieți numărul din registrul de hârtie.",
            "numbers of the form PS2-<year>-<6 digits> are the sequence's own: leave it out or give another",
        )
    return errors


def validate_new_request(data: NewRequest) -> tuple[NewRequest, str]:
    """The cleaned request and the E.164 phone; InvalidInput names the first wrong field."""
    errors = field_errors(data)
    if errors:
        raise next(iter(errors.values()))
    cleaned = NewRequest(
        data.citizen_name.strip(),
        data.phone,
        data.documents.strip(),
        data.size,
        data.accessible,
        data.registration_number,
        data.sms_consent,
        data.locker_consent,
    )
    return cleaned, normalise_phone(data.phone)


def register_request(deps: Deps, actor: str, data: NewRequest) -> Request:
    """Create a request with a gapless registration number (or the desk's own), its contact and audit, atomically."""
    data, phone = validate_new_request(data)
    for attempt in range(30):
        now = deps.now()
        record = _new_record(data, phone, actor, now)
        contact = Contact(
            request_id=record.id,
            phone=phone,
            sms_consent=data.sms_consent,
            locker_consent=data.locker_consent,
            consent_recorded_at=now,
        )
        try:
            with deps.stores.transaction() as tx:
                if data.registration_number:
                    record.registration_number = data.registration_number
                else:
                    record.registration_number = next_registration_number(deps, tx, now)
                deps.stores.counters.claim_registration_number(record.registration_number, record.id, tx)
                deps.stores.requests.create(record, contact, tx)
                deps.stores.audit.add(
                    audit_row(
                        request_subject(record.id),
                        actor,
                        "registered",
                        now,
                        registrationNumber=record.registration_number,
                    ),
                    tx,
                )
        except WriteConflict as error:
            # The desk's own number held by another request is final; a lost race for the sequence is retried.
            if data.registration_number and deps.stores.counters.registration_number_taken(data.registration_number):
                raise Conflict(
                    f"Numărul de înregistrare {data.registration_number} există deja.",
                    "registrationNumber already exists",
                ) from error
            time.sleep(random.uniform(0.005, 0.02) * (1 + attempt % 5))
            continue
        return record
    raise Conflict("Prea multe înregistrări simultane; încercați din nou.", "too much contention, retry")


def _new_record(data: NewRequest, phone: str, actor: str, now: int) -> Request:
    return Request(
        id=uuid.uuid4().hex,
        registration_number="",
        status=Status.REGISTERED.value,
        due_at=now,
        citizen_name=data.citizen_name,
        documents=data.documents,
        size=data.size,
        accessible=data.accessible,
        locker_consent=data.locker_consent,
        sms_consent=data.sms_consent,
        phone_mask=mask_phone(phone),
        created_at=now,
        updated_at=now,
        created_by=actor,
    )


def mark_ready(deps: Deps, actor: str, request_id: str) -> Request:
    """Documents are ready. Without locker consent the citizen is told to come to the counter."""
    record = get_request(deps, request_id)
    if record.intake:  # online, drop-off and association requests are answered by their department
        raise IllegalTransition(
            "Această cerere se lucrează de departamentul ei („Cereri online”): răspunsul pe hârtie se trimite "
            "de acolo, cu „Răspuns pe hârtie: la dulap sau la ghișeu”.",
            f"a request with intake '{record.intake}' is answered by its department, not marked ready at the desk",
        )
    channel = "locker" if record.locker_consent else "counter"
    record = transition(deps, record, "ready", actor, {"channel": channel})
    if channel == "counter":
        notify(deps, record, "counter_ready", sms_context(deps, record))
    return record


def send_to_counter(deps: Deps, actor: str, request_id: str) -> Request:
    """The locker cannot be used (full, offline, citizen's choice): the request goes the counter path."""
    record = get_request(deps, request_id)
    if record.status != Status.READY.value:
        raise IllegalTransition(
            f"Doar o cerere pregătită poate fi trimisă la ghișeu; aceasta este „{label_ro(record.status)}”.",
            "only a ready request can be sent to the counter",
        )
    try:
        with deps.stores.transaction() as tx:
            deps.stores.requests.update_fields(
                record.id,
                tx,
                set={"channel": "counter", "updated_at": deps.now()},
                expect={"status": Status.READY.value},
            )
            deps.stores.audit.add(audit_row(request_subject(record.id), actor, "counter_path", deps.now()), tx)
    except WriteConflict as error:
        raise RequestChanged() from error
    record = get_request(deps, request_id)
    notify(deps, record, "counter_ready", sms_context(deps, record))
    return record


def collect_at_counter(deps: Deps, actor: str, request_id: str) -> Request:
    record = get_request(deps, request_id)
    record = transition(deps, record, "collect_at_counter", actor, close_actions(deps, "counter"))
    metrics.count(metrics.PICKUPS, channel="counter")
    schedule_contact_erasure(deps, record.id)
    return record


def cancel_request(deps: Deps, actor: str, request_id: str, reason: str = "") -> Request:
    record = get_request(deps, request_id)
    if record.status == Status.RESERVED.value:
        release_compartment(deps, record)
    record = transition(deps, record, "cancel", actor, close_actions(deps, None), reason=reason or None)
    schedule_contact_erasure(deps, record.id)
    return record


def list_requests(deps: Deps, status: str | None, q: str | None, limit: int = 200) -> list[Request]:
    """Queue by status (newest first), optionally filtered by registration number, name or phone digits."""
    if status:
        try:
            statuses: tuple[Status, ...] = (Status(status),)
        except ValueError:
            raise InvalidInput("Stare necunoscută.", f"unknown status {status!r}") from None
    else:
        statuses = OPEN_STATUSES + CLOSED_STATUSES if q else OPEN_STATUSES
    needle = (q or "").strip()
    if len(needle) > 100:
        raise InvalidInput("Textul căutat are cel mult 100 de caractere.", "q is limited to 100 characters")
    number = needle.upper() if needle.upper().startswith("PS2-") else needle if "/" in needle else ""
    if number:  # looks like a registration number: one index lookup
        found = deps.stores.requests.by_registration(number)
        return [r for r in found if not status or r.status == status]
    results: list[Request] = []
    for st in statuses:
        for record in deps.stores.requests.queue(st.value, limit=limit):
            if needle and not _matches(record, needle):
                continue
            results.append(record)
    return results[:limit]


def _matches(record: Request, needle: str) -> bool:
    lowered = needle.lower()
    if needle.isdigit():
        return (record.phone_mask or "").endswith(needle[-3:]) or needle in record.registration_number
    return lowered in record.citizen_name.lower() or lowered in record.registration_number.lower()

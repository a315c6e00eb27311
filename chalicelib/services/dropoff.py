"""Drop-off, the citizen's side (issue 14): a drop-off code for a complete file, and what its page shows.

A request with intake ``locker`` is a draft until the door closes on the file. The citizen says which of the
service's documents are in the envelope and its size; a needed document missing stops here (409, named), so
no one drops an incomplete file by accident. Then an 8-digit PIN and a QR token, bound to the chosen locker,
valid ``dropoff_code_hours`` (24), go by SMS only; they open a free compartment of that size, once. A new
code replaces the previous one. A request the office asked documents for (``awaiting_documents``) gets a code
for the documents asked, so the rest can be dropped off the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import catalogue
from ..domain import checklist, dropoff, online_requests
from ..domain.codes import new_pin, new_token
from ..domain.compartments import fits
from ..domain.errors import IllegalTransition, InvalidInput, NotFound, TooManyAttempts
from ..domain.lifecycle import label_ro
from ..domain.sms import BUCHAREST, SmsContext
from ..stores.audit import audit_row
from ..stores.credentials import kept_until
from ..stores.engine import ABSENT, WriteConflict
from ..stores.rows import Credential, Request
from .audit import request_subject
from .citizen_access import Citizen
from .credentials import (
    find_by_token,
    phone_digits_key,
    phone_last_digits,
    pin_key,
    reseal,
    revoke_code_pair,
    token_key,
    unseal,
)
from .deps import Deps
from .notify import current_contact, notify
from .online_requests import own_request

HOUR_MS = 3_600_000
CODES_PER_HOUR = 5
CODE_STATUSES = (online_requests.DRAFT, online_requests.AWAITING_DOCUMENTS)


@dataclass(frozen=True)
class DropoffCode:
    expires_at: int
    locker_id: str


def request_dropoff(deps: Deps, citizen: Citizen, request_id: str, body: dict[str, Any]) -> DropoffCode:
    """Check the envelope against the checklist, then send a drop-off code by SMS (never in the answer)."""
    record = own_request(deps, citizen, request_id)
    if record.intake != dropoff.INTAKE:
        raise IllegalTransition(
            "Această cerere nu se depune la dulap.", "only a request with intake 'locker' is dropped off"
        )
    if record.dropoff_cmd and not record.collect_from:
        raise IllegalTransition(
            "Dosarul se depune chiar acum la dulap: un cod nou se poate cere după ce se închide ușa.",
            "a compartment is open for this request's file",
        )
    if record.collect_from or record.status not in CODE_STATUSES:
        ro = (
            "Dosarul acestei cereri a fost deja depus."
            if record.collect_from or record.status in (online_requests.REGISTERED, online_requests.IN_REVIEW)
            else f"Cererea este „{label_ro(record.status)}”: nu se mai depun documente pentru ea."
        )
        raise IllegalTransition(ro, f"request is '{record.status}': nothing to drop off")
    size = dropoff.checked_size(body.get("size"))
    documents = dropoff.checked_documents(body.get("documents"))
    locker_id = _usable_locker(deps, body.get("lockerId"), size)
    _check_envelope(record, documents)
    _count_code(deps, citizen)
    return _issue(deps, record, citizen, locker_id, size, documents)


def _count_code(deps: Deps, citizen: Citizen) -> None:
    """At most ``CODES_PER_HOUR`` drop-off codes an hour for one citizen (each is an SMS, and a code holds a
    compartment's worth of trust): enough to correct a mistake or two, not to flood a locker."""
    now = deps.now()
    hour = now // HOUR_MS
    if not deps.stores.counters.take(f"dropoff-code#{citizen.owner}#{hour}", CODES_PER_HOUR, (hour + 1) * HOUR_MS):
        raise TooManyAttempts(
            "Ați cerut prea multe coduri de depunere. Încercați din nou peste o oră.",
            "too many drop-off codes asked for in an hour",
            retry_after_s=3600 - (now // 1000) % 3600,
        )


def _check_envelope(record: Request, documents: list[str]) -> None:
    service = catalogue.get_service(record.service_id or "")
    if record.status == online_requests.DRAFT:
        answers = checklist.clean_answers(service, record.answers or {}, complete=True)
        found = dropoff.check_file(service, answers, documents)
        if found.missing:
            raise dropoff.incomplete(found.missing)
        if not found.included:
            raise InvalidInput("Spuneți ce documente sunt în plic.", "the envelope holds no document of the list")
        return
    asked = set(dropoff.asked_documents(record.asked))
    found = dropoff.check_file(service, record.answers or {}, documents)
    missing = tuple(i for i in checklist.checklist(service, record.answers or {}) if i.id in asked - set(documents))
    if missing:
        raise dropoff.incomplete(missing)
    if not found.included:
        raise InvalidInput("Spuneți ce documente sunt în plic.", "the envelope holds no document of the list")


def _usable_locker(deps: Deps, locker_id: object, size: str) -> str:
    """A registered locker with at least one compartment in service that takes an envelope of ``size``."""
    if not isinstance(locker_id, str) or not locker_id:
        raise InvalidInput("Alegeți dulapul.", "lockerId is required")
    items = deps.stores.lockers.items(locker_id)
    if items.meta is None:
        raise NotFound("Dulapul nu există.", "locker not found")
    if not any(row.enabled and fits(row.size or "S", size) for row in items.compartments):
        raise IllegalTransition(
            "Dulapul ales nu are compartimente de această mărime. Alegeți alt dulap sau un plic mai mic.",
            "the locker has no compartment of that size in service",
        )
    return locker_id


def _issue(
    deps: Deps, record: Request, citizen: Citizen, locker_id: str, size: str, documents: list[str]
) -> DropoffCode:
    now = deps.now()
    expires_at = now + deps.settings.dropoff_code_hours * HOUR_MS
    contact = current_contact(deps, record.id)
    digits = phone_last_digits(contact.phone if contact else citizen.phone)
    for _ in range(20):
        pin, token = new_pin(), new_token()
        pin_row, qr_row = _credentials(deps, record, locker_id, expires_at, pin, token, digits)
        try:
            with deps.stores.transaction() as tx:
                deps.stores.credentials.issue(pin_row, tx)
                deps.stores.credentials.issue(qr_row, tx)
                deps.stores.requests.update_fields(
                    record.id,
                    tx,
                    set={
                        "dropoff_key": qr_row.code_key,
                        "dropoff_documents": documents,
                        "dropoff_expires": expires_at,
                        "size": size,
                        "updated_at": now,
                    },
                    expect={
                        "owner": citizen.owner,
                        "status": record.status,
                        "dropoff_key": record.dropoff_key or ABSENT,
                        "collect_from": ABSENT,
                    },
                )
                deps.stores.audit.add(
                    audit_row(request_subject(record.id), "citizen", "dropoff_code", now, locker=locker_id, size=size),
                    tx,
                )
        except WriteConflict:
            current = deps.stores.requests.get(record.id)
            if current is None or current.status != record.status or current.dropoff_key != record.dropoff_key:
                raise IllegalTransition(
                    "Cererea s-a schimbat între timp; reîncărcați pagina.", "request changed meanwhile"
                ) from None
            continue  # the PIN drawn is live at this locker for someone else: draw another
        if record.dropoff_key:
            revoke_code_pair(deps, record.dropoff_key)  # the previous code opens nothing from now on
        url = f"{deps.settings.public_base_url}/d/{token}" if deps.settings.sms_link_enabled else None
        notify(deps, record, "dropoff_code", SmsContext("", deadline_ms=expires_at, pin=pin, qr_url=url))
        return DropoffCode(expires_at, locker_id)
    raise IllegalTransition("Nu s-a putut genera un cod; încercați din nou.", "could not find a free PIN")


def _credentials(
    deps: Deps, record: Request, locker_id: str, expires_at: int, pin: str, token: str, digits: str | None
) -> tuple[Credential, Credential]:
    pkey, tkey = pin_key(deps, locker_id, pin), token_key(deps, token)
    common: dict[str, Any] = {
        "request_id": record.id,
        "locker_id": locker_id,
        "compartment": "",  # allocated when the code is used, among the compartments free then
        "expires_at": expires_at,
        "purpose": "dropoff",
        "ttl": kept_until(expires_at),
    }
    pin_row = Credential(code_key=pkey, sibling=tkey, **common)
    pin_row.phone_digits = phone_digits_key(deps, pkey, digits) if digits else None
    qr_row = Credential(code_key=tkey, sibling=pkey, **common)
    qr_row.sealed_pin = reseal(deps, token, json.dumps({"pin": pin, "qr": token}))
    return pin_row, qr_row


@dataclass(frozen=True)
class DropoffPage:
    """What the drop-off code's page (/d/{token}) shows: the PIN and QR while valid, or why not."""

    state: str  # valid | used | expired | unknown
    request_id: str = ""
    pin: str = ""
    qr_content: str = ""
    expires: str = ""
    locker_id: str = ""
    locker_name: str = ""
    locker_location: str = ""
    size: str = ""
    service_id: str = ""
    documents: tuple[checklist.Item, ...] = ()
    registration_number: str = ""


def dropoff_page(deps: Deps, token: str) -> DropoffPage:
    credential = find_by_token(deps, token)
    if credential is None or credential.purpose != "dropoff" or credential.revoked:
        return DropoffPage("unknown")
    record = deps.stores.requests.get(credential.request_id)
    if record is None:
        return DropoffPage("unknown")
    expires = datetime.fromtimestamp(credential.expires_at / 1000, BUCHAREST).strftime("%d.%m.%Y, ora %H:%M")
    service = catalogue.get_service(record.service_id or "")
    chosen = set(record.dropoff_documents or [])
    items = tuple(i for i in checklist.checklist(service, record.answers or {}, channel="locker") if i.id in chosen)
    meta = deps.stores.lockers.meta(credential.locker_id)
    base: dict[str, Any] = {
        "request_id": record.id,
        "expires": expires,
        "locker_id": credential.locker_id,
        "locker_name": (meta.name if meta else None) or credential.locker_id,
        "locker_location": (meta.location if meta else None) or "",
        "size": record.size,
        "service_id": record.service_id or "",
        "documents": items,
        "registration_number": record.registration_number if record.registered_at else "",
    }
    if credential.used_at:
        return DropoffPage("used", **base)
    if deps.now() > credential.expires_at:
        return DropoffPage("expired", **base)
    sealed = unseal(deps, token, credential)
    return DropoffPage("valid", pin=sealed.get("pin", ""), qr_content=sealed.get("qr", token), **base)

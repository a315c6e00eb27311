""" "Where is my request?": the citizen proves the phone with a 5-digit SMS code, then sees the status.

The answer never tells whether a number exists: a wrong number or phone gets
a code page like everyone else, and no code will ever match. Codes live 15
minutes, allow 5 tries, and at most 3 are sent per request per hour.
"""

from __future__ import annotations

import secrets
import uuid

from pynamodb.exceptions import UpdateError

from ..domain.codes import keyed_hash
from ..domain.errors import InvalidInput
from ..domain.phones import normalise_phone
from ..storage.models import CounterRecord, RequestRecord, VerificationRecord, ttl_at
from .deps import Deps
from .notify import current_contact, notify, sms_context

CODE_TTL_MS = 15 * 60 * 1000
MAX_TRIES = 5
MAX_CODES_PER_HOUR = 3


def start_lookup(deps: Deps, registration_number: str, phone: str) -> str:
    """A verification id to put in the next page's URL; an SMS goes out only if number and phone match."""
    number = (
        registration_number.strip().upper()
        if registration_number.strip().upper().startswith("PS2-")
        else registration_number.strip()
    )
    if not number or len(number) > 20:
        raise InvalidInput(
            "Scrieți numărul de înregistrare, de exemplu PS2-2026-000123.", "registration number required"
        )
    e164 = normalise_phone(phone)
    now = deps.now()
    record = _matching_request(deps, number, e164)
    code = f"{secrets.randbelow(100_000):05d}"
    verification = VerificationRecord(
        id=uuid.uuid4().hex,
        request_id=record.id if record else None,
        code_hash=keyed_hash(deps.pepper, "verify", code) if record else None,
        expires_at=now + CODE_TTL_MS,
        attempts=0,
        ttl=ttl_at(now // 1000 + 86_400),
    )
    verification.save()
    if record is not None and _within_rate(record.id, now):
        notify(deps, record, "verification", sms_context(deps, record, code=code))
    return verification.id


def _matching_request(deps: Deps, number: str, e164: str) -> RequestRecord | None:
    for key in RequestRecord.by_registration.query(number, limit=1):
        contact = current_contact(deps, key.id)
        if contact is not None and secrets.compare_digest(contact.phone, e164):
            return RequestRecord.get(key.id)
    return None


def _within_rate(request_id: str, now: int) -> bool:
    key = f"verify#{request_id}#{now // 3_600_000}"
    try:
        CounterRecord(key=key).update(
            actions=[CounterRecord.value.add(1)],
            condition=CounterRecord.value.does_not_exist() | (CounterRecord.value < MAX_CODES_PER_HOUR),
        )
    except UpdateError:
        return False
    return True


def check_code(deps: Deps, verification_id: str, code: str) -> str:
    """The request id when ``code`` is right; InvalidInput otherwise (expired, too many tries, wrong)."""
    wrong = InvalidInput("Codul nu este corect sau a expirat. Cereți un cod nou.", "wrong or expired code")
    try:
        verification = VerificationRecord.get(verification_id)
    except VerificationRecord.DoesNotExist:
        raise wrong from None
    if deps.now() > verification.expires_at or (verification.attempts or 0) >= MAX_TRIES:
        raise wrong
    try:
        verification.update(
            actions=[VerificationRecord.attempts.add(1)], condition=VerificationRecord.attempts < MAX_TRIES
        )
    except UpdateError:
        raise wrong from None
    expected = verification.code_hash or ""
    given = keyed_hash(deps.pepper, "verify", code.strip())
    if not verification.request_id or not secrets.compare_digest(expected, given):
        raise wrong
    verification.update(actions=[VerificationRecord.attempts.set(MAX_TRIES)])  # single use
    return verification.request_id

""" "Where is my request?": the citizen proves the phone with a 5-digit SMS code, then sees the status.

The answer never tells whether a number exists: a wrong number or phone gets
a code page like everyone else, after the same time, and no code will ever
match. Codes live 15 minutes and allow 5 tries; at most 3 verifications an
hour per registration number and ``EPS2_LOOKUP_PER_CLIENT`` (10) per client address, and a code exists
only if its SMS was sent.
"""

from __future__ import annotations

import secrets
import time
import uuid

from ..domain.codes import keyed_hash
from ..domain.errors import InvalidInput, TooManyAttempts
from ..domain.phones import normalise_phone
from ..stores.engine import WriteConflict
from ..stores.rows import Request, Verification
from .deps import Deps
from .notify import current_contact, notify, sms_context

CODE_TTL_MS = 15 * 60 * 1000
MAX_TRIES = 5
MAX_PER_NUMBER = 3  # verifications an hour for one registration number, whatever the phone
ANSWER_MS = 1500  # every start takes this long, whether or not an SMS went out


def start_lookup(deps: Deps, registration_number: str, phone: str, client: str = "unknown") -> str:
    """A verification id to put in the next page's URL; an SMS goes out only if number and phone match.

    Caps count verifications, not SMS: per registration number (whatever the phone) and per client
    address, so guessing needs the phone. A code exists only if its SMS was sent. The answer always
    takes ``ANSWER_MS``, so its time does not tell whether the phone matched.
    """
    started = time.monotonic()
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
    hour = now // 3_600_000
    for key, cap in (
        (f"lookup#number#{number}#{hour}", MAX_PER_NUMBER),
        (f"lookup#client#{client}#{hour}", deps.settings.lookup_per_client),
    ):
        if not deps.stores.counters.take(key, cap, (hour + 1) * 3_600_000):
            raise TooManyAttempts(
                "Ați cerut prea multe coduri. Încercați din nou peste o oră sau sunați la Registratură.",
                "too many verification codes asked for this number or from this address; try again in an hour",
                retry_after_s=3600 - (now // 1000) % 3600,
            )
    record = _matching_request(deps, number, e164)
    code = f"{secrets.randbelow(100_000):05d}"
    sent = None
    if record is not None:
        sent = notify(deps, record, "verification", sms_context(deps, record, code=code))
    delivered = sent is not None and sent.status == "sent"
    verification = Verification(
        id=uuid.uuid4().hex,
        request_id=record.id if delivered and record else None,
        code_hash=keyed_hash(deps.pepper, "verify", code) if delivered else None,
        expires_at=now + CODE_TTL_MS,
        attempts=0,
        ttl=now // 1000 + 86_400,
    )
    deps.stores.counters.add_verification(verification)
    _pad(deps, started)
    return verification.id


def _pad(deps: Deps, started: float) -> None:
    left = ANSWER_MS / 1000 - (time.monotonic() - started)
    if left > 0:
        (deps.sleep or time.sleep)(left)


def _matching_request(deps: Deps, number: str, e164: str) -> Request | None:
    for record in deps.stores.requests.by_registration(number, limit=1):
        contact = current_contact(deps, record.id)
        if contact is not None and secrets.compare_digest(contact.phone, e164):
            return record
    return None


def check_code(deps: Deps, verification_id: str, code: str) -> str:
    """The request id when ``code`` is right; InvalidInput otherwise (expired, too many tries, wrong)."""
    wrong = InvalidInput("Codul nu este corect sau a expirat. Cereți un cod nou.", "wrong or expired code")
    verification = deps.stores.counters.verification(verification_id)
    if verification is None:
        raise wrong
    if deps.now() > verification.expires_at or (verification.attempts or 0) >= MAX_TRIES:
        raise wrong
    try:
        deps.stores.counters.count_attempt(verification.id, MAX_TRIES)
    except WriteConflict:
        raise wrong from None
    expected = verification.code_hash or ""
    given = keyed_hash(deps.pepper, "verify", code.strip())
    if not verification.request_id or not secrets.compare_digest(expected, given):
        raise wrong
    deps.stores.counters.spend_verification(verification.id, MAX_TRIES)  # single use
    return verification.request_id

"""Citizens sign in with their phone: a 6-digit code by SMS, then a server-side session.

The code is valid 10 minutes and for 5 tries; codes are capped per phone (``EPS2_CITIZEN_CODES_PER_HOUR``)
and per client address (``EPS2_LOOKUP_PER_CLIENT``). Asking for a code always answers the same way,
whether or not the phone has requests. A session ends after 30 minutes unused or 12 hours in any case.

A citizen is known by ``owner``, a keyed hash of the verified phone: their requests belong to it, so they
stay reachable after the clear number is erased. ROeID (OpenID Connect) can be added as a second way in
that ends in the same ``Citizen`` (its ``method`` says which), so nothing after sign-in changes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ..domain.codes import keyed_hash
from ..domain.errors import InvalidInput, TooManyAttempts, Unauthorized
from ..domain.phones import mask_phone, normalise_phone
from ..domain.sms import SmsContext
from ..stores import WriteConflict
from ..stores.rows import SessionRow, Verification
from .deps import Deps
from .notify import notify_phone
from .sessions import MAX_TOKEN_LENGTH, TOKEN_BYTES, TOUCH_EVERY_MS, token_id

CODE_TTL_MS = 10 * 60_000
MAX_TRIES = 5
IDLE_MS = 30 * 60_000
LIFETIME_MS = 12 * 3_600_000
CITIZEN = "citizen"
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class Citizen:
    """A signed-in citizen: ``owner`` keys their requests; ``phone`` (E.164) receives their SMS."""

    owner: str
    phone: str
    method: str = "sms"

    @property
    def phone_mask(self) -> str:
        return mask_phone(self.phone)


def owner_of(deps: Deps, e164: str) -> str:
    return keyed_hash(deps.pepper, "owner", e164)


def send_code(deps: Deps, phone: str, client: str = "unknown") -> None:
    """Send a sign-in code to ``phone`` (a new code replaces the previous one)."""
    e164 = normalise_phone(phone)
    owner = owner_of(deps, e164)
    now = deps.now()
    hour = now // HOUR_MS
    for key, cap in (
        (f"citizen-code#phone#{owner}#{hour}", deps.settings.citizen_codes_per_hour),
        (f"citizen-code#client#{client}#{hour}", deps.settings.lookup_per_client),
    ):
        if not deps.stores.counters.take(key, cap, (hour + 1) * HOUR_MS):
            raise TooManyAttempts(
                "Ați cerut prea multe coduri. Încercați din nou peste o oră.",
                "too many sign-in codes asked for this phone or from this address; try again in an hour",
                retry_after_s=3600 - (now // 1000) % 3600,
            )
    code = f"{secrets.randbelow(1_000_000):06d}"
    deps.stores.counters.replace_verification(
        Verification(
            id=f"citizen#{owner}",
            code_hash=keyed_hash(deps.pepper, "citizen-code", f"{owner}:{code}"),
            expires_at=now + CODE_TTL_MS,
            attempts=0,
            ttl=(now + CODE_TTL_MS) // 1000 + 3600,
        )
    )
    notify_phone(deps, f"signin#{owner[:32]}", e164, "citizen_code", SmsContext(registration_number="", code=code))


def start_session(deps: Deps, phone: str, code: str, client: str = "unknown") -> str:
    """A bearer token when ``code`` is the phone's current code (single use); InvalidInput otherwise."""
    wrong = InvalidInput("Codul nu este corect sau a expirat. Cereți un cod nou.", "wrong or expired code")
    e164 = normalise_phone(phone)
    owner = owner_of(deps, e164)
    verification = deps.stores.counters.verification(f"citizen#{owner}")
    now = deps.now()
    if verification is None or now > verification.expires_at or (verification.attempts or 0) >= MAX_TRIES:
        raise wrong
    try:
        deps.stores.counters.count_attempt(verification.id, MAX_TRIES)
    except WriteConflict:
        raise wrong from None
    given = keyed_hash(deps.pepper, "citizen-code", f"{owner}:{str(code).strip()}")
    if not secrets.compare_digest(verification.code_hash or "", given):
        raise wrong
    deps.stores.counters.spend_verification(verification.id, MAX_TRIES)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + LIFETIME_MS
    deps.stores.access.open_session(
        SessionRow(
            id=token_id(token),
            kind=CITIZEN,
            username=owner,
            client=client,
            created_at=now,
            last_seen=now,
            expires_at=expires,
            state={"phone": e164, "method": "sms"},
            ttl=expires // 1000 + 60,
        )
    )
    return token


def check_citizen(deps: Deps, token: str | None) -> Citizen:
    """The citizen of a live session; Unauthorized otherwise. Use moves the idle clock (once a minute)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("Intrați în cont cu telefonul.", "citizen sign-in required")
    record = deps.stores.access.session(token_id(token))
    now = deps.now()
    if record is None or record.kind != CITIZEN:
        raise Unauthorized("Sesiune invalidă; intrați din nou în cont.", "invalid or ended session")
    if now >= record.expires_at or now - (record.last_seen or record.created_at) >= IDLE_MS:
        deps.stores.access.end_session(record.id)
        raise Unauthorized("Sesiunea a expirat; intrați din nou în cont.", "session expired")
    if now - (record.last_seen or 0) >= TOUCH_EVERY_MS:
        try:
            deps.stores.access.touch_session(record.id, last_seen=now)
        except WriteConflict:
            raise Unauthorized("Sesiunea s-a încheiat; intrați din nou în cont.", "session ended") from None
    state = record.state or {}
    return Citizen(owner=record.username, phone=str(state.get("phone", "")), method=str(state.get("method", "sms")))


def end_citizen_session(deps: Deps, token: str | None) -> None:
    if token and len(token) <= MAX_TOKEN_LENGTH:
        deps.stores.access.end_session(token_id(token))

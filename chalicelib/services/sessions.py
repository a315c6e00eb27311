"""Server-side staff sessions, and sign-ins waiting for a challenge's answer, in the ``sessions`` table.

The cookie and the bearer token carry only 256 random bits; the table keeps their SHA-256, so a copy of it
signs no one in. A session ends at sign-out, after ``EPS2_SESSION_IDLE_MINUTES`` unused, at
``EPS2_SESSION_MINUTES`` in any case, and at once for all of a user's sessions when the password changes
or an admin disables the account or takes a role away. Every few minutes a session also asks the directory
whether its account still stands, so a change made straight in the Cognito console ends it too.
"""

from __future__ import annotations

import hashlib
import secrets

from ..domain.errors import Unauthorized
from ..ports import SignInStep, StaffIdentity
from ..stores import WriteConflict
from ..stores.rows import SessionRow
from .deps import Deps

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 128
CHALLENGE_MS = 5 * 60_000  # Cognito keeps a challenge's session 3 minutes by default
TOUCH_EVERY_MS = 60_000  # the idle clock is precise to a minute, so a busy session writes once a minute
RECHECK_EVERY_MS = 5 * 60_000
SESSION, CHALLENGE = "session", "challenge"


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expired() -> Unauthorized:
    return Unauthorized("Sesiunea a expirat; autentificați-vă din nou.", "session expired")


def _record(deps: Deps, token: str | None, kind: str) -> SessionRow:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("Autentificați-vă.", "authentication required")
    record = deps.stores.access.session(token_id(token))
    if record is None:
        raise Unauthorized("Sesiune invalidă; autentificați-vă din nou.", "invalid or ended session")
    if record.kind != kind:
        raise Unauthorized("Sesiune invalidă; autentificați-vă din nou.", "invalid or ended session")
    return record


def start_session(deps: Deps, identity: StaffIdentity, client: str) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = deps.now()
    expires = now + deps.settings.session_minutes * 60_000
    deps.stores.access.open_session(
        SessionRow(
            id=token_id(token),
            kind=SESSION,
            username=identity.username,
            roles=list(identity.roles),
            display_name=identity.display_name or identity.username,
            client=client,
            created_at=now,
            last_seen=now,
            checked_at=now,
            expires_at=expires,
            ttl=expires // 1000 + 60,
        )
    )
    return token


def check_session(deps: Deps, token: str | None, touch: bool = True) -> StaffIdentity:
    """The identity of a live session; ``touch`` counts this request as activity (a page's own periodic
    refresh does not, so an unattended screen still times out)."""
    record = _record(deps, token, SESSION)
    now = deps.now()
    idle_ms = deps.settings.session_idle_minutes * 60_000
    if record.expires_at <= now or now - (record.last_seen or record.created_at) >= idle_ms:
        deps.stores.access.end_session(record.id)
        raise _expired()
    identity = StaffIdentity(record.username, tuple(str(r) for r in record.roles or []), record.display_name or "")
    checked_at = last_seen = None
    if now - (record.checked_at or 0) >= RECHECK_EVERY_MS:
        current = deps.staff.lookup(record.username)
        if current is None or not set(identity.roles) <= set(current.roles):
            end_sessions_of(deps, record.username)
            raise Unauthorized("Contul a fost modificat; autentificați-vă din nou.", "account changed")
        checked_at = now
    if touch and now - (record.last_seen or 0) >= TOUCH_EVERY_MS:
        last_seen = now
    if checked_at is not None or last_seen is not None:
        try:
            deps.stores.access.touch_session(record.id, last_seen=last_seen, checked_at=checked_at)
        except WriteConflict:
            raise _expired() from None  # ended meanwhile (signed out in another tab)
    return identity


def end_session(deps: Deps, token: str | None) -> StaffIdentity:
    """Sign out: the token answers 401 from now on."""
    identity = check_session(deps, token, touch=False)
    deps.stores.access.end_session(token_id(token or ""))
    return identity


def end_sessions_of(deps: Deps, username: str, keep: str | None = None) -> int:
    """End every session and sign-in in progress of ``username`` but the one ``keep`` names (its record id);
    returns how many."""
    ended = 0
    for session_id in deps.stores.access.session_ids_of(username):
        if session_id != keep:
            deps.stores.access.end_session(session_id)
            ended += 1
    return ended


def start_challenge(deps: Deps, username: str, step: SignInStep, buckets: list[str], client: str) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = deps.now()
    deps.stores.access.open_session(
        SessionRow(
            id=token_id(token),
            kind=CHALLENGE,
            username=username,
            client=client,
            created_at=now,
            expires_at=now + CHALLENGE_MS,
            challenge=step.challenge,
            state=step.state,
            secret=step.secret or None,
            buckets=buckets,
            failures=0,
            ttl=(now + CHALLENGE_MS) // 1000 + 60,
        )
    )
    return token


def load_challenge(deps: Deps, token: str | None) -> SessionRow:
    """The sign-in in progress that ``token`` names, unexpired."""
    try:
        record = _record(deps, token, CHALLENGE)
    except Unauthorized:
        raise Unauthorized(
            "Autentificarea a expirat; introduceți din nou numele și parola.", "sign-in expired or unknown"
        ) from None
    if record.expires_at <= deps.now():
        deps.stores.access.end_session(record.id)
        raise Unauthorized("Autentificarea a expirat; introduceți din nou numele și parola.", "sign-in expired")
    return record


def advance_challenge(deps: Deps, record: SessionRow, step: SignInStep) -> None:
    """The sign-in in progress now waits for ``step``'s challenge (Unauthorized if it ended meanwhile)."""
    try:
        deps.stores.access.advance_challenge(
            record.id, step.challenge or "", step.state, step.secret, deps.now() + CHALLENGE_MS
        )
    except WriteConflict:
        raise Unauthorized("Autentificarea a expirat; introduceți din nou numele și parola.", "sign-in ended") from None


def count_failure(deps: Deps, record: SessionRow) -> int:
    """The sign-in's wrong answers so far, this one included (a very large number when it has ended)."""
    try:
        return deps.stores.access.count_failure(record.id)
    except WriteConflict:
        return 1 << 30


def drop(deps: Deps, record: SessionRow) -> None:
    deps.stores.access.end_session(record.id)

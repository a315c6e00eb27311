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
from typing import Any

from pynamodb.exceptions import UpdateError

from ..domain.errors import Unauthorized
from ..ports import SignInStep, StaffIdentity
from ..storage.models import SessionRecord, ttl_at
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


def _record(token: str | None, kind: str) -> SessionRecord:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("Autentificați-vă.", "authentication required")
    try:
        record = SessionRecord.get(token_id(token), consistent_read=True)
    except SessionRecord.DoesNotExist:
        raise Unauthorized("Sesiune invalidă; autentificați-vă din nou.", "invalid or ended session") from None
    if record.kind != kind:
        raise Unauthorized("Sesiune invalidă; autentificați-vă din nou.", "invalid or ended session")
    return record


def start_session(deps: Deps, identity: StaffIdentity, client: str) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = deps.now()
    expires = now + deps.settings.session_minutes * 60_000
    SessionRecord(
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
        ttl=ttl_at(expires // 1000 + 60),
    ).save()
    return token


def check_session(deps: Deps, token: str | None, touch: bool = True) -> StaffIdentity:
    """The identity of a live session; ``touch`` counts this request as activity (a page's own periodic
    refresh does not, so an unattended screen still times out)."""
    record = _record(token, SESSION)
    now = deps.now()
    idle_ms = deps.settings.session_idle_minutes * 60_000
    if record.expires_at <= now or now - (record.last_seen or record.created_at) >= idle_ms:
        record.delete()
        raise _expired()
    identity = StaffIdentity(record.username, tuple(str(r) for r in record.roles or []), record.display_name or "")
    actions: list[Any] = []
    if now - (record.checked_at or 0) >= RECHECK_EVERY_MS:
        current = deps.staff.lookup(record.username)
        if current is None or not set(identity.roles) <= set(current.roles):
            end_sessions_of(deps, record.username)
            raise Unauthorized("Contul a fost modificat; autentificați-vă din nou.", "account changed")
        actions.append(SessionRecord.checked_at.set(now))
    if touch and now - (record.last_seen or 0) >= TOUCH_EVERY_MS:
        actions.append(SessionRecord.last_seen.set(now))
    if actions:
        try:
            record.update(actions=actions, condition=SessionRecord.id.exists())
        except UpdateError as error:
            if _condition_failed(error):
                raise _expired() from None  # ended meanwhile (signed out in another tab)
            raise
    return identity


def end_session(deps: Deps, token: str | None) -> StaffIdentity:
    """Sign out: the token answers 401 from now on."""
    identity = check_session(deps, token, touch=False)
    SessionRecord(id=token_id(token or "")).delete()
    return identity


def end_sessions_of(deps: Deps, username: str, keep: str | None = None) -> int:
    """End every session and sign-in in progress of ``username`` but the one ``keep`` names (its record id);
    returns how many."""
    ended = 0
    for key in SessionRecord.by_user.query(username):
        if key.id != keep:
            SessionRecord(id=key.id).delete()
            ended += 1
    return ended


def start_challenge(deps: Deps, username: str, step: SignInStep, buckets: list[str], client: str) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = deps.now()
    SessionRecord(
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
        ttl=ttl_at((now + CHALLENGE_MS) // 1000 + 60),
    ).save()
    return token


def load_challenge(deps: Deps, token: str | None) -> SessionRecord:
    """The sign-in in progress that ``token`` names, unexpired."""
    try:
        record = _record(token, CHALLENGE)
    except Unauthorized:
        raise Unauthorized(
            "Autentificarea a expirat; introduceți din nou numele și parola.", "sign-in expired or unknown"
        ) from None
    if record.expires_at <= deps.now():
        record.delete()
        raise Unauthorized("Autentificarea a expirat; introduceți din nou numele și parola.", "sign-in expired")
    return record


def advance_challenge(deps: Deps, record: SessionRecord, step: SignInStep) -> None:
    """The sign-in in progress now waits for ``step``'s challenge (Unauthorized if it ended meanwhile)."""
    now = deps.now()
    try:
        _advance(record, step, now)
    except UpdateError as error:
        if _condition_failed(error):
            raise Unauthorized(
                "Autentificarea a expirat; introduceți din nou numele și parola.", "sign-in ended"
            ) from None
        raise


def _advance(record: SessionRecord, step: SignInStep, now: int) -> None:
    record.update(
        actions=[
            SessionRecord.challenge.set(step.challenge or ""),
            SessionRecord.state.set(step.state),
            SessionRecord.secret.set(step.secret) if step.secret else SessionRecord.secret.remove(),
            SessionRecord.failures.set(0),
            SessionRecord.expires_at.set(now + CHALLENGE_MS),
            SessionRecord.ttl.set(ttl_at((now + CHALLENGE_MS) // 1000 + 60)),
        ],
        condition=SessionRecord.id.exists(),
    )


def count_failure(record: SessionRecord) -> int:
    """The sign-in's wrong answers so far, this one included (a very large number when it has ended)."""
    try:
        record.update(actions=[SessionRecord.failures.add(1)], condition=SessionRecord.id.exists())
    except UpdateError as error:
        if _condition_failed(error):
            return 1 << 30
        raise
    return int(record.failures or 0)


def drop(record: SessionRecord) -> None:
    record.delete()


def _condition_failed(error: UpdateError) -> bool:
    """The item was gone (or changed) when the conditional write arrived."""
    return getattr(error, "cause_response_code", "") == "ConditionalCheckFailedException"

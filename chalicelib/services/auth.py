"""Staff sign-in: the password, then whatever the directory or the stage still asks, then a server-side session.

A challenge is never a sign-in: ``NEW_PASSWORD_REQUIRED`` (a temporary password), ``MFA_SETUP`` (an account
that must enrol an authenticator app: every account on ``prod``, an account created with a temporary
password on the local stage) and ``SOFTWARE_TOKEN_MFA`` (the 6-digit code at each sign-in once enrolled)
each leave a sign-in in progress, named by a random token, answered by ``answer_challenge``. Passwords and
codes are throttled (``signin_throttle``) before any hashing; every sign-in, failure, lock, password change
and sign-out is in the account's audit trail (``staff#<username>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain import signin, totp
from ..domain.errors import Forbidden, InvalidInput, Unauthorized, WrongPassword
from ..ports import ChallengeExpired, PasswordRejected, SignInStep, StaffDirectoryError, StaffIdentity, WrongAnswer
from ..stores.rows import SessionRow
from . import sessions, signin_throttle
from .audit import record_staff_event
from .deps import Deps

ROLES = ("clerk", "admin")
MAX_WRONG_CODES = 5  # for one sign-in in progress; then the password is asked again
CODE_CHALLENGES = (signin.SOFTWARE_TOKEN_MFA, signin.MFA_SETUP)

verify_token = sessions.check_session  # the name the web layer has always used


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in step: a session ``token``, or a ``challenge`` to answer with ``pending``
    (the sign-in in progress); for ``MFA_SETUP`` the secret to enrol, as text and as an ``otpauth://`` URI."""

    token: str = ""
    challenge: str = ""
    pending: str = ""
    secret: str = ""
    otpauth_uri: str = ""

    def as_json(self) -> dict[str, Any]:
        if self.token:
            return {"token": self.token}
        answer = {"challenge": self.challenge, "session": self.pending}
        if self.secret:
            answer.update(secretCode=self.secret, otpauthUri=self.otpauth_uri)
        return answer


def _wrong_password() -> Unauthorized:
    return Unauthorized("Nume de utilizator sau parolă greșite.", "wrong username or password")


def _checked_credentials(username: object, password: object) -> tuple[str, str]:
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise InvalidInput("Scrieți numele de utilizator și parola.", "username and password are required strings")
    if len(username) > signin.USERNAME_MAX or len(password) > signin.PASSWORD_MAX:
        raise InvalidInput("Nume de utilizator sau parolă prea lungi.", "username or password too long")
    return username, password


def sign_in(deps: Deps, username: object, password: object, client: str = "unknown") -> SignIn:
    name, secret = _checked_credentials(username, password)
    buckets = signin_throttle.buckets_for(deps, name, client)
    claims = signin_throttle.claim(deps, name, client, buckets)
    try:
        step = _directory(lambda: deps.staff.authenticate(name, secret))
    except ChallengeExpired:  # the password was right, but the account went away meanwhile
        step = None
    if step is None:
        record_staff_event(deps, name, "sign_in_failed", client=client, reason="password")
        raise _wrong_password()
    signin_throttle.release(deps, claims)
    return _next(deps, name, step, [b.key for b in buckets], client, None)


def pending_challenge(deps: Deps, pending: str | None) -> SignIn:
    """The challenge a sign-in in progress waits for (the pages show it); Unauthorized when gone."""
    record = sessions.load_challenge(deps, pending)
    secret = record.secret or ""
    uri = totp.provisioning_uri(secret, record.username) if secret else ""
    return SignIn(challenge=record.challenge or "", pending=pending or "", secret=secret, otpauth_uri=uri)


def answer_challenge(
    deps: Deps, pending: str | None, challenge: str, answer: object, client: str = "unknown"
) -> SignIn:
    record = sessions.load_challenge(deps, pending)
    if challenge != record.challenge:
        raise InvalidInput("Pasul de autentificare nu mai este acesta.", f"the sign-in waits for {record.challenge}")
    reply = _checked_answer(record, answer)
    buckets = [signin.Bucket(key, _limit(key)) for key in record.buckets or []]
    claims = signin_throttle.claim(deps, record.username, client, buckets) if challenge in CODE_CHALLENGES else []
    try:
        step = _directory(lambda: deps.staff.respond(record.username, challenge, dict(record.state or {}), reply))
    except WrongAnswer:
        raise _wrong_code(deps, record, client) from None
    except ChallengeExpired:
        signin_throttle.release(deps, claims)
        sessions.drop(deps, record)
        raise _sign_in_expired() from None
    except PasswordRejected as error:
        raise InvalidInput(str(error), "the directory refused the new password") from None
    signin_throttle.release(deps, claims)
    if challenge == signin.NEW_PASSWORD_REQUIRED:
        sessions.end_sessions_of(deps, record.username, keep=record.id)
        record_staff_event(deps, record.username, "password_changed", client=client, reason="first sign-in")
    elif challenge == signin.MFA_SETUP:
        record_staff_event(deps, record.username, "mfa_enrolled", client=client)
    return _next(deps, record.username, step, list(record.buckets or []), client, (record, pending or ""))


def _checked_answer(record: SessionRow, answer: object) -> str:
    if not isinstance(answer, str) or not answer:
        raise InvalidInput("Completați câmpul.", "the answer is required")
    if record.challenge == signin.NEW_PASSWORD_REQUIRED:
        problem = signin.password_problem(answer, record.username)
        if problem:
            raise InvalidInput(*problem)
        return answer
    code = answer.replace(" ", "")
    if len(code) != totp.DIGITS or not code.isdigit():
        raise InvalidInput("Codul are 6 cifre.", "the code has 6 digits")
    return code


def _limit(key: str) -> int:
    kind = key.split("#", 1)[0]
    return {"addr": signin.ADDRESS_LIMIT, "user": signin.USER_LIMIT}.get(kind, signin.PAIR_LIMIT)


def _wrong_code(deps: Deps, record: SessionRow, client: str) -> Unauthorized:
    failures = sessions.count_failure(deps, record)
    record_staff_event(deps, record.username, "sign_in_failed", client=client, reason=record.challenge)
    if failures >= MAX_WRONG_CODES:
        sessions.drop(deps, record)
        return Unauthorized("Prea multe coduri greșite; introduceți din nou numele și parola.", "too many wrong codes")
    return Unauthorized("Codul nu este corect. Folosiți codul afișat acum în aplicație.", "wrong code")


def _next(
    deps: Deps,
    username: str,
    step: SignInStep,
    buckets: list[str],
    client: str,
    in_progress: tuple[SessionRow, str] | None,
) -> SignIn:
    """A session when ``step`` signs in and nothing more is required; otherwise the sign-in in progress
    (``in_progress``: its record and the client's token) waits for the next challenge."""
    if step.identity is not None and _must_enrol(deps, step.identity):
        try:
            step = _directory(lambda: deps.staff.start_totp_setup(username, step.state))
        except ChallengeExpired:
            if in_progress is not None:
                sessions.drop(deps, in_progress[0])
            raise _sign_in_expired() from None
    if step.identity is not None:
        if in_progress is not None:
            sessions.drop(deps, in_progress[0])
        token = sessions.start_session(deps, step.identity, client)
        signin_throttle.trust(deps, username, client)
        record_staff_event(deps, username, "signed_in", client=client)
        return SignIn(token=token)
    if step.challenge not in signin.CHALLENGES:
        raise Unauthorized("Contul nu se poate autentifica aici; anunțați administratorul.", "unsupported challenge")
    if in_progress is None:
        pending = sessions.start_challenge(deps, username, step, buckets, client)
    else:
        sessions.advance_challenge(deps, in_progress[0], step)
        pending = in_progress[1]
    record_staff_event(deps, username, "sign_in_challenge", client=client, challenge=step.challenge)
    uri = totp.provisioning_uri(step.secret, username) if step.secret else ""
    return SignIn(challenge=step.challenge or "", pending=pending, secret=step.secret, otpauth_uri=uri)


def _must_enrol(deps: Deps, identity: StaffIdentity) -> bool:
    return not identity.totp and (deps.settings.mfa_required or identity.mfa_required)


def _sign_in_expired() -> Unauthorized:
    return Unauthorized("Autentificarea a expirat; introduceți din nou numele și parola.", "sign-in expired")


def _directory(call: Any) -> Any:
    """Run a directory call; what it refuses beyond the answers a sign-in handles becomes a domain error."""
    try:
        return call()
    except (WrongAnswer, ChallengeExpired, PasswordRejected):
        raise
    except StaffDirectoryError as error:
        raise Unauthorized(
            "Contul nu se poate autentifica aici; anunțați administratorul.", f"staff directory refused: {error}"
        ) from error


def change_password(deps: Deps, token: str | None, current: object, new: object, client: str = "unknown") -> str:
    """Change one's own password: every session of the account ends, and a new one is returned."""
    identity = sessions.check_session(deps, token)
    username = identity.username
    if not isinstance(current, str) or not current or len(current) > signin.PASSWORD_MAX:
        raise InvalidInput("Scrieți parola actuală.", "currentPassword is required (at most 256 characters)")
    if not isinstance(new, str):
        raise InvalidInput("Scrieți parola nouă.", "newPassword is required")
    old, fresh = current, new
    problem = signin.password_problem(fresh, username)
    if problem:
        raise InvalidInput(*problem)
    claims = signin_throttle.claim(deps, username, client, signin_throttle.buckets_for(deps, username, client))
    try:
        _directory(lambda: deps.staff.change_password(username, old, fresh))
    except WrongAnswer:
        record_staff_event(deps, username, "password_change_failed", client=client)
        raise WrongPassword("Parola actuală nu este corectă.", "the current password is wrong") from None
    except PasswordRejected as error:
        signin_throttle.release(deps, claims)
        raise InvalidInput(str(error), "the directory refused the new password") from None
    signin_throttle.release(deps, claims)
    sessions.end_sessions_of(deps, username)
    record_staff_event(deps, username, "password_changed", client=client)
    return sessions.start_session(deps, identity, client)


def sign_out(deps: Deps, token: str | None, client: str = "unknown") -> None:
    identity = sessions.end_session(deps, token)
    record_staff_event(deps, identity.username, "signed_out", client=client)


STAFF_ROLES = ("clerk", "department", "admin")


def require_role(identity: StaffIdentity, role: str) -> None:
    """``admin`` can do everything a clerk can; ``staff`` is any console role (a department's staff too)."""
    if role in identity.roles or "admin" in identity.roles:
        return
    if role == "staff" and set(identity.roles) & set(STAFF_ROLES):
        return
    raise Forbidden("Nu aveți dreptul să faceți această acțiune.", f"role '{role}' required")

"""The local stage's staff directory: accounts in the ``staff`` table (through ``stores.access``), PBKDF2
password hashes, TOTP checked here.

On AWS the Cognito user pool holds the accounts (``cognito_directory.py``). The work a password costs is
bounded: one PBKDF2 per call, a capped iteration count, and passwords over 256 characters never hashed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from ..domain import totp
from ..domain.signin import MFA_SETUP, NEW_PASSWORD_REQUIRED, PASSWORD_MAX, SOFTWARE_TOKEN_MFA
from ..ports import (
    AccountExists,
    ChallengeExpired,
    Clock,
    SignInStep,
    StaffIdentity,
    SystemClock,
    UnknownAccount,
    WrongAnswer,
)
from ..stores.access import AccessStore
from ..stores.engine import WriteConflict
from ..stores.rows import StaffRow

_ITERATIONS = 200_000
_MAX_ITERATIONS = 1_000_000  # a tampered record cannot make one check cost more than this


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    if len(password) > PASSWORD_MAX:
        return False
    try:
        _, iterations, salt_b64, digest_b64 = stored.split("$")
        rounds = int(iterations)
    except ValueError:
        return False
    if not 0 < rounds <= _MAX_ITERATIONS:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt_b64), rounds)
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def _identity(record: StaffRow) -> StaffIdentity:
    return StaffIdentity(
        record.username,
        tuple(str(role) for role in record.roles or []),
        record.display_name or record.username,
        totp=bool(record.totp_secret),
        mfa_required=bool(record.mfa_required),
    )


class StoreStaffDirectory:
    """Demo accounts sign in with their password alone; an account made by ``create_account`` must choose a
    password and enrol an authenticator app; one that has enrolled must give a code at every sign-in."""

    def __init__(self, access: AccessStore, clock: Clock | None = None) -> None:
        self._access = access
        self._clock = clock or SystemClock()

    def _get(self, username: str) -> StaffRow | None:
        return self._access.account(username)

    def authenticate(self, username: str, password: str) -> SignInStep | None:
        record = self._get(username)
        if record is None:
            hash_password(password[:PASSWORD_MAX])  # same cost whether or not the user exists
            return None
        if not verify_password(password, record.password_hash) or record.enabled is False:
            return None
        return self._after_password(record)

    def _after_password(self, record: StaffRow) -> SignInStep:
        if record.must_change_password:
            return SignInStep(challenge=NEW_PASSWORD_REQUIRED)
        if record.totp_secret:
            return SignInStep(challenge=SOFTWARE_TOKEN_MFA)
        return SignInStep(identity=_identity(record))

    def respond(self, username: str, challenge: str, state: dict[str, str], answer: str) -> SignInStep:
        record = self._get(username)
        if record is None or record.enabled is False:
            raise ChallengeExpired(username)
        if challenge == NEW_PASSWORD_REQUIRED:
            if not record.must_change_password:
                raise ChallengeExpired(username)
            self._save_password(record, answer)
            return self._after_password(self._get(username) or record)
        if challenge == SOFTWARE_TOKEN_MFA and record.totp_secret:
            self._use_code(record, record.totp_secret, answer)
            return SignInStep(identity=_identity(record))
        if challenge == MFA_SETUP and state.get("secret"):
            self._use_code(record, state["secret"], answer)
            return SignInStep(identity=_identity(self._get(username) or record))
        raise ChallengeExpired(challenge)

    def _use_code(self, record: StaffRow, secret: str, code: str) -> None:
        """Accept ``code`` once: the step it belongs to is written only if newer than the last one used."""
        last = None if record.totp_last_step is None else int(record.totp_last_step)
        step = totp.matching_step(secret, code, self._clock.now_ms(), last)
        if step is None:
            raise WrongAnswer("wrong code")
        try:
            self._access.record_totp_step(record.username, secret, step, last)
        except WriteConflict:
            raise WrongAnswer("code already used") from None

    def _save_password(self, record: StaffRow, password: str) -> None:
        self._access.set_password(record.username, hash_password(password))

    def start_totp_setup(self, username: str, state: dict[str, str]) -> SignInStep:
        secret = totp.new_secret()
        return SignInStep(challenge=MFA_SETUP, state={"secret": secret}, secret=secret)

    def lookup(self, username: str) -> StaffIdentity | None:
        record = self._get(username)
        if record is None or record.enabled is False:
            return None
        return _identity(record)

    def change_password(self, username: str, current: str, new: str) -> None:
        record = self._get(username)
        if record is None:
            hash_password(current[:PASSWORD_MAX])
            raise WrongAnswer("wrong password")
        if not verify_password(current, record.password_hash):
            raise WrongAnswer("wrong password")
        self._save_password(record, new)

    def create_account(self, username: str, temporary_password: str, roles: tuple[str, ...], name: str) -> None:
        record = StaffRow(
            username=username,
            password_hash=hash_password(temporary_password),
            roles=list(roles),
            display_name=name or username,
            must_change_password=True,
            mfa_required=True,
        )
        try:
            self._access.create_account(record)
        except WriteConflict:
            raise AccountExists(username) from None

    def set_enabled(self, username: str, enabled: bool) -> None:
        try:
            self._access.set_account_enabled(username, enabled)
        except WriteConflict:
            raise UnknownAccount(username) from None

    def set_roles(self, username: str, roles: tuple[str, ...]) -> None:
        try:
            self._access.set_account_roles(username, list(roles))
        except WriteConflict:
            raise UnknownAccount(username) from None

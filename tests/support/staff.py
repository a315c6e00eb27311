"""Staff accounts for tests: made by an admin through the API and signed in through every challenge, or
written straight into the local directory; TOTP codes computed as an authenticator app would (pyotp)."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass

import pyotp

from chalicelib.adapters.staff_directory import hash_password
from chalicelib.storage.models import StaffRecord
from tests.support.api import Api, Reply

PASSWORD = "Parola-de-test-2026"


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The code an app shows now (or ``steps_ahead`` steps later), never in the last second of a step, so
    the code checked is the code computed."""
    if 30 - time.time() % 30 < 1.5:
        time.sleep(30 - time.time() % 30 + 0.1)
    try:
        app = pyotp.TOTP(secret)
    except ValueError:  # the emulator's Cognito hands out one fixed 60-bit secret, which pyotp refuses
        app = _ShortSecretTOTP(secret)
    return str(app.at(time.time() + 30 * steps_ahead))


class _ShortSecretTOTP(pyotp.TOTP):
    def byte_secret(self) -> bytes:
        return base64.b32decode(self.secret + "=" * (-len(self.secret) % 8), casefold=True)


def username(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Account:
    username: str
    password: str
    secret: str
    api: Api


def enrolled(admin: Api, roles: list[str] | None = None, name: str | None = None) -> Account:
    """An account an admin created with a temporary password, signed in through the API: new password,
    authenticator enrolment with the code of the secret it was given."""
    user = name or username()
    created = admin.post(
        "/api/staff", {"username": user, "temporaryPassword": "Temporara-123456", "roles": roles or ["clerk"]}
    )
    assert created.status == 201, created
    anonymous = Api(admin.base_url)
    first = anonymous.post("/api/auth/login", {"username": user, "password": "Temporara-123456"})
    assert first.status == 200 and first["challenge"] == "NEW_PASSWORD_REQUIRED" and "token" not in first.body, first
    setup = answer(anonymous, first, newPassword=PASSWORD)
    assert setup.status == 200 and setup["challenge"] == "MFA_SETUP", setup
    assert setup["otpauthUri"].startswith("otpauth://totp/") and setup["secretCode"] in setup["otpauthUri"]
    done = answer(anonymous, setup, code=totp_code(setup["secretCode"]))
    assert done.status == 200 and set(done.body) == {"token"}, done
    return Account(user, PASSWORD, setup["secretCode"], Api(admin.base_url, done["token"]))


def answer(api: Api, previous: Reply, **fields: str) -> Reply:
    return api.post(
        "/api/auth/challenge", {"session": previous["session"], "challenge": previous["challenge"], **fields}
    )


def local_account(roles: list[str] | None = None, password: str = PASSWORD) -> str:
    """An account of the local directory that signs in with its password alone, as the demo ones do
    (the models must be bound to the stack: build the in-process deps first)."""
    user = username("p")
    StaffRecord(
        username=user, password_hash=hash_password(password), roles=roles or ["clerk"], display_name=user
    ).save()
    return user

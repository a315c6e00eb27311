"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps), as authenticator apps make them.

Used for the staff accounts of the local directory; on AWS Cognito checks the codes itself. A code is
accepted one step early or late (clock drift), and never twice: the caller keeps the last step used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

STEP_S = 30
DIGITS = 6
DRIFT_STEPS = 1
ISSUER = "ePS2 Primaria Sector 2"


def new_secret() -> str:
    """160 random bits in base32, the size RFC 4226 recommends and every authenticator app reads."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def code_at(secret: str, step: int) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def matching_step(secret: str, code: str, now_ms: int, last_used_step: int | None = None) -> int | None:
    """The step whose code is ``code`` (within the drift, after ``last_used_step``), or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = now_ms // 1000 // STEP_S
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` link an authenticator app reads from the enrolment QR."""
    label = f"{quote(ISSUER, safe='')}:{quote(username, safe='')}"  # a literal colon: every app reads that
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(ISSUER, safe='')}&digits={DIGITS}&period={STEP_S}"


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))

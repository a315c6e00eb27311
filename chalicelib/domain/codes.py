"""Pickup credentials and registration numbers.

PINs (8 digits) and QR tokens (128+ random bits) are shown once, to the citizen,
and stored only as keyed hashes (HMAC-SHA256 with a server-side pepper), so a
copy of the tables alone cannot be turned back into working codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

PIN_LENGTH = 8
TOKEN_BYTES = 16  # 128 bits, 22 URL-safe characters: the SMS link must fit one segment
REGISTRATION_RE = re.compile(r"^PS2-(\d{4})-(\d{6})$")
CUSTOM_REGISTRATION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]{2,19}$")


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def keyed_hash(pepper: bytes, kind: str, value: str) -> str:
    """Hex HMAC of ``kind:value``; kinds keep a PIN and a token with equal text apart."""
    return hmac.new(pepper, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def b64url(data: bytes) -> str:
    """base64url without padding, as every signature and hash in the locker protocol is written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def looks_like_pin(code: str) -> bool:
    return len(code) == PIN_LENGTH and code.isdigit()


def format_registration_number(year: int, sequence: int) -> str:
    if not 1 <= sequence <= 999_999:
        raise ValueError("sequence out of range")
    return f"PS2-{year:04d}-{sequence:06d}"

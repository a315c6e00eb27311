"""Command and offline-credential verification: pure functions, no I/O.

A command is accepted only if its Ed25519 signature over the RFC 8785
canonical JSON (without ``sig``) verifies with the key named by ``kid``, it is
addressed to this locker, and it has not expired (with a stated skew tolerance).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CLOCK_SKEW_MS = 5_000


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class Keyring:
    """Current and next backend public keys, by key id."""

    keys: dict[str, Ed25519PublicKey]

    @classmethod
    def from_b64(cls, raw: dict[str, str]) -> Keyring:
        return cls({kid: Ed25519PublicKey.from_public_bytes(b64url_decode(key)) for kid, key in raw.items()})

    def verify(self, kid: str, signature: str, data: bytes) -> str | None:
        """None when valid, else the rejection reason code."""
        key = self.keys.get(kid)
        if key is None:
            return "unknown_key"
        try:
            key.verify(b64url_decode(signature), data)
        except (InvalidSignature, ValueError):
            return "bad_signature"
        return None


def signed_bytes(message: dict[str, Any]) -> bytes:
    return rfc8785.dumps({k: v for k, v in message.items() if k != "sig"})


def check_command(message: Any, keyring: Keyring, locker_id: str, now_ms: int) -> str | None:
    """None when the command may be executed, else a reason code for the ``rejected`` ack."""
    if not isinstance(message, dict) or message.get("v") != 1 or not isinstance(message.get("id"), str):
        return "bad_command"
    if not isinstance(message.get("sig"), str) or not isinstance(message.get("kid"), str):
        return "bad_signature"
    reason = keyring.verify(message["kid"], message["sig"], signed_bytes(message))
    if reason:
        return reason
    if message.get("locker") != locker_id:
        return "wrong_locker"
    exp = message.get("exp")
    if not isinstance(exp, int) or now_ms > exp + CLOCK_SKEW_MS:
        return "expired"
    if message.get("type") not in ("unlock", "reject", "revoke"):
        return "bad_command"
    return None


@dataclass(frozen=True)
class OfflineCredential:
    token: str
    locker: str
    compartment: str
    exp: int
    nonce: str


def parse_offline_qr(qr: str, keyring: Keyring, locker_id: str, now_ms: int) -> OfflineCredential | str:
    """``<token>.<base64url JSON claims>.<base64url signature>``; the signature covers the claims' bytes."""
    parts = qr.split(".")
    if len(parts) != 3:
        return "no_offline_credential"
    token, claims_b64, signature = parts
    try:
        claims = json.loads(b64url_decode(claims_b64))
    except ValueError:
        return "bad_credential"
    if not isinstance(claims, dict) or not isinstance(claims.get("kid"), str):
        return "bad_credential"
    reason = keyring.verify(claims["kid"], signature, claims_b64.encode())
    if reason:
        return reason
    if claims.get("l") != locker_id:
        return "wrong_locker"
    if not isinstance(claims.get("exp"), int) or now_ms > claims["exp"]:
        return "expired"
    if not isinstance(claims.get("c"), str) or not isinstance(claims.get("n"), str):
        return "bad_credential"
    return OfflineCredential(token, locker_id, claims["c"], claims["exp"], claims["n"])

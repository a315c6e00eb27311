"""Command and offline-credential verification: pure functions, no I/O.

A command is accepted only if its Ed25519 signature over the RFC 8785
canonical JSON (without ``sig``) verifies with the key named by ``kid``, it is
addressed to this locker, and it has not expired (with a stated skew tolerance).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CLOCK_SKEW_MS = 5_000
COMMAND_TYPES = ("unlock", "reject", "revoke", "pin_verifier")


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
    if message.get("type") not in COMMAND_TYPES or not check_command_fields(message):
        return "bad_command"
    return None


OFFLINE_QR_DOMAIN = "eps2-offline-1"


@dataclass(frozen=True)
class OfflineCredential:
    token: str
    compartment: str
    exp: int
    nonce: str
    deposit: str


def parse_offline_qr(
    qr: str, keyring: Keyring, locker_id: str, now_ms: int, deposit_of: Callable[[str], str | None]
) -> OfflineCredential | str:
    """``<token>.<compartment>.<exp seconds>.<nonce>.<signature>`` (docs/locker-protocol.md).

    The signature covers this locker's id and the deposit command that filled the
    compartment (``deposit_of``), neither carried in the QR: a QR for a compartment
    emptied and filled again since, or for another locker, never verifies.
    """
    parts = qr.split(".")
    if len(parts) != 5:
        return "no_offline_credential"
    token, compartment, exp_s, nonce, signature = parts
    if not exp_s.isdigit() or not compartment or not nonce:
        return "bad_credential"
    deposit = deposit_of(compartment)
    if deposit is None:
        return "not_deposited"
    signed = "\n".join((OFFLINE_QR_DOMAIN, locker_id, deposit, compartment, exp_s, nonce)).encode()
    if not any(keyring.verify(kid, signature, signed) is None for kid in keyring.keys):
        return "bad_signature"
    if now_ms > int(exp_s) * 1000:
        return "expired"
    return OfflineCredential(token, compartment, int(exp_s) * 1000, nonce, deposit)


def check_command_fields(message: dict[str, Any]) -> bool:
    """The type-specific fields an executed command needs (after its signature was verified)."""
    if message["type"] == "unlock":
        return isinstance(message.get("compartment"), str) and isinstance(message.get("purpose"), str)
    if message["type"] == "pin_verifier":
        verifier = message.get("verifier")
        return (
            all(isinstance(message.get(k), str) for k in ("compartment", "deposit", "nonce"))
            and isinstance(message.get("until"), int)
            and isinstance(verifier, dict)
            and verifier.get("kdf") == "scrypt"
            and all(isinstance(verifier.get(k), int) for k in ("n", "r", "p"))
            and isinstance(verifier.get("salt"), str)
            and isinstance(verifier.get("pin"), str)
        )
    return True


def pin_matches(verifier: dict[str, Any], code: str) -> bool:
    """Does an 8-digit PIN (``pin``) or PIN + phone digits (``pinPhone``) match this slow salted hash?"""
    expected = verifier.get("pinPhone" if len(code) > 8 else "pin")
    if not isinstance(expected, str):
        return False
    try:
        derived = hashlib.scrypt(
            code.encode(),
            salt=b64url_decode(verifier["salt"]),
            n=int(verifier["n"]),
            r=int(verifier["r"]),
            p=int(verifier["p"]),
            dklen=32,
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, KeyError, TypeError):
        return False
    return hmac.compare_digest(derived, b64url_decode(expected))

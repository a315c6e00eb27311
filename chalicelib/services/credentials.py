"""Issuing and checking pickup credentials: an 8-digit PIN and a QR token, stored only as keyed hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..domain.codes import b64url, keyed_hash, new_pin, new_token
from ..domain.keypad import PHONE_DIGITS
from ..stores.credentials import kept_until
from ..stores.engine import WriteConflict
from ..stores.rows import Credential, Request
from .deps import Deps
from .notify import current_contact

NONCE_BYTES = 6  # 8 characters: unique enough per locker, and every character makes the QR denser
OFFLINE_QR_DOMAIN = "eps2-offline-1"


@dataclass(frozen=True)
class IssuedCodes:
    pin: str
    token: str
    pin_key: str
    token_key: str
    nonce: str
    verifier: dict[str, Any]


def discard_codes(deps: Deps, codes: IssuedCodes) -> None:
    """Remove codes issued for a transaction that did not commit."""
    deps.stores.credentials.discard([codes.pin_key, codes.token_key])


def pin_key(deps: Deps, locker_id: str, pin: str) -> str:
    return f"pin#{locker_id}#{keyed_hash(deps.pepper, 'pin', pin)}"


def token_key(deps: Deps, token: str) -> str:
    return f"qr#{keyed_hash(deps.pepper, 'qr', token)}"


def phone_digits_key(deps: Deps, pin_code_key: str, digits: str) -> str:
    """Keyed hash of the phone's last four digits, bound to the PIN's credential key (derived from the code
    itself), so the locker's single conditional claim can check them (when a keypad is under attack)."""
    return keyed_hash(deps.pepper, "phone4", f"{pin_code_key}:{digits}")


def issue_codes(
    deps: Deps,
    request_id: str,
    locker_id: str,
    compartment: str,
    expires_at: int,
    deposit_cmd: str,
    phone: str | None,
) -> IssuedCodes:
    """Create a PIN unique among the locker's live PINs and a fresh QR token; both expire at the deadline.

    Both are bound to the deposit that filled the compartment (``deposit_cmd``) and
    share one offline nonce, so one offline opening uses up both. The QR credential
    also keeps the PIN sealed with a key derived from the token, so the citizen's
    QR page can show the PIN while staff and a table dump cannot.
    """
    for _ in range(20):
        prepared = prepare_codes(deps, request_id, locker_id, compartment, expires_at, deposit_cmd, phone)
        try:
            deps.stores.credentials.issue(prepared.pin_row)
        except WriteConflict:
            continue  # another live request holds this PIN at this locker
        deps.stores.credentials.issue(prepared.qr_row)
        return prepared.codes
    raise RuntimeError("could not find a free PIN")


@dataclass(frozen=True)
class PreparedCodes:
    """New codes and the two credentials to write for them (by ``issue_codes``, or in a caller's transaction,
    which then fails with WriteConflict if the PIN is taken at the locker: prepare another)."""

    codes: IssuedCodes
    pin_row: Credential
    qr_row: Credential


def prepare_codes(
    deps: Deps,
    request_id: str,
    locker_id: str,
    compartment: str,
    expires_at: int,
    deposit_cmd: str,
    phone: str | None,
) -> PreparedCodes:
    token = new_token()
    tkey = token_key(deps, token)
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    digits = phone_last_digits(phone)
    pin = new_pin()
    pkey = pin_key(deps, locker_id, pin)
    record = _credential(pkey, request_id, locker_id, compartment, expires_at, tkey, deposit_cmd, nonce)
    record.phone_digits = phone_digits_key(deps, pkey, digits) if digits else None
    verifier = record.verifier = pin_verifier(pin, digits, deps.settings.offline_pin_kdf_n)
    qr = _credential(tkey, request_id, locker_id, compartment, expires_at, pkey, deposit_cmd, nonce)
    qr_content = offline_qr(deps, token, locker_id, deposit_cmd, compartment, expires_at, nonce)
    qr.sealed_pin = _seal(deps, token, json.dumps({"pin": pin, "qr": qr_content}))
    return PreparedCodes(IssuedCodes(pin, token, pkey, tkey, nonce, verifier), record, qr)


def issue_request_codes(deps: Deps, request: Request, expires_at: int) -> IssuedCodes:
    """New codes for a request whose documents are in its compartment (deposit confirmed, or reissue)."""
    assert request.locker_id and request.compartment
    contact = current_contact(deps, request.id)
    return issue_codes(
        deps,
        request.id,
        request.locker_id,
        request.compartment,
        expires_at,
        request.deposit_cmd or "",
        contact.phone if contact else None,
    )


def phone_last_digits(phone: str | None) -> str | None:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else None


def pin_verifier(pin: str, phone_digits: str | None, cost_n: int) -> dict[str, Any]:
    """What the locker needs to check a PIN while offline: slow salted hashes, never the PIN.

    ``pin`` verifies the 8 digits alone; ``pinPhone`` the 8 digits followed by the
    phone's last four, which the locker asks for while its keypad is under attack.
    """
    salt = os.urandom(16)
    verifier: dict[str, Any] = {"kdf": "scrypt", "n": cost_n, "r": 8, "p": 1, "salt": b64url(salt)}
    verifier["pin"] = b64url(hashlib.scrypt(pin.encode(), salt=salt, n=cost_n, r=8, p=1, dklen=32))
    if phone_digits:
        secret = (pin + phone_digits).encode()
        verifier["pinPhone"] = b64url(hashlib.scrypt(secret, salt=salt, n=cost_n, r=8, p=1, dklen=32))
    return verifier


def offline_qr(
    deps: Deps, token: str, locker_id: str, deposit_cmd: str, compartment: str, expires_at: int, nonce: str
) -> str:
    """The QR text: ``<token>.<compartment>.<exp s>.<nonce>.<signature>`` (docs/locker-protocol.md).

    The signature also covers the locker and the deposit command, which the QR does
    not carry (the locker knows both), so the code stays small and opens nothing
    once the compartment has been emptied and filled again.
    """
    exp_s = str(expires_at // 1000)
    signed = offline_signed_bytes(locker_id, deposit_cmd, compartment, exp_s, nonce)
    return ".".join((token, compartment, exp_s, nonce, deps.signer.sign_bytes(signed)))


def offline_signed_bytes(locker_id: str, deposit_cmd: str, compartment: str, exp_s: str, nonce: str) -> bytes:
    return "\n".join((OFFLINE_QR_DOMAIN, locker_id, deposit_cmd, compartment, exp_s, nonce)).encode()


def _seal_key(deps: Deps, token: str) -> bytes:
    return hmac.new(deps.pepper, f"seal:{token}".encode(), hashlib.sha256).digest()


def _seal(deps: Deps, token: str, pin: str) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(_seal_key(deps, token)).encrypt(nonce, pin.encode(), None)).decode()


def reseal(deps: Deps, token: str, content: str) -> str:
    """Seal new page content (the PIN and the QR text) under the token's key."""
    return _seal(deps, token, content)


def unseal(deps: Deps, token: str, credential: Credential) -> dict[str, str]:
    """The PIN and full QR content, readable only with the token from the citizen's link."""
    if not credential.sealed_pin:
        return {}
    blob = base64.b64decode(credential.sealed_pin)
    return dict(json.loads(AESGCM(_seal_key(deps, token)).decrypt(blob[:12], blob[12:], None)))


def _credential(
    key: str,
    request_id: str,
    locker_id: str,
    compartment: str,
    expires_at: int,
    sibling: str,
    deposit_cmd: str,
    nonce: str,
) -> Credential:
    return Credential(
        code_key=key,
        sibling=sibling,
        request_id=request_id,
        locker_id=locker_id,
        compartment=compartment,
        expires_at=expires_at,
        deposit_cmd=deposit_cmd,
        offline_nonce=nonce,
        ttl=kept_until(expires_at),
    )


def revoke_code_pair(deps: Deps, qr_key: str) -> None:
    """A QR credential and its PIN sibling refuse from now on (online only: for codes without an offline form)."""
    qr = deps.stores.credentials.get(qr_key)
    deps.stores.credentials.revoke(filter(None, (qr_key, qr.sibling if qr else None)))


def find_by_token(deps: Deps, token: str) -> Credential | None:
    if not token or len(token) > 128:
        return None
    return deps.stores.credentials.get(token_key(deps, token))

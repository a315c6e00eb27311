"""Issuing and checking pickup credentials: an 8-digit PIN and a QR token, stored only as keyed hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pynamodb.exceptions import PutError

from ..domain.codes import keyed_hash, new_pin, new_token
from ..storage.models import CredentialRecord, ttl_at
from .deps import Deps

KEEP_AFTER_EXPIRY_S = 30 * 86_400


@dataclass(frozen=True)
class IssuedCodes:
    pin: str
    token: str
    pin_key: str
    token_key: str


def discard_codes(codes: IssuedCodes) -> None:
    """Remove codes issued for a transaction that did not commit."""
    for key in (codes.pin_key, codes.token_key):
        CredentialRecord(code_key=key).delete()


def pin_key(deps: Deps, locker_id: str, pin: str) -> str:
    return f"pin#{locker_id}#{keyed_hash(deps.pepper, 'pin', pin)}"


def token_key(deps: Deps, token: str) -> str:
    return f"qr#{keyed_hash(deps.pepper, 'qr', token)}"


def issue_codes(deps: Deps, request_id: str, locker_id: str, compartment: str, expires_at: int) -> IssuedCodes:
    """Create a PIN unique among the locker's live PINs and a fresh QR token; both expire at the deadline.

    The QR credential also keeps the PIN sealed with a key derived from the token,
    so the citizen's QR page can show the PIN while staff and a table dump cannot.
    """
    token = new_token()
    tkey = token_key(deps, token)
    for _ in range(20):
        pin = new_pin()
        pkey = pin_key(deps, locker_id, pin)
        try:
            _credential(pkey, request_id, locker_id, compartment, expires_at, tkey).save(
                condition=CredentialRecord.code_key.does_not_exist()
            )
        except PutError:
            continue  # another live request holds this PIN at this locker
        break
    else:
        raise RuntimeError("could not find a free PIN")
    qr = _credential(tkey, request_id, locker_id, compartment, expires_at, pkey)
    nonce = uuid.uuid4().hex
    qr_content = f"{token}.{offline_credential(deps, locker_id, compartment, expires_at, nonce)}"
    qr.offline_nonce = nonce
    qr.sealed_pin = _seal(deps, token, json.dumps({"pin": pin, "qr": qr_content}))
    qr.save(condition=CredentialRecord.code_key.does_not_exist())
    return IssuedCodes(pin, token, pkey, tkey)


def offline_credential(deps: Deps, locker_id: str, compartment: str, expires_at: int, nonce: str) -> str:
    """``<claims>.<signature>``: lets the locker open this compartment once while it cannot reach us."""
    claims = {"l": locker_id, "c": compartment, "exp": expires_at, "n": nonce, "kid": deps.signer.kid}
    claims_b64 = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{claims_b64}.{deps.signer.sign_bytes(claims_b64.encode())}"


def _seal_key(deps: Deps, token: str) -> bytes:
    return hmac.new(deps.pepper, f"seal:{token}".encode(), hashlib.sha256).digest()


def _seal(deps: Deps, token: str, pin: str) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(_seal_key(deps, token)).encrypt(nonce, pin.encode(), None)).decode()


def unseal(deps: Deps, token: str, credential: CredentialRecord) -> dict[str, str]:
    """The PIN and full QR content, readable only with the token from the citizen's link."""
    if not credential.sealed_pin:
        return {}
    blob = base64.b64decode(credential.sealed_pin)
    return dict(json.loads(AESGCM(_seal_key(deps, token)).decrypt(blob[:12], blob[12:], None)))


def _credential(
    key: str, request_id: str, locker_id: str, compartment: str, expires_at: int, sibling: str
) -> CredentialRecord:
    return CredentialRecord(
        code_key=key,
        sibling=sibling,
        request_id=request_id,
        locker_id=locker_id,
        compartment=compartment,
        expires_at=expires_at,
        ttl=ttl_at(expires_at // 1000 + KEEP_AFTER_EXPIRY_S),
    )


def revoke_codes(qr_key: str) -> CredentialRecord | None:
    """Make the request's PIN and QR refuse from now on; returns the QR credential (for its offline nonce)."""
    try:
        qr = CredentialRecord.get(qr_key)
    except CredentialRecord.DoesNotExist:
        return None
    for key in filter(None, (qr.code_key, qr.sibling)):
        CredentialRecord(code_key=key).update(
            actions=[CredentialRecord.revoked.set(True)], condition=CredentialRecord.code_key.exists()
        )
    return qr


def find_by_token(deps: Deps, token: str) -> CredentialRecord | None:
    if not token or len(token) > 128:
        return None
    try:
        return CredentialRecord.get(token_key(deps, token))
    except CredentialRecord.DoesNotExist:
        return None

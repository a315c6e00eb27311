"""Ed25519 command signing (the private key lives only in the backend's secrets)."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..domain.protocol import signed_bytes


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Ed25519Signer:
    def __init__(self, private_key_raw: bytes, kid: str) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(private_key_raw)
        self.kid = kid

    def sign(self, message: dict[str, Any]) -> str:
        return b64url(self._key.sign(signed_bytes(message)))

    def sign_bytes(self, data: bytes) -> str:
        return b64url(self._key.sign(data))

    def public_key_b64(self) -> str:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return b64url(self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

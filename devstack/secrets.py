"""Local secrets (Ed25519 signing key, code pepper, session secret, the origin's proof to the API), generated
once into the data folder."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate() -> dict[str, str]:
    key = Ed25519PrivateKey.generate()
    return {
        "signing_key": _b64(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())),
        "signing_public_key": _b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
        "code_pepper": _b64(os.urandom(32)),
        "session_secret": _b64(os.urandom(32)),
        "origin_verify": _b64(os.urandom(32)),
    }


def load_or_create(path: Path) -> dict[str, str]:
    if path.exists():
        secrets = dict(json.loads(path.read_text()))
        missing = {k: v for k, v in generate().items() if k not in secrets and "signing" not in k}
        if missing:  # a data folder from an older version: add the secrets it lacks, keep the others
            secrets.update(missing)
            path.write_text(json.dumps(secrets, indent=2))
        return secrets
    path.parent.mkdir(parents=True, exist_ok=True)
    secrets = generate()
    path.write_text(json.dumps(secrets, indent=2))
    path.chmod(0o600)
    return secrets

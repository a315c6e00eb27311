"""Staff sessions: sign in against the staff directory, then a signed, expiring bearer token with the roles."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from ..domain.errors import Forbidden, InvalidInput, Unauthorized
from ..ports import StaffIdentity
from .deps import Deps

ROLES = ("clerk", "admin")


def login(deps: Deps, username: object, password: object) -> str:
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise InvalidInput("Scrieți numele de utilizator și parola.", "username and password are required strings")
    identity = deps.staff.authenticate(username[:128], password[:256])
    if identity is None:
        raise Unauthorized("Nume de utilizator sau parolă greșite.", "wrong username or password")
    return issue_token(deps, identity)


def issue_token(deps: Deps, identity: StaffIdentity) -> str:
    body = {
        "u": identity.username,
        "r": list(identity.roles),
        "exp": deps.now() + deps.settings.session_minutes * 60_000,
    }
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_b64(_mac(deps, payload))}"


def verify_token(deps: Deps, token: str | None) -> StaffIdentity:
    if not token or "." not in token:
        raise Unauthorized("Autentificați-vă.", "authentication required")
    payload, signature = token.rsplit(".", 1)
    if not hmac.compare_digest(_b64(_mac(deps, payload)), signature):
        raise Unauthorized("Sesiune invalidă; autentificați-vă din nou.", "invalid token")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if body["exp"] < deps.now():
        raise Unauthorized("Sesiunea a expirat; autentificați-vă din nou.", "session expired")
    return StaffIdentity(body["u"], tuple(body["r"]))


def require_role(identity: StaffIdentity, role: str) -> None:
    """``admin`` can do everything a clerk can."""
    if role in identity.roles or "admin" in identity.roles:
        return
    raise Forbidden("Nu aveți dreptul să faceți această acțiune.", f"role '{role}' required")


def _mac(deps: Deps, payload: str) -> bytes:
    return hmac.new(deps.session_secret, payload.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

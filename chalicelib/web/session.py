"""Staff console sessions in a cookie (HttpOnly, Secure, SameSite=Strict) and CSRF tokens bound to them."""

from __future__ import annotations

import hashlib
import hmac
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

COOKIE = "eps2_session"


def session_token(cookie_header: str | None) -> str | None:
    return cookie_value(cookie_header, COOKIE)


def set_cookie(token: str, max_age_s: int) -> str:
    return f"{COOKIE}={token}; Path=/staff; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age_s}"


def clear_cookie() -> str:
    return f"{COOKIE}=; Path=/staff; HttpOnly; Secure; SameSite=Strict; Max-Age=0"


def csrf_token(secret: bytes, session: str) -> str:
    return hmac.new(secret, f"csrf:{session}".encode(), hashlib.sha256).hexdigest()[:32]


def csrf_valid(secret: bytes, session: str | None, submitted: str | None) -> bool:
    return bool(session and submitted) and hmac.compare_digest(csrf_token(secret, session or ""), submitted or "")


def form_fields(raw: bytes | str | None, limit: int = 16 * 1024) -> dict[str, str]:
    """First value of each field of an urlencoded form; oversize bodies give an empty form."""
    if not raw or len(raw) > limit:
        return {}
    try:
        parsed = parse_qs(raw.decode("utf-8") if isinstance(raw, bytes) else raw, keep_blank_values=True)
    except UnicodeDecodeError:
        return {}
    return {key: values[0] for key, values in parsed.items()}


def sign(secret: bytes, value: str, expires_ms: int) -> str:
    payload = f"{value}.{expires_ms}"
    return f"{payload}.{hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()[:32]}"


def unsign(secret: bytes, token: str | None, now_ms: int) -> str | None:
    """The signed value if the token is genuine and unexpired."""
    if not token or token.count(".") != 2:
        return None
    value, expires, mac = token.split(".")
    expected = hmac.new(secret, f"{value}.{expires}".encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(expected, mac) or not expires.isdigit() or int(expires) < now_ms:
        return None
    return value


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None  # a malformed Cookie header reads as no cookie
    return jar[name].value if name in jar else None

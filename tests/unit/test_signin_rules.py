"""The sign-in rules without I/O: TOTP as authenticator apps compute it, the throttle window, the password rule."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import pyotp

from chalicelib.domain import signin, totp

RFC6238_SECRET = base64.b32encode(b"12345678901234567890").decode()
MINUTE = 60_000


def test_codes_match_rfc_6238_and_an_authenticator_app():
    # RFC 6238 appendix B, SHA-1, the last 6 of the 8 digits
    assert totp.code_at(RFC6238_SECRET, 59 // 30) == "287082"
    assert totp.code_at(RFC6238_SECRET, 1111111109 // 30) == "081804"
    secret = totp.new_secret()
    assert totp.code_at(secret, 1_800_000_000 // 30) == pyotp.TOTP(secret).at(1_800_000_000)


def test_a_code_is_accepted_one_step_either_side_and_never_twice():
    secret = totp.new_secret()
    now_ms = 1_800_000_000_000
    step = now_ms // 1000 // 30
    assert totp.matching_step(secret, totp.code_at(secret, step - 1), now_ms) == step - 1
    assert totp.matching_step(secret, totp.code_at(secret, step + 1), now_ms) == step + 1
    assert totp.matching_step(secret, totp.code_at(secret, step + 2), now_ms) is None
    assert totp.matching_step(secret, totp.code_at(secret, step), now_ms, last_used_step=step) is None
    assert totp.matching_step(secret, "12a456", now_ms) is None


def test_the_enrolment_uri_carries_the_secret_for_the_app():
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "ana-pop")
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == secret and parsed.name == "ana-pop" and parsed.issuer == totp.ISSUER
    assert parse_qs(urlparse(uri).query)["period"] == ["30"]


def test_a_full_bucket_refuses_until_its_oldest_try_is_15_minutes_old():
    now = 10 * 24 * 60 * MINUTE
    slots: list[int] = []
    for n in range(signin.USER_LIMIT):
        assert signin.retry_after_s(signin.recent(slots, now + n * 1000), signin.USER_LIMIT, now) is None
        slots = signin.with_claim(slots, signin.USER_LIMIT, now + n * 1000)
    wait = signin.retry_after_s(signin.recent(slots, now + 10_000), signin.USER_LIMIT, now + 10_000)
    assert wait == 15 * 60 - 10
    later = now + 15 * MINUTE + 1
    assert signin.retry_after_s(signin.recent(slots, later), signin.USER_LIMIT, later) is None


def test_a_right_answer_gives_its_slot_back():
    slots = signin.with_claim([1, 2], 10, 3)
    assert signin.without_claim(slots, 3) == [1, 2]
    assert signin.without_claim(slots, 99) == [1, 2, 3]


def test_the_password_rule():
    assert signin.password_problem("scurta", "ana") is not None
    assert signin.password_problem("parola-lui-ana-2026", "ana") is not None
    assert signin.password_problem("x" * 257, "ana") is not None
    assert signin.password_problem("Tramvaiul-21-vine-rar", "ana") is None

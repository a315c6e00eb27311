"""Staff sessions and sign-in over HTTP through the local stack: challenges answered as JSON, server-side
sessions that sign-out, a password change, disabling an account or removing a role end at once, the
throttle's 429 with Retry-After, and the audit trail of sign-ins and of citizens' records opened."""

from __future__ import annotations

import hashlib
import time

import pytest

from chalicelib.config import load_settings
from chalicelib.services.audit import history, staff_subject
from chalicelib.wiring import build_deps
from tests.conftest import register
from tests.support.api import Api
from tests.support.browser import FormClient
from tests.support.staff import PASSWORD, answer, enrolled, local_account, totp_code


@pytest.fixture()
def bound(stack):
    """The models bound to the stack's emulator, to look at what the API wrote."""
    return build_deps(load_settings(stack.env()))


def actions(deps, username: str) -> list[str]:
    return [entry["action"] for entry in history(deps, staff_subject(username))]


def test_logout_revokes_the_token_at_once(stack, bound):
    api = Api(stack.base_url).login("clerk", "clerk-local")
    assert api.get("/api/requests").status == 200
    reply = api.post("/api/auth/logout")
    assert reply.status == 204
    assert api.get("/api/requests").status == 401
    assert api.post("/api/auth/logout").status == 401
    assert {"signed_in", "signed_out"} <= set(actions(bound, "clerk"))


def test_the_token_is_a_random_id_whose_hash_alone_is_stored(stack, bound):
    api = Api(stack.base_url).login("clerk", "clerk-local")
    assert "." not in api.token and len(api.token) >= 43  # nothing readable or signed: 256 random bits
    record = bound.stores.access.session(hashlib.sha256(api.token.encode()).hexdigest())
    assert record.username == "clerk" and record.kind == "session"
    assert api.token not in str(vars(record))


def test_console_logout_ends_the_session_even_for_a_copied_cookie(stack):
    client = FormClient(stack.base_url)
    assert "Cereri" in client.login("clerk", "clerk-local").html
    stolen = dict(client.cookies)
    page = client.get("/staff")
    client.post("/staff/logout", {"csrf": page.csrf()})
    replay = FormClient(stack.base_url, cookies=stolen)
    assert replay.request("GET", "/staff", follow=False).headers["Location"] == "/staff/login"


def test_temporary_password_and_totp_are_challenges_not_sign_ins(stack, admin, bound):
    account = enrolled(admin)
    assert account.api.get("/api/requests").status == 200
    anonymous = Api(stack.base_url)
    step = anonymous.post("/api/auth/login", {"username": account.username, "password": PASSWORD})
    assert step.status == 200 and step["challenge"] == "SOFTWARE_TOKEN_MFA" and "token" not in step.body
    assert Api(stack.base_url, step["session"]).get("/api/requests").status == 401  # a challenge is no session
    wrong = answer(anonymous, step, code="000000" if totp_code(account.secret, 1) != "000000" else "111111")
    assert wrong.status == 401
    done = answer(anonymous, step, code=totp_code(account.secret, 1))  # the enrolment used this step's code
    assert done.status == 200 and Api(stack.base_url, done["token"]).get("/api/requests").status == 200
    assert answer(anonymous, step, code=totp_code(account.secret, 1)).status == 401  # the sign-in is over
    assert {"account_created", "password_changed", "mfa_enrolled", "sign_in_failed", "signed_in"} <= set(
        actions(bound, account.username)
    )


def test_demo_accounts_still_sign_in_with_the_password_alone(stack):
    reply = Api(stack.base_url).post("/api/auth/login", {"username": "admin", "password": "admin-local"})
    assert reply.status == 200 and set(reply.body) == {"token"}


def test_a_password_change_ends_every_session_of_the_account(stack, admin):
    account = enrolled(admin)
    other = Api(stack.base_url, account.api.token)
    wrong = account.api.post(
        "/api/auth/password", {"currentPassword": "nu-este-parola", "newPassword": "O-parola-noua-2026"}
    )
    assert wrong.status == 400 and wrong["error"] == "wrong_password"
    changed = account.api.post("/api/auth/password", {"currentPassword": PASSWORD, "newPassword": "O-parola-noua-2026"})
    assert changed.status == 200
    assert other.get("/api/requests").status == 401
    assert Api(stack.base_url, changed["token"]).get("/api/requests").status == 200


def test_disabling_an_account_or_removing_a_role_ends_its_sessions(stack, admin):
    boss = enrolled(admin, roles=["admin", "clerk"])
    assert boss.api.get("/api/tasks").status == 200
    reply = admin.post(f"/api/staff/{boss.username}/roles", {"roles": ["clerk"]})
    assert reply.status == 200 and reply["sessionsEnded"] >= 1
    assert boss.api.get("/api/tasks").status == 401

    clerk = enrolled(admin)
    assert admin.post(f"/api/staff/{clerk.username}/enabled", {"enabled": False}).status == 200
    assert clerk.api.get("/api/requests").status == 401
    refused = Api(stack.base_url).post("/api/auth/login", {"username": clerk.username, "password": PASSWORD})
    assert refused.status == 401


def test_an_admin_cannot_lock_themselves_out(stack, admin):
    assert admin.post("/api/staff/admin/enabled", {"enabled": False}).status == 409
    assert admin.post("/api/staff/admin/roles", {"roles": ["clerk"]}).status == 409
    assert admin.post("/api/staff/nobody-here/enabled", {"enabled": False}).status == 404


def test_repeated_wrong_passwords_are_answered_429_with_retry_after(stack, bound):
    user = local_account()
    anonymous = Api(stack.base_url)
    statuses, slowest = [], 0.0
    for _ in range(20):
        started = time.monotonic()
        reply = anonymous.post("/api/auth/login", {"username": user, "password": "parola-gresita"})
        slowest = max(slowest, time.monotonic() - started)
        statuses.append(reply.status)
        if reply.status == 429:
            assert 0 < int(reply.headers["Retry-After"]) <= 900 and reply["messageRo"]
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}
    assert slowest < 5  # refused at once, never by holding the request open
    locked = anonymous.post("/api/auth/login", {"username": user, "password": PASSWORD})
    assert locked.status == 429  # from this address, even the right password waits: no oracle
    trail = actions(bound, user)
    assert trail.count("sign_in_failed") == 10 and "sign_in_locked" in trail


def test_over_long_passwords_are_refused_before_any_hashing(stack):
    started = time.monotonic()
    reply = Api(stack.base_url).post("/api/auth/login", {"username": "clerk", "password": "x" * 10_000})
    assert reply.status == 400 and time.monotonic() - started < 2


def test_opening_a_citizens_record_is_in_the_clerks_trail(stack, clerk, bound):
    created = register(clerk)
    assert clerk.get(f"/api/requests/{created['id']}").status == 200
    client = FormClient(stack.base_url)
    client.login("clerk", "clerk-local")
    assert client.get(f"/staff/requests/{created['id']}").status == 200
    views = [e for e in history(bound, staff_subject("clerk")) if e["action"] == "viewed_request"]
    assert sum(e["detail"]["request"] == created["id"] for e in views) == 2

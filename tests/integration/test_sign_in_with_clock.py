"""Sign-in rules that take time, through the real emulator with a clock the test moves: the lock lifts within
15 minutes for the rightful user, an address the user signs in from is not locked out by attacks from
elsewhere, and sessions end after 30 idle minutes or at their absolute lifetime."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from chalicelib.config import load_settings
from chalicelib.domain.errors import TooManyAttempts, Unauthorized
from chalicelib.services import auth, sessions
from chalicelib.services.audit import history, staff_subject
from chalicelib.wiring import build_deps
from tests.integration.test_services_with_clock import FakeClock
from tests.support.staff import PASSWORD, local_account

MINUTE = 60_000


@pytest.fixture()
def deps(stack):
    d = build_deps(load_settings(stack.env()))
    d.clock = FakeClock(int(time.time() * 1000))
    return d


def fail(deps, user: str, client: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(Unauthorized):
            auth.sign_in(deps, user, "parola-gresita", client)


def test_the_rightful_user_gets_in_once_the_lock_lifts_within_15_minutes(deps):
    user = local_account()
    fail(deps, user, "203.0.113.7", 10)
    with pytest.raises(TooManyAttempts) as locked:
        auth.sign_in(deps, user, PASSWORD, "203.0.113.7")
    wait_s = locked.value.retry_after_s
    assert 0 < wait_s <= 15 * 60
    deps.clock.advance(wait_s * 1000)
    assert auth.sign_in(deps, user, PASSWORD, "203.0.113.7").token


def test_an_attack_from_elsewhere_does_not_lock_the_user_out_of_their_usual_address(deps):
    user = local_account()
    assert auth.sign_in(deps, user, PASSWORD, "198.51.100.4").token  # the office, as every day
    fail(deps, user, "203.0.113.8", 10)
    with pytest.raises(TooManyAttempts):
        auth.sign_in(deps, user, PASSWORD, "203.0.113.8")
    assert auth.sign_in(deps, user, PASSWORD, "198.51.100.4").token


def test_one_address_trying_many_usernames_is_locked(deps):
    deps.clock.advance(0)
    for n in range(100):
        with pytest.raises(Unauthorized):
            auth.sign_in(deps, f"ghicit-{n}-{deps.now()}", "parola-gresita", "203.0.113.99")
    with pytest.raises(TooManyAttempts):
        auth.sign_in(deps, "clerk", "clerk-local", "203.0.113.99")


def test_a_session_ends_after_30_idle_minutes(deps):
    user = local_account()
    token = auth.sign_in(deps, user, PASSWORD, "198.51.100.5").token
    for _ in range(3):  # busy for an hour and a half: never idle long enough
        deps.clock.advance(29 * MINUTE)
        assert sessions.check_session(deps, token).username == user
    deps.clock.advance(29 * MINUTE)
    sessions.check_session(deps, token, touch=False)  # a page refreshing itself is no activity
    deps.clock.advance(2 * MINUTE)
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, token)


def test_the_idle_timeout_is_configurable_and_the_absolute_lifetime_still_holds(deps):
    deps.settings = replace(deps.settings, session_idle_minutes=5, session_minutes=60)
    user = local_account()
    token = auth.sign_in(deps, user, PASSWORD, "198.51.100.6").token
    deps.clock.advance(4 * MINUTE)
    sessions.check_session(deps, token)
    deps.clock.advance(6 * MINUTE)
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, token)
    token = auth.sign_in(deps, user, PASSWORD, "198.51.100.6").token
    for _ in range(14):  # busy, never idle 5 minutes: 56 minutes
        deps.clock.advance(4 * MINUTE)
        sessions.check_session(deps, token)
    deps.clock.advance(4 * MINUTE)  # 60 minutes: the absolute lifetime, though used 4 minutes ago
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, token)


def test_an_account_disabled_outside_the_app_loses_its_session_within_minutes(deps):
    user = local_account()
    token = auth.sign_in(deps, user, PASSWORD, "198.51.100.7").token
    deps.stores.access.set_account_enabled(user, False)  # as in the Cognito console
    deps.clock.advance(5 * MINUTE)
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, token)
    assert "signed_in" in [e["action"] for e in history(deps, staff_subject(user))]

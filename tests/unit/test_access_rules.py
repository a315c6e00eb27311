"""Staff access rules on in-memory stores with a clock the test moves: the sign-in throttle (slots, 429 with
Retry-After, known address pairs, its optimistic lock under a lost race), session idle timeout, absolute
lifetime and revocation, and a first sign-in through every challenge of the local directory."""

from __future__ import annotations

import pytest

from chalicelib.adapters.staff_directory import hash_password
from chalicelib.domain import signin, totp
from chalicelib.domain.errors import TooManyAttempts, Unauthorized
from chalicelib.ports import StaffIdentity
from chalicelib.services import auth, sessions, signin_throttle
from chalicelib.services.audit import history, staff_subject
from chalicelib.services.deps import Deps
from chalicelib.stores.rows import StaffRow
from tests.support.memory_deps import memory_deps

MINUTE = 60_000
CLIENT = "203.0.113.7"
PASSWORD = "Parola-de-test-2026"


@pytest.fixture()
def deps() -> Deps:
    return memory_deps()


def actions(deps: Deps, username: str) -> list[str]:
    return [entry["action"] for entry in history(deps, staff_subject(username))]


def slots(deps: Deps, key: str) -> list[int]:
    row = deps.stores.access.attempt(key)
    return list(row.slots or []) if row is not None else []


def an_account(deps: Deps, username: str = "ana", roles: tuple[str, ...] = ("clerk",)) -> str:
    deps.stores.access.create_account(
        StaffRow(username=username, password_hash=hash_password(PASSWORD), roles=list(roles), display_name="Ana")
    )
    return username


# the sign-in throttle


def test_a_try_counts_against_the_username_and_the_address_until_the_pair_is_known(deps):
    buckets = signin_throttle.buckets_for(deps, "ana", CLIENT)
    assert [(b.key.split("#")[0], b.limit) for b in buckets] == [
        ("addr", signin.ADDRESS_LIMIT),
        ("user", signin.USER_LIMIT),
    ]
    signin_throttle.trust(deps, "ana", CLIENT)
    known = signin_throttle.buckets_for(deps, "ana", CLIENT)
    assert [(b.key.split("#")[0], b.limit) for b in known] == [("pair", signin.PAIR_LIMIT)]
    assert [b.key.split("#")[0] for b in signin_throttle.buckets_for(deps, "ana", "198.51.100.9")] == ["addr", "user"]


def test_a_full_bucket_refuses_with_retry_after_and_keeps_no_slot_of_the_refused_try(deps):
    buckets = signin_throttle.buckets_for(deps, "ana", CLIENT)
    address, user = buckets
    for _ in range(signin.USER_LIMIT):
        signin_throttle.claim(deps, "ana", CLIENT, buckets)
        deps.clock.advance(MINUTE)
    with pytest.raises(TooManyAttempts) as locked:
        signin_throttle.claim(deps, "ana", CLIENT, buckets)
    assert locked.value.http_status == 429
    assert locked.value.retry_after_s == 15 * 60 - 10 * 60  # the oldest slot frees 15 minutes after it was taken
    assert len(slots(deps, address.key)) == signin.USER_LIMIT  # the address slot of the refused try was given back
    assert "sign_in_locked" in actions(deps, "ana")
    deps.clock.advance(locked.value.retry_after_s * 1000)
    signin_throttle.claim(deps, "ana", CLIENT, buckets)  # the lock lifts when the oldest slot ages out


def test_a_right_try_gives_its_slots_back(deps):
    buckets = signin_throttle.buckets_for(deps, "ana", CLIENT)
    claims = signin_throttle.claim(deps, "ana", CLIENT, buckets)
    assert all(slots(deps, b.key) == [deps.now()] for b in buckets)
    signin_throttle.release(deps, claims)
    assert all(slots(deps, b.key) == [] for b in buckets)


def test_sign_in_answers_429_before_any_password_is_checked(deps, monkeypatch):
    an_account(deps)
    buckets = signin_throttle.buckets_for(deps, "ana", CLIENT)
    for _ in range(signin.USER_LIMIT):
        signin_throttle.claim(deps, "ana", CLIENT, buckets)

    def checked(*args: object) -> None:
        raise AssertionError("a password was checked")

    monkeypatch.setattr(deps.staff, "authenticate", checked)
    with pytest.raises(TooManyAttempts) as locked:
        auth.sign_in(deps, "ana", PASSWORD, CLIENT)
    assert locked.value.retry_after_s == 15 * 60


def test_attacks_from_elsewhere_do_not_lock_out_a_known_address(deps):
    an_account(deps)
    assert auth.sign_in(deps, "ana", PASSWORD, CLIENT).token
    attacker = "198.51.100.66"
    user_bucket = signin_throttle.buckets_for(deps, "ana", attacker)
    for _ in range(signin.USER_LIMIT):
        signin_throttle.claim(deps, "ana", attacker, user_bucket)
    with pytest.raises(TooManyAttempts):
        signin_throttle.claim(deps, "ana", attacker, user_bucket)
    assert auth.sign_in(deps, "ana", PASSWORD, CLIENT).token


def test_a_try_that_loses_the_race_reads_again_and_both_slots_count(deps, monkeypatch):
    access = deps.stores.access
    read = access.attempt
    bucket = signin.Bucket("user#ana", signin.USER_LIMIT)
    other_try = deps.now() - 1_000

    def attempt_raced_once(key: str):
        row = read(key)
        if key == bucket.key and row is None:  # another try writes the bucket right after this one read it
            access.save_slots(key, [other_try], None, None)
        return row

    monkeypatch.setattr(access, "attempt", attempt_raced_once)
    signin_throttle.claim(deps, "ana", CLIENT, [bucket])
    saved = read(bucket.key)
    assert saved is not None and saved.slots == [other_try, deps.now()] and saved.version == 2


def test_a_try_that_keeps_losing_the_race_is_told_to_come_back_in_a_second(deps, monkeypatch):
    access = deps.stores.access
    read = access.attempt
    bucket = signin.Bucket("user#ana", signin.USER_LIMIT)

    def attempt_always_raced(key: str):
        row = read(key)
        access.save_slots(key, [], None, row.version if row else None)  # someone else writes in between
        return row

    monkeypatch.setattr(access, "attempt", attempt_always_raced)
    with pytest.raises(TooManyAttempts) as locked:
        signin_throttle.claim(deps, "ana", CLIENT, [bucket])
    assert locked.value.retry_after_s == 1
    assert read(bucket.key).slots == []  # none of the lost writes landed


# sessions


def a_session(deps: Deps, username: str = "ana") -> str:
    an_account(deps, username)
    return sessions.start_session(deps, StaffIdentity(username, ("clerk",), "Ana"), CLIENT)


def test_a_session_ends_after_30_idle_minutes(deps):
    token = a_session(deps)
    deps.clock.advance(29 * MINUTE)
    assert sessions.check_session(deps, token, touch=False).username == "ana"  # a page's refresh is no activity
    deps.clock.advance(MINUTE)
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, token)
    assert deps.stores.access.session(sessions.token_id(token)) is None


def test_activity_keeps_a_session_until_its_absolute_lifetime(deps):
    token = a_session(deps)
    lifetime = deps.settings.session_minutes * MINUTE
    for _ in range(lifetime // (20 * MINUTE) - 1):
        deps.clock.advance(20 * MINUTE)
        sessions.check_session(deps, token)
    deps.clock.advance(20 * MINUTE)
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, token)


def test_sign_out_and_the_end_of_a_users_sessions_revoke_at_once(deps):
    token = a_session(deps)
    other = sessions.start_session(deps, StaffIdentity("ana", ("clerk",), "Ana"), CLIENT)
    kept = sessions.start_session(deps, StaffIdentity("ana", ("clerk",), "Ana"), CLIENT)
    sessions.end_session(deps, token)
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, token)
    assert sessions.end_sessions_of(deps, "ana", keep=sessions.token_id(kept)) == 1
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, other)
    assert sessions.check_session(deps, kept).username == "ana"


def test_a_session_of_a_disabled_account_ends_at_the_next_check(deps):
    token = a_session(deps)
    deps.stores.access.set_account_enabled("ana", False)
    deps.clock.advance(4 * MINUTE)
    sessions.check_session(deps, token)  # not asked again yet
    deps.clock.advance(MINUTE)
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, token)


def test_a_session_ended_meanwhile_is_not_written_back(deps, monkeypatch):
    token = a_session(deps)
    deps.clock.advance(2 * MINUTE)
    read = deps.stores.access.session

    def ended_after_read(session_id: str):
        row = read(session_id)
        deps.stores.access.end_session(session_id)  # signed out in another tab
        return row

    monkeypatch.setattr(deps.stores.access, "session", ended_after_read)
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, token)
    assert read(sessions.token_id(token)) is None


# a first sign-in through every challenge


def test_a_new_account_chooses_a_password_and_enrols_then_a_code_is_used_once(deps):
    deps.staff.create_account("ion", "Temporara-123456", ("clerk",), "Ion")
    first = auth.sign_in(deps, "ion", "Temporara-123456", CLIENT)
    assert first.challenge == signin.NEW_PASSWORD_REQUIRED and not first.token
    setup = auth.answer_challenge(deps, first.pending, first.challenge, PASSWORD, CLIENT)
    assert setup.challenge == signin.MFA_SETUP and setup.secret and setup.pending == first.pending
    code = totp.code_at(setup.secret, deps.now() // 1000 // 30)
    with pytest.raises(Unauthorized):
        auth.answer_challenge(deps, setup.pending, setup.challenge, "000000" if code != "000000" else "111111", CLIENT)
    done = auth.answer_challenge(deps, setup.pending, setup.challenge, code, CLIENT)
    assert done.token and sessions.check_session(deps, done.token).username == "ion"
    again = auth.sign_in(deps, "ion", PASSWORD, CLIENT)
    assert again.challenge == signin.SOFTWARE_TOKEN_MFA
    with pytest.raises(Unauthorized):  # the code of the step already used
        auth.answer_challenge(deps, again.pending, again.challenge, code, CLIENT)
    deps.clock.advance(30_000)
    next_code = totp.code_at(setup.secret, deps.now() // 1000 // 30)
    assert auth.answer_challenge(deps, again.pending, again.challenge, next_code, CLIENT).token
    trail = actions(deps, "ion")
    assert trail.count("signed_in") == 2 and {"password_changed", "mfa_enrolled", "sign_in_failed"} <= set(trail)


def test_wrong_codes_end_the_sign_in_in_progress(deps):
    deps.staff.create_account("ion", "Temporara-123456", ("clerk",), "Ion")
    first = auth.sign_in(deps, "ion", "Temporara-123456", CLIENT)
    setup = auth.answer_challenge(deps, first.pending, first.challenge, PASSWORD, CLIENT)
    right = totp.code_at(setup.secret, deps.now() // 1000 // 30)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(auth.MAX_WRONG_CODES):
        with pytest.raises(Unauthorized):
            auth.answer_challenge(deps, setup.pending, setup.challenge, wrong, CLIENT)
    with pytest.raises(Unauthorized):
        auth.pending_challenge(deps, setup.pending)

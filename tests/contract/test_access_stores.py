"""Named operations of the staff access and audit stores, the same on DynamoDB and in memory."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.stores import Stores, WriteConflict
from chalicelib.stores.audit import audit_row
from chalicelib.stores.rows import SessionRow, StaffRow


def uid() -> str:
    return uuid.uuid4().hex[:12]


def test_a_new_bucket_is_saved_at_version_one(stores: Stores) -> None:
    key = f"user#{uid()}"
    stores.access.save_slots(key, [1_000, 2_000], 1_790_000_000, None)
    saved = stores.access.attempt(key)
    assert saved is not None
    assert (saved.slots, saved.version, saved.ttl) == ([1_000, 2_000], 1, 1_790_000_000)


def test_slots_are_saved_only_over_the_version_read(stores: Stores) -> None:
    key = f"addr#{uid()}"
    stores.access.save_slots(key, [1_000], 1_790_000_000, None)
    stores.access.save_slots(key, [1_000, 2_000], 1_790_000_100, 1)
    with pytest.raises(WriteConflict):
        stores.access.save_slots(key, [3_000], 1_790_000_200, 1)  # read version 1, but 2 is there now
    with pytest.raises(WriteConflict):
        stores.access.save_slots(key, [3_000], 1_790_000_200, None)  # read none, but it exists
    saved = stores.access.attempt(key)
    assert saved is not None
    assert (saved.slots, saved.version, saved.ttl) == ([1_000, 2_000], 2, 1_790_000_100)


def test_a_mark_without_slots_keeps_none(stores: Stores) -> None:
    key = f"known#{uid()}#abc"
    stores.access.save_slots(key, None, 1_790_000_000, None)
    saved = stores.access.attempt(key)
    assert saved is not None and saved.slots is None and saved.version == 1
    assert stores.access.attempt(f"known#{uid()}#abc") is None


def a_session(stores: Stores, username: str, kind: str = "session") -> SessionRow:
    row = SessionRow(id=uid(), kind=kind, username=username, created_at=1, expires_at=2, ttl=1_790_000_000)
    stores.access.open_session(row)
    return row


def test_a_session_is_opened_read_and_ended(stores: Stores) -> None:
    row = a_session(stores, uid())
    assert stores.access.session(row.id) == row
    stores.access.end_session(row.id)
    stores.access.end_session(row.id)  # gone already is fine
    assert stores.access.session(row.id) is None


def test_a_session_is_touched_only_while_it_exists(stores: Stores) -> None:
    row = a_session(stores, uid())
    stores.access.touch_session(row.id, last_seen=5)
    stores.access.touch_session(row.id, checked_at=6)
    touched = stores.access.session(row.id)
    assert touched is not None and (touched.last_seen, touched.checked_at) == (5, 6)
    stores.access.end_session(row.id)
    with pytest.raises(WriteConflict):
        stores.access.touch_session(row.id, last_seen=7)
    assert stores.access.session(row.id) is None


def test_a_sign_in_in_progress_advances_and_counts_failures_while_it_exists(stores: Stores) -> None:
    row = a_session(stores, uid(), kind="challenge")
    stores.access.open_session(
        SessionRow(id=row.id, kind="challenge", username=row.username, secret="S", failures=2, expires_at=1)
    )
    assert stores.access.count_failure(row.id) == 3
    stores.access.advance_challenge(row.id, "SOFTWARE_TOKEN_MFA", {"k": "v"}, None, 1_790_000_000_000)
    advanced = stores.access.session(row.id)
    assert advanced is not None
    assert (advanced.challenge, advanced.state, advanced.secret, advanced.failures) == (
        "SOFTWARE_TOKEN_MFA",
        {"k": "v"},
        None,
        0,
    )
    assert (advanced.expires_at, advanced.ttl) == (1_790_000_000_000, 1_790_000_060)
    stores.access.end_session(row.id)
    with pytest.raises(WriteConflict):
        stores.access.count_failure(row.id)
    with pytest.raises(WriteConflict):
        stores.access.advance_challenge(row.id, "MFA_SETUP", {}, "S", 1)
    assert stores.access.session(row.id) is None


def test_the_sessions_of_a_user_are_found_by_username(stores: Stores) -> None:
    user = uid()
    first, second = a_session(stores, user), a_session(stores, user, kind="challenge")
    a_session(stores, uid())
    assert sorted(stores.access.session_ids_of(user)) == sorted([first.id, second.id])


def an_account(stores: Stores) -> StaffRow:
    row = StaffRow(username=uid(), password_hash="h1", roles=["clerk"], must_change_password=True)
    stores.access.create_account(row)
    return row


def test_an_account_is_created_once(stores: Stores) -> None:
    row = an_account(stores)
    with pytest.raises(WriteConflict):
        stores.access.create_account(StaffRow(username=row.username, password_hash="h2"))
    assert stores.access.account(row.username) == row


def test_a_new_password_clears_must_change(stores: Stores) -> None:
    row = an_account(stores)
    stores.access.set_password(row.username, "h2")
    saved = stores.access.account(row.username)
    assert saved is not None and saved.password_hash == "h2" and not saved.must_change_password


def test_a_totp_step_is_accepted_only_after_the_last_one(stores: Stores) -> None:
    row = an_account(stores)
    stores.access.record_totp_step(row.username, "SECRET", 100, None)
    with pytest.raises(WriteConflict):
        stores.access.record_totp_step(row.username, "OTHER", 100, None)  # the same step again
    with pytest.raises(WriteConflict):
        stores.access.record_totp_step(row.username, "OTHER", 99, 98)  # an earlier one
    stores.access.record_totp_step(row.username, "SECRET", 101, None)  # read none, but an older step is fine
    saved = stores.access.account(row.username)
    assert saved is not None and (saved.totp_secret, saved.totp_last_step) == ("SECRET", 101)


def test_only_an_existing_account_is_enabled_or_given_roles(stores: Stores) -> None:
    row = an_account(stores)
    stores.access.set_account_enabled(row.username, False)
    stores.access.set_account_roles(row.username, ["admin", "clerk"])
    saved = stores.access.account(row.username)
    assert saved is not None and saved.enabled is False and saved.roles == ["admin", "clerk"]
    missing = uid()
    with pytest.raises(WriteConflict):
        stores.access.set_account_enabled(missing, True)
    with pytest.raises(WriteConflict):
        stores.access.set_account_roles(missing, ["clerk"])
    assert stores.access.account(missing) is None


def test_the_audit_trail_of_a_subject_is_oldest_first(stores: Stores) -> None:
    subject = f"staff#{uid()}"
    stores.audit.add(audit_row(subject, "ana", "signed_in", 2_000, client="1.2.3.4"))
    stores.audit.add(audit_row(subject, "ana", "signed_out", 3_000, client=None))
    stores.audit.add(audit_row(subject, "ana", "sign_in_failed", 1_000))
    trail = stores.audit.trail(subject)
    assert [(e.action, e.detail) for e in trail] == [
        ("sign_in_failed", None),
        ("signed_in", {"client": "1.2.3.4"}),
        ("signed_out", None),
    ]
    assert [e.action for e in stores.audit.trail(subject, limit=1)] == ["sign_in_failed"]


def test_the_counters_ping_answers_when_the_database_does(stores: Stores) -> None:
    stores.counters.ping()

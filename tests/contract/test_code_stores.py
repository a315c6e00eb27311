"""Named operations behind a code at the locker, the citizen's page and its extension (credentials, locker
events, the keypad), the same on DynamoDB and in memory."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.domain.keypad import KeypadState
from chalicelib.stores import Stores, WriteConflict
from chalicelib.stores.credentials import kept_until
from chalicelib.stores.rows import Credential, LockerEventRow, LockerRow

NOW = 1_790_000_000_000


def uid() -> str:
    return uuid.uuid4().hex[:12]


def a_code(stores: Stores, locker: str = "L1", **fields: object) -> Credential:
    row = Credential(
        code_key=f"pin#{uid()}",
        request_id=uid(),
        locker_id=locker,
        compartment="A01",
        expires_at=NOW + 60_000,
        sibling=f"qr#{uid()}",
        ttl=kept_until(NOW + 60_000),
        **fields,  # type: ignore[arg-type]
    )
    stores.credentials.issue(row)
    return row


def test_a_code_key_is_issued_once(stores: Stores) -> None:
    code = a_code(stores)
    with pytest.raises(WriteConflict):
        stores.credentials.issue(Credential(code_key=code.code_key, request_id="other", locker_id="L1"))
    assert stores.credentials.get(code.code_key).request_id == code.request_id


def test_a_claim_marks_the_code_used_and_returns_it_as_written(stores: Stores) -> None:
    code = a_code(stores)
    claimed = stores.credentials.claim(code.code_key, "L1", NOW, "cmd1", "ev1")
    assert (claimed.request_id, claimed.compartment, claimed.sibling) == (code.request_id, "A01", code.sibling)
    assert (claimed.used_at, claimed.claimed_cmd, claimed.claimed_event, claimed.unconfirmed) == (
        NOW,
        "cmd1",
        "ev1",
        "1",
    )
    with pytest.raises(WriteConflict):  # used
        stores.credentials.claim(code.code_key, "L1", NOW, "cmd2", "ev2")
    assert stores.credentials.get(code.code_key).claimed_cmd == "cmd1"


@pytest.mark.parametrize("case", ["missing", "other_locker", "revoked", "expired", "wrong_phone"])
def test_a_code_that_cannot_open_is_not_claimed_and_is_left_unchanged(stores: Stores, case: str) -> None:
    code = a_code(stores, phone_digits="h1")
    if case == "revoked":
        stores.credentials.revoke([code.code_key])
    before = stores.credentials.get(code.code_key)
    key, locker, now, phone = code.code_key, "L1", NOW, None
    if case == "missing":
        key = f"pin#{uid()}"
    elif case == "other_locker":
        locker = "L2"
    elif case == "expired":
        now = NOW + 60_001
    elif case == "wrong_phone":
        phone = "h2"
    with pytest.raises(WriteConflict):
        stores.credentials.claim(key, locker, now, "cmd", "ev", phone)
    assert stores.credentials.get(code.code_key) == before
    if case == "missing":
        assert stores.credentials.get(key) is None  # a claim never creates a code


def test_a_claim_with_the_right_phone_digits_and_at_the_last_instant_holds(stores: Stores) -> None:
    code = a_code(stores, phone_digits="h1")
    assert stores.credentials.claim(code.code_key, "L1", NOW + 60_000, "cmd", "ev", "h1").used_at == NOW + 60_000


def test_only_the_claim_of_the_same_unlock_is_undone(stores: Stores) -> None:
    code = a_code(stores)
    stores.credentials.claim(code.code_key, "L1", NOW, "cmd1", "ev1")
    with pytest.raises(WriteConflict):
        stores.credentials.undo_claim(code.code_key, "cmd2")
    assert stores.credentials.get(code.code_key).used_at == NOW
    stores.credentials.undo_claim(code.code_key, "cmd1")
    row = stores.credentials.get(code.code_key)
    # unused again; the event that claimed it stays noted, so its redelivery cannot claim it again
    assert (row.used_at, row.claimed_cmd, row.claimed_event, row.unconfirmed) == (None, None, "ev1", None)
    with pytest.raises(WriteConflict) as again:
        stores.credentials.claim(code.code_key, "L1", NOW, "cmd2", "ev1")
    assert again.value.current.claimed_event == "ev1"  # the refusal says who: a duplicate delivery
    assert stores.credentials.claim(code.code_key, "L1", NOW, "cmd3", "ev3").claimed_cmd == "cmd3"


def test_a_refused_claim_returns_the_code_as_it_was_or_none(stores: Stores) -> None:
    code = a_code(stores)
    stores.credentials.claim(code.code_key, "L1", NOW, "cmd1", "ev1")
    with pytest.raises(WriteConflict) as used:
        stores.credentials.claim(code.code_key, "L1", NOW, "cmd2", "ev2")
    assert (used.value.current.used_at, used.value.current.claimed_event) == (NOW, "ev1")
    with pytest.raises(WriteConflict) as unknown:
        stores.credentials.claim("no-such-code", "L1", NOW, "cmd3", "ev3")
    assert unknown.value.current is None


def test_a_confirmed_claim_leaves_the_unconfirmed_index(stores: Stores) -> None:
    old, recent = a_code(stores), a_code(stores)
    stores.credentials.claim(old.code_key, "L1", NOW - 10, "cmd1", "ev1")
    stores.credentials.claim(recent.code_key, "L1", NOW, "cmd2", "ev2")
    assert old.code_key in [c.code_key for c in stores.credentials.unconfirmed_before(NOW)]
    assert recent.code_key not in [c.code_key for c in stores.credentials.unconfirmed_before(NOW)]
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.credentials.confirm_claim(old.code_key, "cmd-other", tx)
    assert stores.credentials.get(old.code_key).unconfirmed == "1"
    with stores.transaction() as tx:
        stores.credentials.confirm_claim(old.code_key, "cmd1", tx)
    stores.credentials.settle_claim(recent.code_key)
    keys = [c.code_key for c in stores.credentials.unconfirmed_before(NOW + 1)]
    assert old.code_key not in keys and recent.code_key not in keys
    assert stores.credentials.get(old.code_key).used_at == NOW - 10  # still used


def test_the_sibling_is_marked_used_only_if_it_exists(stores: Stores) -> None:
    code = a_code(stores)
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.credentials.mark_used(code.sibling or "", NOW, tx)
    assert stores.credentials.get(code.sibling or "") is None
    stores.credentials.mark_used(code.code_key, NOW)
    assert stores.credentials.get(code.code_key).used_at == NOW


def test_an_extension_moves_the_expiry_only_of_an_unused_unrevoked_code(stores: Stores) -> None:
    code, sibling = a_code(stores), a_code(stores)
    later = NOW + 86_400_000
    with stores.transaction() as tx:
        stores.credentials.extend(code.code_key, later, "sealed", tx)
        stores.credentials.extend_sibling(sibling.code_key, later, tx)
    row = stores.credentials.get(code.code_key)
    assert (row.expires_at, row.ttl, row.sealed_pin) == (later, kept_until(later), "sealed")
    assert (stores.credentials.get(sibling.code_key).expires_at, stores.credentials.get(sibling.code_key).ttl) == (
        later,
        kept_until(later),
    )
    stores.credentials.claim(code.code_key, "L1", NOW, "cmd", "ev")
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.credentials.extend(code.code_key, later + 1, "again", tx)
    stores.credentials.revoke([sibling.code_key])
    with pytest.raises(WriteConflict):
        stores.credentials.extend(sibling.code_key, later + 1, "again")
    with pytest.raises(WriteConflict):
        stores.credentials.extend_sibling(f"qr#{uid()}", later)
    assert stores.credentials.get(code.code_key).sealed_pin == "sealed"


def test_an_event_is_recorded_once_forgotten_and_its_outcome_noted(stores: Stores) -> None:
    locker, event_id = uid(), uid()
    row = LockerEventRow(locker_id=locker, event_id=event_id, type="pin", ts=NOW, received_at=NOW, payload={"a": 1})
    stores.events.record_first(row)
    with pytest.raises(WriteConflict):
        stores.events.record_first(LockerEventRow(locker_id=locker, event_id=event_id, type="scan"))
    stores.events.set_outcome(locker, event_id, "unlock")
    stored = stores.events.table.get((locker, event_id))
    assert (stored.type, stored.outcome, stored.payload) == ("pin", "unlock", {"a": 1})
    stores.events.forget(locker, event_id)
    stores.events.forget(locker, event_id)  # already gone: nothing to do
    stores.events.record_first(LockerEventRow(locker_id=locker, event_id=event_id, type="scan"))


def test_keypad_meta_and_the_events_record_in_one_read(stores: Stores) -> None:
    locker = uid()
    assert stores.code_context(locker, "ev1", with_keypad=True) == (None, None, None)
    stores.lockers.table.put(LockerRow(locker_id=locker, item="#meta", kind="locker", clock_offset_ms=-5))
    keypad, meta, record = stores.code_context(locker, "ev1", with_keypad=True)
    assert keypad is None and record is None and meta.clock_offset_ms == -5 and stores.lockers.meta(locker) == meta
    stores.lockers.count_wrong_pin(locker, KeypadState(1, NOW, 0), None)
    stores.events.record_first(LockerEventRow(locker_id=locker, event_id="ev1", type="pin"))
    keypad, meta, record = stores.code_context(locker, "ev1", with_keypad=True)
    assert (keypad.failures, keypad.revision, meta.item, record.type) == (1, 1, "#meta", "pin")
    assert stores.code_context(locker, "ev1", with_keypad=False) == (None, meta, record)


def test_a_wrong_pin_counts_only_at_the_revision_it_was_computed_from(stores: Stores) -> None:
    locker = uid()
    stores.lockers.count_wrong_pin(locker, KeypadState(1, NOW, 0), None)
    with pytest.raises(WriteConflict):  # another failure created it meanwhile
        stores.lockers.count_wrong_pin(locker, KeypadState(1, NOW + 1, 0), None)
    stores.lockers.count_wrong_pin(locker, KeypadState(2, NOW + 2, 0), 1)
    with pytest.raises(WriteConflict):  # stale revision
        stores.lockers.count_wrong_pin(locker, KeypadState(2, NOW + 3, 9), 1)
    keypad = stores.lockers.keypad(locker)
    assert (keypad.failures, keypad.last_failure_at, keypad.attack_until, keypad.revision) == (2, NOW + 2, 0, 2)


def test_a_code_pairs_with_its_sibling_and_a_missing_code_with_nothing(stores: Stores) -> None:
    code = a_code(stores)
    assert stores.credentials.pair(code.code_key) == [code.code_key, code.sibling]
    assert stores.credentials.pair(f"pin#{uid()}") == []
    assert stores.credentials.pair(None) == []


def test_a_forgotten_claim_leaves_no_trace_so_the_same_event_claims_again(stores: Stores) -> None:
    code = a_code(stores)
    stores.credentials.claim(code.code_key, "L1", NOW, "cmd1", "ev1")
    with pytest.raises(WriteConflict):
        stores.credentials.forget_claim(code.code_key, "cmd2")  # only the claim of the same unlock
    stores.credentials.forget_claim(code.code_key, "cmd1")
    row = stores.credentials.get(code.code_key)
    assert (row.used_at, row.claimed_cmd, row.claimed_event, row.unconfirmed) == (None, None, None, None)
    assert stores.credentials.claim(code.code_key, "L1", NOW, "cmd3", "ev1").claimed_event == "ev1"

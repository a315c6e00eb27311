"""Named operations of the pickup's stores, the same on DynamoDB and in memory."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.domain.lifecycle import change_status
from chalicelib.stores import Stores, WriteConflict
from chalicelib.stores.commands import unlock_row
from chalicelib.stores.lockers import compartment_key
from chalicelib.stores.rows import Credential, LockerRow, Request


def uid() -> str:
    return uuid.uuid4().hex[:12]


def a_locker(stores: Stores, *compartments: str, enabled: bool = True) -> str:
    locker = uid()
    stores.lockers.table.put(LockerRow(locker_id=locker, item="#meta", kind="locker", name="Dulap"))
    for c in compartments:
        stores.lockers.table.put(LockerRow(locker_id=locker, item=compartment_key(c), size="S", enabled=enabled))
    return locker


def a_request(stores: Stores, status: str = "ready") -> Request:
    row = Request(id=uid(), registration_number=f"PS2-2026-{uid()}", status=status, due_at=1)
    stores.requests.table.put(row)
    return row


def test_a_compartment_is_reserved_once(stores: Stores) -> None:
    locker = a_locker(stores, "A01")
    first, second = uid(), uid()
    with stores.transaction() as tx:
        stores.lockers.reserve_compartment(locker, "A01", first, tx)
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.lockers.reserve_compartment(locker, "A01", second, tx)
    assert stores.lockers.compartment(locker, "A01").request_id == first


def test_a_compartment_out_of_service_is_not_reserved(stores: Stores) -> None:
    locker = a_locker(stores, "A01", enabled=False)
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.lockers.reserve_compartment(locker, "A01", uid(), tx)


def test_only_the_holder_releases_a_compartment(stores: Stores) -> None:
    locker, holder = a_locker(stores, "A01"), uid()
    with stores.transaction() as tx:
        stores.lockers.reserve_compartment(locker, "A01", holder, tx)
    with pytest.raises(WriteConflict):
        stores.lockers.release_compartment(locker, "A01", uid())
    stores.lockers.release_compartment(locker, "A01", holder)
    assert stores.lockers.compartment(locker, "A01").request_id is None


def test_items_split_meta_compartments_and_keypad(stores: Stores) -> None:
    locker = a_locker(stores, "A02", "A01")
    stores.lockers.table.put(LockerRow(locker_id=locker, item="#keypad", failures=2))
    stores.lockers.add_revocation(locker, "n1", until_ms=10_000)
    items = stores.lockers.items(locker)
    assert items.meta.name == "Dulap" and items.keypad.failures == 2
    assert [c.item for c in items.compartments] == ["C#A01", "C#A02"]
    assert stores.lockers.revocations(locker, now_ms=9_999) == ["n1"]
    assert stores.lockers.revocations(locker, now_ms=10_000) == []
    assert stores.lockers.items(uid()).meta is None


def test_a_status_change_is_written_only_from_the_status_it_was_validated_from(stores: Stores) -> None:
    request = a_request(stores)
    change = change_status(request.id, "ready", "reserve", 5, "clerk")
    stale = change_status(request.id, "ready", "reserve", 6, "clerk")
    with stores.transaction() as tx:
        stores.requests.apply_change(change, tx, set={"locker_id": "l1"})
    row = stores.requests.get(request.id)
    assert (row.status, row.updated_at, row.locker_id) == (change.after, 5, "l1")
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.requests.apply_change(stale, tx)


def test_fields_other_than_the_status_are_updated_guarded(stores: Stores) -> None:
    request = a_request(stores)
    with pytest.raises(ValueError):
        stores.requests.update_fields(request.id, set={"status": "closed"})
    with pytest.raises(WriteConflict):
        stores.requests.update_fields(request.id, set={"qr_key": "k"}, expect={"status": "in_locker"})
    with pytest.raises(WriteConflict):
        stores.requests.update_fields(uid(), set={"qr_key": "k"})  # never creates a request
    assert stores.requests.update_fields(request.id, set={"qr_key": "k"}).qr_key == "k"


def test_a_command_id_is_recorded_once(stores: Stores) -> None:
    message = {"id": uid(), "locker": "l1", "type": "unlock", "compartment": "A01", "iat": 1_000, "exp": 61_000}
    stores.commands.record(unlock_row(message, "r1"))
    with pytest.raises(WriteConflict):
        stores.commands.record(unlock_row(message, "r2"))
    row = stores.commands.get(message["id"])
    assert (row.request_id, row.pending, row.status) == ("r1", "1", "sent")


def test_revoked_codes_refuse_and_missing_ones_are_skipped(stores: Stores) -> None:
    key = uid()
    stores.credentials.table.put(Credential(code_key=key, request_id="r", locker_id="l", compartment="A01"))
    stores.credentials.revoke([key, uid()])
    assert stores.credentials.get(key).revoked is True
    stores.credentials.discard([key])
    assert stores.credentials.get(key) is None

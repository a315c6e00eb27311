"""Named operations of the lockers' stores (registration, door events, liveness, acks, offline pickups, staff
views), the same on DynamoDB and in memory. Each guard is tested: the write that must fail fails with
WriteConflict and changes nothing."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.stores import Stores, WriteConflict
from chalicelib.stores.commands import unlock_row
from chalicelib.stores.engine import AnyOf
from chalicelib.stores.lockers import META, compartment_key
from chalicelib.stores.rows import Credential, LockerRow, NotificationRow, Request


def uid() -> str:
    return uuid.uuid4().hex[:12]


def a_locker(stores: Stores, *compartments: str) -> str:
    locker = uid()
    meta = LockerRow(locker_id=locker, item=META, kind="locker", name="Dulap", location="Hol", online=False)
    rows = [
        LockerRow(locker_id=locker, item=compartment_key(c), size="S", enabled=True, door="closed", occupied=False)
        for c in compartments
    ]
    with stores.transaction() as tx:
        stores.lockers.register(meta, rows, tx)
    return locker


def slot(stores: Stores, locker: str, compartment: str = "A01") -> LockerRow:
    row = stores.lockers.compartment(locker, compartment)
    assert row is not None
    return row


def test_any_of_holds_when_one_alternative_holds(stores: Stores) -> None:
    locker = a_locker(stores, "A01")
    key = (locker, compartment_key("A01"))
    either = AnyOf(({"door": "open"}, {"size": "S", "enabled": True}))
    stores.lockers.table.update(key, set={"occupied": True}, expect={"rule": either})
    with pytest.raises(WriteConflict):
        stores.lockers.table.update(
            key, set={"occupied": False}, expect={"rule": AnyOf(({"door": "open"}, {"size": "M"}))}
        )
    with pytest.raises(WriteConflict):  # every field of an Expect must hold, the AnyOf among them
        stores.lockers.table.update(key, set={"occupied": False}, expect={"door": "open", "rule": either})
    assert slot(stores, locker).occupied is True


def test_a_locker_id_is_registered_once(stores: Stores) -> None:
    locker = a_locker(stores, "A01", "A02")
    items = stores.lockers.items(locker)
    assert items.meta is not None and items.meta.name == "Dulap"
    assert sorted(c.item for c in items.compartments) == ["C#A01", "C#A02"]
    assert locker in [m.locker_id for m in stores.lockers.lockers()]
    again = LockerRow(locker_id=locker, item=META, kind="locker", name="Altul")
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.lockers.register(again, [LockerRow(locker_id=locker, item=compartment_key("B01"), size="L")], tx)
    assert stores.lockers.items(locker).meta.name == "Dulap"  # type: ignore[union-attr]
    assert stores.lockers.compartment(locker, "B01") is None


def test_only_an_existing_compartment_is_put_out_of_service(stores: Stores) -> None:
    locker = a_locker(stores, "A01")
    with stores.transaction() as tx:
        stores.lockers.set_enabled(locker, "A01", False, tx)
    assert slot(stores, locker).enabled is False
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.lockers.set_enabled(locker, "Z99", False, tx)
    assert stores.lockers.compartment(locker, "Z99") is None  # the refused update created nothing


def test_door_events_apply_in_boot_and_seq_order(stores: Stores) -> None:
    locker = a_locker(stores, "A01")
    first = stores.lockers.record_door(locker, "A01", "open", 1000, "b1", 5)
    assert first.applied and first.compartment is not None and first.compartment.door == "open"
    stale = stores.lockers.record_door(locker, "A01", "closed", 2000, "b1", 4, closed_cmd="c1")
    assert not stale.applied and stale.compartment is not None and stale.compartment.door == "open"
    assert stale.compartment.closed_cmd is None  # a stale event changes nothing
    newer = stores.lockers.record_door(locker, "A01", "closed", 1500, "b1", 6, closed_cmd="c1")
    assert newer.applied and newer.compartment is not None and newer.compartment.closed_cmd == "c1"
    older_boot = stores.lockers.record_door(locker, "A01", "open", 1400, "b2", 1)
    assert not older_boot.applied  # another boot is ordered by time
    later_boot = stores.lockers.record_door(locker, "A01", "open", 1500, "b2", 1)
    assert later_boot.applied and slot(stores, locker).door_boot == "b2"


def test_a_door_event_of_an_unknown_compartment_creates_nothing(stores: Stores) -> None:
    locker = a_locker(stores, "A01")
    change = stores.lockers.record_door(locker, "Z99", "open", 1000, "b1", 1)
    assert change.compartment is None and not change.applied
    assert stores.lockers.compartment(locker, "Z99") is None


def hold(stores: Stores, locker: str, request_id: str) -> None:
    with stores.transaction() as tx:
        stores.lockers.reserve_compartment(locker, "A01", request_id, tx)
    with stores.transaction() as tx:
        stores.lockers.mark_occupied(locker, "A01", tx)


def test_only_the_holder_empties_a_compartment(stores: Stores) -> None:
    locker, holder = a_locker(stores, "A01"), uid()
    hold(stores, locker, holder)
    assert slot(stores, locker).occupied is True
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.lockers.empty(locker, "A01", uid(), tx)
    assert slot(stores, locker).request_id == holder
    with stores.transaction() as tx:
        stores.lockers.empty(locker, "A01", holder, tx)
    assert slot(stores, locker).request_id is None and slot(stores, locker).occupied is False


def test_a_compartment_marked_for_release_is_freed_only_after_that_door_cycle(stores: Stores) -> None:
    locker, holder = a_locker(stores, "A01"), uid()
    hold(stores, locker, holder)
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.lockers.release_after(locker, "A01", uid(), "cmd-1", tx)  # not the holder
    with stores.transaction() as tx:
        stores.lockers.release_after(locker, "A01", holder, "cmd-1", tx)
    with pytest.raises(WriteConflict):  # the door has not closed after cmd-1 yet
        stores.lockers.free_after_door_cycle(locker, "A01", holder, "cmd-1")
    stores.lockers.record_door(locker, "A01", "open", 1000, "b1", 1)
    stores.lockers.record_door(locker, "A01", "closed", 1100, "b1", 2, closed_cmd="cmd-0")
    with pytest.raises(WriteConflict):  # closed, but after another opening
        stores.lockers.free_after_door_cycle(locker, "A01", holder, "cmd-1")
    assert slot(stores, locker).request_id == holder
    stores.lockers.record_door(locker, "A01", "closed", 1200, "b1", 3, closed_cmd="cmd-1")
    stores.lockers.free_after_door_cycle(locker, "A01", holder, "cmd-1")
    freed = slot(stores, locker)
    assert freed.request_id is None and freed.release_on is None and freed.occupied is False


def test_heartbeats_and_status_only_for_a_registered_locker(stores: Stores) -> None:
    locker = a_locker(stores)
    stores.lockers.heartbeat(locker, 5000, "b1", "1.2.3", -40)
    meta = stores.lockers.meta(locker)
    assert meta is not None and meta.online and meta.last_seen == 5000 and meta.boot == "b1"
    assert meta.agent_version == "1.2.3" and meta.clock_offset_ms == -40
    stores.lockers.heartbeat(locker, 6000, None, None, None)
    assert stores.lockers.meta(locker).boot == "b1"  # type: ignore[union-attr]
    unknown = uid()
    for write in (
        lambda: stores.lockers.heartbeat(unknown, 1, "b", None, None),
        lambda: stores.lockers.mark_online(unknown, 1, 1, "b"),
        lambda: stores.lockers.mark_offline(unknown, 1, "b"),
    ):
        with pytest.raises(WriteConflict):
            write()
    assert stores.lockers.items(unknown).meta is None


def test_an_old_boots_last_will_is_ignored(stores: Stores) -> None:
    locker = a_locker(stores)
    stores.lockers.mark_offline(locker, 100, "b0")  # never told a boot: taken
    stores.lockers.mark_online(locker, 1000, 900, "b2")
    with pytest.raises(WriteConflict):
        stores.lockers.mark_offline(locker, 950, "b1")
    assert stores.lockers.meta(locker).online is True  # type: ignore[union-attr]
    stores.lockers.mark_offline(locker, 1100, "b2")
    meta = stores.lockers.meta(locker)
    assert meta is not None and meta.online is False and meta.status_ts == 1100


def test_a_command_is_acknowledged_once(stores: Stores) -> None:
    message = {"id": uid(), "locker": uid(), "type": "unlock", "compartment": "A01", "iat": 1000, "exp": 9000}
    stores.commands.record(unlock_row(message, "r1"))
    stores.commands.acknowledge(message["id"], "rejected", "jammed")
    acked = stores.commands.get(message["id"])
    assert acked is not None and acked.status == "rejected" and acked.reason == "jammed" and acked.pending is None
    with pytest.raises(WriteConflict):
        stores.commands.acknowledge(message["id"], "ok")
    assert stores.commands.get(message["id"]).status == "rejected"  # type: ignore[union-attr]


def a_code(stores: Stores, **fields: object) -> str:
    key = f"pin#{uid()}"
    stores.credentials.issue(Credential(code_key=key, request_id="r", locker_id="l", expires_at=9, **fields))  # type: ignore[arg-type]
    return key


def test_an_offline_opening_uses_a_code_only_if_unused_and_unrevoked(stores: Stores) -> None:
    fresh, used, revoked = a_code(stores), a_code(stores, used_at=5), a_code(stores, revoked=True)
    with stores.transaction() as tx:
        stores.credentials.use_offline(fresh, 7, tx)
    assert stores.credentials.get(fresh).used_at == 7  # type: ignore[union-attr]
    for key in (used, revoked, f"pin#{uid()}"):
        with pytest.raises(WriteConflict), stores.transaction() as tx:
            stores.credentials.use_offline(key, 8, tx)
    assert stores.credentials.get(used).used_at == 5  # type: ignore[union-attr]
    assert stores.credentials.get(revoked).used_at is None  # type: ignore[union-attr]


def test_a_code_is_given_back_only_if_it_exists(stores: Stores) -> None:
    key = a_code(stores, used_at=5)
    stores.credentials.give_back(key)
    assert stores.credentials.get(key).used_at is None  # type: ignore[union-attr]
    missing = f"pin#{uid()}"
    with pytest.raises(WriteConflict):
        stores.credentials.give_back(missing)
    assert stores.credentials.get(missing) is None


def test_requests_in_a_status_are_listed_and_counted(stores: Stores) -> None:
    status = uid()  # a status of its own, so other tests' requests do not count
    for due in (30, 10, 20):
        stores.requests.table.put(Request(id=uid(), registration_number=uid(), status=status, due_at=due))
    assert [r.due_at for r in stores.requests.in_status(status)] == [10, 20, 30]
    assert stores.requests.count_in_status(status) == 3
    assert stores.requests.count_in_status(uid()) == 0


def test_the_latest_notifications_in_a_status_come_first(stores: Stores) -> None:
    status = uid()
    for created in (1, 3, 2):
        stores.notifications.record(NotificationRow(request_id=uid(), id=uid(), status=status, created_at=created))
    assert [n.created_at for n in stores.notifications.latest_in_status(status, 2)] == [3, 2]


def test_revocations_expire_with_their_time(stores: Stores) -> None:
    locker = a_locker(stores)
    stores.lockers.add_revocation(locker, "n1", 2000)
    stores.lockers.add_revocation(locker, "n2", 500)
    assert stores.lockers.revocations(locker, 1000) == ["n1"]
    assert stores.lockers.items(locker).compartments == []  # revocations are not compartments

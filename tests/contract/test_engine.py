"""The storage port's primitives behave the same on DynamoDB and in memory: conditions, transactions,
updates that create, sparse and keys-only indexes, queries in sort order."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.stores import Stores, WriteConflict
from chalicelib.stores.engine import ABSENT, PRESENT, BeginsWith, Between, OneOf, ge, gt, lt, ne
from chalicelib.stores.rows import AuditRow, CommandRow, Counter, LockerRow, Request, SessionRow


def uid() -> str:
    return uuid.uuid4().hex[:12]


def test_a_missing_row_reads_as_none(stores: Stores) -> None:
    assert stores.requests.table.get(uid()) is None


def test_a_put_row_reads_back_with_its_values(stores: Stores) -> None:
    row = Request(id=uid(), registration_number="PS2-2026-000001", status="ready", due_at=5, accessible=True)
    stores.requests.table.put(row)
    assert stores.requests.table.get(row.id) == row


def test_an_empty_string_in_an_index_key_is_refused(stores: Stores) -> None:
    with pytest.raises(Exception):
        stores.requests.table.put(Request(id=uid(), registration_number="", status="ready"))


def test_a_conditional_put_refuses_an_existing_item(stores: Stores) -> None:
    row = Counter(key=uid(), value=1)
    stores.counters.table.put(row, expect={"key": ABSENT})
    with pytest.raises(WriteConflict):
        stores.counters.table.put(Counter(key=row.key, value=2), expect={"key": ABSENT})
    assert stores.counters.table.get(row.key).value == 1


def test_an_update_creates_a_missing_item_and_returns_it(stores: Stores) -> None:
    key = uid()
    row = stores.counters.table.update(key, add={"value": 1})
    assert row == Counter(key=key, value=1)
    assert stores.counters.table.update(key, add={"value": 2}).value == 3


def test_an_update_sets_removes_and_none_removes(stores: Stores) -> None:
    row = Request(id=uid(), registration_number=uid(), status="ready", locker_id="l1", compartment="A01")
    stores.requests.table.put(row)
    after = stores.requests.table.update(row.id, set={"deposit_cmd": "c1", "compartment": None}, remove=["locker_id"])
    assert (after.deposit_cmd, after.compartment, after.locker_id, after.status) == ("c1", None, None, "ready")


@pytest.mark.parametrize(
    ("expect", "holds"),
    [
        ({"status": "ready"}, True),
        ({"status": "closed"}, False),
        ({"status": OneOf(("closed", "ready"))}, True),
        ({"locker_id": ABSENT}, True),
        ({"locker_id": PRESENT}, False),
        ({"due_at": gt(4)}, True),
        ({"due_at": lt(5)}, False),
        ({"due_at": ge(5), "status": "ready"}, True),
        ({"due_at": ge(5), "status": "closed"}, False),
        ({"status": ne("closed")}, True),
        ({"deadline": gt(0)}, False),
    ],
)
def test_conditions_hold_alike(stores: Stores, expect: dict, holds: bool) -> None:
    row = Request(id=uid(), registration_number=uid(), status="ready", due_at=5)
    stores.requests.table.put(row)
    if holds:
        stores.requests.table.update(row.id, set={"citizen_name": "x"}, expect=expect)
        assert stores.requests.table.get(row.id).citizen_name == "x"
    else:
        with pytest.raises(WriteConflict):
            stores.requests.table.update(row.id, set={"citizen_name": "x"}, expect=expect)
        assert stores.requests.table.get(row.id).citizen_name == ""


def test_a_condition_on_a_missing_item_fails(stores: Stores) -> None:
    with pytest.raises(WriteConflict):
        stores.requests.table.update(uid(), set={"status": "x"}, expect={"status": "ready"})


def test_a_failed_update_says_what_it_found_in_the_same_request(stores: Stores) -> None:
    row = Request(id=uid(), registration_number=uid(), status="collected", locker_id="l1")
    stores.requests.table.put(row)
    with pytest.raises(WriteConflict) as refused:
        stores.requests.table.update(row.id, set={"compartment": "A01"}, expect={"status": "in_locker"})
    assert refused.value.current == row  # as it was: the refused write changed nothing
    with pytest.raises(WriteConflict) as missing:
        stores.requests.table.update(uid(), set={"compartment": "A01"}, expect={"id": PRESENT})
    assert missing.value.current is None


def test_a_transaction_writes_everything_or_nothing(stores: Stores) -> None:
    a, b = Counter(key=uid(), value=1), Counter(key=uid(), value=1)
    stores.counters.table.put(a)
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.counters.table.put(b, tx=tx)
        stores.counters.table.update(a.key, add={"value": 1}, expect={"value": 2}, tx=tx)
    assert stores.counters.table.get(b.key) is None
    assert stores.counters.table.get(a.key).value == 1
    with stores.transaction() as tx:
        stores.counters.table.put(b, tx=tx)
        stores.counters.table.update(a.key, add={"value": 1}, expect={"value": 1}, tx=tx)
    assert stores.counters.table.get(a.key).value == 2
    assert stores.counters.table.get(b.key).value == 1


def test_a_transaction_touches_an_item_once(stores: Stores) -> None:
    a = Counter(key=uid(), value=1)
    with pytest.raises(Exception), stores.transaction() as tx:
        stores.counters.table.put(a, tx=tx)
        stores.counters.table.check(a.key, {"key": ABSENT}, tx)
    assert stores.counters.table.get(a.key) is None


def test_a_condition_check_can_cancel_a_transaction(stores: Stores) -> None:
    a = Counter(key=uid(), value=1)
    stores.counters.table.put(a)
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.counters.table.put(Counter(key=uid()), tx=tx)
        stores.counters.table.check(a.key, {"value": 7}, tx)


def test_a_conditional_delete(stores: Stores) -> None:
    a = Counter(key=uid(), value=1)
    stores.counters.table.put(a)
    with pytest.raises(WriteConflict):
        stores.counters.table.delete(a.key, expect={"value": 2})
    stores.counters.table.delete(a.key, expect={"value": 1})
    assert stores.counters.table.get(a.key) is None
    stores.counters.table.delete(a.key)  # deleting what is not there is no error


def test_queries_return_sort_order_with_key_conditions_filters_and_limits(stores: Stores) -> None:
    locker = uid()
    for item in ("C#A02", "C#A01", "#meta", "R#n1", "C#A03"):
        stores.lockers.table.put(LockerRow(locker_id=locker, item=item, enabled=item != "C#A02"))
    table = stores.lockers.table
    assert [r.item for r in table.query(locker)] == ["#meta", "C#A01", "C#A02", "C#A03", "R#n1"]
    assert [r.item for r in table.query(locker, BeginsWith("C#"))] == ["C#A01", "C#A02", "C#A03"]
    assert [r.item for r in table.query(locker, Between("C#A02", "C#A09"))] == ["C#A02", "C#A03"]
    assert [r.item for r in table.query(locker, BeginsWith("C#"), descending=True, limit=2)] == ["C#A03", "C#A02"]
    assert [r.item for r in table.query(locker, BeginsWith("C#"), where={"enabled": True})] == ["C#A01", "C#A03"]
    assert [r.item for r in table.query(locker, lt("C#"))] == ["#meta"]


def test_a_sparse_index_holds_only_items_with_its_keys(stores: Stores) -> None:
    pending, done = CommandRow(id=uid(), pending="1", exp=10**12 + 5), CommandRow(id=uid(), exp=10**12 + 1)
    stores.commands.table.put(pending)
    stores.commands.table.put(done)
    found = [r.id for r in stores.commands.table.query("1", Between(10**12, 10**12 + 9), index="pending")]
    assert pending.id in found and done.id not in found


def test_a_keys_only_index_returns_keys(stores: Stores) -> None:
    user = uid()
    stores.access.sessions.put(SessionRow(id=uid(), kind="session", username=user, created_at=1, expires_at=2))
    [row] = stores.access.sessions.query(user, index="user")
    assert row.username == user and row.kind == ""  # only the keys came back


def test_get_many_returns_those_that_exist(stores: Stores) -> None:
    rows = [AuditRow(subject=uid(), at_id="1"), AuditRow(subject=uid(), at_id="2")]
    for row in rows:
        stores.audit.table.put(row)
    found = stores.audit.table.get_many([(r.subject, r.at_id) for r in rows] + [(uid(), "3")])
    assert sorted(found, key=lambda r: r.at_id) == rows


def test_ttl_attributes_are_unix_seconds(stores: Stores) -> None:
    row = CommandRow(id=uid(), ttl=1_900_000_000)
    stores.commands.table.put(row)
    assert stores.commands.table.get(row.id).ttl == 1_900_000_000


def test_rows_of_several_tables_come_in_one_read_in_the_order_asked(stores: Stores) -> None:
    command, request = CommandRow(id=uid(), locker_id="l1"), Request(id=uid(), registration_number=uid(), status="x")
    stores.commands.table.put(command)
    stores.requests.table.put(request)
    missing = uid()
    rows = stores.engine.get_rows([(Request, request.id), (CommandRow, missing), (CommandRow, command.id)])
    assert rows == [request, None, command]
    found = stores.door_context(command.id, request.id)
    assert found == (command, request, None)  # no contact for this request
    assert stores.door_context(missing, None) == (None, None, None)

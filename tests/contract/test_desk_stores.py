"""Named operations of the desk's, the jobs' and the status lookup's stores, the same on DynamoDB and in memory:
registration numbers, request searches, reminders and erasure claims, contacts, rate windows, verifications,
notifications and command time-outs."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.stores import Stores, WriteConflict
from chalicelib.stores.commands import unlock_row
from chalicelib.stores.engine import Between, le, lt
from chalicelib.stores.rows import Contact, NotificationRow, Request, Verification


def uid() -> str:
    return uuid.uuid4().hex[:12]


def a_request(stores: Stores, status: str = "in_locker", due_at: int = 1, **fields: object) -> Request:
    row = Request(id=uid(), registration_number=f"PS2-2026-{uid()}", status=status, due_at=due_at, **fields)  # type: ignore[arg-type]
    stores.requests.table.put(row)
    return row


def a_contact(stores: Stores, request_id: str) -> Contact:
    contact = Contact(request_id=request_id, phone="+40722000000", consent_recorded_at=1)
    stores.requests.contacts.put(contact)
    return contact


def test_the_sequence_gives_each_number_once(stores: Stores) -> None:
    sequence = f"seq#{uid()}"
    with stores.transaction() as tx:
        assert stores.counters.reserve_next(sequence, tx) == 1
    with stores.transaction() as tx:
        assert stores.counters.reserve_next(sequence, tx) == 2
    # two takers read the same value: the second to commit fails and the counter moves once
    with pytest.raises(WriteConflict), stores.transaction() as first:
        assert stores.counters.reserve_next(sequence, first) == 3
        with stores.transaction() as second:
            assert stores.counters.reserve_next(sequence, second) == 3
    assert stores.counters.table.get(sequence).value == 3


def test_a_registration_number_is_claimed_once(stores: Stores) -> None:
    number, first = f"X-{uid()}", a_request(stores, "registered")
    assert not stores.counters.registration_number_taken(number)
    with stores.transaction() as tx:
        stores.counters.claim_registration_number(number, first.id, tx)
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.counters.claim_registration_number(number, uid(), tx)
    assert stores.counters.registration_number_taken(number)
    assert stores.counters.table.get(f"regno#{number}").owner == first.id


def test_a_request_is_created_once_with_its_contact(stores: Stores) -> None:
    row = Request(id=uid(), registration_number=f"PS2-2026-{uid()}", status="registered", due_at=5)
    contact = Contact(request_id=row.id, phone="+40722000001", consent_recorded_at=5)
    with stores.transaction() as tx:
        stores.requests.create(row, contact, tx)
    assert stores.requests.get(row.id) == row and stores.requests.contact(row.id) == contact
    again = Request(id=row.id, registration_number="other", status="ready")
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.requests.create(again, Contact(request_id=row.id, phone="+40722000002"), tx)
    assert stores.requests.get(row.id) == row and stores.requests.contact(row.id) == contact


def test_requests_are_found_by_registration_number(stores: Stores) -> None:
    row = a_request(stores, "ready")
    assert stores.requests.by_registration(row.registration_number) == [row]
    assert stores.requests.by_registration(row.registration_number, limit=1) == [row]
    assert stores.requests.by_registration(f"PS2-2026-{uid()}") == []


def test_queue_and_due_read_the_status_due_index(stores: Stores) -> None:
    status = f"s-{uid()}"  # a status of this test only
    rows = [a_request(stores, status, due_at=due) for due in (10, 30, 20)]
    assert [r.due_at for r in stores.requests.queue(status)] == [30, 20, 10]
    assert [r.due_at for r in stores.requests.queue(status, limit=2)] == [30, 20]
    assert [r.due_at for r in stores.requests.due(status, Between(10, 20))] == [10, 20]
    assert [r.due_at for r in stores.requests.due(status, lt(20))] == [10]
    assert [r.due_at for r in stores.requests.due(status, le(20))] == [10, 20]
    assert {r.id for r in stores.requests.due(status, le(30))} == {r.id for r in rows}


def test_idle_requests_have_neither_due_nor_activity_since_the_cutoff(stores: Stores) -> None:
    status = f"s-{uid()}"
    idle = a_request(stores, status, due_at=10, updated_at=10)
    a_request(stores, status, due_at=10, updated_at=100)  # active later
    a_request(stores, status, due_at=100, updated_at=10)  # due later
    assert [r.id for r in stores.requests.idle(status, 50)] == [idle.id]


def test_a_reminder_is_claimed_once(stores: Stores) -> None:
    row = a_request(stores)
    stores.requests.mark_reminded(row.id, 7)
    with pytest.raises(WriteConflict):
        stores.requests.mark_reminded(row.id, 8)
    assert stores.requests.get(row.id).reminder_sent_at == 7
    with pytest.raises(WriteConflict):
        stores.requests.mark_reminded(uid(), 8)  # never creates a request


def test_a_phone_is_erased_once(stores: Stores) -> None:
    row = a_request(stores, "collected", phone_mask="07** *** 000")
    a_contact(stores, row.id)
    with stores.transaction() as tx:
        stores.requests.erase_phone(row.id, 9, tx)
    erased = stores.requests.get(row.id)
    assert (erased.phone_erased_at, erased.phone_mask, erased.status) == (9, None, "collected")
    assert stores.requests.contact(row.id) is None
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.requests.erase_phone(row.id, 10, tx)
    assert stores.requests.get(row.id).phone_erased_at == 9


def test_a_contact_erasure_is_scheduled_only_while_the_contact_exists(stores: Stores) -> None:
    row = a_request(stores)
    a_contact(stores, row.id)
    stores.requests.schedule_contact_erasure(row.id, 1_900_000_000)
    assert stores.requests.contact(row.id).erase_at == 1_900_000_000
    stores.requests.forget_contact(row.id)
    stores.requests.forget_contact(row.id)  # already gone: no error
    with pytest.raises(WriteConflict):
        stores.requests.schedule_contact_erasure(row.id, 1_900_000_000)
    assert stores.requests.contact(row.id) is None


def test_a_job_run_is_claimed_once_and_its_claim_expires_after_its_period(stores: Stores) -> None:
    key = f"job#{uid()}"
    assert stores.counters.claim_once(key, 1_800_000_000_000) is True
    assert stores.counters.claim_once(key, 1_800_000_000_000) is False
    assert stores.counters.table.get(key).ttl == 1_800_000_000 + 2 * 86_400


def test_a_window_allows_cap_uses_and_expires_two_days_after_it_ends(stores: Stores) -> None:
    key = f"lookup#{uid()}"
    ends = 1_800_000_000_000
    assert [stores.counters.take(key, 3, ends) for _ in range(5)] == [True, True, True, False, False]
    assert stores.counters.take(f"lookup#{uid()}", 3, ends) is True  # another window
    assert stores.counters.table.get(key).ttl == ends // 1000 + 2 * 86_400


def test_a_verification_allows_max_tries_and_is_spent_once_right(stores: Stores) -> None:
    row = Verification(id=uid(), request_id="r", code_hash="h", expires_at=5, attempts=0, ttl=1_900_000_000)
    stores.counters.add_verification(row)
    with pytest.raises(WriteConflict):
        stores.counters.add_verification(Verification(id=row.id))
    assert stores.counters.verification(row.id) == row
    stores.counters.count_attempt(row.id, 2)
    stores.counters.count_attempt(row.id, 2)
    with pytest.raises(WriteConflict):
        stores.counters.count_attempt(row.id, 2)
    assert stores.counters.verification(row.id).attempts == 2
    other = Verification(id=uid(), attempts=0)
    stores.counters.add_verification(other)
    stores.counters.spend_verification(other.id, 5)
    with pytest.raises(WriteConflict):
        stores.counters.count_attempt(other.id, 5)
    with pytest.raises(WriteConflict):
        stores.counters.count_attempt(uid(), 5)  # no such verification
    assert stores.counters.verification(uid()) is None


def test_a_notification_is_recorded_then_settled(stores: Stores) -> None:
    request_id = uid()
    note = NotificationRow(request_id=request_id, id=f"{1:015d}#a", to_masked="07**", template="reminder")
    note.status, note.created_at = "sending", 1
    stores.notifications.record(note)
    stores.notifications.mark_unsent(request_id, note.id, "retrying", "retryable: slow", 3)
    assert uid() not in {n.request_id for n in stores.notifications.in_status("retrying")}
    assert note.id in {n.id for n in stores.notifications.in_status("retrying") if n.request_id == request_id}
    stores.notifications.mark_sent(request_id, note.id, 4, "sns-1")
    (sent,) = stores.notifications.of_request(request_id)
    assert (sent.status, sent.attempts, sent.sns_message_id, sent.error) == ("sent", 4, "sns-1", None)
    stores.notifications.mark_unsent(request_id, note.id, "failed", "no contact")
    assert stores.notifications.of_request(request_id)[0].attempts == 4  # kept when not given
    later = NotificationRow(request_id=request_id, id=f"{2:015d}#b", template="expired", status="sending")
    stores.notifications.record(later)
    assert [n.id for n in stores.notifications.of_request(request_id)] == [note.id, later.id]


def test_an_overdue_command_times_out_once(stores: Stores) -> None:
    now = 2_000_000_000_000 + int(uuid.uuid4().int % 1_000_000)
    message = {"id": uid(), "locker": "l1", "type": "unlock", "compartment": "A01", "iat": now - 61_000, "exp": now - 1}
    fresh = {**message, "id": uid(), "exp": now + 60_000}
    stores.commands.record(unlock_row(message, "r1"))
    stores.commands.record(unlock_row(fresh, "r1"))
    overdue = [c.id for c in stores.commands.overdue(now)]
    assert message["id"] in overdue and fresh["id"] not in overdue
    stores.commands.time_out(message["id"])
    with pytest.raises(WriteConflict):
        stores.commands.time_out(message["id"])
    row = stores.commands.get(message["id"])
    assert (row.status, row.pending) == ("timed_out", None)
    assert message["id"] not in [c.id for c in stores.commands.overdue(now)]

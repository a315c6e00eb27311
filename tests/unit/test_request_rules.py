"""The desk's, the scheduled job's and the status lookup's rules on in-memory stores with a clock the test moves:
gapless unique registration numbers, the requests each job step picks, and the caps of the status lookup."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput, TooManyAttempts
from chalicelib.services import desk, jobs, status_lookup
from chalicelib.services.deps import Deps
from chalicelib.services.desk import NewRequest, register_request
from chalicelib.services.notify import notifications_of
from chalicelib.services.request_records import get_request
from chalicelib.stores.rows import Request
from tests.support.memory_deps import DAY_MS, memory_deps

HOUR_MS = 3_600_000


@pytest.fixture
def deps() -> Deps:
    return memory_deps()


def new(name: str = "Ana Pop", phone: str = "0722 557 001", **fields: Any) -> NewRequest:
    return NewRequest(name, phone, "Autorizație", **fields)


def year(deps: Deps) -> int:
    return datetime.fromtimestamp(deps.now() / 1000, UTC).year


# registration numbers


def test_registration_numbers_are_gapless_and_unique(deps: Deps) -> None:
    numbers = [register_request(deps, "clerk", new()).registration_number for _ in range(3)]
    assert numbers == [f"PS2-{year(deps)}-{n:06d}" for n in (1, 2, 3)]
    assert [r.registration_number for r in deps.stores.requests.by_registration(numbers[1])] == [numbers[1]]


def test_a_lost_race_for_the_next_number_takes_the_one_after(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    create = deps.stores.requests.create
    raced: list[Request] = []

    def create_after_a_rival(row: Any, contact: Any, tx: Any) -> None:
        if row.created_by == "clerk" and not raced:  # another desk registers between our read and our commit
            raced.append(register_request(deps, "rival", new("Ion Rival", "0722 557 002")))
        create(row, contact, tx)

    monkeypatch.setattr(deps.stores.requests, "create", create_after_a_rival)
    mine = register_request(deps, "clerk", new())
    assert raced[0].registration_number == f"PS2-{year(deps)}-000001"
    assert mine.registration_number == f"PS2-{year(deps)}-000002"  # no gap, no duplicate
    assert deps.stores.counters.table.get(f"seq#PS2-{year(deps)}").value == 2
    for record in (raced[0], mine):
        assert get_request(deps, record.id).registration_number == record.registration_number
        assert deps.stores.requests.contact(record.id) is not None
    assert [e.action for e in deps.stores.audit.trail(f"request#{mine.id}")] == ["registered"]


def test_the_desks_own_number_is_unique_even_under_a_lost_race(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    first = register_request(deps, "clerk", new(registration_number="AB/12"))
    with pytest.raises(Conflict):
        register_request(deps, "clerk", new("Ion", "0722 557 002", registration_number="AB/12"))
    create = deps.stores.requests.create
    raced: list[Request] = []

    def create_after_a_rival(row: Any, contact: Any, tx: Any) -> None:
        if row.created_by == "clerk" and not raced:
            raced.append(register_request(deps, "rival", new("Ion Rival", registration_number="CD/34")))
        create(row, contact, tx)

    monkeypatch.setattr(deps.stores.requests, "create", create_after_a_rival)
    with pytest.raises(Conflict):
        register_request(deps, "clerk", new(registration_number="CD/34"))
    assert [r.id for r in deps.stores.requests.by_registration("CD/34")] == [raced[0].id]
    assert [r.id for r in deps.stores.requests.by_registration("AB/12")] == [first.id]
    assert deps.stores.counters.table.get(f"seq#PS2-{year(deps)}") is None  # own numbers leave the sequence alone


def test_search_finds_a_request_by_its_number_and_lists_open_ones_newest_first(deps: Deps) -> None:
    first = register_request(deps, "clerk", new())
    deps.clock.advance(1000)
    second = register_request(deps, "clerk", new("Ion Ionescu", "0722 557 002"))
    assert [r.id for r in desk.list_requests(deps, None, first.registration_number.lower())] == [first.id]
    assert [r.id for r in desk.list_requests(deps, None, None)] == [second.id, first.id]
    assert [r.id for r in desk.list_requests(deps, "registered", "ionescu")] == [second.id]
    assert desk.list_requests(deps, "ready", first.registration_number) == []
    with pytest.raises(InvalidInput):
        desk.list_requests(deps, "nope", None)


# the scheduled job's steps


def waiting_in_locker(deps: Deps, deadline: int, phone: str = "0722 557 001") -> Request:
    """A request whose documents wait in the locker until ``deadline`` (as the door-closed event leaves it)."""
    record = register_request(deps, "clerk", new(phone=phone))
    deps.stores.requests.table.update(
        record.id,
        set={"status": "in_locker", "deadline": deadline, "due_at": deadline, "locker_id": "L1", "compartment": "A01"},
    )
    return get_request(deps, record.id)


def sms_templates(deps: Deps, record: Request) -> list[str]:
    return [str(n["template"]) for n in notifications_of(deps, record.id)]


def test_reminders_go_once_to_the_requests_due_within_the_reminder_window(deps: Deps) -> None:
    window = deps.settings.reminder_hours * HOUR_MS
    soon = waiting_in_locker(deps, deps.now() + window - 1000, "0722 557 001")
    later = waiting_in_locker(deps, deps.now() + window + HOUR_MS, "0722 557 002")
    assert jobs.send_reminders(deps) == 1
    assert jobs.send_reminders(deps) == 0  # claimed: never twice
    assert sms_templates(deps, soon) == ["reminder"] and sms_templates(deps, later) == []
    deps.clock.advance(HOUR_MS)
    assert jobs.send_reminders(deps) == 1
    assert sms_templates(deps, later) == ["reminder"] and sms_templates(deps, soon) == ["reminder"]


def test_expiry_picks_exactly_the_requests_past_their_deadline(deps: Deps) -> None:
    overdue = waiting_in_locker(deps, deps.now() + DAY_MS, "0722 557 001")
    waiting = waiting_in_locker(deps, deps.now() + 3 * DAY_MS, "0722 557 002")
    taken = waiting_in_locker(deps, deps.now() + DAY_MS, "0722 557 003")
    deps.stores.requests.update_fields(taken.id, set={"pickup_cmd": "c1"})  # the door is opening for the citizen
    assert jobs.expire_overdue(deps) == 0
    deps.clock.advance(DAY_MS + 1)
    assert jobs.expire_overdue(deps) == 1
    assert jobs.expire_overdue(deps) == 0
    expired = get_request(deps, overdue.id)
    assert (expired.status, expired.due_at, expired.expiry_notified_at) == ("expired", deps.now(), deps.now())
    assert get_request(deps, waiting.id).status == "in_locker" and get_request(deps, taken.id).status == "in_locker"
    assert sms_templates(deps, overdue) == ["expired"]
    assert [e.action for e in deps.stores.audit.trail("locker#L1")] == ["retrieve_task"]
    assert deps.stores.audit.trail(f"request#{overdue.id}")[-1].action == "expire"


def test_phones_are_erased_exactly_when_the_retention_of_a_closed_request_ends(deps: Deps) -> None:
    closed = register_request(deps, "clerk", new("Ana", "0722 557 001"))
    kept = register_request(deps, "clerk", new("Ion", "0722 557 002"))
    desk.cancel_request(deps, "clerk", closed.id)
    deps.clock.advance(DAY_MS)
    desk.cancel_request(deps, "clerk", kept.id)
    contact = deps.stores.requests.contact(closed.id)
    assert contact is not None and contact.erase_at is not None  # the TTL is set as well
    deps.clock.advance((deps.settings.erase_after_days - 1) * DAY_MS)
    assert jobs.erase_phones(deps) == 1
    assert jobs.erase_phones(deps) == 0
    erased = get_request(deps, closed.id)
    assert erased.phone_mask is None and erased.phone_erased_at == deps.now() and erased.status == "cancelled"
    assert deps.stores.requests.contact(closed.id) is None
    assert deps.stores.requests.contact(kept.id) is not None and get_request(deps, kept.id).phone_mask
    deps.clock.advance(DAY_MS)
    assert jobs.erase_phones(deps) == 1 and deps.stores.requests.contact(kept.id) is None


def test_idle_phones_are_erased_after_max_phone_days_without_activity_once_an_hour(deps: Deps) -> None:
    idle = register_request(deps, "clerk", new("Ana", "0722 557 001"))
    deps.clock.advance(DAY_MS)
    active = register_request(deps, "clerk", new("Ion", "0722 557 002"))
    deps.clock.advance((deps.settings.max_phone_days - 1) * DAY_MS + 1)
    assert [r.id for r in jobs.idle_requests(deps, deps.settings.max_phone_days)] == [idle.id]
    assert jobs.erase_idle_phones(deps) == 1
    assert jobs.erase_idle_phones(deps) == 0  # the hour's run is claimed
    assert deps.stores.requests.contact(idle.id) is None and get_request(deps, idle.id).phone_mask is None
    assert deps.stores.requests.contact(active.id) is not None
    assert deps.stores.audit.trail(f"request#{idle.id}")[-1].action == "phone_erased"
    assert jobs.idle_requests(deps, deps.settings.max_phone_days) == []
    deps.clock.advance(DAY_MS)
    assert jobs.erase_idle_phones(deps) == 1 and deps.stores.requests.contact(active.id) is None


# the status lookup


def sent_code(deps: Deps) -> str:
    phone, body = deps.sms.sent[-1]  # type: ignore[attr-defined]
    match = re.search(r"\b(\d{5})\b", body)
    assert match, body
    return match.group(1)


def test_status_lookup_caps_verifications_per_number_and_per_client(deps: Deps) -> None:
    record = register_request(deps, "clerk", new())
    number = record.registration_number
    for i in range(status_lookup.MAX_PER_NUMBER):
        status_lookup.start_lookup(deps, number, "0722 557 001", client=f"198.51.100.{i}")
    with pytest.raises(TooManyAttempts) as capped:
        status_lookup.start_lookup(deps, number, "0722 557 001", client="198.51.100.99")
    assert 0 < capped.value.retry_after_s <= 3600
    deps.clock.advance(HOUR_MS)  # a new hour, a new window
    status_lookup.start_lookup(deps, number, "0722 557 001", client="198.51.100.99")
    for i in range(deps.settings.lookup_per_client - 1):
        status_lookup.start_lookup(deps, f"PS2-2026-9{i:05d}", "0722 000 000", client="198.51.100.99")
    with pytest.raises(TooManyAttempts):
        status_lookup.start_lookup(deps, "PS2-2026-999999", "0722 000 000", client="198.51.100.99")
    status_lookup.start_lookup(deps, "PS2-2026-999999", "0722 000 000", client="198.51.100.98")


def test_a_code_allows_five_tries_and_is_used_once(deps: Deps) -> None:
    record = register_request(deps, "clerk", new())
    verification = status_lookup.start_lookup(deps, record.registration_number, "0722 557 001", client="a")
    code = sent_code(deps)
    wrong = f"{(int(code) + 1) % 100_000:05d}"
    for _ in range(status_lookup.MAX_TRIES - 1):
        with pytest.raises(InvalidInput):
            status_lookup.check_code(deps, verification, wrong)
    assert status_lookup.check_code(deps, verification, code) == record.id
    with pytest.raises(InvalidInput):
        status_lookup.check_code(deps, verification, code)  # single use

    again = status_lookup.start_lookup(deps, record.registration_number, "0722 557 001", client="a")
    code = sent_code(deps)
    for _ in range(status_lookup.MAX_TRIES):
        with pytest.raises(InvalidInput):
            status_lookup.check_code(deps, again, wrong)
    with pytest.raises(InvalidInput):
        status_lookup.check_code(deps, again, code)  # five wrong tries: the right code no longer counts


def test_a_wrong_phone_or_a_lapsed_code_never_matches(deps: Deps) -> None:
    record = register_request(deps, "clerk", new())
    sent_before = len(deps.sms.sent)  # type: ignore[attr-defined]
    stranger = status_lookup.start_lookup(deps, record.registration_number, "0722 000 000", client="a")
    assert len(deps.sms.sent) == sent_before  # type: ignore[attr-defined]
    verification = deps.stores.counters.verification(stranger)
    assert verification is not None and verification.code_hash is None and verification.request_id is None
    real = status_lookup.start_lookup(deps, record.registration_number, "0722 557 001", client="a")
    code = sent_code(deps)
    deps.clock.advance(status_lookup.CODE_TTL_MS + 1)
    with pytest.raises(InvalidInput):
        status_lookup.check_code(deps, real, code)
    with pytest.raises(InvalidInput):
        status_lookup.check_code(deps, "no-such-verification", code)


def test_the_desk_cannot_take_a_number_of_the_sequences_own_form(deps: Deps) -> None:
    with pytest.raises(InvalidInput, match="sequence.s own") as refused:
        register_request(deps, "clerk", new(registration_number="ps2-2026-000123"))
    assert "PS2-an-șase cifre" in refused.value.message_ro
    assert register_request(deps, "clerk", new()).registration_number.endswith("-000001")  # the sequence is intact


def test_a_request_registered_at_half_past_midnight_on_new_years_day_opens_the_new_years_sequence(deps: Deps) -> None:
    deps.clock.now = int(datetime(2026, 12, 31, 22, 30, tzinfo=UTC).timestamp() * 1000)  # 00:30 in Bucharest
    assert register_request(deps, "clerk", new()).registration_number == "PS2-2027-000001"

"""A code at the locker, the QR page and its extension on in-memory stores (no sockets): what a PIN or a QR
opens, what refuses it (used, expired, stale, keypad slowed down or under attack, duplicate delivery), what is
read and written before the answer is published (issue 16: one round trip, the bookkeeping after it), and how
a claim whose bookkeeping was lost is recovered or given back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.errors import DependencyDown, IllegalTransition
from chalicelib.domain.protocol import LockerEvent
from chalicelib.services import locker_codes
from chalicelib.services.audit import history, locker_subject, request_subject
from chalicelib.services.credentials import IssuedCodes, issue_codes, pin_key
from chalicelib.services.deps import Deps
from chalicelib.services.locker_codes import on_code, reconcile_unconfirmed_claims, recover_unrecorded_unlock
from chalicelib.services.pickup_extension import extend_pickup
from chalicelib.services.pickup_page import pickup_page
from chalicelib.storage import memory_tables
from chalicelib.stores.rows import LockerRow, Request
from tests.support.memory_deps import DAY_MS, RecordingPublisher, memory_deps

PHONE = "+40722123456"


@pytest.fixture()
def deps() -> Deps:
    return memory_deps(EPS2_OFFLINE_PIN_KDF_N="1024")


@pytest.fixture()
def calls(monkeypatch: pytest.MonkeyPatch, deps: Deps) -> Iterator[list[str]]:
    """Every storage request and every publish, in order (a transaction counts once)."""
    log: list[str] = []
    for name in ("get", "get_many", "query", "put", "update", "delete"):
        original = getattr(memory_tables.MemoryTable, name)

        def counted(self: Any, *args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            if kwargs.get("tx") is None:
                log.append(f"{self.spec.name}.{_name}")
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(memory_tables.MemoryTable, name, counted)
    commit = memory_tables.MemoryTransaction.commit

    def counted_commit(self: Any) -> None:
        log.append("transaction")
        commit(self)

    monkeypatch.setattr(memory_tables.MemoryTransaction, "commit", counted_commit)
    get_rows = memory_tables.MemoryEngine.get_rows

    def counted_get_rows(self: Any, keys: Any) -> Any:
        log.append("batch get " + "+".join(sorted({row_type.TABLE.name for row_type, _ in keys})))
        return get_rows(self, keys)

    monkeypatch.setattr(memory_tables.MemoryEngine, "get_rows", counted_get_rows)
    publisher = deps.publisher
    original_publish = publisher.publish

    def publish(locker_id: str, message: dict[str, Any], expiry_s: int) -> None:
        log.append(f"publish {message['type']}")
        original_publish(locker_id, message, expiry_s)

    monkeypatch.setattr(publisher, "publish", publish)
    yield log


def published(deps: Deps) -> list[dict[str, Any]]:
    assert isinstance(deps.publisher, RecordingPublisher)
    return [m for _, m in deps.publisher.published]


def waiting(deps: Deps) -> tuple[str, Request, IssuedCodes]:
    """A locker whose compartment A01 holds the documents of an ``in_locker`` request, and their codes."""
    locker = f"t-{uuid.uuid4().hex[:6]}"
    tables = deps.stores
    tables.lockers.table.put(LockerRow(locker_id=locker, item="#meta", kind="locker", name="Hol", location="Parter"))
    request_id = uuid.uuid4().hex
    tables.lockers.table.put(LockerRow(locker_id=locker, item="C#A01", size="S", enabled=True, request_id=request_id))
    deadline = deps.now() + 3 * DAY_MS
    codes = issue_codes(deps, request_id, locker, "A01", deadline, "dep-cmd", PHONE)
    request = Request(
        id=request_id,
        registration_number="PS2-2026-000001",
        status="in_locker",
        locker_id=locker,
        compartment="A01",
        deposit_cmd="dep-cmd",
        deadline=deadline,
        due_at=deadline,
        qr_key=codes.token_key,
    )
    tables.requests.table.put(request)
    return locker, request, codes


def code(deps: Deps, locker: str, kind: str, value: str, event_id: str | None = None, ts: int | None = None) -> str:
    event_id = event_id or uuid.uuid4().hex
    raw = {"id": event_id, "type": kind, "code": value}
    event = LockerEvent(locker=locker, id=event_id, type=kind, ts=deps.now() if ts is None else ts, code=value, raw=raw)
    return on_code(deps, event)


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10**8:08d}"


def test_a_valid_pin_opens_with_one_round_trip_and_the_bookkeeping_after_the_publish(
    deps: Deps, calls: list[str]
) -> None:
    locker, request, codes = waiting(deps)
    calls.clear()
    assert code(deps, locker, "pin", codes.pin, event_id="ev1") == "unlock"
    publish_at = calls.index("publish unlock")
    # before the answer: two requests at once, the claim and one read of keypad + meta + the event's record
    assert sorted(calls[:publish_at]) == ["batch get locker-events+lockers", "credentials.update"]
    assert calls[publish_at + 1 :] == ["transaction"]  # the event's record is written with the bookkeeping
    unlock = published(deps)[-1]
    assert (unlock["type"], unlock["compartment"], unlock["re"], unlock["purpose"]) == (
        "unlock",
        "A01",
        "ev1",
        "pickup",
    )
    stores = deps.stores
    assert stores.requests.get(request.id).pickup_cmd == unlock["id"]
    command = stores.commands.get(unlock["id"])
    assert (command.request_id, command.credential_key, command.pending) == (request.id, codes.pin_key, "1")
    pin = stores.credentials.get(codes.pin_key)
    assert (pin.used_at, pin.claimed_cmd, pin.claimed_event, pin.unconfirmed) == (deps.now(), unlock["id"], "ev1", None)
    assert stores.credentials.get(codes.token_key).used_at == deps.now()  # the sibling QR is used up too
    assert stores.events.table.get((locker, "ev1")).outcome == "unlock"
    audit = [h for h in history(deps, request_subject(request.id)) if h["action"] == "pickup_unlock"]
    assert audit[0]["detail"] == {"via": "pin", "compartment": "A01", "cmd": unlock["id"]}
    assert audit[0]["actor"] == f"locker:{locker}"


def test_a_scanned_qr_opens_and_a_second_use_is_refused_as_used(deps: Deps) -> None:
    locker, _, codes = waiting(deps)
    assert code(deps, locker, "scan", f"{codes.token}.A01.123.nonce.sig") == "unlock"
    assert code(deps, locker, "pin", codes.pin) == "reject:used"
    assert published(deps)[-1]["reason"] == "used"


def test_a_wrong_pin_is_refused_in_one_round_trip_and_counted_after_the_answer(deps: Deps, calls: list[str]) -> None:
    locker, _, codes = waiting(deps)
    calls.clear()
    assert code(deps, locker, "pin", wrong(codes.pin)) == "reject:invalid_code"
    publish_at = calls.index("publish reject")
    # the claim (refused: it says there is no such code) with the keypad read, then the event's record
    assert sorted(calls[: publish_at - 1]) == ["batch get locker-events+lockers", "credentials.update"]
    assert calls[publish_at - 1] == "locker-events.put"
    assert calls[publish_at + 1 :] == ["lockers.update", "locker-events.update"]
    assert deps.stores.lockers.keypad(locker).failures == 1


def test_a_redelivered_wrong_pin_gets_no_second_answer_and_is_counted_once(deps: Deps) -> None:
    locker, _, codes = waiting(deps)
    assert code(deps, locker, "pin", wrong(codes.pin), event_id="ev-w") == "reject:invalid_code"
    assert code(deps, locker, "pin", wrong(codes.pin), event_id="ev-w") == "duplicate"
    assert len(published(deps)) == 1 and deps.stores.lockers.keypad(locker).failures == 1


def test_a_redelivery_of_a_refused_event_never_opens_later_and_the_code_stays_valid(deps: Deps) -> None:
    locker, _, codes = waiting(deps)
    stale_ts = deps.now() - 31_000
    assert code(deps, locker, "pin", codes.pin, event_id="ev-s", ts=stale_ts) == "reject:stale"
    deps.clock.advance(5_000)  # type: ignore[attr-defined]
    # the same delivery again, even if it were no longer judged stale, gets no command at all
    assert code(deps, locker, "pin", codes.pin, event_id="ev-s", ts=deps.now()) == "duplicate"
    assert [m["type"] for m in published(deps)] == ["reject"]
    assert deps.stores.credentials.get(codes.pin_key).used_at is None
    assert code(deps, locker, "pin", codes.pin) == "unlock"  # a new event with the code opens


def test_a_duplicate_delivery_of_an_unlocked_event_gets_no_answer(deps: Deps) -> None:
    locker, _, codes = waiting(deps)
    assert code(deps, locker, "pin", codes.pin, event_id="ev-d") == "unlock"
    assert code(deps, locker, "pin", codes.pin, event_id="ev-d") == "duplicate"
    assert [m["type"] for m in published(deps)] == ["unlock"]
    assert code(deps, locker, "pin", codes.pin) == "reject:used"  # another event with the code


def test_an_expired_code_and_a_stale_event_are_refused_and_a_stale_one_gives_the_code_back(deps: Deps) -> None:
    locker, _, codes = waiting(deps)
    assert code(deps, locker, "pin", codes.pin, ts=deps.now() - 31_000) == "reject:stale"
    assert deps.stores.credentials.get(codes.pin_key).used_at is None
    deps.clock.advance(3 * DAY_MS + 1)  # type: ignore[attr-defined]
    assert code(deps, locker, "pin", codes.pin) == "reject:expired"


def test_after_wrong_pins_the_keypad_asks_for_the_phone_digits_then_slows_down(deps: Deps) -> None:
    locker, request, codes = waiting(deps)
    for _ in range(2):
        assert code(deps, locker, "pin", wrong(codes.pin)) == "reject:invalid_code"
        deps.clock.advance(1_000)  # type: ignore[attr-defined]
    assert code(deps, locker, "pin", codes.pin) == "reject:need_phone_digits"
    assert deps.stores.credentials.get(codes.pin_key).used_at is None  # the claim was given back
    assert code(deps, locker, "pin", codes.pin + "0000") == "reject:invalid_code"  # wrong digits count
    assert deps.stores.lockers.keypad(locker).failures == 3
    assert code(deps, locker, "pin", codes.pin + PHONE[-4:]) == "reject:slow_down"
    assert published(deps)[-1]["retryAfter"] == 15
    assert deps.stores.credentials.get(codes.pin_key).used_at is None
    deps.clock.advance(15_000)  # type: ignore[attr-defined]
    assert code(deps, locker, "pin", codes.pin + PHONE[-4:]) == "unlock"
    attacks = [h for h in history(deps, locker_subject(locker), 100) if h["action"] == "keypad_attack"]
    assert len(attacks) == 1
    assert deps.stores.requests.get(request.id).pickup_cmd == published(deps)[-1]["id"]


def test_concurrent_wrong_pins_all_count(deps: Deps) -> None:
    locker, _, codes = waiting(deps)
    seen = deps.stores.lockers.keypad(locker)  # read before another failure lands
    assert code(deps, locker, "pin", wrong(codes.pin)) == "reject:invalid_code"
    locker_codes._count_failure(deps, locker, seen)  # computed from the stale read: retried, not lost
    assert deps.stores.lockers.keypad(locker).failures == 2


def test_a_lost_bookkeeping_is_written_when_the_door_closes(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    locker, request, codes = waiting(deps)
    monkeypatch.setattr(locker_codes, "_confirm", lambda *args, **kwargs: None)  # a crash after the publish
    assert code(deps, locker, "pin", codes.pin) == "unlock"
    monkeypatch.undo()
    unlock = published(deps)[-1]
    assert deps.stores.commands.get(unlock["id"]) is None
    command = recover_unrecorded_unlock(deps, locker, "A01", unlock["id"])
    assert command is not None and (command.request_id, command.credential_key) == (request.id, codes.pin_key)
    assert deps.stores.requests.get(request.id).pickup_cmd == unlock["id"]
    assert deps.stores.credentials.get(codes.pin_key).unconfirmed is None
    assert recover_unrecorded_unlock(deps, locker, "A01", "another") is None


def test_a_claim_without_bookkeeping_or_door_event_is_given_back_after_ten_minutes(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    locker, request, codes = waiting(deps)
    monkeypatch.setattr(locker_codes, "_confirm", lambda *args, **kwargs: None)
    assert code(deps, locker, "pin", codes.pin) == "unlock"
    monkeypatch.undo()
    assert reconcile_unconfirmed_claims(deps, 600_000) == 0  # too recent
    deps.clock.advance(600_001)  # type: ignore[attr-defined]
    assert reconcile_unconfirmed_claims(deps, 600_000) == 1
    pin = deps.stores.credentials.get(codes.pin_key)
    assert (pin.used_at, pin.unconfirmed) == (None, None)
    assert "pickup_failed" in [h["action"] for h in history(deps, request_subject(request.id))]
    assert code(deps, locker, "pin", codes.pin) == "unlock"
    assert reconcile_unconfirmed_claims(deps, 0) == 0


def test_the_page_shows_the_codes_and_the_deadline_moves_once(deps: Deps) -> None:
    locker, request, codes = waiting(deps)
    page = pickup_page(deps, codes.token)
    assert (page.state, page.pin, page.locker_name, page.locker_location) == ("valid", codes.pin, "Hol", "Parter")
    assert page.can_extend and not page.extended
    extended = extend_pickup(deps, codes.token)
    assert extended.deadline == request.deadline + deps.settings.extend_days * DAY_MS
    for key in (codes.pin_key, codes.token_key):
        assert deps.stores.credentials.get(key).expires_at == extended.deadline
    page = pickup_page(deps, codes.token)
    assert page.extended and not page.can_extend and page.pin == codes.pin
    assert [m["type"] for m in published(deps)] == ["pin_verifier"]
    with pytest.raises(IllegalTransition):
        extend_pickup(deps, codes.token)
    assert code(deps, locker, "pin", codes.pin) == "unlock"
    assert pickup_page(deps, codes.token).state == "used"
    assert pickup_page(deps, "unknown-token").state == "unknown"
    assert pin_key(deps, locker, codes.pin) == codes.pin_key


def test_an_event_refused_while_another_held_the_code_stays_refused_when_redelivered(deps: Deps) -> None:
    locker, _, codes = waiting(deps)
    stores = deps.stores
    stores.credentials.claim(codes.pin_key, locker, deps.now(), "cmd-2", "ev-2")  # E2 holds the code
    assert code(deps, locker, "pin", codes.pin, event_id="ev-1") == "reject:used"  # E1 meanwhile
    stores.credentials.undo_claim(codes.pin_key, "cmd-2")  # E2 is refused after all (say, stale)
    # E1's redelivery finds the code free again, yet E1 was answered: no second answer, no door
    assert code(deps, locker, "pin", codes.pin, event_id="ev-1") == "duplicate"
    assert [m["type"] for m in published(deps)] == ["reject"]
    assert stores.credentials.get(codes.pin_key).used_at is None
    assert code(deps, locker, "pin", codes.pin) == "unlock"


def test_a_failure_before_the_answer_forgets_the_claim_so_the_redelivery_opens(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    locker, _, codes = waiting(deps)

    def down(*args: Any, **kwargs: Any) -> Any:
        raise DependencyDown("x", "DynamoDB unreachable")

    monkeypatch.setattr(deps.stores, "code_context", down)
    with pytest.raises(DependencyDown):
        code(deps, locker, "pin", codes.pin, event_id="ev-f")
    assert deps.stores.credentials.get(codes.pin_key).claimed_event is None  # no trace of the failed handling
    monkeypatch.undo()
    assert code(deps, locker, "pin", codes.pin, event_id="ev-f") == "unlock"  # the at-least-once retry


def test_a_reject_that_could_not_be_sent_is_sent_at_the_redelivery(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    locker, _, codes = waiting(deps)
    publisher = deps.publisher
    send = publisher.publish

    def down(*args: Any, **kwargs: Any) -> None:
        raise DependencyDown("x", "IoT unreachable")

    monkeypatch.setattr(publisher, "publish", down)
    with pytest.raises(DependencyDown):
        code(deps, locker, "pin", wrong(codes.pin), event_id="ev-r")
    monkeypatch.setattr(publisher, "publish", send)
    assert code(deps, locker, "pin", wrong(codes.pin), event_id="ev-r") == "reject:invalid_code"
    assert [m["re"] for m in published(deps)] == ["ev-r"]


def test_a_reject_of_a_claimed_code_that_could_not_be_sent_is_sent_at_the_redelivery(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    locker, _, codes = waiting(deps)
    publisher = deps.publisher
    send = publisher.publish

    def down(*args: Any, **kwargs: Any) -> None:
        raise DependencyDown("x", "IoT unreachable")

    stale = deps.now() - 31_000  # the code is valid, so it is claimed, then refused as stale
    monkeypatch.setattr(publisher, "publish", down)
    with pytest.raises(DependencyDown):
        code(deps, locker, "pin", codes.pin, event_id="ev-c", ts=stale)
    monkeypatch.setattr(publisher, "publish", send)
    assert code(deps, locker, "pin", codes.pin, event_id="ev-c", ts=stale) == "reject:stale"
    assert [m["re"] for m in published(deps)] == ["ev-c"]
    assert code(deps, locker, "pin", codes.pin) == "unlock"  # the code itself was given back

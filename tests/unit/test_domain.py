"""The pure domain: lifecycle, allocation order, keypad lock-out, codes, phones, locker events."""

from __future__ import annotations

import pytest

from chalicelib.domain.codes import format_registration_number, keyed_hash, new_pin, new_token
from chalicelib.domain.compartments import Compartment, allocation_order
from chalicelib.domain.errors import IllegalTransition, InvalidInput
from chalicelib.domain.keypad import FIRST_LOCKOUT_MS, MAX_LOCKOUT_MS, KeypadState, register_failure
from chalicelib.domain.lifecycle import Status, next_status
from chalicelib.domain.phones import mask_phone, normalise_phone
from chalicelib.domain.protocol import parse_event


def c(cid: str, size: str, accessible: bool = False, **kw) -> Compartment:
    return Compartment("l1", cid, size, accessible, **kw)


class TestLifecycle:
    def test_happy_path(self):
        status = Status.REGISTERED
        for action in ("ready", "reserve", "deposit_confirmed", "collect_from_locker"):
            status = next_status(status, action)
        assert status == Status.COLLECTED

    def test_expired_then_returned(self):
        assert next_status(next_status(Status.IN_LOCKER, "expire"), "returned") == Status.RETURNED

    def test_collected_request_cannot_be_cancelled(self):
        with pytest.raises(IllegalTransition) as error:
            next_status(Status.COLLECTED, "cancel")
        assert "ridicată" in error.value.message_ro

    def test_deposit_needs_a_ready_request(self):
        with pytest.raises(IllegalTransition):
            next_status(Status.REGISTERED, "reserve")


class TestAllocation:
    def test_smallest_that_fits_first(self):
        order = allocation_order([c("A1", "L"), c("A2", "M"), c("A3", "S")], "M", False)
        assert [x.id for x in order] == ["A2", "A1"]

    def test_accessible_first_when_asked_even_if_larger(self):
        order = allocation_order([c("A1", "S"), c("A2", "L", True)], "S", True)
        assert order[0].id == "A2"

    def test_accessible_kept_back_when_not_asked(self):
        order = allocation_order([c("A1", "S", True), c("A2", "S")], "S", False)
        assert order[0].id == "A2"

    def test_taken_and_disabled_are_skipped(self):
        order = allocation_order([c("A1", "S", request_id="r"), c("A2", "S", enabled=False), c("A3", "S")], "S", False)
        assert [x.id for x in order] == ["A3"]


class TestKeypad:
    def test_five_failures_in_ten_minutes_lock_for_five_minutes(self):
        state, now = KeypadState(), 1_000_000
        for i in range(4):
            state, locked = register_failure(state, now + i)
            assert not locked
        state, locked = register_failure(state, now + 5)
        assert locked and state.locked_until == now + 5 + FIRST_LOCKOUT_MS

    def test_failures_older_than_ten_minutes_do_not_count(self):
        state = KeypadState()
        for i in range(5):
            state, locked = register_failure(state, i * 3 * 60_000)
        assert not locked

    def test_each_new_lockout_doubles_up_to_a_day(self):
        state, now, durations = KeypadState(), 0, []
        for _ in range(12):
            for _ in range(5):
                now += 1
                state, locked = register_failure(state, now)
            durations.append(state.locked_until - now)
            now = state.locked_until
        assert durations[:3] == [FIRST_LOCKOUT_MS, 2 * FIRST_LOCKOUT_MS, 4 * FIRST_LOCKOUT_MS]
        assert max(durations) == MAX_LOCKOUT_MS


class TestCodes:
    def test_pin_is_eight_digits_and_token_has_128_bits(self):
        assert len(new_pin()) == 8 and new_pin().isdigit()
        assert len(new_token()) >= 22

    def test_keyed_hash_depends_on_pepper_and_kind(self):
        assert keyed_hash(b"a", "pin", "1") != keyed_hash(b"b", "pin", "1")
        assert keyed_hash(b"a", "pin", "1") != keyed_hash(b"a", "qr", "1")

    def test_registration_number_format(self):
        assert format_registration_number(2026, 42) == "PS2-2026-000042"


class TestPhones:
    @pytest.mark.parametrize("raw", ["0722 123 456", "+40722123456", "0040 722 123 456", "(0722) 123-456"])
    def test_romanian_numbers_normalise_to_e164(self, raw):
        assert normalise_phone(raw) == "+40722123456"

    def test_foreign_number_with_prefix(self):
        assert normalise_phone("+33 6 12 34 56 78") == "+33612345678"

    @pytest.mark.parametrize("raw", ["", "12", "abc", "0722 123"])
    def test_invalid_numbers_are_refused(self, raw):
        with pytest.raises(InvalidInput):
            normalise_phone(raw)

    def test_mask_keeps_last_three(self):
        assert mask_phone("+40722123456") == "+40******456"


class TestEvents:
    def test_valid_pin_event(self):
        event = parse_event(
            {"v": 1, "id": "e1", "seq": 1, "boot": "b", "type": "pin", "code": "12345678", "ts": 5}, "l1"
        )
        assert event.code == "12345678" and event.locker == "l1"

    @pytest.mark.parametrize(
        "payload",
        [
            None,
            [],
            "x",
            {"v": 2, "id": "e", "type": "pin", "ts": 1, "code": "1"},
            {"v": 1, "id": "e", "type": "explode", "ts": 1},
            {"v": 1, "type": "pin", "ts": 1, "code": "1"},
            {"v": 1, "id": "e", "type": "door_closed", "ts": 1},
            {"v": 1, "id": "e", "type": "ack", "ts": 1, "cmd": "c", "result": "maybe"},
            {"v": 1, "id": "e", "type": "pin", "ts": -1, "code": "1"},
            {"v": 1, "id": "e", "type": "pin", "ts": 1, "code": "1", "locker": "other"},
        ],
    )
    def test_malformed_events_are_refused(self, payload):
        with pytest.raises(InvalidInput):
            parse_event(payload, "l1")

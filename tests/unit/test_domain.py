"""The pure domain: lifecycle, allocation order, keypad lock-out, codes, phones, locker events."""

from __future__ import annotations

import pytest

from chalicelib.domain.codes import format_registration_number, keyed_hash, new_pin, new_token
from chalicelib.domain.compartments import Compartment, allocation_order
from chalicelib.domain.errors import IllegalTransition, InvalidInput
from chalicelib.domain.keypad import (
    ATTACK_HOLD_MS,
    ATTACK_THRESHOLD,
    MAX_LIVE_PINS,
    RESET_AFTER_MS,
    KeypadState,
    delay_ms,
    expected_successes_per_year,
    register_failure,
    split_code,
)
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

    def test_expired_request_must_be_retrieved_before_the_counter_or_a_cancel(self):
        for action in ("collect_at_counter", "cancel"):
            with pytest.raises(IllegalTransition) as error:
                next_status(Status.EXPIRED, action)
            assert "Retrage din dulap" in error.value.message_ro
        assert next_status(Status.RETURNED, "collect_at_counter") == Status.COLLECTED

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
    def test_wrong_pins_slow_the_keypad_down_but_never_for_more_than_a_minute(self):
        state, now, waits = KeypadState(), 1_000_000, []
        for _ in range(1000):
            state, _ = register_failure(state, now)
            waits.append(state.wait_seconds(now))
            now = state.next_check_at(now)  # the guesser types again the moment it is allowed
        assert waits[:5] == [0, 0, 15, 30, 60]
        assert max(waits) == 60

    def test_a_pin_typed_during_the_wait_is_told_how_long_to_wait(self):
        state, _ = register_failure(register_failure(register_failure(KeypadState(), 0)[0], 0)[0], 0)
        assert state.wait_seconds(1_000) == 14 and state.wait_seconds(15_000) == 0

    def test_the_second_wrong_pin_starts_an_attack_that_asks_for_phone_digits_for_90_days(self):
        state, began = register_failure(KeypadState(), 0)
        assert not began and not state.under_attack(1)
        state, began = register_failure(state, 10)
        assert began and state.under_attack(10 + ATTACK_HOLD_MS - 1) and not state.under_attack(10 + ATTACK_HOLD_MS)
        assert not register_failure(state, 20)[1]  # staff are alerted once, when the attack begins

    def test_the_count_starts_again_after_a_quiet_day(self):
        state = KeypadState()
        for t in range(5):
            state, _ = register_failure(state, t)
        assert state.wait_seconds(RESET_AFTER_MS + 10) == 0

    def test_a_citizen_after_1000_wrong_pins_gets_the_door_within_a_minute(self):
        state, now = KeypadState(), 0
        for _ in range(1000):
            state, _ = register_failure(state, now)
            now += 1_000  # hammering: most of these are answered slow_down and never checked
        assert state.wait_seconds(now) <= 60 and state.under_attack(now)

    def test_expected_successful_guesses_against_a_full_locker_in_a_year_are_below_one_in_10000(self):
        assert expected_successes_per_year(MAX_LIVE_PINS) < 1e-4
        # both paths together (online at the backend, offline at the agent) still hold the bound
        assert 2 * expected_successes_per_year(MAX_LIVE_PINS) < 1.5e-4

    def test_codes_of_8_or_12_digits_only(self):
        assert split_code("12345678") == ("12345678", None)
        assert split_code("123456781234") == ("12345678", "1234")
        assert split_code("1234567") is None and split_code("１２３４５６７８") is None

    def test_the_agent_keeps_the_same_numbers(self):
        from iot import keypad as agent

        assert [agent.delay_ms(n) for n in range(10)] == [delay_ms(n) for n in range(10)]
        assert (agent.ATTACK_THRESHOLD, agent.ATTACK_HOLD_MS, agent.RESET_AFTER_MS) == (
            ATTACK_THRESHOLD,
            ATTACK_HOLD_MS,
            RESET_AFTER_MS,
        )
        mirrored = agent.Keypad().failed(0).failed(0).failed(0)
        assert mirrored.wait_seconds(1_000) == 14 and mirrored.under_attack(1)


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

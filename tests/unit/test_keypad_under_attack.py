"""The keypad scheme against a thousand wrong PINs, on in-memory stores with a clock the test moves (moved
here from the integration suite, with the same assertions: nothing in it needs a socket).

An attacker types a wrong 12-digit code every second for 1,000 seconds; every code is answered (mostly
``slow_down``), and the rightful citizen, doing what the screen says, gets the door within a minute."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.domain.keypad import ATTACK_HOLD_MS
from tests.support.memory_deps import RecordingPublisher, RecordingSms
from tests.unit.test_locker_door_rules import a_locker, deposited, deps, event  # noqa: F401 - fixtures

PHONE_DIGITS = "0001"  # the last four digits of the phone deposited() registers (0722 000 001)


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10**8:08d}"


def last_command(services: Any) -> dict[str, Any]:
    """The command the locker received for the last code: its unlock, or its reject with the reason."""
    publisher = services.publisher
    assert isinstance(publisher, RecordingPublisher)
    return publisher.published[-1][1]


def test_after_1000_wrong_pins_a_citizen_with_pin_and_phone_gets_the_door_within_a_minute(deps):  # noqa: F811
    locker = a_locker(deps)
    _, compartment, cmd = deposited(deps, locker)
    assert event(deps, locker, "door_closed", compartment=compartment, cmd=cmd, boot="b1", seq=2) == "in_locker"
    sms = deps.sms
    assert isinstance(sms, RecordingSms)
    pin = re.search(r"PIN (\d{8})", sms.sent[-1][1]).group(1)  # type: ignore[union-attr]
    for _ in range(1000):  # 12 digits a second, every code answered (mostly slow_down, unchecked)
        event(deps, locker, "pin", code=wrong(pin) + "0000")
        answer = last_command(deps)
        assert answer["type"] == "reject" and answer["reason"] in ("invalid_code", "slow_down")
        deps.clock.advance(1_000)
    arrived = deps.now()
    typed = pin
    for _ in range(5):  # the citizen does what the screen says
        event(deps, locker, "pin", code=typed)
        answer = last_command(deps)
        if answer["type"] == "unlock":
            break
        if answer["reason"] == "slow_down":
            deps.clock.advance(answer["retryAfter"] * 1000)
        elif answer["reason"] == "need_phone_digits":
            typed = pin + PHONE_DIGITS
    assert answer["type"] == "unlock" and answer["compartment"] == compartment
    assert deps.now() - arrived <= 60_000
    keypad = deps.stores.lockers.keypad(locker)
    assert keypad is not None and keypad.attack_until > arrived + ATTACK_HOLD_MS - 2_000_000

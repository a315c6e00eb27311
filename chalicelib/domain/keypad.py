"""Keypad policy: wrong PINs slow the keypad down; under attack a PIN needs the phone's last four digits.

Nobody can lock the keypad: the longest wait between two checked PINs is one
minute. The numbers (docs/locker-protocol.md, "Keypad scheme"):

- the first ``FREE_FAILURES`` wrong PINs cost nothing; after the n-th one the next
  PIN is checked only ``delay(n)`` later: 15 s, 30 s, then 60 s each time;
- a PIN typed during the wait is answered ``slow_down`` (with the seconds left)
  and is not checked, so it neither counts nor helps a guesser;
- from the ``ATTACK_THRESHOLD``-th wrong PIN the keypad is *under attack* for
  ``ATTACK_HOLD_MS`` after the last wrong PIN: an 8-digit PIN alone is answered
  ``need_phone_digits`` and only PIN + last 4 phone digits (12 digits) are checked;
- the count of wrong PINs starts again after ``RESET_AFTER_MS`` without one.

The same numbers run in the agent for PINs checked offline (iot/keypad.py).
"""

from __future__ import annotations

from dataclasses import dataclass

FREE_FAILURES = 2
ATTACK_THRESHOLD = 2
MAX_DELAY_MS = 60_000
ATTACK_HOLD_MS = 90 * 86_400_000
RESET_AFTER_MS = 86_400_000
PHONE_DIGITS = 4
MAX_LIVE_PINS = 96  # a full locker: one live PIN per compartment, at most 96 compartments


def delay_ms(failures: int) -> int:
    """The wait after the ``failures``-th wrong PIN in a row."""
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_DELAY_MS, 15_000 * 2 ** (failures - FREE_FAILURES - 1))


@dataclass(frozen=True)
class KeypadState:
    failures: int = 0
    last_failure_at: int = 0
    attack_until: int = 0

    def current_failures(self, now: int) -> int:
        return self.failures if now - self.last_failure_at < RESET_AFTER_MS else 0

    def next_check_at(self, now: int) -> int:
        """The earliest time the next PIN will be checked (``now`` or earlier means at once)."""
        return self.last_failure_at + delay_ms(self.current_failures(now))

    def wait_seconds(self, now: int) -> int:
        """Whole seconds to wait before the next PIN is checked (0: check it now)."""
        left = self.next_check_at(now) - now
        return 0 if left <= 0 else -(-left // 1000)

    def under_attack(self, now: int) -> bool:
        return now < self.attack_until


def register_failure(state: KeypadState, now: int) -> tuple[KeypadState, bool]:
    """State after one wrong (checked) PIN; the flag says an attack has just begun (alert staff)."""
    failures = state.current_failures(now) + 1
    attacked = failures >= ATTACK_THRESHOLD or state.under_attack(now)
    new = KeypadState(failures, now, now + ATTACK_HOLD_MS if attacked else state.attack_until)
    return new, attacked and not state.under_attack(now)


def split_code(code: str) -> tuple[str, str | None] | None:
    """``(pin, phone_digits)`` for an 8- or 12-digit code typed on the keypad, else None."""
    if not code.isdigit() or not code.isascii():
        return None
    if len(code) == 8:
        return code, None
    if len(code) == 8 + PHONE_DIGITS:
        return code[:8], code[8:]
    return None


def guesses_per_year_bound() -> int:
    """Checked PINs a guesser can get in a year at the fastest rate this policy allows.

    Steady state is one check a minute; after each idle day (``RESET_AFTER_MS``) the
    count restarts and the first wrong PINs are cheaper, which adds at most
    ``FREE_FAILURES + 2`` checks per idle day (bounded generously by one per day).
    """
    minutes = 366 * 24 * 60
    return minutes + 366 * (FREE_FAILURES + 2)


def expected_successes_per_year(live_pins: int = MAX_LIVE_PINS) -> float:
    """Expected successful guesses against a full locker in a year at the fastest allowed rate.

    Outside an attack, at most ``ATTACK_THRESHOLD`` wrong 8-digit PINs are checked per
    ``ATTACK_HOLD_MS``; every other check needs 12 right digits out of 10^12.
    """
    holds_per_year = 366 * 86_400_000 / ATTACK_HOLD_MS + 1
    eight_digit = ATTACK_THRESHOLD * holds_per_year * live_pins / 10**8
    twelve_digit = guesses_per_year_bound() * live_pins / 10**12
    return eight_digit + twelve_digit

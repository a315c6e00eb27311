"""The keypad policy on the locker: the same numbers as the backend's (chalicelib/domain/keypad.py).

The agent keeps its own copy of the keypad state, fed by the PINs it checks
offline and by the backend's answers online (``invalid_code``, ``slow_down``,
``need_phone_digits``), so a guesser gains nothing by cutting the locker's
network: the wait between two checked PINs and the phone-digits rule hold on
both paths together. The state lives in the agent's SQLite store.
"""

from __future__ import annotations

from dataclasses import dataclass

FREE_FAILURES = 2
ATTACK_THRESHOLD = 2
MAX_DELAY_MS = 60_000
ATTACK_HOLD_MS = 90 * 86_400_000
RESET_AFTER_MS = 86_400_000
PIN_DIGITS = 8
PHONE_DIGITS = 4


def delay_ms(failures: int) -> int:
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_DELAY_MS, 15_000 * 2 ** (failures - FREE_FAILURES - 1))


@dataclass(frozen=True)
class Keypad:
    failures: int = 0
    last_failure_at: int = 0
    attack_until: int = 0
    wait_until: int = 0  # an explicit wait the backend asked for (slow_down)

    def _failures(self, now: int) -> int:
        return self.failures if now - self.last_failure_at < RESET_AFTER_MS else 0

    def wait_seconds(self, now: int) -> int:
        until = max(self.wait_until, self.last_failure_at + delay_ms(self._failures(now)))
        return 0 if until <= now else -(-(until - now) // 1000)

    def under_attack(self, now: int) -> bool:
        return now < self.attack_until

    def failed(self, now: int) -> Keypad:
        failures = self._failures(now) + 1
        attacked = failures >= ATTACK_THRESHOLD or self.under_attack(now)
        return Keypad(failures, now, now + ATTACK_HOLD_MS if attacked else self.attack_until, self.wait_until)

    def told_to_wait(self, now: int, seconds: int) -> Keypad:
        return Keypad(self.failures, self.last_failure_at, self.attack_until, now + seconds * 1000)

    def told_under_attack(self, now: int) -> Keypad:
        return Keypad(
            self.failures, self.last_failure_at, max(self.attack_until, now + ATTACK_HOLD_MS), self.wait_until
        )


def is_keypad_code(code: str) -> bool:
    """8 digits (PIN) or 12 (PIN and the phone's last four)."""
    return code.isascii() and code.isdigit() and len(code) in (PIN_DIGITS, PIN_DIGITS + PHONE_DIGITS)

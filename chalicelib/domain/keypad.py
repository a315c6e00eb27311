"""Keypad lock-out policy: five wrong PINs within 10 minutes lock the keypad.

The first lock-out lasts 5 minutes and each new one doubles, up to 24 hours; a
day without a lock-out starts the count again. QR scans are never locked out,
so typing wrong PINs cannot block anyone else's pickup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_FAILURES = 5
WINDOW_MS = 10 * 60 * 1000
FIRST_LOCKOUT_MS = 5 * 60 * 1000
MAX_LOCKOUT_MS = 24 * 60 * 60 * 1000
RESET_AFTER_MS = 24 * 60 * 60 * 1000


@dataclass
class KeypadState:
    failures: list[int] = field(default_factory=list)
    locked_until: int = 0
    lockouts: int = 0
    last_lockout_at: int = 0

    def is_locked(self, now: int) -> bool:
        return now < self.locked_until


def register_failure(state: KeypadState, now: int) -> tuple[KeypadState, bool]:
    """State after one wrong PIN at ``now``; the flag says a new lock-out started."""
    lockouts = state.lockouts if now - state.last_lockout_at < RESET_AFTER_MS else 0
    failures = [t for t in state.failures if now - t < WINDOW_MS] + [now]
    if len(failures) < MAX_FAILURES:
        return KeypadState(failures, state.locked_until, lockouts, state.last_lockout_at), False
    duration = min(FIRST_LOCKOUT_MS * (2**lockouts), MAX_LOCKOUT_MS)
    return KeypadState([], now + duration, lockouts + 1, now), True

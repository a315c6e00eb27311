"""The rules of staff sign-in that need no I/O: challenge names, the password rule and the throttle window.

Throttle: every password or code tried takes a slot in each bucket it counts against (the username, the
client's address; or, from an address where the user has signed in before, that pair alone) *before* it
is checked, and gives it back when it was right. A bucket holding ``limit`` slots younger than
``WINDOW_MS`` refuses the next try until the oldest one ages out, so a lock lasts 15 minutes at most and
the rightful user can then get in; concurrent tries cannot slip past it, as each one claims a slot first.
"""

from __future__ import annotations

from dataclasses import dataclass

NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
MFA_SETUP = "MFA_SETUP"
SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
CHALLENGES = (NEW_PASSWORD_REQUIRED, MFA_SETUP, SOFTWARE_TOKEN_MFA)

PASSWORD_MIN = 12
PASSWORD_MAX = 256  # longer ones are refused before any hashing
USERNAME_MAX = 128

WINDOW_MS = 15 * 60_000
USER_LIMIT = 10  # wrong passwords or codes for one username (from addresses it has not signed in from)
PAIR_LIMIT = 10  # for one username from an address where it has signed in before
ADDRESS_LIMIT = 100  # for one client address, whatever the usernames (an office shares one address)


def password_problem(password: str, username: str) -> tuple[str, str] | None:
    """Why ``password`` cannot be a staff password (Romanian, English), or None."""
    if len(password) < PASSWORD_MIN:
        return (
            f"Parola nouă trebuie să aibă cel puțin {PASSWORD_MIN} caractere.",
            f"the new password needs at least {PASSWORD_MIN} characters",
        )
    if len(password) > PASSWORD_MAX:
        return (f"Parola nouă are cel mult {PASSWORD_MAX} caractere.", f"at most {PASSWORD_MAX} characters")
    if username.lower() in password.lower():
        return ("Parola nu poate conține numele de utilizator.", "the password may not contain the username")
    return None


@dataclass(frozen=True)
class Bucket:
    key: str
    limit: int


def recent(slots: list[int], now_ms: int) -> list[int]:
    """The slots still inside the window, oldest first."""
    return sorted(t for t in slots if t > now_ms - WINDOW_MS)


def retry_after_s(slots: list[int], limit: int, now_ms: int) -> int | None:
    """Seconds until a slot frees when ``slots`` (already ``recent``) are full; None when one is free."""
    if len(slots) < limit:
        return None
    frees_at = slots[len(slots) - limit] + WINDOW_MS
    return max(1, -(-(frees_at - now_ms) // 1000))


def with_claim(slots: list[int], limit: int, now_ms: int) -> list[int]:
    """``slots`` with one taken now, keeping only the newest ``limit`` (all a decision ever needs)."""
    return [*slots, now_ms][-limit:]


def without_claim(slots: list[int], claimed_ms: int) -> list[int]:
    """``slots`` with the one taken at ``claimed_ms`` given back (the try was right)."""
    remaining = list(slots)
    if claimed_ms in remaining:
        remaining.remove(claimed_ms)
    return remaining

"""Staff access: local staff accounts, server-side sessions and sign-ins in progress, sign-in throttle buckets.

Throttle buckets and known-address marks (``sign-in-attempts``) are written under an explicit optimistic
lock: a write names the ``version`` it read and sets the next one, so of two tries that read the same
bucket only one writes (``save_slots``). Sessions and sign-ins in progress (``sessions``) are keyed by the
SHA-256 of their token; writes to one that exists are guarded by its existence, so a session ended
meanwhile is not brought back. Local staff accounts (``staff``) are created once, and a TOTP step is
accepted only if no later one was used.
"""

from __future__ import annotations

from typing import Any

from .engine import ABSENT, PRESENT, Engine, WriteConflict, lt
from .rows import SessionRow, SignInAttempt, StaffRow


class AccessStore:
    def __init__(self, engine: Engine) -> None:
        self.staff = engine.table(StaffRow)
        self.sessions = engine.table(SessionRow)
        self.attempts = engine.table(SignInAttempt)

    # sign-in throttle
    def attempt(self, key: str) -> SignInAttempt | None:
        """A throttle bucket or a known-address mark (a strongly consistent read)."""
        return self.attempts.get(key)

    def save_slots(self, key: str, slots: list[int] | None, ttl: int | None, read_version: int | None) -> None:
        """Replace the bucket if its version is still ``read_version`` (absent for a new one) and set the next
        version; WriteConflict when another try wrote it since it was read."""
        self.attempts.put(
            SignInAttempt(key=key, slots=slots, version=(read_version or 0) + 1, ttl=ttl),
            expect={"version": ABSENT if read_version is None else read_version},
        )

    # sessions and sign-ins in progress
    def session(self, session_id: str) -> SessionRow | None:
        """A session or sign-in in progress by the hash of its token (a strongly consistent read)."""
        return self.sessions.get(session_id)

    def open_session(self, row: SessionRow) -> None:
        """Write a new session or sign-in in progress (its id is 256 random bits hashed: no guard)."""
        self.sessions.put(row)

    def end_session(self, session_id: str) -> None:
        """Delete a session or sign-in in progress (gone already is fine)."""
        self.sessions.delete(session_id)

    def touch_session(self, session_id: str, last_seen: int | None = None, checked_at: int | None = None) -> None:
        """Record activity (``last_seen``) and/or a directory check (``checked_at``) on a session that still
        exists; WriteConflict when it ended meanwhile."""
        changes = {
            name: value for name, value in (("checked_at", checked_at), ("last_seen", last_seen)) if value is not None
        }
        self.sessions.update(session_id, set=changes, expect={"id": PRESENT})

    def advance_challenge(
        self, session_id: str, challenge: str, state: dict[str, Any] | None, secret: str | None, expires_at: int
    ) -> None:
        """The sign-in in progress waits for ``challenge`` now, with no wrong answers yet and a new expiry;
        WriteConflict when it ended meanwhile."""
        self.sessions.update(
            session_id,
            set={
                "challenge": challenge,
                "state": state,
                "secret": secret or None,
                "failures": 0,
                "expires_at": expires_at,
                "ttl": expires_at // 1000 + 60,
            },
            expect={"id": PRESENT},
        )

    def count_failure(self, session_id: str) -> int:
        """Add one wrong answer to a sign-in in progress and return the count; WriteConflict when it ended."""
        row = self.sessions.update(session_id, add={"failures": 1}, expect={"id": PRESENT})
        return int(row.failures or 0) if row is not None else 0

    def session_ids_of(self, username: str) -> list[str]:
        """The ids of every session and sign-in in progress of ``username`` (through the ``user`` index)."""
        return [row.id for row in self.sessions.query(username, index="user")]

    # local staff accounts
    def account(self, username: str) -> StaffRow | None:
        """A local staff account (a strongly consistent read)."""
        return self.staff.get(username)

    def create_account(self, row: StaffRow) -> None:
        """Write a new account; WriteConflict when the username is taken."""
        self.staff.put(row, expect={"username": ABSENT})

    def set_password(self, username: str, password_hash: str) -> None:
        """Set the password hash and drop ``must_change_password`` (unguarded, as the account was just read)."""
        self.staff.update(username, set={"password_hash": password_hash}, remove=["must_change_password"])

    def record_totp_step(self, username: str, secret: str, step: int, last: int | None) -> None:
        """Keep ``secret`` and mark ``step`` used, only if no step or an earlier one was used (``last`` is the
        one read, which picks the guard to try first); WriteConflict when ``step`` or a later one was."""
        guards: list[Any] = [ABSENT, lt(step)] if last is None else [lt(step), ABSENT]
        for number, guard in enumerate(guards):
            try:
                self.staff.update(
                    username, set={"totp_secret": secret, "totp_last_step": step}, expect={"totp_last_step": guard}
                )
                return
            except WriteConflict:
                if number == len(guards) - 1:
                    raise

    def set_account_enabled(self, username: str, enabled: bool) -> None:
        """Enable or disable an existing account; WriteConflict when there is none."""
        self.staff.update(username, set={"enabled": enabled}, expect={"username": PRESENT})

    def set_account_roles(self, username: str, roles: list[str]) -> None:
        """Set the roles of an existing account; WriteConflict when there is none."""
        self.staff.update(username, set={"roles": list(roles)}, expect={"username": PRESENT})

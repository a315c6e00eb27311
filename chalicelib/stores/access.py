"""Staff access: local staff accounts, server-side sessions and sign-ins in progress, sign-in throttle buckets."""

from __future__ import annotations

from .engine import Engine
from .rows import SessionRow, SignInAttempt, StaffRow


class AccessStore:
    def __init__(self, engine: Engine) -> None:
        self.staff = engine.table(StaffRow)
        self.sessions = engine.table(SessionRow)
        self.attempts = engine.table(SignInAttempt)

"""Counters: the gapless registration sequence, uniqueness claims, rate-limit windows, status-lookup codes."""

from __future__ import annotations

from .engine import ABSENT, Engine, Transaction, WriteConflict, lt
from .rows import Counter, Verification

KEEP_WINDOWS_S = 2 * 86_400  # a window's or a job run's count outlives its hour or day by this, then goes


def window_ttl(window_ends_ms: int) -> int:
    """The TTL (Unix seconds) of a count whose window ends at ``window_ends_ms``."""
    return window_ends_ms // 1000 + KEEP_WINDOWS_S


class CounterStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(Counter)
        self.verifications = engine.table(Verification)

    def reserve_next(self, sequence: str, tx: Transaction) -> int:
        """The sequence's next number, its increment staged in ``tx`` guarded by the value read: the number is
        used only if ``tx`` commits, and a concurrent taker of the same number makes ``tx`` fail (gapless)."""
        row = self.table.get(sequence)
        current = int(row.value or 0) if row is not None else 0
        self.table.put(
            Counter(key=sequence, value=current + 1), expect={"value": current} if current else {"key": ABSENT}, tx=tx
        )
        return current + 1

    def claim_registration_number(self, number: str, request_id: str, tx: Transaction) -> None:
        """A registration number belongs to one request: a second claim of ``number`` fails ``tx``."""
        self.table.put(Counter(key=f"regno#{number}", owner=request_id), expect={"key": ABSENT}, tx=tx)

    def registration_number_taken(self, number: str) -> bool:
        """Whether a request already holds ``number``."""
        return self.table.get(f"regno#{number}") is not None

    def claim_once(self, key: str, until_ms: int) -> bool:
        """Take ``key`` if nobody has (a run of a job, once, in a period ending at ``until_ms``); False when it
        was already taken. The claim expires a while after its period."""
        try:
            self.table.put(Counter(key=key, ttl=window_ttl(until_ms)), expect={"key": ABSENT})
        except WriteConflict:
            return False
        return True

    def take(self, key: str, cap: int, window_ends_ms: int) -> bool:
        """One more use of the window ``key`` (ending at ``window_ends_ms``) if fewer than ``cap`` were taken
        before it: one UpdateItem (ADD; a refused use is counted too, the window stays full either way), the
        count written decides. The window's item expires two days after it ends (its key may hold a hashed
        phone or a client address: kept no longer than it serves)."""
        row = self.table.update(key, add={"value": 1}, set={"ttl": window_ttl(window_ends_ms)})
        return row is not None and int(row.value or 0) <= cap

    def add_verification(self, row: Verification) -> None:
        """A new status-lookup verification (its id is random and new)."""
        self.verifications.put(row, expect={"id": ABSENT})

    def verification(self, verification_id: str) -> Verification | None:
        return self.verifications.get(verification_id)

    def count_attempt(self, verification_id: str, max_tries: int) -> None:
        """One more try of the code; WriteConflict once ``max_tries`` were made (or there is no verification)."""
        self.verifications.update(verification_id, add={"attempts": 1}, expect={"attempts": lt(max_tries)})

    def spend_verification(self, verification_id: str, max_tries: int) -> None:
        """The code was right: no try is left (single use)."""
        self.verifications.update(verification_id, set={"attempts": max_tries}, expect={"id": verification_id})

    def ping(self) -> None:
        """One read of a key no counter has: returns when DynamoDB answers (the health check), raises when not."""
        self.table.get("health#ping")

    def replace_verification(self, row: Verification) -> None:
        """A verification whose id is chosen by the caller (a citizen's sign-in code): the new one replaces
        the old, so only the latest code works."""
        self.verifications.put(row)

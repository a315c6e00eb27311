"""Pickup codes (PIN and QR credentials), keyed by a keyed hash of the code: issue, find, revoke, claim."""

from __future__ import annotations

from collections.abc import Iterable

from .engine import PRESENT, Engine, WriteConflict
from .rows import Credential


class CredentialStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(Credential)

    def get(self, code_key: str) -> Credential | None:
        return self.table.get(code_key)

    def revoke(self, code_keys: Iterable[str]) -> None:
        """The codes refuse from now on (those that exist; a missing one is already gone)."""
        for key in code_keys:
            try:
                self.table.update(key, set={"revoked": True}, expect={"code_key": PRESENT})
            except WriteConflict:
                continue

    def discard(self, code_keys: Iterable[str]) -> None:
        """Remove codes issued for a transaction that did not commit."""
        for key in code_keys:
            self.table.delete(key)

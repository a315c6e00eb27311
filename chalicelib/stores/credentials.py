"""Pickup codes (PIN and QR credentials), keyed by a keyed hash of the code: issue, find, revoke, claim.

A claim is one conditional write that marks the code used by a locker event and returns it; until the
unlock's bookkeeping is written it carries ``unconfirmed`` (a sparse index the reconciliation job reads).
A code is kept ``KEEP_AFTER_EXPIRY_S`` after it expires (the row's TTL), for the audit and the page."""

from __future__ import annotations

from collections.abc import Iterable

from .engine import ABSENT, PRESENT, AnyOf, Engine, Transaction, WriteConflict, ge, lt, ne
from .rows import Credential

KEEP_AFTER_EXPIRY_S = 30 * 86_400
UNCONFIRMED = "1"


def kept_until(expires_at_ms: int) -> int:
    """The TTL (Unix seconds) of a code expiring at ``expires_at_ms``."""
    return expires_at_ms // 1000 + KEEP_AFTER_EXPIRY_S


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

    def issue(self, row: Credential, tx: Transaction | None = None) -> None:
        """A new code; fails (WriteConflict) if a live code has the same key (the same PIN at the same locker)."""
        self.table.put(row, expect={"code_key": ABSENT}, tx=tx)

    def claim(
        self, code_key: str, locker_id: str, now: int, cmd_id: str, event_id: str, phone_digits: str | None = None
    ) -> Credential:
        """Mark the code used by ``event_id`` for unlock ``cmd_id`` and return it as written, only if it exists,
        belongs to ``locker_id``, is unrevoked, unused and unexpired at ``now`` (and, when given, matches the
        phone digits); otherwise WriteConflict, whose ``current`` is the code as the claim found it (None: no such
        code), so the refusal's reason needs no read. One conditional UpdateItem."""
        expect = {
            "code_key": PRESENT,
            "locker_id": locker_id,
            "revoked": False,
            "used_at": ABSENT,
            "expires_at": ge(now),
            # an undone claim remembers its event, so a redelivery of that event is told apart
            "not_this_event": AnyOf(({"claimed_event": ABSENT}, {"claimed_event": ne(event_id)})),
        }
        if phone_digits is not None:
            expect["phone_digits"] = phone_digits
        row = self.table.update(
            code_key,
            set={"used_at": now, "claimed_cmd": cmd_id, "claimed_event": event_id, "unconfirmed": UNCONFIRMED},
            expect=expect,
        )
        assert row is not None
        return row

    def forget_claim(self, code_key: str, cmd_id: str) -> None:
        """Give the code back as if never claimed (the event that claimed it forgotten too, so its redelivery is
        handled again), only if unlock ``cmd_id`` still holds it: its handling failed before any answer."""
        self.table.update(
            code_key,
            remove=["used_at", "claimed_cmd", "claimed_event", "unconfirmed"],
            expect={"claimed_cmd": cmd_id},
        )

    def undo_claim(self, code_key: str, cmd_id: str) -> None:
        """Give the code back (unused again), only if its claim is still the one of unlock ``cmd_id``. The event
        that claimed it stays noted: a redelivery of that event cannot claim it again (it is a duplicate)."""
        self.table.update(
            code_key,
            remove=["used_at", "claimed_cmd", "unconfirmed"],
            expect={"claimed_cmd": cmd_id},
        )

    def confirm_claim(self, code_key: str, cmd_id: str, tx: Transaction | None = None) -> None:
        """The claim's bookkeeping is written: no longer ``unconfirmed``; only if unlock ``cmd_id`` still holds it."""
        self.table.update(code_key, remove=["unconfirmed"], expect={"claimed_cmd": cmd_id}, tx=tx)

    def settle_claim(self, code_key: str) -> None:
        """Drop the ``unconfirmed`` mark whatever the claim (its outcome is known otherwise); no guard."""
        self.table.update(code_key, remove=["unconfirmed"])

    def mark_used(self, code_key: str, now: int, tx: Transaction | None = None, by_cmd: str | None = None) -> None:
        """The sibling of a claimed code is used too; only if it exists (never creates a code). ``by_cmd`` names
        the unlock that used it, so a claim of the sibling itself made at the same moment cannot be undone into
        a live code again (its undo is guarded by its own command)."""
        fields: dict[str, object] = {"used_at": now}
        if by_cmd:
            fields["claimed_cmd"] = by_cmd
        self.table.update(code_key, set=fields, expect={"code_key": PRESENT}, tx=tx)

    def unconfirmed_before(self, before_ms: int) -> list[Credential]:
        """Claims still ``unconfirmed`` that were made before ``before_ms`` (oldest first)."""
        return list(self.table.query(UNCONFIRMED, lt(before_ms), index="unconfirmed"))

    def extend(self, code_key: str, expires_at: int, sealed_pin: str, tx: Transaction | None = None) -> None:
        """Move the code's expiry (and its TTL) and reseal its page content; only while it is unused and unrevoked."""
        self.table.update(
            code_key,
            set={"expires_at": expires_at, "ttl": kept_until(expires_at), "sealed_pin": sealed_pin},
            expect={"used_at": ABSENT, "revoked": False},
            tx=tx,
        )

    def extend_sibling(self, code_key: str, expires_at: int, tx: Transaction | None = None) -> None:
        """Move the sibling code's expiry (and its TTL) with its pair's; only if it exists."""
        self.table.update(
            code_key, set={"expires_at": expires_at, "ttl": kept_until(expires_at)}, expect={"code_key": PRESENT}, tx=tx
        )

    def use_offline(self, code_key: str, opened_at: int, tx: Transaction) -> None:
        """The code was used by an offline opening at ``opened_at``; the transaction fails unless it is unused
        and unrevoked."""
        self.table.update(code_key, set={"used_at": opened_at}, expect={"used_at": ABSENT, "revoked": False}, tx=tx)

    def get_many(self, code_keys: Iterable[str]) -> list[Credential]:
        """The codes that exist among ``code_keys`` (one BatchGetItem a hundred keys; no particular order)."""
        return list(self.table.get_many(list(dict.fromkeys(code_keys))))

    def pair(self, code_key: str | None) -> list[str]:
        """The code's key and its sibling's (a PIN's QR, a QR's PIN), when the code exists; [] when it does not."""
        credential = self.get(code_key) if code_key else None
        if credential is None:
            return []
        return [credential.code_key, *filter(None, [credential.sibling])]

    def give_back(self, code_key: str) -> None:
        """The code is unused again (its pickup's door never opened); only if it exists (WriteConflict otherwise)."""
        self.table.update(code_key, remove=["used_at"], expect={"code_key": PRESENT})

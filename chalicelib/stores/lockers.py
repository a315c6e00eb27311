"""A locker's partition: its ``#meta`` item, ``C#<id>`` compartments, ``#keypad`` state and ``R#<nonce>``
revocations of offline credentials. The keypad state changes only at the revision it was read at.
Allocation's race-freedom lives here: a compartment is reserved only
if it is free and enabled at the moment of the write."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.keypad import KeypadState
from .engine import ABSENT, BeginsWith, Engine, Transaction
from .rows import LockerRow

META = "#meta"
KEYPAD = "#keypad"
REVOKED = "R#"
COMPARTMENT = "C#"


def compartment_key(compartment_id: str) -> str:
    return f"{COMPARTMENT}{compartment_id}"


@dataclass
class LockerItems:
    """One Query: the meta item (None: no such locker), the compartments and the keypad state."""

    meta: LockerRow | None
    compartments: list[LockerRow]
    keypad: LockerRow | None


class LockerStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(LockerRow)

    def items(self, locker_id: str) -> LockerItems:
        meta = keypad = None
        compartments = []
        for row in self.table.query(locker_id):
            if row.item == META:
                meta = row
            elif row.item == KEYPAD:
                keypad = row
            elif row.item.startswith(COMPARTMENT):
                compartments.append(row)
        return LockerItems(meta, compartments, keypad)

    def compartment(self, locker_id: str, compartment_id: str) -> LockerRow | None:
        return self.table.get((locker_id, compartment_key(compartment_id)))

    def reserve_compartment(self, locker_id: str, compartment_id: str, request_id: str, tx: Transaction) -> None:
        """Hold the compartment for ``request_id``; the transaction fails if it is taken or out of service."""
        self.table.update(
            (locker_id, compartment_key(compartment_id)),
            set={"request_id": request_id},
            expect={"request_id": ABSENT, "enabled": True},
            tx=tx,
        )

    def release_compartment(
        self, locker_id: str, compartment_id: str, request_id: str, tx: Transaction | None = None
    ) -> None:
        """Free the compartment if ``request_id`` still holds it."""
        self.table.update(
            (locker_id, compartment_key(compartment_id)),
            remove=["request_id"],
            expect={"request_id": request_id},
            tx=tx,
        )

    def add_revocation(self, locker_id: str, nonce: str, until_ms: int) -> None:
        """An offline credential the locker must refuse until ``until_ms`` (the row expires a while later)."""
        self.table.put(
            LockerRow(
                locker_id=locker_id, item=f"{REVOKED}{nonce}", revoked_until=until_ms, ttl=until_ms // 1000 + 86_400
            )
        )

    def revocations(self, locker_id: str, now_ms: int) -> list[str]:
        """Nonces of the offline credentials still to refuse."""
        return [
            row.item[len(REVOKED) :]
            for row in self.table.query(locker_id, BeginsWith(REVOKED))
            if (row.revoked_until or 0) > now_ms
        ]

    def keypad_and_meta(self, locker_id: str, with_keypad: bool = True) -> tuple[LockerRow | None, LockerRow | None]:
        """The keypad state (None: never used, or not asked for) and the meta item, in one read."""
        keys = [(locker_id, KEYPAD), (locker_id, META)] if with_keypad else [(locker_id, META)]
        found = {row.item: row for row in self.table.get_many(keys)}
        return found.get(KEYPAD), found.get(META)

    def keypad(self, locker_id: str) -> LockerRow | None:
        return self.table.get((locker_id, KEYPAD))

    def meta(self, locker_id: str) -> LockerRow | None:
        """The locker's ``#meta`` item (name, location, online, clock offset); None: no such locker."""
        return self.table.get((locker_id, META))

    def count_wrong_pin(self, locker_id: str, state: KeypadState, seen_revision: int | None) -> None:
        """Write the keypad state after a wrong PIN, only if the keypad is still at ``seen_revision`` (None: it
        had no item yet), so concurrent failures all count (WriteConflict: read it again and retry)."""
        self.table.update(
            (locker_id, KEYPAD),
            set={
                "failures": state.failures,
                "last_failure_at": state.last_failure_at,
                "attack_until": state.attack_until,
                "revision": (seen_revision or 0) + 1,
            },
            expect={"item": ABSENT} if seen_revision is None else {"revision": seen_revision},
        )

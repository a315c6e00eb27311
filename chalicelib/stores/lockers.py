"""A locker's partition: its ``#meta`` item, ``C#<id>`` compartments, ``#keypad`` state and ``R#<nonce>``
revocations of offline credentials. The keypad state changes only at the revision it was read at.
Allocation's race-freedom lives here: a compartment is reserved only
if it is free and enabled at the moment of the write. Door states apply in the locker's boot/seq order,
not in arrival order, and a compartment held for a request is freed only by its holder (or once the door
cycle it waits for has closed). Liveness (heartbeats, status) is written only on a registered locker."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.keypad import KeypadState
from .engine import ABSENT, PRESENT, AnyOf, BeginsWith, Engine, Transaction, WriteConflict, le, lt, ne
from .rows import LockerRow

META = "#meta"
KEYPAD = "#keypad"
REVOKED = "R#"
COMPARTMENT = "C#"


def compartment_key(compartment_id: str) -> str:
    return f"{COMPARTMENT}{compartment_id}"


def revocation_row(locker_id: str, nonce: str, until_ms: int) -> LockerRow:
    """A revoked offline credential, refused until ``until_ms``; the row expires (TTL) a day later."""
    return LockerRow(
        locker_id=locker_id, item=f"{REVOKED}{nonce}", revoked_until=until_ms, ttl=until_ms // 1000 + 86_400
    )


@dataclass
class DoorChange:
    """A door event applied (``applied``) or refused as older than the last applied one; ``compartment`` is the
    compartment as it is after it (None: no such compartment)."""

    compartment: LockerRow | None
    applied: bool


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

    def add_revocation(self, locker_id: str, nonce: str, until_ms: int, tx: Transaction | None = None) -> None:
        """An offline credential the locker must refuse until ``until_ms`` (the row expires a while later)."""
        self.table.put(revocation_row(locker_id, nonce, until_ms), tx=tx)

    def revocations(self, locker_id: str, now_ms: int) -> list[str]:
        """Nonces of the offline credentials still to refuse."""
        return [
            row.item[len(REVOKED) :]
            for row in self.table.query(locker_id, BeginsWith(REVOKED))
            if (row.revoked_until or 0) > now_ms
        ]

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

    def lockers(self) -> list[LockerRow]:
        """Every locker's ``#meta`` item (the ``kind`` index: a few lockers per city hall, no Scan)."""
        return list(self.table.query("locker", index="lockers"))

    def register(self, meta: LockerRow, compartments: list[LockerRow], tx: Transaction) -> None:
        """A new locker with its compartments; the transaction fails if a locker already has this id."""
        self.table.put(meta, expect={"locker_id": ABSENT}, tx=tx)
        for row in compartments:
            self.table.put(row, tx=tx)

    def set_enabled(self, locker_id: str, compartment_id: str, enabled: bool, tx: Transaction) -> None:
        """Put a compartment in or out of service; the transaction fails if there is no such compartment."""
        self.table.update(
            (locker_id, compartment_key(compartment_id)), set={"enabled": enabled}, expect={"item": PRESENT}, tx=tx
        )

    def release_after(self, locker_id: str, compartment_id: str, request_id: str, cmd_id: str, tx: Transaction) -> None:
        """Free the compartment when the door cycle of opening ``cmd_id`` closes; only while ``request_id`` holds it."""
        self.table.update(
            (locker_id, compartment_key(compartment_id)),
            set={"release_on": cmd_id},
            expect={"request_id": request_id},
            tx=tx,
        )

    def free_after_door_cycle(self, locker_id: str, compartment_id: str, request_id: str, cmd_id: str) -> None:
        """Free the compartment of ``request_id`` once the door of opening ``cmd_id`` has closed: only if the
        release is marked for ``cmd_id`` and the door's last close was that opening's (WriteConflict otherwise)."""
        self.table.update(
            (locker_id, compartment_key(compartment_id)),
            set={"occupied": False},
            remove=["request_id", "release_on"],
            expect={"request_id": request_id, "release_on": cmd_id, "closed_cmd": cmd_id, "door": "closed"},
        )

    def record_door(
        self,
        locker_id: str,
        compartment_id: str,
        door: str,
        ts: int,
        boot: str | None,
        seq: int | None,
        closed_cmd: str | None = None,
    ) -> DoorChange:
        """Apply a door state only if the event is newer than the last applied one (same boot: a higher
        ``seq``; another boot: a ``ts`` not older), to an existing compartment. One conditional update; the
        compartment is read only when the update is refused (stale event, or no such compartment)."""
        fields: dict[str, object] = {"door": door, "door_ts": ts}
        if closed_cmd:
            fields["closed_cmd"] = closed_cmd
        if boot is not None:
            fields["door_boot"] = boot
        if seq is not None:
            fields["door_seq"] = seq
        newer = AnyOf(
            (
                {"door_seq": ABSENT},
                {"door_boot": boot or "", "door_seq": lt(seq or 0)},
                {"door_boot": ne(boot or ""), "door_ts": le(ts)},
            )
        )
        key = (locker_id, compartment_key(compartment_id))
        try:
            return DoorChange(self.table.update(key, set=fields, expect={"size": PRESENT, "door_order": newer}), True)
        except WriteConflict:
            return DoorChange(self.table.get(key), False)

    def mark_occupied(self, locker_id: str, compartment_id: str, tx: Transaction) -> None:
        """The documents are in the compartment (no guard of its own: the request's status guards the transaction)."""
        self.table.update((locker_id, compartment_key(compartment_id)), set={"occupied": True}, tx=tx)

    def empty(self, locker_id: str, compartment_id: str, request_id: str, tx: Transaction) -> None:
        """The documents left the compartment: free and empty again; the transaction fails unless ``request_id``
        still holds it."""
        self.table.update(
            (locker_id, compartment_key(compartment_id)),
            set={"occupied": False},
            remove=["request_id"],
            expect={"request_id": request_id},
            tx=tx,
        )

    def heartbeat(
        self, locker_id: str, now: int, boot: str | None, version: str | None, clock_offset_ms: int | None
    ) -> None:
        """The locker is alive (and what it tells of itself); only a registered locker (WriteConflict otherwise)."""
        fields: dict[str, object] = {"last_seen": now, "online": True}
        if boot:
            fields["boot"] = boot
        if version is not None:
            fields["agent_version"] = version
        if clock_offset_ms is not None:
            fields["clock_offset_ms"] = clock_offset_ms
        self.table.update((locker_id, META), set=fields, expect={"item": PRESENT})

    def mark_online(self, locker_id: str, now: int, status_ts: int, boot: str | None) -> None:
        """The locker's status says online; only a registered locker (WriteConflict otherwise)."""
        fields: dict[str, object] = {"online": True, "last_seen": now, "status_ts": status_ts}
        if boot:
            fields["boot"] = boot
        self.table.update((locker_id, META), set=fields, expect={"item": PRESENT})

    def mark_offline(self, locker_id: str, status_ts: int, boot: str | None) -> None:
        """The locker's status says offline; only a registered locker whose current boot is ``boot`` (or that
        never told one): an old boot's last will is ignored (WriteConflict)."""
        self.table.update(
            (locker_id, META),
            set={"online": False, "status_ts": status_ts},
            expect={"item": PRESENT, "same_boot": AnyOf(({"boot": ABSENT}, {"boot": boot or ""}))},
        )

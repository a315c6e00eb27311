"""Announcements to associations and their deliveries (issue 15): the guarded writes behind exactly-once.

One ``announcements`` item per announcement (its audience resolved to CUIs, its counts) and one
``deliveries`` item per (announcement, association). A delivery is worked channel by channel: ``claim``
sets the channel to ``sending`` only if it was never claimed, before the provider is called; ``finish``
records the outcome only if the channel is still ``sending``, and when it is the recipient's last channel
the same transaction sets the delivery's status and adds one to the announcement's count of that status.
So a redelivered queue message never sends a claimed channel again and never counts a delivery twice.
A claim left ``sending`` (the worker died between the claim and the mark) is turned ``unconfirmed`` once
it is older than the lease: the provider may or may not have taken that one message.
"""

from __future__ import annotations

from collections.abc import Iterator

from .engine import ABSENT, Engine, WriteConflict, le
from .rows import AnnouncementPart, AnnouncementRow, DeliveryRow

KIND = "announcement"


def part_key(index: int) -> str:
    return f"{index:04d}"


class AnnouncementStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.table = engine.table(AnnouncementRow)
        self.parts = engine.table(AnnouncementPart)
        self.deliveries = engine.table(DeliveryRow)

    # announcements
    def create(self, row: AnnouncementRow, slices: list[list[str]]) -> None:
        """A new announcement and its recipients in ``slices`` (parts ``0``, ``1``, …), in one transaction;
        WriteConflict when its id exists (a reminder is written once per period)."""
        row.parts = len(slices)
        with self.engine.transaction() as tx:
            self.table.put(row, expect={"id": ABSENT}, tx=tx)
            for index, cuis in enumerate(slices):
                self.parts.put(AnnouncementPart(row.id, part_key(index), cuis), tx=tx)

    def part(self, announcement_id: str, index: int) -> list[str]:
        """The CUIs of one slice of the recipients."""
        found = self.parts.get((announcement_id, part_key(index)))
        return list(found.cuis) if found is not None else []

    def recipients(self, announcement_id: str) -> list[str]:
        return [cui for part in self.parts.query(announcement_id) for cui in part.cuis]

    def get(self, announcement_id: str) -> AnnouncementRow | None:
        return self.table.get(announcement_id)

    def recent(self, limit: int) -> list[AnnouncementRow]:
        """The ``limit`` newest announcements (the console's list)."""
        return list(self.table.query(KIND, index="list", descending=True, limit=limit))

    def due(self, now: int) -> Iterator[AnnouncementRow]:
        """Scheduled announcements whose time has come."""
        return self.table.query("scheduled", le(now), index="status-send")

    def release(self, announcement_id: str, now: int) -> None:
        """scheduled -> released; WriteConflict when another run released it first."""
        self.table.update(
            announcement_id, set={"status": "released", "released_at": now}, expect={"status": "scheduled"}
        )

    # deliveries
    def delivery(self, announcement_id: str, cui: str) -> DeliveryRow | None:
        return self.deliveries.get((announcement_id, cui))

    def claim(self, announcement_id: str, cui: str, channel: str, now: int, released_at: int, token: str) -> None:
        """Take ``channel`` of this delivery for sending (creating the delivery if new), under ``token`` (random,
        the caller's: if the client retried a request that had succeeded, the conflict shows the caller's own
        token); WriteConflict when it was claimed before or the delivery is finished."""
        self.deliveries.update(
            (announcement_id, cui),
            set={
                channel: "sending",
                f"{channel}_at": now,
                f"{channel}_by": token,
                "status": "queued",
                "released_at": released_at,
            },
            expect={channel: ABSENT, "finished_at": ABSENT},
        )

    def unclaim(self, announcement_id: str, cui: str, channel: str, claimed_at: int) -> None:
        """Give back a claim whose send failed for a passing reason (nothing was sent): the redelivered message
        claims it again. Guarded by the claim's own time; a conflict means it is no longer ours."""
        try:
            self.deliveries.update(
                (announcement_id, cui),
                set={channel: None, f"{channel}_at": None},
                expect={channel: "sending", f"{channel}_at": claimed_at},
            )
        except WriteConflict:
            pass

    def finish(
        self,
        announcement_id: str,
        cui: str,
        now: int,
        *,
        channel: str | None = None,
        outcome: str = "",
        provider_id: str | None = None,
        error: str | None = None,
        final: str | None = None,
        released_at: int = 0,
        stale_before: int | None = None,
    ) -> None:
        """Record ``channel``'s outcome (guarded: still ``sending``, and claimed before ``stale_before`` when
        given) and, with ``final``, the delivery's status and the announcement's count, in one transaction.
        Without ``channel`` only the final status is written (a recipient with no channel to send: portal).
        WriteConflict when the guard fails (or a concurrent transaction touched the announcement)."""
        fields: dict[str, object] = {}
        expect: dict[str, object] = {}
        if channel is not None:
            fields.update({channel: outcome, f"{channel}_id": provider_id})
            if error:
                fields["error"] = error
            expect[channel] = "sending"
            if stale_before is not None:
                expect[f"{channel}_at"] = le(stale_before)
        if final is not None:
            fields.update({"status": final, "finished_at": now})
            expect["finished_at"] = ABSENT
            if channel is None:
                fields["released_at"] = released_at
        with self.engine.transaction() as tx:
            self.deliveries.update((announcement_id, cui), set=fields, expect=expect, tx=tx)
            if final is not None:
                self.table.update(announcement_id, add={final: 1}, expect={"id": announcement_id}, tx=tx)

    def mark_bounced(self, announcement_id: str, cui: str, error: str) -> bool:
        """An e-mail SES had taken bounced (or was complained about): the delivery moves from sent to failed,
        its count with it, once (False when it was not a sent e-mail, or was marked before)."""
        try:
            with self.engine.transaction() as tx:
                self.deliveries.update(
                    (announcement_id, cui),
                    set={"email": "bounced", "status": "failed", "error": error},
                    expect={"email": "sent", "status": "sent"},
                    tx=tx,
                )
                self.table.update(announcement_id, add={"sent": -1, "failed": 1}, expect={"id": announcement_id}, tx=tx)
        except WriteConflict:
            return False
        return True

    def inbox(self, cui: str) -> list[DeliveryRow]:
        """An association's deliveries, oldest first."""
        return list(self.deliveries.query(cui, index="association"))

    def get_many(self, ids: list[str]) -> list[AnnouncementRow]:
        return self.table.get_many(list(dict.fromkeys(ids)))

    def mark_read(self, announcement_id: str, cui: str, username: str, now: int) -> bool:
        """The association read the announcement: counted once (False when it was read before, or it never
        reached the association). A transaction cancelled by a concurrent one on the announcement's counts
        is tried again."""
        for _ in range(5):
            try:
                with self.engine.transaction() as tx:
                    self.deliveries.update(
                        (announcement_id, cui),
                        set={"read_at": now, "read_by": username},
                        expect={"cui": cui, "read_at": ABSENT},
                        tx=tx,
                    )
                    self.table.update(announcement_id, add={"read": 1}, expect={"id": announcement_id}, tx=tx)
                return True
            except WriteConflict:
                current = self.delivery(announcement_id, cui)
                if current is None or current.read_at is not None:
                    return False
        raise WriteConflict("read mark kept conflicting")

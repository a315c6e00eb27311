"""Requests and their contacts: create, read and search requests (status-due and registration indexes), write a
validated status change, update guarded fields, and keep or erase the citizen's contact; for the retention
rule, expired drafts (deleted with their contact) and closed requests whose files are still kept."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..domain.lifecycle import StatusChange
from .engine import ABSENT, PRESENT, Engine, Expect, KeyCondition, Transaction, le, lt
from .rows import Contact, Request


class RequestStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(Request)
        self.contacts = engine.table(Contact)

    def get(self, request_id: str) -> Request | None:
        return self.table.get(request_id)

    def get_many(self, request_ids: Iterable[str]) -> list[Request]:
        return self.table.get_many(list(dict.fromkeys(request_ids)))

    def apply_change(
        self,
        change: StatusChange,
        tx: Transaction | None = None,
        *,
        set: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        expect: Expect | None = None,
    ) -> Request | None:
        """Write ``change`` (status and time) with other fields, if the request is still in ``change.before``.

        The only writer of a request's status; ``services/status_writes.py`` pairs it with the audit entry."""
        fields = {**(set or {}), "status": change.after, "updated_at": change.at}
        return self.table.update(
            change.request_id, set=fields, remove=remove, expect={**(expect or {}), "status": change.before}, tx=tx
        )

    def update_fields(
        self,
        request_id: str,
        tx: Transaction | None = None,
        *,
        set: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        expect: Expect | None = None,
    ) -> Request | None:
        """Fields other than the status, guarded by ``expect`` (the request must exist)."""
        if set and "status" in set:
            raise ValueError("a status is written only through apply_change")
        return self.table.update(request_id, set=set, remove=remove, expect={"id": request_id, **(expect or {})}, tx=tx)

    def create(self, row: Request, contact: Contact, tx: Transaction) -> None:
        """A new request (its id must not exist yet) and its citizen's contact, staged in ``tx``."""
        self.table.put(row, expect={"id": ABSENT}, tx=tx)
        self.contacts.put(contact, tx=tx)

    def by_registration(self, number: str, limit: int | None = None) -> list[Request]:
        """The requests registered under ``number`` (keys from the registration index, then one batch read)."""
        ids = [key.id for key in self.table.query(number, index="registration", limit=limit)]
        found = {row.id: row for row in self.get_many(ids)}
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    def queue(self, status: str, limit: int | None = None) -> Iterator[Request]:
        """Requests in ``status``, latest ``due_at`` first (the status-due index)."""
        return self.table.query(status, index="status-due", limit=limit, descending=True)

    def due(self, status: str, due: KeyCondition) -> Iterator[Request]:
        """Requests in ``status`` whose ``due_at`` meets ``due``, earliest first (the status-due index)."""
        return self.table.query(status, due, index="status-due")

    def idle(self, status: str, cutoff: int) -> Iterator[Request]:
        """Requests in ``status`` with ``due_at`` and ``updated_at`` both before ``cutoff`` (no activity since)."""
        return self.table.query(status, lt(cutoff), index="status-due", where={"updated_at": lt(cutoff)})

    def mark_reminded(self, request_id: str, now: int) -> None:
        """Claim the request's reminder: WriteConflict if it was already sent (each reminder goes once)."""
        self.update_fields(request_id, set={"reminder_sent_at": now}, expect={"reminder_sent_at": ABSENT})

    def erase_phone(self, request_id: str, now: int, tx: Transaction) -> None:
        """Delete the contact and the masked phone, once: WriteConflict if the phone was already erased."""
        self.contacts.delete(request_id, tx=tx)
        self.update_fields(
            request_id, tx, set={"phone_erased_at": now}, remove=["phone_mask"], expect={"phone_erased_at": ABSENT}
        )

    def contact(self, request_id: str) -> Contact | None:
        """The citizen's contact as stored (its ``erase_at`` may have passed before DynamoDB's TTL deletes it)."""
        return self.contacts.get(request_id)

    def forget_contact(self, request_id: str) -> None:
        """Delete the contact (a contact already gone is no error)."""
        self.contacts.delete(request_id)

    def schedule_contact_erasure(self, request_id: str, erase_at_s: int, tx: Transaction | None = None) -> None:
        """Set the contact's erasure time (Unix seconds, its TTL); WriteConflict if there is no contact any more."""
        self.contacts.update(request_id, set={"erase_at": erase_at_s}, expect={"request_id": PRESENT}, tx=tx)

    def in_status(self, status: str) -> Iterator[Request]:
        """Requests in ``status``, earliest ``due_at`` first (the status-due index)."""
        return self.table.query(status, index="status-due")

    def count_in_status(self, status: str) -> int:
        """How many requests are in ``status`` (the status-due index, no Scan)."""
        return sum(1 for _ in self.table.query(status, index="status-due"))

    # online requests (issue 13)
    def of_owner(self, owner: str, limit: int = 200) -> list[Request]:
        """A citizen's requests, newest first (the sparse owner index)."""
        return list(self.table.query(owner, index="owner", limit=limit, descending=True))

    def save_draft(self, request_id: str, owner: str, fields: dict[str, Any], now: int) -> Request | None:
        """Change a draft's answers or delivery: only its owner's, only while it is a draft."""
        return self.update_fields(
            request_id, set={**fields, "updated_at": now}, expect={"owner": owner, "status": "draft"}
        )

    def expired_drafts(self, now: int) -> Iterator[Request]:
        """Drafts whose keeping time (``due_at`` of a draft) has passed, the oldest first (status-due index)."""
        return self.table.query("draft", le(now), index="status-due")

    def keep_draft_until(self, request_id: str, until: int) -> None:
        """A draft touched since its keeping time was set is kept until ``until``; WriteConflict if it is no
        draft any more."""
        self.update_fields(request_id, set={"due_at": until}, expect={"status": "draft"})

    def delete_draft(self, record: Request, tx: Transaction) -> None:
        """Delete a draft and its contact, only if it is still the draft read (same status and last change):
        WriteConflict when the citizen sent or changed it meanwhile."""
        self.table.delete(record.id, expect={"status": "draft", "updated_at": record.updated_at}, tx=tx)
        self.contacts.delete(record.id, tx=tx)

    def closed_with_files(self, status: str, due_before: int) -> Iterator[Request]:
        """Online and drop-off requests in the closed ``status`` with ``due_at`` at most ``due_before`` whose
        files the retention rule has not deleted yet (status-due index, filtered)."""
        return self.table.query(
            status, le(due_before), index="status-due", where={"intake": PRESENT, "files_deleted_at": ABSENT}
        )

    def mark_files_deleted(self, request_id: str, now: int) -> None:
        """Record that the request's files were deleted (once: WriteConflict if already recorded)."""
        self.update_fields(request_id, set={"files_deleted_at": now}, expect={"files_deleted_at": ABSENT})

    def inbox(self, status: str, limit: int = 500) -> list[Request]:
        """Online and drop-off requests in ``status``, the earliest answer deadline first (status-due index)."""
        return list(self.table.query(status, index="status-due", where={"intake": PRESENT}, limit=limit))

    # drop-off (issue 14)
    def waiting_in_lockers(self, status: str) -> list[Request]:
        """Requests in ``status`` whose dropped-off file still waits in a compartment (status-due index, filtered
        on ``collect_from``: a few dozen at a time)."""
        return list(self.table.query(status, index="status-due", where={"collect_from": PRESENT}))

"""Attachments of requests: the record of each file in the private bucket (the file itself never passes
through the Lambda). A file is ``pending`` from the moment its upload is allowed, ``stored`` once its
object was checked (size and content), ``refused`` when the check failed (its object is then deleted)."""

from __future__ import annotations

from .engine import ABSENT, Engine, Transaction
from .rows import Attachment


class AttachmentStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(Attachment)

    def add(self, row: Attachment, tx: Transaction | None = None) -> None:
        """A new attachment record (its id is new)."""
        self.table.put(row, expect={"id": ABSENT}, tx=tx)

    def get(self, request_id: str, attachment_id: str) -> Attachment | None:
        return self.table.get((request_id, attachment_id))

    def of_request(self, request_id: str) -> list[Attachment]:
        """Every attachment of the request, oldest first (ids are time-ordered)."""
        return list(self.table.query(request_id))

    def mark_stored(self, request_id: str, attachment_id: str, size: int, now: int) -> None:
        """The object was checked and may stay: its real size is kept (once; WriteConflict if already judged)."""
        self.table.update(
            (request_id, attachment_id),
            set={"status": "stored", "size": size, "checked_at": now},
            expect={"status": "pending"},
        )

    def mark_refused(self, request_id: str, attachment_id: str, reason: str, now: int) -> None:
        """The object failed its check (it is deleted by the caller); the record says why."""
        self.table.update(
            (request_id, attachment_id),
            set={"status": "refused", "refusal": reason[:300], "checked_at": now},
            expect={"id": attachment_id},
        )

    def remove(self, request_id: str, attachment_id: str, tx: Transaction | None = None) -> None:
        """Forget the record (its object is deleted by the caller)."""
        self.table.delete((request_id, attachment_id), tx=tx)

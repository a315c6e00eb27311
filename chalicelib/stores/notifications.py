"""SMS notifications as records: recipient (masked), template, status, attempts, the provider's id."""

from __future__ import annotations

from collections.abc import Iterator

from .engine import Engine, Transaction
from .rows import NotificationRow


class NotificationStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(NotificationRow)

    def record(self, row: NotificationRow, tx: Transaction | None = None) -> None:
        """A notification, written before its SMS is sent (so none is lost)."""
        self.table.put(row, tx=tx)

    def mark_sent(self, request_id: str, note_id: str, attempts: int, sns_message_id: str) -> None:
        """The provider took the SMS: ``sent`` with its message id; an earlier error is cleared."""
        self.table.update(
            (request_id, note_id),
            set={"status": "sent", "sns_message_id": sns_message_id, "attempts": attempts},
            remove=["error"],
        )

    def mark_unsent(self, request_id: str, note_id: str, status: str, error: str, attempts: int | None = None) -> None:
        """Not sent (``retrying`` or ``failed``) with the reason, and the attempts made when given."""
        fields: dict[str, object] = {"status": status, "error": error}
        if attempts is not None:
            fields["attempts"] = attempts
        self.table.update((request_id, note_id), set=fields)

    def in_status(self, status: str) -> Iterator[NotificationRow]:
        """Notifications in ``status``, oldest first (the status-created index)."""
        return self.table.query(status, index="status-created")

    def of_request(self, request_id: str) -> list[NotificationRow]:
        """A request's notifications, oldest first."""
        return list(self.table.query(request_id))

    def latest_in_status(self, status: str, limit: int) -> list[NotificationRow]:
        """The ``limit`` latest notifications in ``status``, newest first (the status-created index)."""
        return list(self.table.query(status, index="status-created", descending=True, limit=limit))

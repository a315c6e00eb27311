"""Commands sent to lockers (``unlock``) and their acknowledgements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .engine import ABSENT, PRESENT, Engine, Transaction, lt
from .rows import CommandRow

KEEP_COMMANDS_S = 90 * 86_400  # as long as the audit needs an unlock traced to its ack


def unlock_row(message: dict[str, Any], request_id: str | None = None) -> CommandRow:
    """The ack-tracking record of an unlock (rejects need no ack); ``pending`` until acked or timed out."""
    return CommandRow(
        id=message["id"],
        locker_id=message["locker"],
        type=message["type"],
        compartment=message.get("compartment"),
        purpose=message.get("purpose"),
        request_id=request_id,
        iat=message["iat"],
        exp=message["exp"],
        status="sent",
        pending="1",
        ttl=message["iat"] // 1000 + KEEP_COMMANDS_S,
    )


class CommandStore:
    def __init__(self, engine: Engine) -> None:
        self.table = engine.table(CommandRow)

    def get(self, command_id: str) -> CommandRow | None:
        return self.table.get(command_id)

    def record(self, row: CommandRow, tx: Transaction | None = None) -> None:
        """A new command; its id is unique (a second record of the same id is a conflict)."""
        self.table.put(row, expect={"id": ABSENT}, tx=tx)

    def overdue(self, now: int) -> Iterator[CommandRow]:
        """Commands still pending whose ``exp`` has passed (the sparse pending index)."""
        return self.table.query("1", lt(now), index="pending")

    def time_out(self, command_id: str) -> None:
        """``timed_out`` and no longer pending; WriteConflict if it was acked or timed out meanwhile."""
        self.table.update(command_id, set={"status": "timed_out"}, remove=["pending"], expect={"pending": PRESENT})

    def acknowledge(self, command_id: str, result: str, reason: str | None = None) -> None:
        """The locker's answer to the command; only while it is pending (a late ack: WriteConflict, nothing written)."""
        fields: dict[str, Any] = {"status": result}
        if reason:
            fields["reason"] = reason
        self.table.update(command_id, set=fields, remove=["pending"], expect={"pending": PRESENT})

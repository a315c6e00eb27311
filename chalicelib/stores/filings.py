"""Associations' filings by type (issue 15), and the due dates the department sets per type and period.

A filing itself is a request (the registry's number, status and attachments); this store keeps one small
item per registered filing under its type, ``<period or ->#<cui>#<request id>``, written in the same
transaction as the filing's registration and each later status change, so staff list a type's filings
(of a period, in a status) and see who filed for a period with one Query, without reading the requests.
"""

from __future__ import annotations

from .engine import ABSENT, BeginsWith, Engine, OneOf, Transaction
from .rows import FilingDeadline, FilingMark

FILED = ("registered", "in_review", "awaiting_documents", "accepted")  # a rejected filing did not file


def entry_of(period: str | None, cui: str, request_id: str) -> str:
    return f"{period or '-'}#{cui}#{request_id}"


class FilingStore:
    def __init__(self, engine: Engine) -> None:
        self.marks = engine.table(FilingMark)
        self.deadlines = engine.table(FilingDeadline)

    def mark(self, row: FilingMark, tx: Transaction) -> None:
        """A newly registered filing (its entry must be new)."""
        self.marks.put(row, expect={"entry": ABSENT}, tx=tx)

    def set_status(self, type_id: str, entry: str, status: str, tx: Transaction) -> None:
        """The filing's status as its request now has it (staged with the request's change)."""
        self.marks.update((type_id, entry), set={"status": status}, expect={"entry": entry}, tx=tx)

    def of_type(self, type_id: str, period: str | None = None, statuses: tuple[str, ...] = ()) -> list[FilingMark]:
        """The type's filings, of ``period`` (all when None) and in ``statuses`` (all when empty)."""
        sort = BeginsWith(f"{period}#") if period else None
        where = {"status": OneOf(statuses)} if statuses else None
        return list(self.marks.query(type_id, sort, where=where))

    def filed(self, type_id: str, period: str) -> dict[str, FilingMark]:
        """Who filed the type for ``period`` (a filing not rejected), by CUI."""
        return {mark.cui: mark for mark in self.of_type(type_id, period, FILED)}

    def set_deadline(self, row: FilingDeadline) -> None:
        """The due date of a type and period (a later one replaces it)."""
        self.deadlines.put(row)

    def deadline(self, type_id: str, period: str) -> FilingDeadline | None:
        return self.deadlines.get((type_id, period))

    def deadlines_of(self, type_id: str) -> list[FilingDeadline]:
        """The type's due dates, by period."""
        return list(self.deadlines.query(type_id))

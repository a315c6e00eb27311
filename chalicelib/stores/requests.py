"""Requests and their contacts: read a request, write a validated status change, update guarded fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..domain.lifecycle import StatusChange
from .engine import Engine, Expect, Transaction
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

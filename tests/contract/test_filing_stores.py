"""Associations' filing marks and due dates, the same on the in-memory twin and on DynamoDB (the emulator):
a type's filings by period and status, who filed for a period (a rejected filing did not), a mark written
once, and due dates by type and period. Each test uses a type name of its own (the tables are shared)."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.stores import Stores, WriteConflict
from chalicelib.stores.filings import entry_of
from chalicelib.stores.rows import FilingDeadline, FilingMark


def a_type() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def mark(stores: Stores, type_id: str, period: str | None, cui: str, status: str = "registered") -> FilingMark:
    row = FilingMark(
        type=type_id,
        entry=entry_of(period, cui, uuid.uuid4().hex),
        cui=cui,
        period=period,
        request_id="r",
        status=status,
        registration_number="PS2-2026-000001",
        registered_at=1,
        name="Asociația",
    )
    with stores.transaction() as tx:
        stores.filings.mark(row, tx)
    return row


def test_a_types_filings_by_period_and_status_and_who_filed(stores: Stores) -> None:
    kind = a_type()
    first = mark(stores, kind, "2026-S1", "111")
    rejected = mark(stores, kind, "2026-S1", "222", "rejected")
    mark(stores, kind, "2026-S2", "333")
    assert {m.cui for m in stores.filings.of_type(kind)} == {"111", "222", "333"}
    assert {m.cui for m in stores.filings.of_type(kind, "2026-S1")} == {"111", "222"}
    assert [m.cui for m in stores.filings.of_type(kind, "2026-S1", ("rejected",))] == ["222"]
    assert set(stores.filings.filed(kind, "2026-S1")) == {"111"}
    with stores.transaction() as tx:
        stores.filings.set_status(kind, first.entry, "rejected", tx)
    assert stores.filings.filed(kind, "2026-S1") == {}
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.filings.mark(rejected, tx)  # written once


def test_due_dates_by_type_and_period(stores: Stores) -> None:
    kind = a_type()
    stores.filings.set_deadline(FilingDeadline(type=kind, period="2026-S1", due="2026-07-31", set_by="ana", set_at=1))
    stores.filings.set_deadline(FilingDeadline(type=kind, period="2026-S1", due="2026-08-15", set_by="ana", set_at=2))
    stores.filings.set_deadline(FilingDeadline(type=kind, period="2026-S2", due="2027-01-31", set_by="ana", set_at=3))
    assert [(d.period, d.due) for d in stores.filings.deadlines_of(kind)] == [
        ("2026-S1", "2026-08-15"),
        ("2026-S2", "2027-01-31"),
    ]
    found = stores.filings.deadline(kind, "2026-S2")
    assert found is not None and found.due == "2027-01-31" and stores.filings.deadline(kind, "2027-S1") is None

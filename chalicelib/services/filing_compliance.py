"""Statutory deadlines of associations' filings and who met them (issue 15).

The department sets a due date per filing type and period (``2026-S1``, ``2026``); the compliance view of a
type and period names every association of the registry as filed (a filing registered and not rejected,
with its number and status) or not, with the counts, and exports the same as CSV. The registry is read from
its keys-only index (name, street, CUI) and the filings from their marks: two Queries, whatever the size.
(The reminders 14 and 3 days before a due date are the announcements' e-mails.)
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from .. import filing_types
from ..domain.errors import InvalidInput
from ..domain.filings import check_period, period_of
from ..ports import StaffIdentity
from ..stores.rows import FilingDeadline
from .deps import Deps
from .directory import today
from .filing_review import require_department


def _periodic(type_id: object) -> dict[str, Any]:
    if type_id not in filing_types.IDS:
        raise InvalidInput("Alegeți tipul depunerii.", f"type must be one of {', '.join(filing_types.IDS)}")
    kind = filing_types.get_type(type_id)
    if not kind.get("period"):
        raise InvalidInput("Acest tip de depunere nu are termene periodice.", f"filing type '{type_id}' has no periods")
    return kind


def set_deadline(deps: Deps, identity: StaffIdentity, type_id: object, period: object, due: object) -> dict[str, Any]:
    require_department(identity)
    kind = _periodic(type_id)
    checked = check_period(kind["period"], period)
    assert checked is not None
    try:
        day = date.fromisoformat(due) if isinstance(due, str) else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput("Scrieți termenul ca AAAA-LL-ZZ.", "due must be an ISO date (YYYY-MM-DD)")
    row = FilingDeadline(
        type=kind["id"], period=checked, due=day.isoformat(), set_by=identity.username, set_at=deps.now()
    )
    deps.stores.filings.set_deadline(row)
    return deadline_view(row)


def deadline_view(row: FilingDeadline) -> dict[str, Any]:
    return {"type": row.type, "period": row.period, "due": row.due, "setBy": row.set_by, "setAt": row.set_at}


def deadlines(deps: Deps) -> list[dict[str, Any]]:
    """Every due date set, by type and period."""
    rows = [
        row
        for kind in filing_types.list_types()
        if kind.get("period")
        for row in deps.stores.filings.deadlines_of(kind["id"])
    ]
    return [deadline_view(row) for row in rows]


def compliance(deps: Deps, identity: StaffIdentity, type_id: object, period: object) -> dict[str, Any]:
    """Who filed ``type_id`` for ``period`` (the current period when empty) and who did not."""
    require_department(identity)
    kind = _periodic(type_id)
    wanted = (
        check_period(kind["period"], period) if period else period_of(kind["period"], date.fromisoformat(today(deps)))
    )
    assert wanted is not None
    filed = deps.stores.filings.filed(kind["id"], wanted)
    due = deps.stores.filings.deadline(kind["id"], wanted)
    rows = []
    for entry in sorted(deps.stores.associations.registry(), key=lambda e: (e.street, e.name, e.cui)):
        mark = filed.get(entry.cui)
        rows.append(
            {
                "cui": entry.cui,
                "name": entry.name,
                "street": entry.street,
                "filed": mark is not None,
                "registrationNumber": mark.registration_number if mark else None,
                "status": mark.status if mark else None,
            }
        )
    done = sum(1 for row in rows if row["filed"])
    return {
        "type": kind["id"],
        "period": wanted,
        "due": due.due if due else None,
        "total": len(rows),
        "filed": done,
        "missing": len(rows) - done,
        "associations": rows,
    }


def compliance_csv(view: dict[str, Any]) -> str:
    """The compliance view as CSV (UTF-8, a header, one association a line)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["cui", "name", "street", "filed", "registration_number", "status", "type", "period", "due"])
    for row in view["associations"]:
        writer.writerow(
            [
                row["cui"],
                row["name"],
                row["street"],
                "da" if row["filed"] else "nu",
                row["registrationNumber"] or "",
                row["status"] or "",
                view["type"],
                view["period"],
                view["due"] or "",
            ]
        )
    return out.getvalue()

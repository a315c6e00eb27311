"""The association administrator's inbox of announcements (issue 15) and the read mark.

The inbox lists every announcement that reached one of the administrator's associations (whatever its
channels: the portal keeps them all), newest first. Opening one marks it read for each of the
administrator's associations it reached, counted once per association in the announcement's ``read``
count: no tracking pixel, only the portal.
"""

from __future__ import annotations

from typing import Any

from ..domain.errors import NotFound
from ..stores.rows import AnnouncementRow, DeliveryRow
from .announcements import iso
from .deps import Deps


def _reached(deps: Deps, username: str) -> dict[str, list[DeliveryRow]]:
    """The administrator's deliveries by announcement id."""
    found: dict[str, list[DeliveryRow]] = {}
    for cui in deps.stores.associations.cuis_of(username):
        for delivery in deps.stores.announcements.inbox(cui):
            found.setdefault(delivery.announcement_id, []).append(delivery)
    return found


def inbox(deps: Deps, username: str) -> dict[str, list[dict[str, Any]]]:
    reached = _reached(deps, username)
    rows = sorted(
        deps.stores.announcements.get_many(list(reached)), key=lambda r: (r.send_at, r.created_at), reverse=True
    )
    return {"announcements": [_entry(row, reached[row.id]) for row in rows]}


def _entry(row: AnnouncementRow, deliveries: list[DeliveryRow]) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "body": row.body,
        "sentAt": iso(row.send_at),
        "read": all(d.read_at is not None for d in deliveries),
    }


def open_announcement(deps: Deps, username: str, announcement_id: str) -> dict[str, Any]:
    """One announcement of the inbox (NotFound when it reached none of the administrator's associations)."""
    deliveries = _deliveries(deps, username, announcement_id)
    row = deps.stores.announcements.get(announcement_id)
    if row is None:
        raise _not_found()
    return _entry(row, deliveries)


def mark_read(deps: Deps, username: str, announcement_id: str) -> None:
    now = deps.now()
    for delivery in _deliveries(deps, username, announcement_id):
        if delivery.read_at is None:
            deps.stores.announcements.mark_read(announcement_id, delivery.cui, username, now)


def _deliveries(deps: Deps, username: str, announcement_id: str) -> list[DeliveryRow]:
    found = [
        delivery
        for cui in deps.stores.associations.cuis_of(username)
        if (delivery := deps.stores.announcements.delivery(announcement_id, cui)) is not None
    ]
    if not found:
        raise _not_found()
    return found


def _not_found() -> NotFound:
    return NotFound("Anunțul nu există în căsuța asociației.", "no such announcement in the inbox")

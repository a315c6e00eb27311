"""Staff write announcements to associations (issue 15): record, release, and the console's views.

Writing one resolves its audience against the registry into the CUIs it reaches, records it, and when it
is due enqueues a few ``expand`` messages (one per ``SLICE`` recipients); the worker
(``announcement_delivery.py``) turns each into ``send`` messages and sends. The HTTP request never sends
an e-mail itself. An announcement with ``sendAt`` in the future waits as ``scheduled`` until the
scheduled job (``release_due``) releases it. Releasing enqueues first and marks ``released`` after, so a
failure in between leaves it ``scheduled`` and the next run enqueues again: expand messages sent twice
only repeat work whose every send is claimed once (no e-mail twice).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from ..domain import announcements as rules
from ..domain.errors import InvalidInput, NotFound
from ..domain.sms import BUCHAREST
from ..stores.engine import WriteConflict
from ..stores.rows import AnnouncementRow
from .deps import Deps

log = logging.getLogger(__name__)
LIST_LIMIT = 50


def iso(ms: int | None) -> str | None:
    """A time as ISO 8601 in Bucharest, to the second."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, BUCHAREST).isoformat(timespec="seconds")


def create_announcement(
    deps: Deps, actor: str, data: dict[str, Any], *, announcement_id: str | None = None, origin: str | None = None
) -> AnnouncementRow:
    """Validate, resolve the audience, record; enqueue now unless ``sendAt`` is in the future. A given
    ``announcement_id`` that exists raises WriteConflict (a reminder is written once)."""
    title, body = rules.parse_text(data.get("title"), data.get("body"))
    audience = rules.parse_audience(data.get("audience"))
    channels = rules.parse_channels(data.get("channels"))
    now = deps.now()
    send_at = rules.parse_send_at(data.get("sendAt"), now)
    registry = deps.stores.associations
    # The keys-only registry index (~80 bytes an association) when street and CUI are enough.
    cuis = rules.resolve(audience, registry.all() if audience.reads_buildings else registry.registry())
    if not cuis:
        raise InvalidInput(
            "Nicio asociație din registru nu corespunde destinatarilor aleși.",
            "No association in the registry matches the audience.",
        )
    row = AnnouncementRow(
        id=announcement_id or uuid.uuid4().hex,
        title=title,
        body=body,
        audience=audience.as_json(),
        channels=list(channels),
        status=rules.SCHEDULED,
        send_at=send_at or now,
        created_at=now,
        created_by=actor,
        origin=origin,
        recipients=len(cuis),
    )
    deps.stores.announcements.create(row, rules.slices(cuis))
    if send_at is None:
        release(deps, row)
    return row


def release(deps: Deps, row: AnnouncementRow) -> None:
    """Enqueue the expand messages, then mark it released (a conflict: another run released it meanwhile)."""
    messages = [{"kind": "expand", "id": row.id, "part": index} for index in range(row.parts)]
    deps.queue.send_batch(messages)
    try:
        deps.stores.announcements.release(row.id, deps.now())
    except WriteConflict:
        pass
    row.status = rules.RELEASED


def release_due(deps: Deps) -> int:
    """The scheduled job's step: release every scheduled announcement whose time has come."""
    count = 0
    for row in list(deps.stores.announcements.due(deps.now())):
        try:
            release(deps, row)
        except Exception:
            log.exception("announcement %s not released; the next run tries again", row.id)
            continue
        count += 1
    return count


def announcement_view(deps: Deps, announcement_id: str) -> dict[str, Any]:
    row = deps.stores.announcements.get(announcement_id)
    if row is None:
        raise NotFound("Anunțul nu există.", "no such announcement")
    return summary(row)


def summary(row: AnnouncementRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "recipients": row.recipients,
        "counts": rules.counts(row.recipients, row.sent, row.failed, row.unconfirmed, row.read),
        "status": row.status,
        "channels": row.channels,
        "audience": row.audience,
        "sendAt": iso(row.send_at),
        "createdAt": iso(row.created_at),
    }


def list_announcements(deps: Deps) -> list[dict[str, Any]]:
    """The newest announcements, for the console."""
    return [summary(row) for row in deps.stores.announcements.recent(LIST_LIMIT)]

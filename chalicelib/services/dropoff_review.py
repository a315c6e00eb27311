"""Drop-off, the staff's side (issue 14): the round of files to collect, and a compartment found empty.

Files wait in their compartments until a clerk's round (``POST /api/requests/{id}/retrieve``, the existing
route, opens one; ``locker_dropoff`` hands the file to the department when the door closes). The list is per
locker, the oldest first; staff tasks name the files waiting more than a working day.

Without a sensor the backend cannot tell a door opened and closed with nothing put in from a real drop-off:
the registration stands (the citizen did come and did close the door), and the clerk who finds the
compartment empty marks it so (``found_empty``): the request waits for documents (every needed document is
asked for), the citizen is told by SMS and can drop the file off again with a new code.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .. import catalogue
from ..domain import checklist, dropoff, online_requests
from ..domain.errors import IllegalTransition
from ..domain.lifecycle import change_status
from ..domain.sms import BUCHAREST, SmsContext
from ..stores.audit import audit_row
from ..stores.engine import WriteConflict
from ..stores.rows import Request
from .audit import request_subject
from .auth import StaffIdentity
from .deps import Deps
from .locker_dropoff import waiting_files
from .notify import notify
from .online_review import staff_request
from .status_writes import write_status

EMPTY_MESSAGE = "Compartimentul era gol la ridicarea dosarului. Depuneți din nou documentele."


def to_collect(deps: Deps) -> list[dict[str, Any]]:
    """Per locker, the dropped-off files still in a compartment, the oldest first."""
    by_locker: dict[str, list[dict[str, Any]]] = {}
    for record in waiting_files(deps):
        by_locker.setdefault(record.collect_from or "", []).append(_file_view(deps, record))
    return [{"lockerId": locker, "files": files} for locker, files in sorted(by_locker.items())]


def _file_view(deps: Deps, record: Request) -> dict[str, Any]:
    return {
        "id": record.id,
        "registrationNumber": record.registration_number,
        "status": record.status,
        "serviceId": record.service_id,
        "department": record.department,
        "compartment": record.compartment,
        "droppedAt": record.dropped_at,
        "waitingHours": max(0, (deps.now() - int(record.dropped_at or deps.now())) // 3_600_000),
        "retrieving": bool(record.retrieve_cmd),
    }


def waiting_too_long(deps: Deps) -> list[dict[str, Any]]:
    """Files left in a compartment longer than a working day (staff tasks)."""
    now = deps.now()
    return [
        _file_view(deps, r) for r in waiting_files(deps) if r.dropped_at and next_working_day(int(r.dropped_at)) <= now
    ]


def next_working_day(at_ms: int) -> int:
    """The same time on the next working day (Monday to Friday, Bucharest): a file dropped on Friday evening
    is late on Monday evening, one dropped on Saturday on Monday at the same hour. Public holidays are not
    counted (the city hall's calendar is not in the system yet)."""
    moment = datetime.fromtimestamp(at_ms / 1000, BUCHAREST)
    day = moment + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return int(day.timestamp() * 1000)


def found_empty(deps: Deps, identity: StaffIdentity, request_id: str) -> Request:
    """The clerk found the compartment empty: ask the citizen for every needed document, and say why."""
    record = staff_request(deps, identity, request_id)
    if record.intake != dropoff.INTAKE or record.collect_from or record.status != online_requests.IN_REVIEW:
        raise IllegalTransition(
            "Se marchează „gol la ridicare” doar un dosar depus la dulap, scos din compartiment și aflat în analiză.",
            "only a dropped-off file taken out of its compartment and in review can be marked empty",
        )
    service = catalogue.get_service(record.service_id or "")
    needed = [item for item in checklist.checklist(service, record.answers or {}) if item.needed]
    now = deps.now()
    asked = {
        "documents": [{"id": i.id, "name": {"ro": i.name_ro, "en": i.name_en}} for i in needed],
        "message": EMPTY_MESSAGE,
        "at": now,
        "by": identity.username,
    }
    change = change_status(record.id, record.status, dropoff.FOUND_EMPTY, now, identity.username)
    try:
        with deps.stores.transaction() as tx:
            write_status(deps, change, tx, set={"asked": asked, "found_empty_at": now})
    except WriteConflict:
        raise IllegalTransition(
            "Cererea s-a schimbat între timp; reîncărcați pagina.", "request changed meanwhile"
        ) from None
    updated = deps.stores.requests.get(record.id)
    assert updated is not None
    url = f"{deps.settings.public_base_url}/cereri"
    notify(deps, updated, "dropoff_empty", SmsContext(updated.registration_number, url=url))
    return updated


def confirm_complete(deps: Deps, identity: StaffIdentity, request_id: str) -> Request:
    """The clerk compared the collected file with the checklist and found it complete: recorded in the request's
    history (no status change: the department goes on working it, as an online request)."""
    record = staff_request(deps, identity, request_id)
    if record.intake != dropoff.INTAKE or record.collect_from or record.status != online_requests.IN_REVIEW:
        raise IllegalTransition(
            "Se confirmă „dosar complet” doar pentru un dosar depus la dulap, scos din compartiment "
            "și aflat în analiză.",
            "only a dropped-off file taken out of its compartment and in review can be confirmed complete",
        )
    subject = request_subject(record.id)
    deps.stores.audit.add(audit_row(subject, identity.username, "dropoff_complete", deps.now()))
    return record

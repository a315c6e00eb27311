"""Drop-off at the locker (issue 14): a drop-off code opens a free compartment, the door closing registers the
file, staff take it out for the department.

- A claimed drop-off code (``locker_codes`` claims every code the same way) gets a compartment of the
  envelope's size by the deposits' race-free allocation: one transaction per candidate reserves it for the
  request (only if free and in service), confirms the claim, uses up the sibling code, records the unlock and
  audits it; then ``unlock`` purpose ``dropoff`` is published. No compartment free: the claim is given back
  (the code stays valid) and the locker gets ``reject`` ``full`` naming the counter and its hours.
  A drop-off code is bound to its request and never to a compartment: it can only open a free one, never one
  holding someone else's documents.
- ``door_closed`` with that unlock's ``cmd``: a draft is registered at the door's time (number, ``registered``,
  SMS with the number, date and time and the service); a request that was waiting for documents goes back to
  ``in_review`` (SMS "received"). The compartment is occupied and the file waits to be collected.
- Staff ``retrieve`` opens it (purpose ``retrieve``); the door closing hands the file to the department
  (``registered`` → ``in_review``) and frees the compartment, whose fields leave the request so the answer can
  come back through a locker under the same number.
- An unlock the locker refused (door jammed) frees the compartment and gives the code back.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from ..domain import dropoff, online_requests
from ..domain.compartments import allocation_order
from ..domain.errors import IllegalTransition, RequestChanged
from ..domain.lifecycle import change_status
from ..domain.protocol import LockerEvent
from ..domain.sms import SmsContext
from ..stores.audit import audit_row
from ..stores.commands import unlock_row
from ..stores.engine import ABSENT, Transaction, WriteConflict
from ..stores.rows import CommandRow, Contact, Credential, Request
from .audit import locker_subject, request_subject
from .commands import build_reject, build_unlock, publish
from .deps import Deps
from .event_records import set_outcome
from .lockers import load_locker_items
from .notify import PreparedSms, prepare_for, send_prepared
from .registry import register_next, registered_fields
from .status_writes import write_status

log = logging.getLogger(__name__)
DROPPABLE = (online_requests.DRAFT, online_requests.AWAITING_DOCUMENTS)
MAX_CLOCK_SKEW_MS = 86_400_000  # a door time further from ours than this is not believed: ours is used
# a file waits in a compartment in these statuses (a withdrawn request's file too, until staff take it out)
WAITING_STATUSES = (
    online_requests.REGISTERED,
    online_requests.IN_REVIEW,
    online_requests.AWAITING_DOCUMENTS,
    online_requests.WITHDRAWN,
)


def open_for_dropoff(deps: Deps, event: LockerEvent, claimed: Credential, cmd_id: str, now: int) -> str:
    """Allocate a compartment for the claimed drop-off code and open it; or give the claim back and refuse."""
    record = deps.stores.requests.get(claimed.request_id)
    if record is None or record.dropoff_key not in (claimed.code_key, claimed.sibling) or not _droppable(record):
        _give_back(deps, claimed, cmd_id)
        return _refuse(deps, event, "invalid_code")
    _, compartments, _ = load_locker_items(deps, event.locker)
    for candidate in allocation_order(compartments, record.size, record.accessible):
        message = build_unlock(deps, event.locker, candidate.id, "dropoff", re=event.id, command_id=cmd_id)
        try:
            with deps.stores.transaction() as tx:
                deps.stores.lockers.reserve_compartment(event.locker, candidate.id, record.id, tx)
                deps.stores.requests.update_fields(
                    record.id,
                    tx,
                    set={"dropoff_cmd": cmd_id, "locker_id": event.locker, "compartment": candidate.id},
                    expect={
                        "status": record.status,
                        "dropoff_key": record.dropoff_key,
                        "collect_from": ABSENT,
                        "dropoff_cmd": ABSENT,
                    },
                )
                deps.stores.credentials.confirm_claim(claimed.code_key, cmd_id, tx)
                if claimed.sibling:
                    deps.stores.credentials.mark_used(claimed.sibling, now, tx, by_cmd=cmd_id)
                command = replace(unlock_row(message, record.id), credential_key=claimed.code_key)
                deps.stores.commands.record(command, tx)
                deps.stores.audit.add(
                    audit_row(
                        request_subject(record.id),
                        f"locker:{event.locker}",
                        "dropoff_unlock",
                        now,
                        via=event.type,
                        compartment=candidate.id,
                        cmd=cmd_id,
                    ),
                    tx,
                )
        except WriteConflict:
            current = deps.stores.requests.get(record.id)
            if current is not None and current.dropoff_cmd == cmd_id and current.compartment:
                message = build_unlock(
                    deps, event.locker, current.compartment, "dropoff", re=event.id, command_id=cmd_id
                )
                break  # it did commit (a retried request after a timeout): open what it reserved
            if current is not None and current.dropoff_cmd:  # the same code's PIN and QR at the same moment
                _give_back(deps, claimed, cmd_id)
                return _refuse(deps, event, "used")
            if current is None or current.status != record.status or current.dropoff_key != record.dropoff_key:
                _give_back(deps, claimed, cmd_id)
                return _refuse(deps, event, "invalid_code")
            continue  # the compartment was taken meanwhile: the next one
        break
    else:
        _give_back(deps, claimed, cmd_id)
        return _refuse(deps, event, "full")
    publish(deps, message)
    set_outcome(deps, event, "unlock")
    return "unlock"


def _droppable(record: Request) -> bool:
    """A request with intake locker (importing ``domain.dropoff`` adds its actions to the state machine), whose
    file is not in a compartment yet and for which no compartment is being opened."""
    return (
        record.intake == dropoff.INTAKE
        and record.status in DROPPABLE
        and not record.collect_from
        and not record.dropoff_cmd
    )


def _give_back(deps: Deps, claimed: Credential, cmd_id: str) -> None:
    try:
        deps.stores.credentials.undo_claim(claimed.code_key, cmd_id)
    except WriteConflict:
        log.warning("drop-off claim %s was no longer ours to give back", cmd_id)


def _refuse(deps: Deps, event: LockerEvent, reason: str) -> str:
    publish(deps, build_reject(deps, event.locker, reason, event.id))
    outcome = f"reject:{reason}"
    set_outcome(deps, event, outcome)
    return outcome


def door_time(deps: Deps, event: LockerEvent) -> int:
    """When the door closed on the file: the locker's time, unless it is implausibly far from ours."""
    now = deps.now()
    return event.ts if 0 <= now - event.ts <= MAX_CLOCK_SKEW_MS else now


def on_dropoff_closed(deps: Deps, request: Request, contact: Contact | None, event: LockerEvent, actor: str) -> str:
    """The door closed after a drop-off unlock: the file is in, at the door's time. The SMS is recorded in the
    transaction that writes the file's arrival and sent after it (a crash in between leaves it to the job's
    SMS retries, never unsent)."""
    assert request.locker_id and request.compartment
    at = door_time(deps, event)
    if request.status == online_requests.DRAFT:
        return _register(deps, request, contact, at, actor)
    arrived = {"dropped_at": at, "collect_from": request.locker_id}
    guard = {"dropoff_cmd": request.dropoff_cmd, "collect_from": ABSENT}
    sms = None
    try:
        with deps.stores.transaction() as tx:
            if request.status == online_requests.AWAITING_DOCUMENTS:
                change = change_status(request.id, request.status, "resubmit", deps.now(), actor, dropoff=True)
                write_status(deps, change, tx, set=arrived, expect=guard)
                ctx = SmsContext(request.registration_number, at_ms=at)
                sms = prepare_for(deps, request, contact, "dropoff_received", ctx)
                if sms is not None:
                    deps.stores.notifications.record(sms.record, tx)
            else:  # withdrawn (or changed) while the door was open: the file is there all the same, for staff
                deps.stores.requests.update_fields(request.id, tx, set=arrived, expect=guard)
                deps.stores.audit.add(
                    audit_row(request_subject(request.id), actor, "dropoff_unexpected", at, status=request.status), tx
                )
            deps.stores.lockers.mark_occupied(request.locker_id, request.compartment, tx)
    except WriteConflict:
        return "stale"
    if sms is not None:
        send_prepared(deps, sms)
    return (
        online_requests.IN_REVIEW if sms is not None or request.status == online_requests.AWAITING_DOCUMENTS else "held"
    )


def _register(deps: Deps, request: Request, contact: Contact | None, at: int, actor: str) -> str:
    locker_id, compartment = request.locker_id, request.compartment
    assert locker_id and compartment
    from .. import catalogue  # only here: the locker-event Lambda does not load the catalogue

    service = catalogue.get_service(request.service_id or "")
    due = online_requests.answer_due(at, online_requests.answer_days(service, deps.settings.answer_days))
    title = str(service.get("title", {}).get("ro", ""))
    change = change_status(request.id, request.status, "dropoff_registered", at, actor, cmd=request.dropoff_cmd)
    prepared: list[PreparedSms | None] = []

    def write(tx: Transaction, number: str) -> None:
        fields = {**registered_fields(number, at, due), "dropped_at": at, "collect_from": locker_id}
        write_status(deps, change, tx, set=fields, expect={"dropoff_cmd": request.dropoff_cmd, "collect_from": ABSENT})
        deps.stores.lockers.mark_occupied(locker_id, compartment, tx)
        numbered = replace(request, registration_number=number)
        sms = prepare_for(deps, numbered, contact, "dropoff_registered", SmsContext(number, at_ms=at, service=title))
        if sms is not None:
            deps.stores.notifications.record(sms.record, tx)
        prepared[:] = [sms]

    def changed() -> bool:
        current = deps.stores.requests.get(request.id)
        return current is None or current.status != request.status or bool(current.collect_from)

    if register_next(deps, request.id, at, write, changed) is None:
        return "stale"
    sms = prepared[0] if prepared else None
    if sms is not None:
        send_prepared(deps, sms)
    return online_requests.REGISTERED


def retrieve_dropped_file(deps: Deps, actor: str, record: Request) -> str:
    """Staff open the compartment holding a dropped-off file (``POST /api/requests/{id}/retrieve``)."""
    if not record.collect_from or not record.locker_id or not record.compartment:
        raise IllegalTransition("Dosarul nu este în dulap.", "no dropped-off file waits in a compartment")
    message = build_unlock(deps, record.locker_id, record.compartment, "retrieve")
    now = deps.now()
    try:
        with deps.stores.transaction() as tx:
            deps.stores.requests.update_fields(
                record.id,
                tx,
                set={"retrieve_cmd": message["id"], "updated_at": now},
                expect={"status": record.status, "collect_from": record.locker_id},
            )
            deps.stores.commands.record(unlock_row(message, record.id), tx)
            for subject in (request_subject(record.id), locker_subject(record.locker_id)):
                deps.stores.audit.add(
                    audit_row(subject, actor, "retrieve", now, compartment=record.compartment, cmd=message["id"]), tx
                )
    except WriteConflict as error:
        raise RequestChanged() from error
    publish(deps, message)
    return record.compartment


def on_dropped_file_retrieved(deps: Deps, request: Request, command: CommandRow, actor: str) -> str:
    """The door closed after staff opened a dropped-off file's compartment: the department has the file."""
    assert request.locker_id and request.compartment
    forget = ["collect_from", "locker_id", "compartment", "retrieve_cmd", "dropoff_cmd"]
    now = deps.now()
    try:
        with deps.stores.transaction() as tx:
            if request.status == online_requests.REGISTERED:
                change = change_status(request.id, request.status, "dropoff_collected", now, actor, cmd=command.id)
                write_status(deps, change, tx, remove=forget, expect={"retrieve_cmd": command.id})
            else:  # documents asked for, or a withdrawn request: the status stays, the file is out
                deps.stores.requests.update_fields(
                    request.id, tx, set={"updated_at": now}, remove=forget, expect={"retrieve_cmd": command.id}
                )
                deps.stores.audit.add(
                    audit_row(request_subject(request.id), actor, "dropoff_retrieved", now, cmd=command.id), tx
                )
            deps.stores.lockers.empty(request.locker_id, request.compartment, request.id, tx)
    except WriteConflict:
        return "stale"
    except IllegalTransition:
        return "illegal_transition"
    return online_requests.IN_REVIEW if request.status == online_requests.REGISTERED else request.status


def undo_dropoff(deps: Deps, request: Request, command: CommandRow, actor: str) -> None:
    """The locker refused the drop-off unlock (door jammed): free the compartment and give the code back."""
    if request.dropoff_cmd != command.id or request.collect_from:
        return
    assert request.locker_id and request.compartment
    try:
        with deps.stores.transaction() as tx:
            deps.stores.lockers.release_compartment(request.locker_id, request.compartment, request.id, tx)
            deps.stores.requests.update_fields(
                request.id,
                tx,
                remove=["dropoff_cmd", "locker_id", "compartment"],
                expect={"dropoff_cmd": command.id, "collect_from": ABSENT},
            )
            deps.stores.audit.add(
                audit_row(request_subject(request.id), actor, "dropoff_failed", deps.now(), cmd=command.id), tx
            )
    except WriteConflict:
        return
    for key in deps.stores.credentials.pair(command.credential_key):
        deps.stores.credentials.give_back(key)


def waiting_files(deps: Deps) -> list[Request]:
    """Dropped-off files still in a compartment, the oldest first (staff's round)."""
    files = [r for status in WAITING_STATUSES for r in deps.stores.requests.waiting_in_lockers(status)]
    return sorted(files, key=lambda r: (r.collect_from or "", r.dropped_at or 0))

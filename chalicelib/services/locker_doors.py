"""Door events, acks, faults and offline pickups: where a command's effect becomes a request transition.

A ``door_closed`` carrying the id of a deposit command puts the request
``in_locker`` (codes issued, SMS sent); after a pickup command it is
``collected``; after a retrieve command it is ``returned``. Drop-off's door
cycles (a citizen's file in, staff taking it out) are ``locker_dropoff``'s.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from .. import metrics
from ..domain.errors import IllegalTransition
from ..domain.keypad import split_code
from ..domain.lifecycle import Status, change_status
from ..domain.protocol import LockerEvent
from ..stores.audit import audit_row
from ..stores.engine import WriteConflict
from ..stores.rows import CommandRow, Contact, Credential, LockerRow, Request
from .audit import locker_subject, request_subject
from .commands import send_pin_verifier
from .credentials import IssuedCodes, pin_key, prepare_codes, token_key
from .deposit import release_compartment, revoke_offline_credential
from .deps import Deps
from .locker_codes import recover_unrecorded_unlock
from .locker_dropoff import on_dropoff_closed, on_dropped_file_retrieved, undo_dropoff
from .lockers import revoked_until, tell_revoked
from .notify import notify, pickup_context, prepare_for, send_prepared, sms_context
from .request_records import close_actions, get_request, schedule_contact_erasure
from .status_writes import write_status

log = logging.getLogger(__name__)
DAY_MS = 86_400_000
OFFLINE_CMD_PREFIX = "offline-"  # the agent's label for a door it opened offline: offline-<nonce>


def on_door(deps: Deps, event: LockerEvent) -> str:
    """Apply a door event; a transition the state machine refuses changes nothing and is reported."""
    try:
        return _on_door(deps, event)
    except IllegalTransition as refused:
        log.warning("door event %s on %s refused by the state machine: %s", event.id, event.locker, refused)
        return "illegal_transition"


def _on_door(deps: Deps, event: LockerEvent) -> str:
    door = "open" if event.type == "door_opened" else "closed"
    assert event.compartment is not None
    # applied only if newer than the last applied event (boot/seq order); the compartment comes back with it
    change = deps.stores.lockers.record_door(
        event.locker,
        event.compartment,
        door,
        event.ts,
        event.boot,
        event.seq,
        closed_cmd=event.cmd if door == "closed" else None,
    )
    slot = change.compartment
    if slot is None:
        _locker_audit(deps, event.locker, "fault", reason="unknown_compartment", compartment=event.compartment)
        return "unknown_compartment"
    if door == "open" or not event.cmd:
        return "door_state" if change.applied else "stale"
    if event.cmd.startswith(OFFLINE_CMD_PREFIX):
        return _offline_door_cycle(deps, event, slot)
    # one read for the command, the request holding the compartment and its contact
    command, request, contact = deps.stores.door_context(event.cmd, slot.request_id)
    if command is None:
        command = recover_unrecorded_unlock(deps, event.locker, event.compartment, event.cmd)
        if command is None:
            return "unknown_command"
        request = None  # the recovery wrote the request's bookkeeping: read it again below
    if command.locker_id != event.locker or command.compartment != event.compartment or not command.request_id:
        return "door_state"
    if command.purpose == "service":  # staff freeing a compartment held by a closed request
        freed = _release_if_closed(deps, event.locker, event.compartment, command.request_id, slot.release_on)
        return "released" if freed else "door_state"
    if request is None or request.id != command.request_id:  # the compartment changed hands meanwhile
        request, contact = get_request(deps, command.request_id), deps.stores.requests.contact(command.request_id)
    actor = f"locker:{event.locker}"
    if command.purpose == "dropoff" and request.dropoff_cmd == command.id and not request.collect_from:
        return on_dropoff_closed(deps, request, contact, event, actor)
    if command.purpose == "retrieve" and request.collect_from and request.retrieve_cmd == command.id:
        return on_dropped_file_retrieved(deps, request, command, actor)
    if command.purpose == "deposit" and request.status == Status.RESERVED.value and request.deposit_cmd == command.id:
        return _deposit_confirmed(deps, request, contact, actor)
    if command.purpose == "pickup" and request.status == Status.IN_LOCKER.value and request.pickup_cmd == command.id:
        return _closed_after(deps, request, contact, actor, "collect_from_locker", command)
    retrievable = (Status.EXPIRED.value, Status.IN_LOCKER.value)
    if command.purpose == "retrieve" and request.status in retrievable and request.retrieve_cmd == command.id:
        return _closed_after(deps, request, contact, actor, "returned", command)
    return "door_state"


def _locker_audit(deps: Deps, locker_id: str, action: str, actor: str | None = None, **detail: object) -> None:
    """An entry in the locker's trail, by the locker itself unless ``actor`` says otherwise."""
    deps.stores.audit.add(
        audit_row(locker_subject(locker_id), actor or f"locker:{locker_id}", action, deps.now(), **detail)
    )


def _deposit_confirmed(deps: Deps, request: Request, contact: Contact | None, actor: str) -> str:
    """The documents are in: in one transaction the request goes ``in_locker``, the compartment is occupied,
    the PIN and QR credentials and the pickup SMS's record are written; then the SMS and the PIN verifier go.
    (A PIN already live at this locker fails the transaction: another PIN is drawn.)"""
    now = deps.now()
    deadline = now + deps.settings.pickup_days * DAY_MS
    assert request.locker_id and request.compartment
    change = change_status(request.id, request.status, "deposit_confirmed", now, actor, deadline=deadline)
    phone = contact.phone if contact else None
    for _ in range(20):
        prepared = prepare_codes(
            deps, request.id, request.locker_id, request.compartment, deadline, request.deposit_cmd or "", phone
        )
        codes = prepared.codes
        placed = replace(
            request,
            status=change.after,
            updated_at=change.at,
            deadline=deadline,
            qr_key=codes.token_key,
            due_at=deadline,
        )
        sms = prepare_for(deps, placed, contact, "pickup_ready", pickup_context(deps, placed, codes.pin, codes.token))
        try:
            with deps.stores.transaction() as tx:
                write_status(
                    deps, change, tx, set={"deadline": deadline, "qr_key": codes.token_key, "due_at": deadline}
                )
                deps.stores.lockers.mark_occupied(request.locker_id, request.compartment, tx)
                deps.stores.credentials.issue(prepared.pin_row, tx)
                deps.stores.credentials.issue(prepared.qr_row, tx)
                if sms is not None:
                    deps.stores.notifications.record(sms.record, tx)
        except WriteConflict:
            current = deps.stores.requests.get(request.id)
            if current is None or current.status != request.status or current.deposit_cmd != request.deposit_cmd:
                return "stale"
            continue  # the PIN drawn is live at this locker for another request
        if sms is not None:
            send_prepared(deps, sms)
        send_pin_verifier(deps, _pin_credential(placed, codes, deadline))
        return "in_locker"
    raise RuntimeError("could not find a free PIN")


def _pin_credential(request: Request, codes: IssuedCodes, expires_at: int) -> Credential:
    """What the locker's offline PIN check needs of the PIN credential ``issue_request_codes`` wrote."""
    assert request.locker_id and request.compartment
    return Credential(
        code_key=codes.pin_key,
        request_id=request.id,
        locker_id=request.locker_id,
        compartment=request.compartment,
        expires_at=expires_at,
        deposit_cmd=request.deposit_cmd or "",
        offline_nonce=codes.nonce,
        verifier=codes.verifier,
        sibling=codes.token_key,
    )


def _closed_after(
    deps: Deps, request: Request, contact: Contact | None, actor: str, action: str, command: CommandRow
) -> str:
    """The door closed after a pickup or a retrieval: in one transaction the request closes, its compartment is
    free again, the "collected" SMS is recorded, the contact's erasure is scheduled and (after a pickup) the
    offline credential the unlock's bookkeeping noted is revoked; then the SMS and the revocation go out."""
    now = deps.now()
    assert request.locker_id and request.compartment
    change = change_status(request.id, request.status, action, now, actor)
    after = change.after
    channel = "locker" if after == Status.COLLECTED else None
    sms = None
    if after == Status.COLLECTED and deps.settings.collected_sms_enabled:
        sms = prepare_for(deps, request, contact, "collected", sms_context(deps, request, at_ms=now))
    nonce = command.offline_nonce if after == Status.COLLECTED and command.offline_until else None
    erase_at = now // 1000 + deps.settings.erase_after_days * 86_400
    for with_contact in (contact is not None, False):
        try:
            with deps.stores.transaction() as tx:
                write_status(deps, change, tx, set=close_actions(deps, channel))
                deps.stores.lockers.empty(request.locker_id, request.compartment, request.id, tx)
                if sms is not None:
                    deps.stores.notifications.record(sms.record, tx)
                if with_contact:
                    deps.stores.requests.schedule_contact_erasure(request.id, erase_at, tx)
                if nonce:
                    until = revoked_until(int(command.offline_until or 0))
                    deps.stores.lockers.add_revocation(request.locker_id, nonce, until, tx)
        except WriteConflict:
            current = deps.stores.requests.get(request.id)
            if with_contact and current is not None and current.status == request.status:
                continue  # the contact went meanwhile: close without scheduling its erasure
            return "stale"
        break
    if nonce:
        tell_revoked(deps, request.locker_id, nonce)
    elif after == Status.COLLECTED:  # an unlock recorded before commands noted the nonce: read it
        revoke_offline_credential(deps, request)
    if sms is not None:
        send_prepared(deps, sms)
    return after


def on_ack(deps: Deps, event: LockerEvent) -> str:
    assert event.cmd and event.result
    command = deps.stores.commands.get(event.cmd)
    if command is None:
        return "unknown_command"
    if command.locker_id != event.locker:
        return "wrong_locker"
    try:
        deps.stores.commands.acknowledge(command.id, event.result, event.reason)
    except WriteConflict:
        return "late_ack"
    if event.result == "rejected":
        _locker_audit(
            deps,
            event.locker,
            "fault",
            reason=f"command_rejected:{event.reason}",
            compartment=command.compartment,
            cmd=command.id,
        )
        if command.request_id:
            undo_command(deps, command, f"locker:{event.locker}")
    return f"ack:{event.result}"


def undo_command(deps: Deps, command: CommandRow, actor: str) -> None:
    """A deposit that never happened frees its compartment; a pickup that never opened gives the codes back."""
    request = get_request(deps, command.request_id or "")
    if command.purpose == "dropoff":
        undo_dropoff(deps, request, command, actor)
    elif command.purpose == "retrieve" and request.collect_from and request.retrieve_cmd == command.id:
        try:  # the file is still in: staff may open it again
            deps.stores.requests.update_fields(request.id, remove=["retrieve_cmd"], expect={"retrieve_cmd": command.id})
        except WriteConflict:
            pass
    elif command.purpose == "deposit" and request.status == Status.RESERVED.value and request.deposit_cmd == command.id:
        release_compartment(deps, request, back_to_ready=True, actor=actor)
    elif command.purpose == "pickup" and request.status == Status.IN_LOCKER.value and request.pickup_cmd == command.id:
        _restore_codes(deps, command)
        deps.stores.requests.update_fields(request.id, remove=["pickup_cmd"], expect={"pickup_cmd": command.id})
        deps.stores.audit.add(
            audit_row(request_subject(request.id), actor, "pickup_failed", deps.now(), cmd=command.id)
        )


def _restore_codes(deps: Deps, command: CommandRow) -> None:
    for key in deps.stores.credentials.pair(command.credential_key):
        deps.stores.credentials.give_back(key)


def on_fault(deps: Deps, event: LockerEvent) -> str:
    _locker_audit(deps, event.locker, "fault", reason=event.reason, compartment=event.compartment, cmd=event.cmd)
    if event.reason == "door_jammed" and event.compartment:
        _out_of_service(deps, event.locker, event.compartment)
    log.warning("locker %s fault %s on %s", event.locker, event.reason, event.compartment)
    if event.reason == "forced_open":
        metrics.count(metrics.FORCED_DOORS, lockerId=event.locker, compartment=event.compartment)
    return f"fault:{event.reason}"


def _out_of_service(deps: Deps, locker_id: str, compartment: str) -> None:
    """A door that did not open (or opened late, after the backend gave its compartment back) is not offered to
    the next citizen: the compartment waits for staff (locker alerts) to check it and put it back in service."""
    try:
        with deps.stores.transaction() as tx:
            deps.stores.lockers.set_enabled(locker_id, compartment, False, tx)
    except WriteConflict:
        return
    _locker_audit(deps, locker_id, "out_of_service", actor="system", compartment=compartment, reason="door_jammed")


def on_offline_pickup(deps: Deps, event: LockerEvent) -> str:
    """The locker opened offline with a PIN or a signed QR credential; reconcile the request to ``collected``.

    Nothing is trusted from the event alone: the credential must belong to this
    locker, this compartment and the deposit now in it, and be unexpired (at the
    event's time), unrevoked and unused. Anything else is a security fault for
    staff and changes nothing. The compartment is freed by the door cycle of the
    offline opening (``cmd`` = ``offline-<nonce>``), whichever arrives first.
    """
    raw = event.raw or {}
    code = (event.code or "").strip()
    typed = split_code(code)
    key = pin_key(deps, event.locker, typed[0]) if typed else token_key(deps, code.split(".", 1)[0])
    credential = deps.stores.credentials.get(key)
    if credential is None:
        return _security_fault(deps, event, "unknown_credential")
    request = get_request(deps, credential.request_id)
    problem = _offline_problem(credential, request, event, raw.get("deposit"))
    if problem:
        return _security_fault(deps, event, problem, request.id)
    now = deps.now()
    release_on = OFFLINE_CMD_PREFIX + (credential.offline_nonce or "")
    change = change_status(
        request.id,
        request.status,
        "collect_from_locker",
        now,
        f"locker:{event.locker}",
        offline=True,
        openedAt=event.ts,
    )
    try:
        with deps.stores.transaction() as tx:
            for code_key in filter(None, (credential.code_key, credential.sibling)):
                deps.stores.credentials.use_offline(code_key, event.ts, tx)
            write_status(deps, change, tx, set=close_actions(deps, "locker"))
            deps.stores.lockers.release_after(event.locker, credential.compartment, request.id, release_on, tx)
    except WriteConflict:
        return _security_fault(deps, event, "credential_changed", request.id)
    _release_if_closed(deps, event.locker, credential.compartment, request.id, release_on)
    if deps.settings.collected_sms_enabled:
        notify(deps, request, "collected", sms_context(deps, request, at_ms=event.ts))
    schedule_contact_erasure(deps, request.id)
    return Status.COLLECTED.value


def _offline_problem(credential: Credential, request: Request, event: LockerEvent, deposit: object) -> str | None:
    if credential.locker_id != event.locker:
        return "wrong_locker"
    if credential.compartment != event.compartment or request.compartment != event.compartment:
        return "wrong_compartment"
    if not credential.deposit_cmd or credential.deposit_cmd != request.deposit_cmd:
        return "wrong_deposit"
    if deposit is not None and deposit != credential.deposit_cmd:
        return "wrong_deposit"
    if credential.revoked:
        return "revoked"
    if credential.used_at:
        return "used"
    if event.ts > credential.expires_at:
        return "expired"
    if request.status != Status.IN_LOCKER.value:
        return "not_in_locker"
    return None


def _security_fault(deps: Deps, event: LockerEvent, why: str, request_id: str | None = None) -> str:
    _locker_audit(
        deps,
        event.locker,
        "security_fault",
        reason=f"offline_pickup_{why}",
        compartment=event.compartment,
        request=request_id,
    )
    log.warning("offline pickup refused at %s: %s", event.locker, why)
    return f"security_fault:{why}"


def _offline_door_cycle(deps: Deps, event: LockerEvent, slot: LockerRow) -> str:
    """The door of an offline opening closed: free the compartment if the pickup was accepted.

    ``slot`` is the compartment as the door event left it (or found it, if the event was stale)."""
    if slot.release_on != event.cmd or not slot.request_id:
        return "door_state"  # the pickup was refused, or has not arrived yet (it frees on arrival then)
    freed = _release_if_closed(deps, event.locker, event.compartment or "", slot.request_id, slot.release_on)
    return "released" if freed else "door_state"


def _release_if_closed(deps: Deps, locker_id: str, compartment: str, request_id: str, release_on: str | None) -> bool:
    """Free the compartment once the door cycle of the opening it waits for (``release_on``) is known to have
    closed; nothing to free if it waits for none."""
    if not release_on:
        return False
    try:
        deps.stores.lockers.free_after_door_cycle(locker_id, compartment, request_id, release_on)
    except WriteConflict:
        return False
    _locker_audit(deps, locker_id, "compartment_freed", actor="system", compartment=compartment)
    return True

"""Door events, acks, faults and offline pickups: where a command's effect becomes a request transition.

A ``door_closed`` carrying the id of a deposit command puts the request
``in_locker`` (codes issued, SMS sent); after a pickup command it is
``collected``; after a retrieve command it is ``returned``.
"""

from __future__ import annotations

import logging

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from .. import metrics
from ..domain.errors import IllegalTransition
from ..domain.keypad import split_code
from ..domain.lifecycle import Status, change_status
from ..domain.protocol import LockerEvent
from ..storage.models import CommandRecord, CredentialRecord, LockerItem, RequestRecord
from .audit import audit_entry, locker_subject, request_subject
from .commands import send_pin_verifier
from .credentials import discard_codes, issue_request_codes, pin_key, token_key
from .deposit import release_compartment, revoke_offline_credential
from .deps import Deps
from .locker_codes import recover_unrecorded_unlock
from .lockers import compartment_key
from .notify import notify, notify_pickup, sms_context
from .request_records import close_actions, load_request, schedule_contact_erasure
from .status_writes import status_actions, status_audit, status_guard

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
    fresh = _update_door(deps, event, door)
    if fresh is None:
        audit_entry(
            locker_subject(event.locker),
            f"locker:{event.locker}",
            "fault",
            deps.now(),
            reason="unknown_compartment",
            compartment=event.compartment,
        ).save()
        return "unknown_compartment"
    if door == "open" or not event.cmd:
        return "door_state" if fresh else "stale"
    if event.cmd.startswith(OFFLINE_CMD_PREFIX):
        return _offline_door_cycle(deps, event)
    try:
        command = CommandRecord.get(event.cmd)
    except CommandRecord.DoesNotExist:
        recovered = recover_unrecorded_unlock(deps, event.locker, event.compartment, event.cmd)
        if recovered is None:
            return "unknown_command"
        command = recovered
    if command.locker_id != event.locker or command.compartment != event.compartment or not command.request_id:
        return "door_state"
    if command.purpose == "service":  # staff freeing a compartment held by a closed request
        freed = _release_if_closed(deps, event.locker, event.compartment, command.request_id)
        return "released" if freed else "door_state"
    request = load_request(command.request_id)
    actor = f"locker:{event.locker}"
    if command.purpose == "deposit" and request.status == Status.RESERVED.value and request.deposit_cmd == command.id:
        return _deposit_confirmed(deps, request, actor)
    if command.purpose == "pickup" and request.status == Status.IN_LOCKER.value and request.pickup_cmd == command.id:
        return _closed_after(deps, request, actor, "collect_from_locker")
    retrievable = (Status.EXPIRED.value, Status.IN_LOCKER.value)
    if command.purpose == "retrieve" and request.status in retrievable and request.retrieve_cmd == command.id:
        return _closed_after(deps, request, actor, "returned")
    return "door_state"


def _update_door(deps: Deps, event: LockerEvent, door: str) -> bool | None:
    """Apply the door state if this event is newer than the last applied one (boot/seq order)."""
    item = LockerItem(locker_id=event.locker, item=compartment_key(event.compartment or ""))
    actions: list[Action] = [LockerItem.door.set(door), LockerItem.door_ts.set(event.ts)]
    if door == "closed" and event.cmd:
        actions.append(LockerItem.closed_cmd.set(event.cmd))
    if event.boot is not None:
        actions.append(LockerItem.door_boot.set(event.boot))
    if event.seq is not None:
        actions.append(LockerItem.door_seq.set(event.seq))
    newer = (
        LockerItem.door_seq.does_not_exist()
        | ((LockerItem.door_boot == (event.boot or "")) & (LockerItem.door_seq < (event.seq or 0)))
        | ((LockerItem.door_boot != (event.boot or "")) & (LockerItem.door_ts <= event.ts))
    )
    try:
        item.update(actions=actions, condition=LockerItem.size.exists() & newer)
        return True
    except UpdateError:
        try:
            LockerItem.get(event.locker, compartment_key(event.compartment or ""))
        except LockerItem.DoesNotExist:
            return None
        return False


def _deposit_confirmed(deps: Deps, request: RequestRecord, actor: str) -> str:
    now = deps.now()
    deadline = now + deps.settings.pickup_days * DAY_MS
    assert request.locker_id and request.compartment
    change = change_status(request.id, request.status, "deposit_confirmed", now, actor, deadline=deadline)
    codes = issue_request_codes(deps, request, deadline)
    try:
        with TransactWrite(connection=deps.connection) as tx:
            tx.update(
                request,
                actions=[
                    *status_actions(change),
                    RequestRecord.deadline.set(deadline),
                    RequestRecord.qr_key.set(codes.token_key),
                    RequestRecord.due_at.set(deadline),
                ],
                condition=status_guard(change),
            )
            tx.update(
                LockerItem(locker_id=request.locker_id, item=compartment_key(request.compartment)),
                actions=[LockerItem.occupied.set(True)],
            )
            tx.save(status_audit(change))
    except TransactWriteError:
        discard_codes(deps, codes)
        return "stale"
    request = load_request(request.id)
    notify_pickup(deps, request, codes.pin, codes.token)
    send_pin_verifier(deps, CredentialRecord.get(codes.pin_key))
    return "in_locker"


def _closed_after(deps: Deps, request: RequestRecord, actor: str, action: str) -> str:
    """The door closed after a pickup or a retrieval: the request closes and its compartment is free again."""
    now = deps.now()
    assert request.locker_id and request.compartment
    change = change_status(request.id, request.status, action, now, actor)
    after = change.after
    channel = "locker" if after == Status.COLLECTED else None
    try:
        with TransactWrite(connection=deps.connection) as tx:
            tx.update(
                request,
                actions=[*status_actions(change), *close_actions(deps, channel)],
                condition=status_guard(change),
            )
            tx.update(
                LockerItem(locker_id=request.locker_id, item=compartment_key(request.compartment)),
                actions=[LockerItem.request_id.remove(), LockerItem.occupied.set(False)],
                condition=LockerItem.request_id == request.id,
            )
            tx.save(status_audit(change))
    except TransactWriteError:
        return "stale"
    if after == Status.COLLECTED:
        revoke_offline_credential(deps, request)
    if after == Status.COLLECTED and deps.settings.collected_sms_enabled:
        notify(deps, request, "collected", sms_context(deps, request, at_ms=now))
    schedule_contact_erasure(deps, request.id)
    return after


def on_ack(deps: Deps, event: LockerEvent) -> str:
    now = deps.now()
    assert event.cmd and event.result
    try:
        command = CommandRecord.get(event.cmd)
    except CommandRecord.DoesNotExist:
        return "unknown_command"
    if command.locker_id != event.locker:
        return "wrong_locker"
    try:
        command.update(
            actions=[
                CommandRecord.status.set(event.result),
                CommandRecord.pending.remove(),
                *([CommandRecord.reason.set(event.reason)] if event.reason else []),
            ],
            condition=CommandRecord.pending.exists(),
        )
    except UpdateError:
        return "late_ack"
    if event.result == "rejected":
        audit_entry(
            locker_subject(event.locker),
            f"locker:{event.locker}",
            "fault",
            now,
            reason=f"command_rejected:{event.reason}",
            compartment=command.compartment,
            cmd=command.id,
        ).save()
        if command.request_id:
            undo_command(deps, command, f"locker:{event.locker}")
    return f"ack:{event.result}"


def undo_command(deps: Deps, command: CommandRecord, actor: str) -> None:
    """A deposit that never happened frees its compartment; a pickup that never opened gives the codes back."""
    request = load_request(command.request_id or "")
    if command.purpose == "deposit" and request.status == Status.RESERVED.value and request.deposit_cmd == command.id:
        release_compartment(deps, request, back_to_ready=True, actor=actor)
    elif command.purpose == "pickup" and request.status == Status.IN_LOCKER.value and request.pickup_cmd == command.id:
        _restore_codes(command)
        request.update(actions=[RequestRecord.pickup_cmd.remove()], condition=RequestRecord.pickup_cmd == command.id)
        audit_entry(request_subject(request.id), actor, "pickup_failed", deps.now(), cmd=command.id).save()


def _restore_codes(command: CommandRecord) -> None:
    if not command.credential_key:
        return
    try:
        credential = CredentialRecord.get(command.credential_key)
    except CredentialRecord.DoesNotExist:
        return
    for key in filter(None, (credential.code_key, credential.sibling)):
        CredentialRecord(code_key=key).update(
            actions=[CredentialRecord.used_at.remove()], condition=CredentialRecord.code_key.exists()
        )


def on_fault(deps: Deps, event: LockerEvent) -> str:
    audit_entry(
        locker_subject(event.locker),
        f"locker:{event.locker}",
        "fault",
        deps.now(),
        reason=event.reason,
        compartment=event.compartment,
        cmd=event.cmd,
    ).save()
    log.warning("locker %s fault %s on %s", event.locker, event.reason, event.compartment)
    if event.reason == "forced_open":
        metrics.count(metrics.FORCED_DOORS, lockerId=event.locker, compartment=event.compartment)
    return f"fault:{event.reason}"


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
    try:
        credential = CredentialRecord.get(key, consistent_read=True)
    except CredentialRecord.DoesNotExist:
        return _security_fault(deps, event, "unknown_credential")
    request = load_request(credential.request_id)
    problem = _offline_problem(credential, request, event, raw.get("deposit"))
    if problem:
        return _security_fault(deps, event, problem, request.id)
    now = deps.now()
    nonce = credential.offline_nonce or ""
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
        with TransactWrite(connection=deps.connection) as tx:
            for code_key in filter(None, (credential.code_key, credential.sibling)):
                tx.update(
                    CredentialRecord(code_key=code_key),
                    actions=[CredentialRecord.used_at.set(event.ts)],
                    condition=CredentialRecord.used_at.does_not_exist() & (CredentialRecord.revoked == False),  # noqa: E712
                )
            tx.update(
                request,
                actions=[*status_actions(change), *close_actions(deps, "locker")],
                condition=status_guard(change),
            )
            tx.update(
                LockerItem(locker_id=event.locker, item=compartment_key(credential.compartment)),
                actions=[LockerItem.release_on.set(OFFLINE_CMD_PREFIX + nonce)],
                condition=LockerItem.request_id == request.id,
            )
            tx.save(status_audit(change))
    except TransactWriteError:
        return _security_fault(deps, event, "credential_changed", request.id)
    _release_if_closed(deps, event.locker, credential.compartment, request.id)
    if deps.settings.collected_sms_enabled:
        notify(deps, request, "collected", sms_context(deps, request, at_ms=event.ts))
    schedule_contact_erasure(deps, request.id)
    return Status.COLLECTED.value


def _offline_problem(
    credential: CredentialRecord, request: RequestRecord, event: LockerEvent, deposit: object
) -> str | None:
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
    audit_entry(
        locker_subject(event.locker),
        f"locker:{event.locker}",
        "security_fault",
        deps.now(),
        reason=f"offline_pickup_{why}",
        compartment=event.compartment,
        request=request_id,
    ).save()
    log.warning("offline pickup refused at %s: %s", event.locker, why)
    return f"security_fault:{why}"


def _offline_door_cycle(deps: Deps, event: LockerEvent) -> str:
    """The door of an offline opening closed: free the compartment if the pickup was accepted."""
    try:
        item = LockerItem.get(event.locker, compartment_key(event.compartment or ""), consistent_read=True)
    except LockerItem.DoesNotExist:
        return "door_state"
    if item.release_on != event.cmd or not item.request_id:
        return "door_state"  # the pickup was refused, or has not arrived yet (it frees on arrival then)
    return (
        "released" if _release_if_closed(deps, event.locker, event.compartment or "", item.request_id) else "door_state"
    )


def _release_if_closed(deps: Deps, locker_id: str, compartment: str, request_id: str) -> bool:
    """Free the compartment once its offline opening's door cycle is known to have closed."""
    item = LockerItem(locker_id=locker_id, item=compartment_key(compartment))
    try:
        item.update(
            actions=[LockerItem.request_id.remove(), LockerItem.occupied.set(False), LockerItem.release_on.remove()],
            condition=(LockerItem.request_id == request_id)
            & LockerItem.release_on.exists()
            & (LockerItem.closed_cmd == LockerItem.release_on)
            & (LockerItem.door == "closed"),
        )
    except UpdateError:
        return False
    audit_entry(locker_subject(locker_id), "system", "compartment_freed", deps.now(), compartment=compartment).save()
    return True

"""Locker operations on a request: deposit (allocate a compartment and open it) and retrieve an expired one.

Allocation never double-books: each candidate is claimed by a transaction whose
condition is that the compartment is free and enabled and the request is still
``ready``; a lost race simply moves on to the next candidate.
"""

from __future__ import annotations

import logging

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ..domain.compartments import allocation_order
from ..domain.errors import (
    CompartmentUnavailable,
    IllegalTransition,
    LockerOffline,
    RequestChanged,
)
from ..domain.lifecycle import Status, change_status, next_status
from ..storage.models import CredentialRecord, LockerItem, RequestRecord
from .audit import audit_entry, locker_subject, request_subject
from .commands import build_unlock, command_record, publish, send_pin_verifier
from .credentials import discard_codes, issue_request_codes, revoke_codes
from .deps import Deps
from .lockers import compartment_key, is_online, load_locker_items, revoke_offline
from .notify import notify_pickup
from .request_records import load_request
from .status_writes import status_actions, status_audit, status_guard

log = logging.getLogger(__name__)


def deposit_documents(deps: Deps, actor: str, request_id: str, locker_id: str) -> str:
    """Reserve the best compartment for a ready request and send ``unlock`` purpose ``deposit``; returns its id."""
    record = load_request(request_id)
    change_status(record.id, record.status, "reserve", deps.now(), actor)  # fail fast, before any allocation
    if not record.locker_consent:
        raise IllegalTransition("Solicitantul a ales ridicarea de la ghișeu.", "citizen chose the counter")
    if not record.sms_consent:
        raise IllegalTransition(
            "Solicitantul nu a acceptat SMS-uri, deci nu poate primi codul de ridicare. "
            "Trimiteți cererea la ghișeu („Predare la ghișeu”).",
            "the citizen did not consent to SMS, so the pickup code cannot reach them: use the counter path",
        )
    meta, compartments, _ = load_locker_items(locker_id)
    if not is_online(deps, meta):
        raise LockerOffline(
            "Dulapul este offline. Predați documentele la ghișeu sau încercați mai târziu.", "locker offline"
        )
    for candidate in allocation_order(compartments, record.size, record.accessible):
        message = build_unlock(deps, locker_id, candidate.id, "deposit")
        now = deps.now()
        change = change_status(
            record.id,
            record.status,
            "reserve",
            now,
            actor,
            locker=locker_id,
            compartment=candidate.id,
            cmd=message["id"],
        )
        try:
            with TransactWrite(connection=deps.connection) as tx:
                tx.update(
                    LockerItem(locker_id=locker_id, item=compartment_key(candidate.id)),
                    actions=[LockerItem.request_id.set(record.id)],
                    condition=LockerItem.request_id.does_not_exist() & (LockerItem.enabled == True),  # noqa: E712
                )
                tx.update(
                    record,
                    actions=[
                        *status_actions(change),
                        RequestRecord.locker_id.set(locker_id),
                        RequestRecord.compartment.set(candidate.id),
                        RequestRecord.deposit_cmd.set(message["id"]),
                    ],
                    condition=status_guard(change),
                )
                tx.save(command_record(message, record.id))
                tx.save(status_audit(change))
        except TransactWriteError as error:
            # Either the compartment was taken meanwhile (try the next) or the request changed (stop). The
            # cancellation reasons are ordered by item kind, not by code, so ask the request itself.
            if load_request(record.id).status != record.status:
                raise RequestChanged() from error
            continue
        try:
            publish(deps, message)
        except Exception:
            release_compartment(deps, load_request(record.id), back_to_ready=True, actor=actor)
            raise
        return candidate.id
    raise CompartmentUnavailable(
        "Nu există niciun compartiment liber potrivit în dulap. Trimiteți cererea la ghișeu.",
        "no free compartment fits this request",
    )


def release_compartment(deps: Deps, record: RequestRecord, back_to_ready: bool = False, actor: str = "system") -> None:
    """Free the request's compartment (deposit aborted or cancelled); optionally return the request to ``ready``."""
    if not record.locker_id or not record.compartment:
        return
    now = deps.now()
    with TransactWrite(connection=deps.connection) as tx:
        tx.update(
            LockerItem(locker_id=record.locker_id, item=compartment_key(record.compartment)),
            actions=[LockerItem.request_id.remove()],
            condition=LockerItem.request_id == record.id,
        )
        actions: list[Action] = [
            RequestRecord.locker_id.remove(),
            RequestRecord.compartment.remove(),
            RequestRecord.deposit_cmd.remove(),
            updated := RequestRecord.updated_at.set(now),
        ]
        if back_to_ready and record.status == Status.RESERVED.value:
            change = change_status(
                record.id, record.status, "deposit_aborted", now, actor, compartment=record.compartment
            )
            updates = [a for a in actions if a is not updated] + status_actions(change)  # status_actions stamps it
            tx.update(record, actions=updates, condition=status_guard(change))
            tx.save(status_audit(change))
        else:
            tx.update(record, actions=actions)


def retrieve_documents(deps: Deps, actor: str, request_id: str) -> str:
    """Staff open the compartment of an expired (or not yet collected) request to take the documents back.

    The citizen's codes stop working first, at the backend and, for the offline credential, at the locker.
    """
    record = load_request(request_id)
    next_status(record.status, "retrieve_started")  # validated only: the status changes when the door closes
    if not record.locker_id or not record.compartment:
        raise IllegalTransition("Cererea nu are un compartiment.", "request has no compartment")
    if record.qr_key:
        revoke_request_codes(deps, record.locker_id, record.qr_key)
    message = build_unlock(deps, record.locker_id, record.compartment, "retrieve")
    now = deps.now()
    with TransactWrite(connection=deps.connection) as tx:
        tx.update(
            record,
            actions=[RequestRecord.retrieve_cmd.set(message["id"]), RequestRecord.updated_at.set(now)],
            condition=RequestRecord.status == record.status,
        )
        tx.save(command_record(message, record.id))
        tx.save(audit_entry(request_subject(record.id), actor, "retrieve", now, cmd=message["id"]))
        tx.save(
            audit_entry(
                locker_subject(record.locker_id),
                actor,
                "retrieve",
                now,
                compartment=record.compartment,
                cmd=message["id"],
            )
        )
    publish(deps, message)
    return record.compartment


def revoke_offline_credential(deps: Deps, record: RequestRecord) -> None:
    """After an online pickup or an expiry: the codes are spent or past, but the locker must also refuse the
    offline credential (a locker with a late clock, a photo of the QR)."""
    if not record.qr_key or not record.locker_id:
        return
    try:
        qr = CredentialRecord.get(record.qr_key)
    except CredentialRecord.DoesNotExist:
        return
    if qr.offline_nonce:
        revoke_offline(deps, record.locker_id, qr.offline_nonce, int(qr.expires_at))


def revoke_request_codes(deps: Deps, locker_id: str, qr_key: str) -> None:
    """Refuse the request's PIN and QR online, and its offline credential at the locker (now and at reconnect)."""
    qr = revoke_codes(qr_key)
    if qr is None or not qr.offline_nonce:
        return
    revoke_offline(deps, locker_id, qr.offline_nonce, int(qr.expires_at))


def reissue_codes(deps: Deps, actor: str, request_id: str) -> RequestRecord:
    """The pickup SMS never arrived (or was lost): new PIN and QR, the old ones refused, the SMS sent again.

    The deadline does not move. Allowed only while the documents wait in the locker, untouched.
    """
    record = load_request(request_id)
    if record.status != Status.IN_LOCKER.value or record.pickup_cmd or not record.deadline:
        raise IllegalTransition(
            "Codurile se pot retrimite doar pentru documente care așteaptă în dulap.",
            "codes can be reissued only for a request waiting in the locker",
        )
    assert record.locker_id and record.compartment
    old_key = record.qr_key
    codes = issue_request_codes(deps, record, int(record.deadline))
    now = deps.now()
    try:
        with TransactWrite(connection=deps.connection) as tx:
            unchanged = (RequestRecord.qr_key == old_key) if old_key else RequestRecord.qr_key.does_not_exist()
            tx.update(
                record,
                actions=[RequestRecord.qr_key.set(codes.token_key), RequestRecord.updated_at.set(now)],
                condition=(RequestRecord.status == Status.IN_LOCKER.value)
                & unchanged
                & RequestRecord.pickup_cmd.does_not_exist(),
            )
            tx.save(audit_entry(request_subject(record.id), actor, "codes_reissued", now))
    except TransactWriteError as error:
        discard_codes(codes)
        raise RequestChanged() from error
    if old_key:
        revoke_request_codes(deps, record.locker_id, old_key)
    record = load_request(record.id)
    notify_pickup(deps, record, codes.pin, codes.token)
    send_pin_verifier(deps, CredentialRecord.get(codes.pin_key))
    return record

"""Locker operations on a request: deposit (allocate a compartment and open it) and retrieve an expired one.

Allocation never double-books: each candidate is claimed by a transaction whose
condition is that the compartment is free and enabled and the request is still
``ready``; a lost race simply moves on to the next candidate.
"""

from __future__ import annotations

import logging

from ..domain.compartments import allocation_order
from ..domain.errors import (
    CompartmentUnavailable,
    IllegalTransition,
    LockerOffline,
    RequestChanged,
)
from ..domain.lifecycle import Status, change_status, next_status
from ..stores.audit import audit_row
from ..stores.commands import unlock_row
from ..stores.engine import ABSENT, WriteConflict
from ..stores.rows import Request
from .audit import locker_subject, request_subject
from .commands import build_unlock, publish, send_pin_verifier
from .credentials import issue_request_codes
from .deps import Deps
from .locker_dropoff import retrieve_dropped_file
from .lockers import is_online, load_locker_items, revoke_offline
from .notify import notify_pickup
from .request_records import get_request
from .status_writes import write_status

log = logging.getLogger(__name__)


def deposit_documents(deps: Deps, actor: str, request_id: str, locker_id: str) -> str:
    """Reserve the best compartment for a ready request and send ``unlock`` purpose ``deposit``; returns its id."""
    record = get_request(deps, request_id)
    change_status(record.id, record.status, "reserve", deps.now(), actor)  # fail fast, before any allocation
    if not record.locker_consent:
        raise IllegalTransition("Solicitantul a ales ridicarea de la ghișeu.", "citizen chose the counter")
    if not record.sms_consent:
        raise IllegalTransition(
            "Solicitantul nu a acceptat SMS-uri, deci nu poate primi codul de ridicare. "
            "Trimiteți cererea la ghișeu („Predare la ghișeu”).",
            "the citizen did not consent to SMS, so the pickup code cannot reach them: use the counter path",
        )
    meta, compartments, _ = load_locker_items(deps, locker_id)
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
            with deps.stores.transaction() as tx:
                deps.stores.lockers.reserve_compartment(locker_id, candidate.id, record.id, tx)
                write_status(
                    deps,
                    change,
                    tx,
                    set={"locker_id": locker_id, "compartment": candidate.id, "deposit_cmd": message["id"]},
                )
                deps.stores.commands.record(unlock_row(message, record.id), tx)
        except WriteConflict as error:
            # Either the compartment was taken meanwhile (try the next) or the request changed (stop).
            if get_request(deps, record.id).status != record.status:
                raise RequestChanged() from error
            continue
        try:
            publish(deps, message)
        except Exception:
            release_compartment(deps, get_request(deps, record.id), back_to_ready=True, actor=actor)
            raise
        return candidate.id
    raise CompartmentUnavailable(
        "Nu există niciun compartiment liber potrivit în dulap. Trimiteți cererea la ghișeu.",
        "no free compartment fits this request",
    )


def release_compartment(deps: Deps, record: Request, back_to_ready: bool = False, actor: str = "system") -> None:
    """Free the request's compartment (deposit aborted or cancelled); optionally return the request to ``ready``."""
    if not record.locker_id or not record.compartment:
        return
    now = deps.now()
    forget = ["locker_id", "compartment", "deposit_cmd"]
    with deps.stores.transaction() as tx:
        deps.stores.lockers.release_compartment(record.locker_id, record.compartment, record.id, tx)
        if back_to_ready and record.status == Status.RESERVED.value:
            change = change_status(
                record.id, record.status, "deposit_aborted", now, actor, compartment=record.compartment
            )
            write_status(deps, change, tx, remove=forget)
        else:
            deps.stores.requests.update_fields(record.id, tx, set={"updated_at": now}, remove=forget)


def retrieve_documents(deps: Deps, actor: str, request_id: str) -> str:
    """Staff open the compartment of an expired (or not yet collected) request to take the documents back.

    The citizen's codes stop working first, at the backend and, for the offline credential, at the locker.
    """
    record = get_request(deps, request_id)
    if record.collect_from:  # a citizen's dropped-off file: staff take it to the department
        return retrieve_dropped_file(deps, actor, record)
    next_status(record.status, "retrieve_started")  # validated only: the status changes when the door closes
    if not record.locker_id or not record.compartment:
        raise IllegalTransition("Cererea nu are un compartiment.", "request has no compartment")
    if record.qr_key:
        revoke_request_codes(deps, record.locker_id, record.qr_key)
    message = build_unlock(deps, record.locker_id, record.compartment, "retrieve")
    now = deps.now()
    try:
        with deps.stores.transaction() as tx:
            deps.stores.requests.update_fields(
                record.id, tx, set={"retrieve_cmd": message["id"], "updated_at": now}, expect={"status": record.status}
            )
            deps.stores.commands.record(unlock_row(message, record.id), tx)
            deps.stores.audit.add(audit_row(request_subject(record.id), actor, "retrieve", now, cmd=message["id"]), tx)
            deps.stores.audit.add(
                audit_row(
                    locker_subject(record.locker_id),
                    actor,
                    "retrieve",
                    now,
                    compartment=record.compartment,
                    cmd=message["id"],
                ),
                tx,
            )
    except WriteConflict as error:
        raise RequestChanged() from error
    publish(deps, message)
    return record.compartment


def revoke_offline_credential(deps: Deps, record: Request) -> None:
    """After an online pickup or an expiry: the codes are spent or past, but the locker must also refuse the
    offline credential (a locker with a late clock, a photo of the QR)."""
    if not record.qr_key or not record.locker_id:
        return
    qr = deps.stores.credentials.get(record.qr_key)
    if qr is not None and qr.offline_nonce:
        revoke_offline(deps, record.locker_id, qr.offline_nonce, int(qr.expires_at))


def revoke_request_codes(deps: Deps, locker_id: str, qr_key: str) -> None:
    """Refuse the request's PIN and QR online, and its offline credential at the locker (now and at reconnect)."""
    qr = deps.stores.credentials.get(qr_key)
    if qr is None:
        return
    deps.stores.credentials.revoke(filter(None, (qr.code_key, qr.sibling)))
    if not qr.offline_nonce:
        return
    revoke_offline(deps, locker_id, qr.offline_nonce, int(qr.expires_at))


def reissue_codes(deps: Deps, actor: str, request_id: str) -> Request:
    """The pickup SMS never arrived (or was lost): new PIN and QR, the old ones refused, the SMS sent again.

    The deadline does not move. Allowed only while the documents wait in the locker, untouched.
    """
    record = get_request(deps, request_id)
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
        with deps.stores.transaction() as tx:
            deps.stores.requests.update_fields(
                record.id,
                tx,
                set={"qr_key": codes.token_key, "updated_at": now},
                expect={"status": Status.IN_LOCKER.value, "qr_key": old_key or ABSENT, "pickup_cmd": ABSENT},
            )
            deps.stores.audit.add(audit_row(request_subject(record.id), actor, "codes_reissued", now), tx)
    except WriteConflict as error:
        deps.stores.credentials.discard([codes.pin_key, codes.token_key])
        raise RequestChanged() from error
    if old_key:
        revoke_request_codes(deps, record.locker_id, old_key)
    record = get_request(deps, record.id)
    notify_pickup(deps, record, codes.pin, codes.token)
    pin_credential = deps.stores.credentials.get(codes.pin_key)
    if pin_credential is not None:
        send_pin_verifier(deps, pin_credential)
    return record

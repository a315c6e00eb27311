"""A code at the locker: a scanned QR token or a typed PIN, answered with ``unlock`` or ``reject``.

The hot path takes three DynamoDB round trips: the event claim, one
TransactGet (credential and keypad state) and one TransactWrite (codes used,
request updated, command recorded, audit), then one MQTT publish.
"""

from __future__ import annotations

from typing import cast

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactGet, TransactWrite

from ..domain.codes import looks_like_pin
from ..domain.keypad import KeypadState, register_failure
from ..domain.lifecycle import Status
from ..domain.protocol import LockerEvent
from ..storage.models import CredentialRecord, LockerItem, RequestRecord
from .audit import audit_entry, locker_subject, request_subject
from .commands import build_reject, build_unlock, command_record, publish
from .credentials import pin_key, token_key
from .deps import Deps
from .lockers import KEYPAD


def on_code(deps: Deps, event: LockerEvent) -> str:
    code = (event.code or "").strip()
    is_pin = event.type == "pin"
    key = None
    if is_pin and looks_like_pin(code):
        key = pin_key(deps, event.locker, code)
    elif not is_pin and code:
        key = token_key(deps, code.split(".", 1)[0])
    credential, keypad = _read(deps, key, event.locker if is_pin else None)
    now = deps.now()
    if is_pin and keypad is not None and (keypad.locked_until or 0) > now:
        return _reject(deps, event, "locked_out")
    if credential is None or credential.locker_id != event.locker or credential.revoked:
        if is_pin:
            _count_failure(deps, event.locker, keypad)
        return _reject(deps, event, "invalid_code")
    if credential.used_at:
        return _reject(deps, event, "used")
    if now > credential.expires_at:
        return _reject(deps, event, "expired")
    message = build_unlock(deps, event.locker, credential.compartment, "pickup", re=event.id)
    try:
        with TransactWrite(connection=deps.connection) as tx:
            tx.update(
                credential,
                actions=[CredentialRecord.used_at.set(now)],
                condition=CredentialRecord.used_at.does_not_exist(),
            )
            if credential.sibling:
                tx.update(
                    CredentialRecord(code_key=credential.sibling),
                    actions=[CredentialRecord.used_at.set(now)],
                    condition=CredentialRecord.code_key.exists(),
                )
            tx.update(
                RequestRecord(id=credential.request_id),
                actions=[
                    RequestRecord.pickup_cmd.set(message["id"]),
                    RequestRecord.updated_at.set(now),
                ],
                condition=RequestRecord.status == Status.IN_LOCKER.value,
            )
            command = command_record(message, credential.request_id)
            command.credential_key = credential.code_key
            tx.save(command)
            tx.save(
                audit_entry(
                    request_subject(credential.request_id),
                    f"locker:{event.locker}",
                    "pickup_unlock",
                    now,
                    via=event.type,
                    compartment=credential.compartment,
                    cmd=message["id"],
                )
            )
    except TransactWriteError:
        return _reject(deps, event, "used")
    publish(deps, message)
    return "unlock"


def _read(deps: Deps, key: str | None, keypad_of: str | None) -> tuple[CredentialRecord | None, LockerItem | None]:
    if key is None and keypad_of is None:
        return None, None
    with TransactGet(connection=deps.connection) as tg:
        cred_future = tg.get(CredentialRecord, key) if key else None
        keypad_future = tg.get(LockerItem, keypad_of, KEYPAD) if keypad_of else None
    return cast(CredentialRecord | None, _value(cred_future)), cast(LockerItem | None, _value(keypad_future))


def _value(future: object) -> object:
    if future is None:
        return None
    try:
        return future.get()  # type: ignore[attr-defined]
    except Exception:
        return None


def _reject(deps: Deps, event: LockerEvent, reason: str) -> str:
    publish(deps, build_reject(deps, event.locker, reason, event.id))
    return f"reject:{reason}"


def _count_failure(deps: Deps, locker_id: str, keypad: LockerItem | None) -> None:
    """One wrong PIN; a read-modify-write guarded by a revision so concurrent failures all count."""
    now = deps.now()
    for _ in range(5):
        state = KeypadState(
            failures=[int(t) for t in keypad.failures or []] if keypad else [],
            locked_until=int(keypad.locked_until or 0) if keypad else 0,
            lockouts=int(keypad.lockouts or 0) if keypad else 0,
            last_lockout_at=int(keypad.last_lockout_at or 0) if keypad else 0,
        )
        new_state, locked = register_failure(state, now)
        revision = int(keypad.revision or 0) if keypad else 0
        item = LockerItem(locker_id=locker_id, item=KEYPAD)
        condition = LockerItem.revision == revision if keypad else LockerItem.item.does_not_exist()
        try:
            item.update(
                actions=[
                    LockerItem.failures.set(new_state.failures),
                    LockerItem.locked_until.set(new_state.locked_until),
                    LockerItem.lockouts.set(new_state.lockouts),
                    LockerItem.last_lockout_at.set(new_state.last_lockout_at),
                    LockerItem.revision.set(revision + 1),
                ],
                condition=condition,
            )
        except UpdateError:
            try:
                keypad = LockerItem.get(locker_id, KEYPAD, consistent_read=True)
            except LockerItem.DoesNotExist:
                keypad = None
            continue
        if locked:
            audit_entry(
                locker_subject(locker_id),
                f"locker:{locker_id}",
                "keypad_locked",
                now,
                until=new_state.locked_until,
                lockouts=new_state.lockouts,
            ).save()
        return

"""A code at the locker: a scanned QR token or a typed PIN, answered with ``unlock`` or ``reject``.

The hot path takes three DynamoDB round trips: the event claim, one
TransactGet (credential, keypad state and the locker's clock offset) and one
TransactWrite (codes used, request updated, command recorded, audit), then one
MQTT publish. A code event older than ``STALE_AFTER_MS`` is refused (``stale``):
nobody may be standing at the locker any more. The keypad policy (slow-down,
phone digits under attack) is ``domain/keypad.py``.
"""

from __future__ import annotations

from typing import cast

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactGet, TransactWrite

from .. import metrics
from ..domain.keypad import register_failure, split_code
from ..domain.lifecycle import Status
from ..domain.protocol import LockerEvent, is_stale
from ..storage.models import CredentialRecord, LockerItem, RequestRecord
from .audit import audit_entry, locker_subject, request_subject
from .commands import build_reject, build_unlock, command_record, publish
from .credentials import phone_digits_key, pin_key, token_key
from .deps import Deps
from .lockers import KEYPAD, META, keypad_state


def on_code(deps: Deps, event: LockerEvent) -> str:
    """Answer one ``scan`` or ``pin`` with exactly one ``unlock`` or ``reject`` (``re`` = the event's id)."""
    code = (event.code or "").strip()
    is_pin = event.type == "pin"
    typed = split_code(code) if is_pin else None
    key = None
    if typed:
        key = pin_key(deps, event.locker, typed[0])
    elif not is_pin and code:
        key = token_key(deps, code.split(".", 1)[0])
    credential, keypad_item, meta = _read(deps, key, event.locker, with_keypad=is_pin)
    now = deps.now()
    if is_stale(event.ts, now, _offset(meta)):
        return _reject(deps, event, "stale")
    keypad = keypad_state(keypad_item)
    if is_pin:
        if keypad.wait_seconds(now):
            return _reject(deps, event, "slow_down", keypad.wait_seconds(now))
        if typed is None:
            return _reject(deps, event, "invalid_code")
        if typed[1] is None and keypad.under_attack(now):
            return _reject(deps, event, "need_phone_digits")
    wrong_phone = bool(
        typed
        and typed[1] is not None
        and credential is not None
        and credential.phone_digits != phone_digits_key(deps, credential.request_id, typed[1])
    )
    if credential is None or credential.locker_id != event.locker or credential.revoked or wrong_phone:
        if is_pin:
            _count_failure(deps, event.locker, keypad_item)
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


def _read(
    deps: Deps, key: str | None, locker_id: str, with_keypad: bool
) -> tuple[CredentialRecord | None, LockerItem | None, LockerItem | None]:
    """One round trip: the credential, the keypad state (PINs only) and the locker's clock offset."""
    with TransactGet(connection=deps.connection) as tg:
        cred_future = tg.get(CredentialRecord, key) if key else None
        keypad_future = tg.get(LockerItem, locker_id, KEYPAD) if with_keypad else None
        meta_future = tg.get(LockerItem, locker_id, META)
    return (
        cast(CredentialRecord | None, _value(cred_future)),
        cast(LockerItem | None, _value(keypad_future)),
        cast(LockerItem | None, _value(meta_future)),
    )


def _offset(meta: LockerItem | None) -> int | None:
    return None if meta is None or meta.clock_offset_ms is None else int(meta.clock_offset_ms)


def _value(future: object) -> object:
    if future is None:
        return None
    try:
        return future.get()  # type: ignore[attr-defined]
    except DoesNotExist:  # the item is absent (an unknown code, a keypad never used)
        return None


def _reject(deps: Deps, event: LockerEvent, reason: str, retry_after_s: int | None = None) -> str:
    publish(deps, build_reject(deps, event.locker, reason, event.id, retry_after_s))
    return f"reject:{reason}"


def _count_failure(deps: Deps, locker_id: str, keypad: LockerItem | None) -> None:
    """One wrong PIN; a read-modify-write guarded by a revision so concurrent failures all count."""
    now = deps.now()
    for _ in range(5):
        new_state, attack_began = register_failure(keypad_state(keypad), now)
        revision = int(keypad.revision or 0) if keypad else 0
        item = LockerItem(locker_id=locker_id, item=KEYPAD)
        condition = LockerItem.revision == revision if keypad else LockerItem.item.does_not_exist()
        try:
            item.update(
                actions=[
                    LockerItem.failures.set(new_state.failures),
                    LockerItem.last_failure_at.set(new_state.last_failure_at),
                    LockerItem.attack_until.set(new_state.attack_until),
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
        if attack_began:
            audit_entry(
                locker_subject(locker_id),
                f"locker:{locker_id}",
                "keypad_attack",
                now,
                until=new_state.attack_until,
                failures=new_state.failures,
            ).save()
            metrics.count(metrics.KEYPAD_ATTACKS, lockerId=locker_id)
        return

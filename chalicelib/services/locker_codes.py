"""A code at the locker: a scanned QR token or a typed PIN, answered with ``unlock`` or ``reject``.

One round trip before the door opens. Three DynamoDB requests run at the same time:

- the **claim**: one conditional ``UpdateItem`` on the credential, whose key is derived from the code,
  proves the code exists, belongs to this locker, is unexpired, unrevoked and unused (and, for 12
  digits, that the phone digits match), marks it used by this event and returns the compartment and
  the request it opens;
- the **event record** (conditional put on locker + event id): a duplicate delivery of the same event
  gets no command at all;
- one **TransactGet** of the credential, the keypad state and the locker's clock offset, which says why
  a claim failed (invalid, used, expired) and whether the keypad or the event's age refuse it anyway.

A claim that must not stand (the event is a duplicate or stale, the keypad is slowed down or asks for
the phone digits) is undone before the ``reject``. After a successful claim the signed ``unlock`` is
published at once; the bookkeeping (the sibling code used, the request's pickup command, the command
record, the audit entry) is written after the publish, off the citizen's wait. Until it is, the claim
carries ``unconfirmed``: a crash in between is reconciled by the door events (``locker_doors``) or,
if the door never opened, by the scheduled job (``reconcile_unconfirmed_claims``).
The keypad policy (slow-down, phone digits under attack) is ``domain/keypad.py``.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import cast

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactGet, TransactWrite

from .. import metrics
from ..domain.keypad import register_failure, split_code
from ..domain.lifecycle import Status
from ..domain.protocol import LockerEvent, is_stale
from ..storage.models import CommandRecord, CredentialRecord, LockerItem, RequestRecord
from .audit import audit_entry, locker_subject, request_subject
from .commands import build_reject, build_unlock, command_record, publish
from .credentials import phone_digits_key, pin_key, token_key
from .deps import Deps
from .event_records import claim_event, set_outcome
from .lockers import KEYPAD, META, compartment_key, keypad_state

log = logging.getLogger(__name__)
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="code-claim")
UNCONFIRMED = "1"


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
    now = deps.now()
    cmd_id = uuid.uuid4().hex
    phone = phone_digits_key(deps, key, typed[1]) if key and typed and typed[1] else None
    claim_future = _POOL.submit(_claim, key, event, now, cmd_id, phone) if key else None
    event_future: Future[bool] = _POOL.submit(claim_event, deps, event)
    credential, keypad_item, meta = _read(deps, key, event.locker, with_keypad=is_pin)
    claimed = claim_future.result() if claim_future else None
    if not event_future.result():
        _undo(claimed, cmd_id)  # the first delivery of this event answered already
        return "duplicate"
    reason, wait = _refusal(deps, event, typed, now, claimed, credential, keypad_item, meta)
    if reason:
        _undo(claimed, cmd_id)
        outcome = _reject(deps, event, reason, wait)
        if reason == "invalid_code" and is_pin and typed is not None:
            # counted right after the answer: the next PIN is seconds away, a write is milliseconds
            _count_failure(deps, event.locker, keypad_item)
        set_outcome(event, outcome)
        return outcome
    assert claimed is not None
    message = build_unlock(deps, event.locker, claimed.compartment, "pickup", re=event.id, command_id=cmd_id)
    publish(deps, message)
    _confirm(deps, event, claimed, message, now)
    return "unlock"


def _claim(key: str, event: LockerEvent, now: int, cmd_id: str, phone: str | None) -> CredentialRecord | None:
    """The credential, claimed for this event, or None when the code cannot open anything now."""
    credential = CredentialRecord(code_key=key)
    condition = (
        CredentialRecord.code_key.exists()
        & (CredentialRecord.locker_id == event.locker)
        & (CredentialRecord.revoked == False)  # noqa: E712
        & CredentialRecord.used_at.does_not_exist()
        & (CredentialRecord.expires_at >= now)
    )
    if phone is not None:
        condition = condition & (CredentialRecord.phone_digits == phone)
    try:
        credential.update(
            actions=[
                CredentialRecord.used_at.set(now),
                CredentialRecord.claimed_cmd.set(cmd_id),
                CredentialRecord.claimed_event.set(event.id),
                CredentialRecord.unconfirmed.set(UNCONFIRMED),
            ],
            condition=condition,
        )
    except UpdateError as error:
        if getattr(error, "cause_response_code", "") == "ConditionalCheckFailedException":
            return None
        raise
    return credential


def _undo(claimed: CredentialRecord | None, cmd_id: str) -> None:
    """Give back a claim that must not stand; only this claim (same command id) is undone."""
    if claimed is None:
        return
    try:
        claimed.update(
            actions=[
                CredentialRecord.used_at.remove(),
                CredentialRecord.claimed_cmd.remove(),
                CredentialRecord.claimed_event.remove(),
                CredentialRecord.unconfirmed.remove(),
            ],
            condition=CredentialRecord.claimed_cmd == cmd_id,
        )
    except UpdateError:
        log.warning("claim %s was no longer ours to undo", cmd_id)


def _refusal(
    deps: Deps,
    event: LockerEvent,
    typed: tuple[str, str | None] | None,
    now: int,
    claimed: CredentialRecord | None,
    credential: CredentialRecord | None,
    keypad_item: LockerItem | None,
    meta: LockerItem | None,
) -> tuple[str | None, int | None]:
    """Why this code event must be refused (a reject reason and, for ``slow_down``, the seconds), or None."""
    if is_stale(event.ts, now, _offset(meta)):
        return "stale", None
    if event.type == "pin":
        keypad = keypad_state(keypad_item)
        if keypad.wait_seconds(now):
            return "slow_down", keypad.wait_seconds(now)
        if typed is None:
            return "invalid_code", None
        if typed[1] is None and keypad.under_attack(now):
            return "need_phone_digits", None
    if claimed is not None:
        return None, None
    if credential is None or credential.locker_id != event.locker or credential.revoked:
        return "invalid_code", None
    if (
        typed is not None
        and typed[1] is not None
        and credential.phone_digits != phone_digits_key(deps, credential.code_key, typed[1])
    ):
        return "invalid_code", None
    if credential.used_at:
        return "used", None
    if now > credential.expires_at:
        return "expired", None
    return "used", None  # valid when read, claimed by another event in between


def _confirm(
    deps: Deps,
    event: LockerEvent,
    claimed: CredentialRecord,
    message: dict[str, object],
    now: int,
    record_outcome: bool = True,
) -> None:
    """The bookkeeping of a published unlock: sibling used, request's pickup command, command record, audit."""
    cmd_id = str(message["id"])
    try:
        with TransactWrite(connection=deps.connection) as tx:
            tx.update(
                claimed,
                actions=[CredentialRecord.unconfirmed.remove()],
                condition=CredentialRecord.claimed_cmd == cmd_id,
            )
            if claimed.sibling:
                tx.update(
                    CredentialRecord(code_key=claimed.sibling),
                    actions=[CredentialRecord.used_at.set(now)],
                    condition=CredentialRecord.code_key.exists(),
                )
            tx.update(
                RequestRecord(id=claimed.request_id),
                actions=[RequestRecord.pickup_cmd.set(cmd_id), RequestRecord.updated_at.set(now)],
                condition=RequestRecord.status == Status.IN_LOCKER.value,
            )
            command = command_record(message, claimed.request_id)
            command.credential_key = claimed.code_key
            tx.save(command)
            tx.save(
                audit_entry(
                    request_subject(claimed.request_id),
                    f"locker:{event.locker}",
                    "pickup_unlock",
                    now,
                    via=event.type,
                    compartment=claimed.compartment,
                    cmd=cmd_id,
                )
            )
    except TransactWriteError:
        # the request left in_locker meanwhile (taken back by staff): the door events decide what happened
        log.warning("bookkeeping of unlock %s not written; reconciled by the door events or the job", cmd_id)
        return
    if record_outcome:
        set_outcome(event, "unlock")


def recover_unrecorded_unlock(deps: Deps, locker_id: str, compartment: str, cmd_id: str) -> CommandRecord | None:
    """A door closed after an unlock whose bookkeeping was never written (a crash after the publish):
    find the claim that published it, through the compartment's request, and write the bookkeeping now."""
    try:
        slot = LockerItem.get(locker_id, compartment_key(compartment), consistent_read=True)
        if not slot.request_id:  # an empty compartment (a service opening): nothing to reconcile
            return None
        request = RequestRecord.get(slot.request_id, consistent_read=True)
    except DoesNotExist:
        return None
    if request.status != Status.IN_LOCKER.value or request.pickup_cmd or not request.qr_key:
        return None
    for key in _codes_of(request.qr_key):
        try:
            claimed = CredentialRecord.get(key, consistent_read=True)
        except DoesNotExist:
            continue
        if claimed.claimed_cmd == cmd_id and claimed.locker_id == locker_id and claimed.compartment == compartment:
            at = int(claimed.used_at or deps.now())
            message = {
                "v": 1,
                "id": cmd_id,
                "type": "unlock",
                "locker": locker_id,
                "compartment": compartment,
                "purpose": "pickup",
                "iat": at,
                "exp": at + deps.settings.command_ttl_seconds * 1000,
            }
            event = LockerEvent(locker=locker_id, id=claimed.claimed_event or cmd_id, type="reconcile", ts=at)
            _confirm(deps, event, claimed, message, at, record_outcome=False)
            return CommandRecord.get(cmd_id, consistent_read=True)
    return None


def reconcile_unconfirmed_claims(deps: Deps, older_than_ms: int) -> int:
    """Claims left without bookkeeping and without any door event for ``older_than_ms``: the door never
    opened (or we cannot know it did), so the citizen's codes are given back and staff see it in the audit."""
    now = deps.now()
    count = 0
    for claimed in CredentialRecord.by_unconfirmed.query(UNCONFIRMED, CredentialRecord.used_at < now - older_than_ms):
        try:
            request = RequestRecord.get(claimed.request_id, consistent_read=True)
        except DoesNotExist:
            continue
        if request.pickup_cmd == claimed.claimed_cmd or request.status != Status.IN_LOCKER.value:
            claimed.update(actions=[CredentialRecord.unconfirmed.remove()])
            continue
        _undo(claimed, claimed.claimed_cmd or "")
        audit_entry(
            request_subject(request.id), "system", "pickup_failed", now, cmd=claimed.claimed_cmd, reason="unconfirmed"
        ).save()
        count += 1
    return count


def _codes_of(qr_key: str) -> list[str]:
    try:
        return [qr_key, *filter(None, [CredentialRecord.get(qr_key, consistent_read=True).sibling])]
    except DoesNotExist:
        return [qr_key]


def _read(
    deps: Deps, key: str | None, locker_id: str, with_keypad: bool
) -> tuple[CredentialRecord | None, LockerItem | None, LockerItem | None]:
    """One TransactGet: the credential, the keypad state (PINs only) and the locker's clock offset."""
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

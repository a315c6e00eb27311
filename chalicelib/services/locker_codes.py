"""A code at the locker: a scanned QR token or a typed PIN, answered with ``unlock`` or ``reject``.

One round trip before the door opens: two DynamoDB requests made at the same time.

- the **claim**: one conditional ``UpdateItem`` on the credential, whose key is derived from the code,
  proves the code exists, belongs to this locker, is unexpired, unrevoked and unused (and, for 12
  digits, that the phone digits match), marks it used by this event and returns the compartment and
  the request it opens. When the claim is refused, the same request returns the credential as it was
  (``ReturnValuesOnConditionCheckFailure``): why (invalid, used, expired) needs no other read, and a
  code already claimed by *this* event id is a duplicate delivery, which gets no command at all;
- one ``BatchGetItem`` of the keypad state (PINs only), the locker's clock offset and this event's
  record: whether the keypad (slow-down, phone digits under attack) or the event's age refuse the code
  anyway, and whether this event id was refused before (while another event held the code).

A valid code's signed ``unlock`` is published at once; the bookkeeping (the event's record, the sibling
code used, the request's pickup command, the command record, the audit entry) is one transaction after
the publish, off the citizen's wait. Until it is written the claim carries ``unconfirmed``: a crash in
between is reconciled by the door events (``locker_doors``) or, if the door never opened, by the scheduled
job (``reconcile_unconfirmed_claims``). A failure *before* the publish forgets the claim altogether, so the
event's redelivery is handled afresh. A refused code costs more round trips before its ``reject``: the
event's record (its conditional put tells a duplicate delivery, which gets nothing), then the undoing of a
claim that must not stand (slowed-down keypad, stale event), which keeps the event's id on the code.
The keypad policy (slow-down, phone digits under attack) is ``domain/keypad.py``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from .. import metrics
from ..domain.errors import DependencyDown
from ..domain.keypad import register_failure, split_code
from ..domain.lifecycle import Status
from ..domain.protocol import DROPOFF_MESSAGES_RO, LockerEvent, is_stale
from ..stores.audit import audit_row
from ..stores.commands import unlock_row
from ..stores.engine import WriteConflict
from ..stores.rows import CommandRow, Credential, LockerRow, Request
from .audit import locker_subject, request_subject
from .commands import build_reject, build_unlock, counter_text, publish
from .credentials import phone_digits_key, pin_key, token_key
from .deps import Deps
from .event_records import claim_event, event_row, forget, set_outcome
from .locker_dropoff import open_for_dropoff
from .lockers import keypad_state

log = logging.getLogger(__name__)
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="code-claim")


@dataclass(frozen=True)
class Claim:
    """What the claim's one request said: the code claimed for this event, or the code as it was (None: none)."""

    claimed: Credential | None
    found: Credential | None

    def duplicate_of(self, event: LockerEvent) -> bool:
        """The code is already claimed by this very event id: its first delivery answered, or is answering."""
        found = self.found
        if self.claimed is not None or found is None:
            return False
        return found.claimed_event == event.id and found.locker_id == event.locker


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
    claim_future = _POOL.submit(_claim, deps, key, event, now, cmd_id, phone) if key else None
    try:
        keypad_item, meta, answered = deps.stores.code_context(event.locker, event.id, with_keypad=is_pin)
    except Exception:
        if claim_future is not None:
            _forget(deps, claim_future.result().claimed, cmd_id)
        raise
    claim = claim_future.result() if claim_future else Claim(None, None)
    if claim.duplicate_of(event):
        return "duplicate"
    claimed = claim.claimed
    try:
        if answered is not None:  # refused before, while another event held the code: still refused
            _undo(deps, claimed, cmd_id)
            return "duplicate"
        reason, wait = _refusal(deps, event, typed, now, claimed, claim.found, keypad_item, meta)
        if reason:
            counts = is_pin and typed is not None  # a keypad code that opens nothing counts against the keypad
            return _refuse(deps, event, reason, wait, claim, cmd_id, keypad_item, counts)
        assert claimed is not None
        message = None
        if claimed.purpose != "dropoff":
            message = build_unlock(deps, event.locker, claimed.compartment, "pickup", re=event.id, command_id=cmd_id)
        elif not claim_event(deps, event):
            _undo(deps, claimed, cmd_id)
            return "duplicate"
    except Exception:
        _forget(deps, claimed, cmd_id)  # nothing answered: the at-least-once delivery tries again, afresh
        raise
    if message is None:  # a drop-off code opens a free compartment, allocated now (its own bookkeeping)
        return open_for_dropoff(deps, event, claimed, cmd_id, now)
    publish(deps, message)  # from here the door may open: a failure leaves the claim to the door events or the job
    _confirm(deps, event, claimed, message, now)
    return "unlock"


def _refuse(
    deps: Deps,
    event: LockerEvent,
    reason: str,
    wait: int | None,
    claim: Claim,
    cmd_id: str,
    keypad_item: LockerRow | None,
    counts: bool,
) -> str:
    """Record the event (its conditional put tells a duplicate delivery), send the ``reject``, then give back
    a claim that must not stand (keeping the event's id on the code); a wrong PIN counts against the keypad.
    A reject that cannot be sent loses the record and (``on_code``) the claim: the redelivery is answered."""
    if not claim_event(deps, event):
        _undo(deps, claim.claimed, cmd_id)
        return "duplicate"  # the first delivery of this event answered already
    text = _dropoff_text(deps, event, reason, claim.found or claim.claimed)
    with _unrecorded_on_failure(deps, event):
        outcome = _reject(deps, event, reason, wait, text)
    _undo(deps, claim.claimed, cmd_id)
    if reason == "invalid_code" and counts:
        # counted right after the answer: the next PIN is seconds away, a write is milliseconds
        _count_failure(deps, event.locker, keypad_item)
    set_outcome(deps, event, outcome)
    return outcome


@contextmanager
def _unrecorded_on_failure(deps: Deps, event: LockerEvent) -> Iterator[None]:
    """This delivery recorded the event and then failed before its answer went out: the record goes, so the
    redelivery is answered instead of taken for a duplicate."""
    try:
        yield
    except Exception:
        forget(deps, event)
        raise


def _claim(deps: Deps, key: str, event: LockerEvent, now: int, cmd_id: str, phone: str | None) -> Claim:
    """The credential claimed for this event, or (when it cannot open anything now) the credential as it was."""
    try:
        return Claim(deps.stores.credentials.claim(key, event.locker, now, cmd_id, event.id, phone), None)
    except WriteConflict as refused:
        found: Credential | None = refused.current
        if found is not None and found.claimed_cmd == cmd_id:
            # a retried request whose first attempt did apply (a timeout) fails its own condition: ours
            return Claim(found, None)
        return Claim(None, found)


def _forget(deps: Deps, claimed: Credential | None, cmd_id: str) -> None:
    """The handling failed before any answer: give the code back with no trace of this event's claim."""
    if claimed is None:
        return
    try:
        deps.stores.credentials.forget_claim(claimed.code_key, cmd_id)
    except (WriteConflict, DependencyDown):
        log.warning("claim %s not forgotten; the reconciliation job gives the code back", cmd_id)


def _undo(deps: Deps, claimed: Credential | None, cmd_id: str) -> None:
    """Give back a claim that must not stand; only this claim (same command id) is undone."""
    if claimed is None:
        return
    try:
        deps.stores.credentials.undo_claim(claimed.code_key, cmd_id)
    except WriteConflict:
        log.warning("claim %s was no longer ours to undo", cmd_id)
    except DependencyDown:
        log.warning("claim %s not undone (DynamoDB unreachable); the reconciliation job gives it back", cmd_id)


def _refusal(
    deps: Deps,
    event: LockerEvent,
    typed: tuple[str, str | None] | None,
    now: int,
    claimed: Credential | None,
    credential: Credential | None,
    keypad_item: LockerRow | None,
    meta: LockerRow | None,
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
    claimed: Credential,
    message: dict[str, Any],
    now: int,
    record_outcome: bool = True,
) -> None:
    """The bookkeeping of a published unlock: the event's record, sibling used, request's pickup command,
    command record, audit; one transaction."""
    cmd_id = str(message["id"])
    try:
        with deps.stores.transaction() as tx:
            if record_outcome:
                deps.stores.events.record(event_row(deps, event, "unlock"), tx)
            deps.stores.credentials.confirm_claim(claimed.code_key, cmd_id, tx)
            if claimed.sibling:
                deps.stores.credentials.mark_used(claimed.sibling, now, tx, by_cmd=cmd_id)
            deps.stores.requests.update_fields(
                claimed.request_id,
                tx,
                set={"pickup_cmd": cmd_id, "updated_at": now},
                expect={"status": Status.IN_LOCKER.value},
            )
            command = replace(
                unlock_row(message, claimed.request_id),
                credential_key=claimed.code_key,
                offline_nonce=claimed.offline_nonce,
                offline_until=claimed.expires_at if claimed.offline_nonce else None,
            )
            deps.stores.commands.record(command, tx)
            deps.stores.audit.add(
                audit_row(
                    request_subject(claimed.request_id),
                    f"locker:{event.locker}",
                    "pickup_unlock",
                    now,
                    via=event.type,
                    compartment=claimed.compartment,
                    cmd=cmd_id,
                ),
                tx,
            )
    except WriteConflict:
        # the request left in_locker meanwhile (taken back by staff): the door events decide what happened
        log.warning("bookkeeping of unlock %s not written; reconciled by the door events or the job", cmd_id)
        if record_outcome:
            claim_event(deps, event, "unlock")  # outside the transaction; already recorded is as good


def recover_unrecorded_unlock(deps: Deps, locker_id: str, compartment: str, cmd_id: str) -> CommandRow | None:
    """A door closed after an unlock whose bookkeeping was never written (a crash after the publish):
    find the claim that published it, through the compartment's request, and write the bookkeeping now."""
    slot = deps.stores.lockers.compartment(locker_id, compartment)
    if slot is None or not slot.request_id:  # an empty compartment (a service opening): nothing to reconcile
        return None
    request = deps.stores.requests.get(slot.request_id)
    if request is None:
        return None
    if request.status != Status.IN_LOCKER.value or request.pickup_cmd or not request.qr_key:
        return None
    for key in deps.stores.credentials.pair(request.qr_key):
        claimed = deps.stores.credentials.get(key)
        if claimed is None:
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
            return deps.stores.commands.get(cmd_id)
    return None


def reconcile_unconfirmed_claims(deps: Deps, older_than_ms: int) -> int:
    """Claims left without bookkeeping and without any door event for ``older_than_ms``: the door never
    opened (or we cannot know it did), so the citizen's codes are given back and staff see it in the audit."""
    now = deps.now()
    count = 0
    for claimed in deps.stores.credentials.unconfirmed_before(now - older_than_ms):
        request = deps.stores.requests.get(claimed.request_id)
        if request is None:
            continue
        if claimed.purpose == "dropoff":
            _settle_dropoff_claim(deps, claimed, request)
            continue
        if request.pickup_cmd == claimed.claimed_cmd or request.status != Status.IN_LOCKER.value:
            deps.stores.credentials.settle_claim(claimed.code_key)
            continue
        _undo(deps, claimed, claimed.claimed_cmd or "")
        deps.stores.audit.add(
            audit_row(
                request_subject(request.id),
                "system",
                "pickup_failed",
                now,
                cmd=claimed.claimed_cmd,
                reason="unconfirmed",
            )
        )
        count += 1
    return count


def _settle_dropoff_claim(deps: Deps, claimed: Credential, request: Request) -> None:
    """A drop-off claim left unconfirmed (a crash before its allocation was written): if no compartment was
    opened for it, the code is given back, still valid; if one was, only the mark goes."""
    if request.dropoff_cmd == claimed.claimed_cmd:
        deps.stores.credentials.settle_claim(claimed.code_key)
    else:
        _undo(deps, claimed, claimed.claimed_cmd or "")


def _offset(meta: LockerRow | None) -> int | None:
    return None if meta is None or meta.clock_offset_ms is None else int(meta.clock_offset_ms)


def _reject(
    deps: Deps, event: LockerEvent, reason: str, retry_after_s: int | None = None, text: str | None = None
) -> str:
    publish(deps, build_reject(deps, event.locker, reason, event.id, retry_after_s, text))
    return f"reject:{reason}"


def _dropoff_text(deps: Deps, event: LockerEvent, reason: str, credential: Credential | None) -> str | None:
    """The screen text for a drop-off code's refusal (the pickup's would speak of documents waiting)."""
    if credential is None or credential.purpose != "dropoff" or credential.revoked:
        return None
    if credential.locker_id != event.locker and reason == "invalid_code":
        meta = deps.stores.lockers.meta(credential.locker_id)
        where = ", ".join(filter(None, (meta.name, meta.location))) if meta else credential.locker_id
        return DROPOFF_MESSAGES_RO["wrong_locker"].format(locker=where)
    if reason in ("expired", "used"):
        return DROPOFF_MESSAGES_RO[reason].format(counter=counter_text(deps))
    return None


def _count_failure(deps: Deps, locker_id: str, keypad: LockerRow | None) -> None:
    """One wrong PIN; a read-modify-write guarded by a revision so concurrent failures all count."""
    now = deps.now()
    for _ in range(5):
        new_state, attack_began = register_failure(keypad_state(keypad), now)
        seen_revision = int(keypad.revision or 0) if keypad else None
        try:
            deps.stores.lockers.count_wrong_pin(locker_id, new_state, seen_revision)
        except WriteConflict:
            keypad = deps.stores.lockers.keypad(locker_id)
            continue
        if attack_began:
            deps.stores.audit.add(
                audit_row(
                    locker_subject(locker_id),
                    f"locker:{locker_id}",
                    "keypad_attack",
                    now,
                    until=new_state.attack_until,
                    failures=new_state.failures,
                )
            )
            metrics.count(metrics.KEYPAD_ATTACKS, lockerId=locker_id)
        return

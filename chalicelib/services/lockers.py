"""Lockers and compartments: registration, liveness, the staff view, out-of-service and force-open."""

from __future__ import annotations

import logging
import re
from typing import Any

from ..domain.compartments import SIZES, Compartment
from ..domain.errors import Conflict, DependencyDown, InvalidInput, NotFound
from ..domain.keypad import KeypadState
from ..domain.lifecycle import CLOSED_STATUSES, Status
from ..stores.audit import audit_row
from ..stores.commands import unlock_row
from ..stores.engine import WriteConflict
from ..stores.lockers import KEYPAD, META, compartment_key, revocation_row
from ..stores.rows import LockerRow
from .audit import history, locker_subject
from .commands import build_revoke, build_unlock, publish, send_pin_verifier
from .deps import Deps

log = logging.getLogger(__name__)
CLOSED = {s.value for s in CLOSED_STATUSES}
__all__ = ["KEYPAD", "META", "compartment_key"]  # the locker partition's keys, defined by its store
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")
COMPARTMENT_RE = re.compile(r"^[A-Z][0-9]{2}$")
REVOKE_BATCH = 200  # nonces per revoke command: about 2.4 KB, far below the IoT message limit
MAX_COMPARTMENTS = 96  # one atomic transaction (DynamoDB allows 100 items) with the meta item and audit


def load_locker_items(deps: Deps, locker_id: str) -> tuple[LockerRow, list[Compartment], LockerRow | None]:
    """One Query returns the locker's meta, compartments and keypad state."""
    items = deps.stores.lockers.items(locker_id)
    if items.meta is None:
        raise NotFound("Dulapul nu există.", "locker not found")
    return items.meta, [to_compartment(row) for row in items.compartments], items.keypad


def keypad_state(item: LockerRow | None) -> KeypadState:
    if item is None:
        return KeypadState()
    return KeypadState(int(item.failures or 0), int(item.last_failure_at or 0), int(item.attack_until or 0))


def to_compartment(item: LockerRow) -> Compartment:
    return Compartment(
        locker_id=item.locker_id,
        id=item.item[2:],
        size=item.size or "S",
        accessible=bool(item.accessible),
        enabled=item.enabled is not False,
        request_id=item.request_id,
        door=item.door or "closed",
        occupied=bool(item.occupied),
    )


def is_online(deps: Deps, meta: LockerRow) -> bool:
    """Heartbeats decide liveness; the last will only hastens the verdict."""
    if meta.online is False:
        return False
    return meta.last_seen is not None and deps.now() - meta.last_seen <= deps.settings.locker_stale_seconds * 1000


def create_locker(deps: Deps, actor: str, body: dict[str, Any]) -> dict[str, Any]:
    locker_id = body.get("id")
    if not isinstance(locker_id, str) or not ID_RE.match(locker_id):
        raise InvalidInput(
            "Identificatorul dulapului: 3–40 litere mici, cifre sau „-”.", "id must match [a-z0-9-]{3,40}"
        )
    name, location = body.get("name"), body.get("location")
    if not (isinstance(name, str) and isinstance(location, str)) or not all(
        v.strip() and len(v) <= 200 for v in (name, location)
    ):
        raise InvalidInput("Numele și locul dulapului sunt obligatorii.", "name and location are required strings")
    raw = body.get("compartments")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_COMPARTMENTS:
        raise InvalidInput(
            f"Dulapul trebuie să aibă 1–{MAX_COMPARTMENTS} compartimente.",
            f"compartments must be a list of 1-{MAX_COMPARTMENTS} items",
        )
    seen: set[str] = set()
    items = []
    for entry in raw:
        if not isinstance(entry, dict) or set(entry) - {"id", "size", "accessible"}:
            raise InvalidInput("Compartiment descris greșit.", "each compartment is {id, size, accessible}")
        cid, size, accessible = entry.get("id"), entry.get("size"), entry.get("accessible", False)
        if not isinstance(cid, str) or not COMPARTMENT_RE.match(cid) or cid in seen:
            raise InvalidInput(
                "Identificator de compartiment greșit sau repetat (ex. A01).", f"bad or repeated compartment id {cid!r}"
            )
        if size not in SIZES or not isinstance(accessible, bool):
            raise InvalidInput("Mărimea compartimentului: S, M sau L.", "size must be S, M or L; accessible a boolean")
        seen.add(cid)
        items.append(
            LockerRow(
                locker_id=locker_id,
                item=compartment_key(cid),
                size=size,
                accessible=accessible,
                enabled=True,
                door="closed",
                occupied=False,
            )
        )
    now = deps.now()
    meta = LockerRow(
        locker_id=locker_id, item=META, kind="locker", name=name.strip(), location=location.strip(), online=False
    )
    try:
        with deps.stores.transaction() as tx:
            deps.stores.lockers.register(meta, items, tx)
            deps.stores.audit.add(
                audit_row(locker_subject(locker_id), actor, "created", now, compartments=len(items)), tx
            )
    except WriteConflict as error:
        # the only condition is that no locker has this id yet; a transaction also fails on a concurrent write
        if deps.stores.lockers.meta(locker_id) is not None:
            raise Conflict("Dulapul există deja.", "locker already exists") from error
        log.warning("registering locker %s conflicted with another write", locker_id)
        raise Conflict(
            "Dulapul a fost modificat în același timp de altcineva. Încercați din nou.",
            "a concurrent write to the locker won; try again",
        ) from error
    return locker_view(deps, locker_id)


def list_lockers(deps: Deps) -> list[dict[str, Any]]:
    return [_meta_view(deps, m) for m in deps.stores.lockers.lockers()]


def _meta_view(deps: Deps, meta: LockerRow) -> dict[str, Any]:
    return {
        "id": meta.locker_id,
        "name": meta.name,
        "location": meta.location,
        "online": is_online(deps, meta),
        "lastSeen": meta.last_seen,
        "boot": meta.boot,
        "agentVersion": meta.agent_version,
    }


def locker_view(deps: Deps, locker_id: str, with_alerts: bool = False) -> dict[str, Any]:
    meta, compartments, keypad = load_locker_items(deps, locker_id)
    view = _meta_view(deps, meta)
    view["compartments"] = [
        {
            "id": c.id,
            "size": c.size,
            "accessible": c.accessible,
            "enabled": c.enabled,
            "door": c.door,
            "occupied": c.occupied,
            "reserved": c.request_id is not None,
            "state": c.state,
        }
        for c in sorted(compartments, key=lambda c: c.id)
    ]
    state = keypad_state(keypad)
    now = deps.now()
    view["keypadLockedUntil"] = state.next_check_at(now) if state.wait_seconds(now) else None
    view["keypadUnderAttackUntil"] = state.attack_until if state.under_attack(now) else None
    if with_alerts:
        view["alerts"] = locker_alerts(deps, locker_id)
    return view


ALERT_ACTIONS = ("fault", "keypad_attack", "command_timed_out", "malformed_event", "security_fault")


def locker_alerts(deps: Deps, locker_id: str) -> list[dict[str, Any]]:
    """What staff must look at, from the locker's audit trail (one Query)."""
    return [h for h in history(deps, locker_subject(locker_id), 100) if h["action"] in ALERT_ACTIONS]


def set_compartment_enabled(
    deps: Deps, actor: str, locker_id: str, compartment_id: str, enabled: bool
) -> dict[str, Any]:
    action = "enabled" if enabled else "out_of_service"
    try:
        with deps.stores.transaction() as tx:
            deps.stores.lockers.set_enabled(locker_id, compartment_id, enabled, tx)
            deps.stores.audit.add(
                audit_row(locker_subject(locker_id), actor, action, deps.now(), compartment=compartment_id), tx
            )
    except WriteConflict as error:
        # the compartment's existence is the only condition, but a transaction also fails on a concurrent
        # write to its items: only a compartment that is really missing is a 404
        if deps.stores.lockers.compartment(locker_id, compartment_id) is None:
            raise NotFound("Compartimentul nu există.", "compartment not found") from error
        log.warning("%s of %s/%s conflicted with another write", action, locker_id, compartment_id)
        raise Conflict(
            "Compartimentul a fost modificat în același timp de altcineva. Încercați din nou.",
            "a concurrent write to the compartment won; try again",
        ) from error
    return locker_view(deps, locker_id)


def force_open(deps: Deps, actor: str, locker_id: str, compartment_id: str, reason: str) -> str:
    """Open a compartment for service; the reason is mandatory and audited."""
    reason = reason.strip()
    if not reason or len(reason) > 300:
        raise InvalidInput("Scrieți motivul deschiderii (cel mult 300 de caractere).", "reason is required (max 300)")
    _, compartments, _ = load_locker_items(deps, locker_id)
    if compartment_id not in {c.id for c in compartments}:
        raise NotFound("Compartimentul nu există.", "compartment not found")
    message = build_unlock(deps, locker_id, compartment_id, "service")
    with deps.stores.transaction() as tx:
        deps.stores.commands.record(unlock_row(message), tx)
        deps.stores.audit.add(
            audit_row(
                locker_subject(locker_id),
                actor,
                "force_open",
                deps.now(),
                compartment=compartment_id,
                reason=reason,
                cmd=message["id"],
            ),
            tx,
        )
    publish(deps, message)
    return message["id"]


def held_by_closed_requests(deps: Deps, locker_id: str) -> list[dict[str, Any]]:
    """Compartments still reserved by a request that is already closed: they serve nobody until freed."""
    _, compartments, _ = load_locker_items(deps, locker_id)
    held = [c for c in compartments if c.request_id]
    if not held:
        return []
    records = {r.id: r for r in deps.stores.requests.get_many([c.request_id for c in held if c.request_id])}
    result = []
    for compartment in sorted(held, key=lambda c: c.id):
        record = records.get(compartment.request_id or "")
        if record is None or record.status in CLOSED:
            result.append(
                {
                    "compartment": compartment.id,
                    "requestId": compartment.request_id,
                    "registrationNumber": record.registration_number if record else None,
                    "status": record.status if record else None,
                    "door": compartment.door,
                }
            )
    return result


def free_compartment(deps: Deps, actor: str, locker_id: str, compartment_id: str) -> str:
    """Open a compartment held by a closed request; it is freed when that door cycle closes (locker_doors)."""
    held = {h["compartment"]: h for h in held_by_closed_requests(deps, locker_id)}
    if compartment_id not in held:
        raise Conflict(
            "Compartimentul nu este ținut de o cerere închisă; folosiți acțiunile cererii.",
            "compartment is not held by a closed request",
        )
    request_id = held[compartment_id]["requestId"]
    message = build_unlock(deps, locker_id, compartment_id, "service")
    now = deps.now()
    with deps.stores.transaction() as tx:
        deps.stores.lockers.release_after(locker_id, compartment_id, request_id, message["id"], tx)
        deps.stores.commands.record(unlock_row(message, request_id), tx)
        deps.stores.audit.add(
            audit_row(
                locker_subject(locker_id),
                actor,
                "free_compartment",
                now,
                compartment=compartment_id,
                request=request_id,
                cmd=message["id"],
            ),
            tx,
        )
    publish(deps, message)
    return message["id"]


def revocation_item(locker_id: str, nonce: str, until: int) -> LockerRow:
    """A revoked offline credential; it expires (TTL) with the credential it refuses."""
    return revocation_row(locker_id, nonce, until)


def revoke_offline(deps: Deps, locker_id: str, nonce: str, expires_at: int) -> None:
    """Record that an offline credential (QR and PIN verifier share the nonce) is refused from now on, and tell
    the locker at once; it hears it again at every reconnection until the credential has expired.

    Kept a day past the credential's expiry, so a locker whose clock runs late still learns of it.
    """
    deps.stores.lockers.add_revocation(locker_id, nonce, revoked_until(expires_at))
    tell_revoked(deps, locker_id, nonce)


def revoked_until(expires_at: int) -> int:
    """How long a locker must refuse an offline credential expiring at ``expires_at``: a day more."""
    return expires_at + 86_400_000


def tell_revoked(deps: Deps, locker_id: str, nonce: str) -> None:
    """Tell the locker now of a revocation already recorded (it hears it again at every reconnection)."""
    try:
        publish(deps, build_revoke(deps, locker_id, [nonce]))
    except DependencyDown:
        log.warning("revocation for %s will reach it at its next connection", locker_id)


def push_revocations(deps: Deps, locker_id: str) -> int:
    """Send the locker every revoked offline credential still unexpired, in batches; none is dropped."""
    nonces = deps.stores.lockers.revocations(locker_id, deps.now())
    for start in range(0, len(nonces), REVOKE_BATCH):
        publish(deps, build_revoke(deps, locker_id, nonces[start : start + REVOKE_BATCH]))
    return len(nonces)


def push_verifiers(deps: Deps, locker_id: str) -> int:
    """Send the locker again the offline PIN verifier of every pickup waiting in it, unused and unexpired: one
    published while it was away is lost (clean sessions), and with it the offline PIN. The locker keeps one
    verifier a compartment, so a repeat replaces it. One Query and three BatchGetItems."""
    try:
        _, compartments, _ = load_locker_items(deps, locker_id)
    except NotFound:
        return 0
    held = [c.request_id for c in compartments if c.request_id]
    waiting = [
        r.qr_key
        for r in deps.stores.requests.get_many(held)
        if r.status == Status.IN_LOCKER.value and r.qr_key and not r.pickup_cmd
    ]
    qrs = deps.stores.credentials.get_many(waiting)
    siblings = [qr.sibling for qr in qrs if qr.sibling and not qr.used_at and not qr.claimed_cmd]
    now = deps.now()
    sent = 0
    for pin in deps.stores.credentials.get_many(siblings):
        if pin.verifier and pin.locker_id == locker_id and not pin.used_at and not pin.revoked and pin.expires_at > now:
            send_pin_verifier(deps, pin)
            sent += 1
    return sent

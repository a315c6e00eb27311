"""The locker contract (docs/locker-protocol.md): command construction and event validation.

Commands are signed over the RFC 8785 canonical JSON of the message without
``sig``; the signature itself is made by a ``CommandSigner`` outside the domain.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import rfc8785

from .errors import InvalidInput

VERSION = 1
EVENT_TYPES = ("scan", "pin", "door_opened", "door_closed", "ack", "fault", "heartbeat", "offline_pickup")
CODE_EVENTS = ("scan", "pin")
STALE_AFTER_MS = 30_000  # a code typed or scanned longer ago than this was typed in front of nobody now
PURPOSES = ("deposit", "pickup", "retrieve", "service", "dropoff")
REJECT_REASONS = (
    "invalid_code",
    "expired",
    "used",
    "locked_out",
    "stale",
    "slow_down",
    "need_phone_digits",
    "full",
)
ACK_RESULTS = ("executed", "rejected", "duplicate")
MAX_EVENT_BYTES = 8 * 1024

REJECT_MESSAGES_RO = {
    "invalid_code": "Cod necunoscut. Verificați PIN-ul din SMS sau scanați din nou codul QR.",
    "expired": "Codul a expirat. Documentele vă așteaptă la Registratură.",
    "used": "Codul a fost deja folosit. Pentru ajutor, mergeți la Registratură.",
    "locked_out": "Tastatura este blocată temporar. Puteți scana codul QR sau reveniți mai târziu.",
    "stale": "Codul a ajuns prea târziu. Tastați sau scanați din nou codul.",
    "slow_down": "Prea multe coduri greșite. Așteptați {seconds} secunde, apoi tastați din nou PIN-ul.",
    "need_phone_digits": "Tastați PIN-ul urmat de ultimele 4 cifre ale telefonului la care ați primit SMS-ul.",
    # a drop-off code (issue 14) when no compartment of the envelope's size is free; the code stays valid
    "full": "Nu este liber niciun compartiment pentru dosarul dumneavoastră. Codul rămâne valabil: "
    "reveniți mai târziu sau depuneți dosarul la {counter}.",
}


# a drop-off code (issue 14): the citizen holds the file, so the pickup texts would mislead
DROPOFF_MESSAGES_RO = {
    "expired": "Codul de depunere a expirat. Cereți un cod nou din ePS2 sau depuneți dosarul la {counter}.",
    "used": "Codul de depunere a fost deja folosit. Pentru o nouă depunere cereți un cod nou din ePS2.",
    "wrong_locker": "Acest cod de depunere este pentru alt dulap: {locker}.",
}


def is_stale(event_ts: int, now_ms: int, clock_offset_ms: int | None) -> bool:
    """True when a code event is older than ``STALE_AFTER_MS`` by the backend's clock.

    ``clock_offset_ms`` is the locker's clock minus ours, as its heartbeat reports;
    unknown (None) means the event's ``ts`` is taken as it is.
    """
    return now_ms - (event_ts - (clock_offset_ms or 0)) > STALE_AFTER_MS


def signed_bytes(message: dict[str, Any]) -> bytes:
    """The exact bytes a command's signature covers: canonical JSON of every field but ``sig``."""
    return rfc8785.dumps({k: v for k, v in message.items() if k != "sig"})


def unlock_command(
    locker: str, compartment: str, purpose: str, now_ms: int, ttl_s: int, kid: str, re: str | None = None
) -> dict[str, Any]:
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    message: dict[str, Any] = {
        "v": VERSION,
        "id": uuid.uuid4().hex,
        "type": "unlock",
        "locker": locker,
        "compartment": compartment,
        "purpose": purpose,
        "iat": now_ms,
        "exp": now_ms + ttl_s * 1000,
        "kid": kid,
    }
    if re:
        message["re"] = re
    return message


def reject_command(
    locker: str,
    reason: str,
    re: str,
    now_ms: int,
    ttl_s: int,
    kid: str,
    retry_after_s: int | None = None,
    counter: str = "Registratură",
    text: str | None = None,
) -> dict[str, Any]:
    """A ``reject`` answering event ``re``; ``slow_down`` carries the seconds to wait (``retryAfter``), ``full``
    names the counter where the file can be handed in instead (its place and hours); ``text`` replaces the
    reason's usual screen message (a drop-off code's refusal)."""
    if reason not in REJECT_REASONS:
        raise ValueError(reason)
    message: dict[str, Any] = {
        "v": VERSION,
        "id": uuid.uuid4().hex,
        "type": "reject",
        "locker": locker,
        "re": re,
        "reason": reason,
        "message": text or REJECT_MESSAGES_RO[reason].format(seconds=retry_after_s or 0, counter=counter),
        "iat": now_ms,
        "exp": now_ms + ttl_s * 1000,
        "kid": kid,
    }
    if retry_after_s is not None:
        message["retryAfter"] = retry_after_s
    return message


def revoke_command(locker: str, nonces: list[str], now_ms: int, ttl_s: int, kid: str) -> dict[str, Any]:
    """Offline credentials the locker must refuse from now on (sent on revocation and at every reconnect)."""
    return {
        "v": VERSION,
        "id": uuid.uuid4().hex,
        "type": "revoke",
        "locker": locker,
        "nonces": list(nonces),
        "iat": now_ms,
        "exp": now_ms + ttl_s * 1000,
        "kid": kid,
    }


def pin_verifier_command(
    locker: str,
    compartment: str,
    deposit: str,
    nonce: str,
    expires_at: int,
    verifier: dict[str, Any],
    now_ms: int,
    ttl_s: int,
    kid: str,
) -> dict[str, Any]:
    """Lets the locker check this compartment's PIN while offline, for the deposit ``deposit`` only.

    Sent after each deposit, reissue and deadline extension; a newer one for the
    same compartment replaces the older.
    """
    return {
        "v": VERSION,
        "id": uuid.uuid4().hex,
        "type": "pin_verifier",
        "locker": locker,
        "compartment": compartment,
        "deposit": deposit,
        "nonce": nonce,
        "until": expires_at,
        "verifier": verifier,
        "iat": now_ms,
        "exp": now_ms + ttl_s * 1000,
        "kid": kid,
    }


@dataclass(frozen=True)
class LockerEvent:
    locker: str
    id: str
    type: str
    ts: int
    seq: int | None = None
    boot: str | None = None
    compartment: str | None = None
    code: str | None = None
    cmd: str | None = None
    result: str | None = None
    reason: str | None = None
    raw: dict[str, Any] | None = None


def _text(payload: dict[str, Any], name: str, required: bool, max_len: int = 128) -> str | None:
    value = payload.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"câmpul „{name}” lipsește", f"missing field '{name}'")
        return None
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise InvalidInput(f"câmpul „{name}” nu este un text valid", f"field '{name}' must be a non-empty string")
    return value


def _int(payload: dict[str, Any], name: str, required: bool) -> int | None:
    value = payload.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"câmpul „{name}” lipsește", f"missing field '{name}'")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"câmpul „{name}” nu este un număr valid", f"field '{name}' must be a non-negative integer")
    return value


_NEEDS_COMPARTMENT = ("door_opened", "door_closed", "offline_pickup")


def parse_event(payload: Any, locker_from_topic: str) -> LockerEvent:
    """A validated LockerEvent, or InvalidInput saying what is wrong (recorded as a fault, never applied)."""
    if not isinstance(payload, dict):
        raise InvalidInput("mesajul nu este un obiect JSON", "event is not a JSON object")
    if payload.get("v") != VERSION:
        raise InvalidInput("versiune de protocol necunoscută", "unsupported protocol version")
    event_type = _text(payload, "type", True)
    if event_type not in EVENT_TYPES:
        raise InvalidInput("tip de eveniment necunoscut", f"unknown event type {event_type!r}")
    locker = payload.get("locker", locker_from_topic)
    if locker != locker_from_topic:
        raise InvalidInput("dulapul din mesaj diferă de cel din subiect", "locker in payload differs from topic")
    event = LockerEvent(
        locker=locker_from_topic,
        id=_text(payload, "id", True) or "",
        type=event_type,
        ts=_int(payload, "ts", True) or 0,
        seq=_int(payload, "seq", False),
        boot=_text(payload, "boot", False),
        compartment=_text(payload, "compartment", event_type in _NEEDS_COMPARTMENT, 16),
        code=_text(payload, "code", event_type in ("scan", "pin", "offline_pickup"), 2048),
        cmd=_text(payload, "cmd", event_type == "ack"),
        result=_text(payload, "result", event_type == "ack"),
        reason=_text(payload, "reason", event_type == "fault"),
        raw=payload,
    )
    if event.type == "ack" and event.result not in ACK_RESULTS:
        raise InvalidInput("rezultat de confirmare necunoscut", f"unknown ack result {event.result!r}")
    return event

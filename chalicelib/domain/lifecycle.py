"""The request state machine: statuses, allowed transitions and who may cause them.

registered -> ready -> reserved -> in_locker -> collected, with expired -> returned
and cancelled on the side. The counter path skips the locker: ready -> collected.

Every status change goes through ``change_status``, which validates it against
``_TRANSITIONS`` and returns a ``StatusChange`` (what to write, the guard, the audit
content); nothing else writes a status. The table is data: later services add
their own statuses and actions with ``extend``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .errors import IllegalTransition


class Status(StrEnum):
    REGISTERED = "registered"
    READY = "ready"
    RESERVED = "reserved"
    IN_LOCKER = "in_locker"
    COLLECTED = "collected"
    EXPIRED = "expired"
    RETURNED = "returned"
    CANCELLED = "cancelled"


OPEN_STATUSES = (Status.REGISTERED, Status.READY, Status.RESERVED, Status.IN_LOCKER, Status.EXPIRED)
CLOSED_STATUSES = (Status.COLLECTED, Status.RETURNED, Status.CANCELLED)

# action -> (allowed from, to)
_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "ready": ((Status.REGISTERED,), Status.READY),
    "reserve": ((Status.READY,), Status.RESERVED),
    "deposit_confirmed": ((Status.RESERVED,), Status.IN_LOCKER),
    "deposit_aborted": ((Status.RESERVED,), Status.READY),
    "collect_from_locker": ((Status.IN_LOCKER,), Status.COLLECTED),
    # An expired request's documents are still in the locker: staff retrieve them first (-> returned).
    "collect_at_counter": ((Status.READY, Status.RETURNED), Status.COLLECTED),
    "expire": ((Status.IN_LOCKER,), Status.EXPIRED),
    # Staff take documents back: expired ones, or ones still waiting that must not be handed out.
    "retrieve_started": ((Status.EXPIRED, Status.IN_LOCKER), Status.EXPIRED),
    "returned": ((Status.EXPIRED, Status.IN_LOCKER), Status.RETURNED),
    "cancel": ((Status.REGISTERED, Status.READY, Status.RESERVED), Status.CANCELLED),
}

_LABELS_RO: dict[str, str] = {
    Status.REGISTERED: "înregistrată",
    Status.READY: "documente pregătite",
    Status.RESERVED: "compartiment rezervat",
    Status.IN_LOCKER: "în dulap, așteaptă ridicarea",
    Status.COLLECTED: "ridicată",
    Status.EXPIRED: "termen depășit",
    Status.RETURNED: "returnată la ghișeu",
    Status.CANCELLED: "anulată",
}


# A refusal that needs more than "not allowed": what the clerk should do first.
_GUIDANCE: dict[tuple[str, str], tuple[str, str]] = {
    (Status.EXPIRED.value, action): (
        "Documentele sunt încă în dulap. Scoateți-le întâi („Retrage din dulap”); "
        "după ce ușa se închide, cererea poate fi predată la ghișeu sau anulată.",
        f"Action '{action}' needs the documents out of the locker first: retrieve them.",
    )
    for action in ("collect_at_counter", "cancel")
}


def extend(
    labels_ro: dict[str, str], transitions: dict[str, tuple[tuple[str, ...], str]], closed: tuple[str, ...] = ()
) -> None:
    """Add a later service's statuses and actions to the one machine (online requests, drop-off, …).

    Existing actions cannot be redefined: a service that needs a different rule names a new action.
    """
    clash = set(transitions) & set(_TRANSITIONS)
    if clash:
        raise ValueError(f"actions already defined: {sorted(clash)}")
    _LABELS_RO.update(labels_ro)
    _TRANSITIONS.update(transitions)
    _EXTRA_CLOSED.update(closed)


_EXTRA_CLOSED: set[str] = set()


def is_closed(status: str) -> bool:
    return status in {s.value for s in CLOSED_STATUSES} or status in _EXTRA_CLOSED


def closed_statuses() -> list[str]:
    """Every closed status, the later services' too (their requests end there and are kept as records)."""
    return sorted({s.value for s in CLOSED_STATUSES} | _EXTRA_CLOSED)


def all_statuses() -> set[str]:
    """Every status of the machine, the pickup's and the ones later services added."""
    return {str(status) for status in _LABELS_RO}


def label_ro(status: Status | str) -> str:
    return _LABELS_RO.get(status, str(status))


def next_status(current: Status | str, action: str) -> str:
    """The status after ``action``; raises IllegalTransition with a reason a clerk can act on."""
    current = str(current.value if isinstance(current, Status) else current)
    if action not in _TRANSITIONS:
        raise IllegalTransition("Acțiune necunoscută.", f"unknown action '{action}'")
    allowed, target = _TRANSITIONS[action]
    if current not in allowed:
        ro, en = _GUIDANCE.get((current, action), ("", ""))
        wanted = ", ".join(label_ro(s) for s in allowed) or "—"
        raise IllegalTransition(
            ro or f"Acțiunea nu este permisă: cererea este „{label_ro(current)}”, iar acțiunea cere starea: {wanted}.",
            en
            or f"Action '{action}' is not allowed from status '{current}'"
            f" (allowed from: {', '.join(str(s) for s in allowed)}).",
        )
    return str(target)


@dataclass(frozen=True)
class StatusChange:
    """One validated status change and everything to write for it: the new status, the status it must
    still have when written (the guard against a concurrent change), and the audit entry's content."""

    request_id: str
    action: str
    before: str
    after: str
    at: int
    actor: str
    detail: dict[str, Any] = field(default_factory=dict)

    def audit_detail(self) -> dict[str, Any]:
        return {"from": self.before, "to": self.after, **self.detail}


def change_status(
    request_id: str, current: Status | str, action: str, at: int, actor: str, **detail: Any
) -> StatusChange:
    """The only way a request's status changes: validated by the table above, audited by the caller's store."""
    before = str(current.value if isinstance(current, Status) else current)
    return StatusChange(request_id, action, before, next_status(before, action), at, actor, detail)


def allowed_from(action: str) -> tuple[str, ...]:
    return tuple(str(s) for s in _TRANSITIONS[action][0])

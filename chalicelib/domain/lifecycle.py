"""The request state machine: statuses, allowed transitions and who may cause them.

registered -> ready -> reserved -> in_locker -> collected, with expired -> returned
and cancelled on the side. The counter path skips the locker: ready -> collected.
"""

from __future__ import annotations

from enum import StrEnum

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
_TRANSITIONS: dict[str, tuple[tuple[Status, ...], Status]] = {
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

_LABELS_RO = {
    Status.REGISTERED: "înregistrată",
    Status.READY: "documente pregătite",
    Status.RESERVED: "compartiment rezervat",
    Status.IN_LOCKER: "în dulap, așteaptă ridicarea",
    Status.COLLECTED: "ridicată",
    Status.EXPIRED: "termen depășit",
    Status.RETURNED: "returnată la ghișeu",
    Status.CANCELLED: "anulată",
}


def label_ro(status: Status | str) -> str:
    return _LABELS_RO[Status(status)]


def next_status(current: Status | str, action: str) -> Status:
    """The status after ``action``; raises IllegalTransition with a reason a clerk can act on."""
    current = Status(current)
    allowed, target = _TRANSITIONS[action]
    if current == Status.EXPIRED and action in ("collect_at_counter", "cancel"):
        raise IllegalTransition(
            "Documentele sunt încă în dulap. Scoateți-le întâi („Retrage din dulap”); "
            "după ce ușa se închide, cererea poate fi predată la ghișeu sau anulată.",
            f"Action '{action}' needs the documents out of the locker first: retrieve them.",
        )
    if current not in allowed:
        wanted = ", ".join(label_ro(s) for s in allowed)
        raise IllegalTransition(
            f"Acțiunea nu este permisă: cererea este „{label_ro(current)}”, iar acțiunea cere starea: {wanted}.",
            f"Action '{action}' is not allowed from status '{current.value}'"
            f" (allowed from: {', '.join(s.value for s in allowed)}).",
        )
    return target


def allowed_from(action: str) -> tuple[Status, ...]:
    return _TRANSITIONS[action][0]

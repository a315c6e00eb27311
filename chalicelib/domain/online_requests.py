"""Online requests (issue 13): their statuses in the one state machine, and the answer deadline.

A request made from home starts as a ``draft``; ``submit`` registers it (the registration number and the
legal deadline start then); a department takes it (``in_review``), may ask for documents as often as needed
(``awaiting_documents`` ⇄ ``in_review``), and answers electronically (``answered``), for pickup (``ready``:
the locker or counter path takes over, under the same number) or with a refusal (``rejected``). The citizen
may withdraw it until it is answered. Importing this module adds these to ``lifecycle``; nothing else.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from . import lifecycle
from .sms import BUCHAREST

DRAFT = "draft"
REGISTERED = lifecycle.Status.REGISTERED.value
IN_REVIEW = "in_review"
AWAITING_DOCUMENTS = "awaiting_documents"
ANSWERED = "answered"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
READY = lifecycle.Status.READY.value

DEFAULT_ANSWER_DAYS = 30  # OG 27/2002: petitions are answered within 30 days unless a law says otherwise
DRAFT_KEPT_DAYS = 365

LABELS_RO = {
    DRAFT: "ciornă, netrimisă",
    IN_REVIEW: "în analiză",
    AWAITING_DOCUMENTS: "așteaptă documente de la solicitant",
    ANSWERED: "răspuns transmis",
    REJECTED: "respinsă",
    WITHDRAWN: "retrasă de solicitant",
}

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": ((DRAFT,), REGISTERED),
    "assign": ((REGISTERED,), IN_REVIEW),
    "ask_documents": ((IN_REVIEW, AWAITING_DOCUMENTS), AWAITING_DOCUMENTS),
    "resubmit": ((AWAITING_DOCUMENTS,), IN_REVIEW),
    "answer_electronic": ((IN_REVIEW,), ANSWERED),
    "answer_for_pickup": ((IN_REVIEW,), READY),
    "reject": ((REGISTERED, IN_REVIEW, AWAITING_DOCUMENTS), REJECTED),
    "withdraw": ((DRAFT, REGISTERED, IN_REVIEW, AWAITING_DOCUMENTS), WITHDRAWN),
}

lifecycle.extend(LABELS_RO, TRANSITIONS, closed=(ANSWERED, REJECTED, WITHDRAWN))


def answer_due(registered_at_ms: int, days: int | None = None) -> date:
    """The last day for the answer, in Bucharest: the registration day plus the service's term (30 days)."""
    registered = datetime.fromtimestamp(registered_at_ms / 1000, BUCHAREST).date()
    return registered + timedelta(days=days or DEFAULT_ANSWER_DAYS)


def days_left(due: date, now_ms: int) -> int:
    """Whole days until the deadline (0 on its last day, negative once it has passed)."""
    today = datetime.fromtimestamp(now_ms / 1000, BUCHAREST).date()
    return (due - today).days


def end_of_day_ms(day: date) -> int:
    """The last millisecond of ``day`` in Bucharest: requests sort by it, overdue ones first."""
    next_midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=BUCHAREST)
    return int(next_midnight.timestamp() * 1000) - 1


def answer_days(service: dict[str, Any], default: int) -> int:
    """The service's own term (``processingTime`` as ``P<n>D``), or the law's 30 days."""
    term = str(service.get("processingTime") or "")
    if term.startswith("P") and term.endswith("D") and term[1:-1].isdigit():
        return min(int(term[1:-1]), 365)
    return default

"""Associations' filings (issue 15): their statuses in the one state machine, periods and the notices sent.

A filing is a registry document like an online request: a ``draft`` until ``submit`` gives it a number of
the registry's sequence (``registered``); the department takes it (``assign``: ``in_review``), may ask for
documents as often as needed (``ask_documents`` / ``resubmit``: ``in_review`` ⇄ ``awaiting_documents``) and
ends it with ``accept`` (``accepted``, added here) or ``reject`` (``rejected``). Importing this module adds
``accepted`` and ``accept`` to ``lifecycle``; the other actions are the online requests'.

A periodic filing names its period: ``2026-S1`` / ``2026-S2`` for a half-year, ``2026`` for a year.
"""

from __future__ import annotations

import re
from datetime import date

from . import lifecycle, online_requests
from .errors import InvalidInput

DRAFT = online_requests.DRAFT
REGISTERED = online_requests.REGISTERED
IN_REVIEW = online_requests.IN_REVIEW
AWAITING_DOCUMENTS = online_requests.AWAITING_DOCUMENTS
ACCEPTED = "accepted"
REJECTED = online_requests.REJECTED
STATUSES = (REGISTERED, IN_REVIEW, AWAITING_DOCUMENTS, ACCEPTED, REJECTED)
INTAKE = "association"  # a filing's ``intake`` in the requests table

lifecycle.extend({ACCEPTED: "acceptată"}, {"accept": ((IN_REVIEW,), ACCEPTED)}, closed=(ACCEPTED,))

_HALF = re.compile(r"^(\d{4})-S([12])$")
_YEAR = re.compile(r"^(\d{4})$")


def owner_of(cui: str) -> str:
    """The ``owner`` of an association's filings in the requests table (its own index)."""
    return f"association#{cui}"


def check_period(kind: str | None, value: object) -> str | None:
    """The period a periodic filing names (upper case), or None for a filing that has none."""
    if kind is None:
        return None
    text = value.strip().upper() if isinstance(value, str) else ""
    pattern, example = (_HALF, "2026-S1") if kind == "half-year" else (_YEAR, "2026")
    found = pattern.match(text)
    if not found or not 2000 <= int(found.group(1)) <= 2100:
        raise InvalidInput(
            f"Scrieți perioada ca {example}.", f"period must be written as {example} (a {kind} from 2000 to 2100)"
        )
    return text


def period_of(kind: str | None, day: date) -> str | None:
    """The period ``day`` falls in."""
    if kind == "half-year":
        return f"{day.year}-S{1 if day.month <= 6 else 2}"
    if kind == "year":
        return str(day.year)
    return None


def notice(action: str, title: str, number: str, message: str = "") -> tuple[str, str]:
    """The e-mail that tells the association a filing moved: (subject, body), Romanian first."""
    lines = {
        "submit": ("a fost înregistrată", "was registered"),
        "assign": ("este în analiză", "is being reviewed"),
        "ask_documents": ("are nevoie de documente", "needs documents"),
        "resubmit": (
            "a primit documentele și este din nou în analiză",
            "received the documents and is in review again",
        ),
        "accept": ("a fost acceptată", "was accepted"),
        "reject": ("a fost respinsă", "was rejected"),
    }
    ro, en = lines[action]
    subject = f"{number}: {title} {ro}"
    body = f"Depunerea „{title}”, nr. {number}, {ro}."
    if message:
        body += f"\n\n{message}"
    body += (
        "\n\nO puteți urmări în portalul asociațiilor, la „Depunerile mele”."
        f"\n\n— Primăria Sectorului 2\n\n(EN) Filing {number} {en}. See it in the associations' portal."
    )
    return subject, body

"""Document drop-off at the locker (issue 14): the file's checklist, the envelope's size and the statuses.

A drop-off is an online request with intake ``locker``: it stays a ``draft`` while the citizen answers the
checklist and gets a drop-off code; the door closing on the file registers it (``dropoff_registered``, the
registration number and time are the legal proof of submission); staff collect it from the compartment
(``dropoff_collected`` → ``in_review``, the department of the service); a file found incomplete goes to
``awaiting_documents`` (the online requests' ``ask_documents``), one found empty too (``found_empty``), and
the rest dropped off with a new code returns it to ``in_review`` (``resubmit``). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import checklist, lifecycle, online_requests
from .compartments import SIZES
from .errors import IncompleteFile, InvalidInput

INTAKE = "locker"
CODE_HOURS = 24  # how long a drop-off code opens a compartment (a setting; this is its default)
MAX_DOCUMENTS = 60

# The compartments' inside: every size is 38 × 64 cm; they differ by height (what the envelope may be thick).
ENVELOPES: dict[str, dict[str, str]] = {
    "S": {
        "ro": "Mic: până la 8 cm grosime (un plic A4 sau un dosar subțire), 38 × 64 cm",
        "en": "Small: up to 8 cm thick (an A4 envelope or a thin folder), 38 × 64 cm",
    },
    "M": {
        "ro": "Mediu: până la 19 cm grosime (un biblioraft), 38 × 64 cm",
        "en": "Medium: up to 19 cm thick (a lever-arch file), 38 × 64 cm",
    },
    "L": {
        "ro": "Mare: până la 39 cm grosime (o cutie de dosare), 38 × 64 cm",
        "en": "Large: up to 39 cm thick (a box of files), 38 × 64 cm",
    },
}

FOUND_EMPTY = "found_empty"

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    # the door closed on the file: the number and the time are given at that moment
    "dropoff_registered": ((online_requests.DRAFT,), online_requests.REGISTERED),
    # staff took the file out of the compartment: the department of the service works it
    "dropoff_collected": ((online_requests.REGISTERED,), online_requests.IN_REVIEW),
    # the compartment was empty when staff opened it: the citizen is told and may drop the file off again
    FOUND_EMPTY: ((online_requests.IN_REVIEW,), online_requests.AWAITING_DOCUMENTS),
}

lifecycle.extend({}, TRANSITIONS)


@dataclass(frozen=True)
class FileCheck:
    """The citizen's envelope against the service's checklist: what is in it, and what is missing."""

    included: tuple[checklist.Item, ...]
    missing: tuple[checklist.Item, ...]


def checked_size(size: object) -> str:
    if size not in SIZES:
        raise InvalidInput("Alegeți mărimea plicului: mic, mediu sau mare.", f"size must be one of {', '.join(SIZES)}")
    return str(size)


def checked_documents(documents: object) -> list[str]:
    if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
        raise InvalidInput(
            "Spuneți ce documente sunt în plic.", "documents must be a list of the ids of the documents in it"
        )
    if len(documents) > MAX_DOCUMENTS:
        raise InvalidInput("Prea multe documente.", f"at most {MAX_DOCUMENTS} documents")
    return sorted(set(documents))


def check_file(service: dict[str, Any], answers: dict[str, Any], documents: list[str]) -> FileCheck:
    """The needed documents (mandatory, or decided by the answers) that are in the envelope and that are not.

    A document the service does not list is refused by name: the checklist is the only list staff compare with.
    """
    items = checklist.checklist(service, answers, channel=INTAKE)
    known = {item.id for item in items}
    unknown = [d for d in documents if d not in known]
    if unknown:
        raise InvalidInput(
            f"Documentul „{unknown[0]}” nu este pe lista acestui serviciu.", f"unknown document '{unknown[0]}'"
        )
    chosen = set(documents)
    included = tuple(item for item in items if item.id in chosen)
    missing = tuple(item for item in items if item.needed and item.id not in chosen)
    return FileCheck(included, missing)


def asked_documents(asked: dict[str, Any] | None) -> list[str]:
    """The ids of the documents the office asked for (a request ``awaiting_documents``)."""
    return [str(d["id"]) for d in (asked or {}).get("documents", []) if isinstance(d, dict) and "id" in d]


def incomplete(missing: tuple[checklist.Item, ...]) -> IncompleteFile:
    """The refusal of an envelope lacking needed documents: what is missing, and what to do instead."""
    names_ro = ", ".join(f"„{item.name_ro}”" for item in missing)
    names_en = ", ".join(item.id for item in missing)
    verb = "lipsește" if len(missing) == 1 else "lipsesc"
    return IncompleteFile(
        f"Dosarul nu este complet: {verb} {names_ro}. Procurați documentele și reveniți, "
        "sau mergeți la Registratură, unde vă spunem ce puteți face.",
        f"the file is incomplete: missing {names_en}",
        [item.id for item in missing],
    )

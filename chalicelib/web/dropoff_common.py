"""What the drop-off pages share: the blueprint, the envelope being prepared (carried in the pages' links,
so the flow needs no script and no draft field of its own) and the checklist items asked one at a time.

The citizen's answers about the envelope live in the query string (``are`` the ids of the documents in it,
``plic`` its size, ``dulap`` the locker) until "Trimite-mi codul" sends them to ``request_dropoff``,
which checks them again: the pages only ask and show, the rules are the service's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from chalice import Blueprint

from .. import catalogue
from ..domain import checklist, dropoff
from ..domain.online_requests import AWAITING_DOCUMENTS
from ..services.deps import Deps
from ..services.dropoff import CODE_STATUSES, HOUR_MS
from ..stores.rows import Request

dropoff_pages = Blueprint(__name__)
ROOT = "/cereri"
_ID = re.compile(r"[a-z0-9-]{1,80}")


@dataclass
class Envelope:
    """The documents the citizen said are in the envelope, its size and the locker chosen so far."""

    documents: list[str] = field(default_factory=list)
    size: str = ""
    locker: str = ""

    @classmethod
    def read(cls, fields: dict[str, str]) -> Envelope:
        documents = [d for d in str(fields.get("are") or "").split(",") if _ID.fullmatch(d)]
        size = str(fields.get("plic") or "")
        locker = str(fields.get("dulap") or "")
        return cls(
            sorted(set(documents)),
            size if size in dropoff.ENVELOPES else "",
            locker if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", locker) else "",
        )

    def query(self, **extra: str) -> str:
        """``?are=…&plic=…&dulap=…`` (what is known), and ``extra``."""
        values = {"are": ",".join(self.documents), "plic": self.size, "dulap": self.locker, **extra}
        kept = {k: v for k, v in values.items() if v}
        return "?" + urlencode(kept, safe=",") if kept else ""

    def with_document(self, document_id: str, inside: bool) -> Envelope:
        chosen = set(self.documents) - {document_id}
        if inside:
            chosen.add(document_id)
        return Envelope(sorted(chosen), self.size, self.locker)


@dataclass(frozen=True)
class Question:
    """One checklist item asked as "Aveți documentul …?": needed ones stop the flow when missing."""

    id: str
    name: str
    explanation: str
    needed: bool
    copies: int


def checklist_questions(record: Request, lang: str) -> list[Question]:
    """The documents to ask about, in the service's order: for a draft the needed ones (mandatory, or decided
    by the answers) and the optional ones no answer rules out; after the office asked, the documents asked
    (when it asked in words only, every needed document, none of them stopping the flow: the citizen puts in
    what the message asks for)."""
    service = catalogue.get_service(record.service_id or "")
    docs = {d["id"]: d for d in service.get("documents", [])}
    answers = record.answers or {}
    if record.status == AWAITING_DOCUMENTS:
        asked = set(dropoff.asked_documents(record.asked))
        items = checklist.checklist(service, answers, channel=dropoff.INTAKE)
        if not asked:
            return [_question(i, docs[i.id], lang, needed=False) for i in items if i.needed]
        return [_question(i, docs[i.id], lang, needed=True) for i in items if i.id in asked]
    chosen = []
    for item in checklist.checklist(service, answers, channel=dropoff.INTAKE):
        if item.needed or docs[item.id].get("condition") is None:
            chosen.append(_question(item, docs[item.id], lang, needed=item.needed))
    return chosen


def _question(item: checklist.Item, doc: dict[str, Any], lang: str, needed: bool) -> Question:
    explanation = (doc.get("explanation") or {}).get(lang, "")
    name = item.name_en if lang == "en" else item.name_ro
    return Question(item.id, name, explanation, needed, int(doc.get("count") or 1))


def live_code_until(deps: Deps, record: Request) -> int | None:
    """When the request's drop-off code stops working, while one is live: not the used code of an earlier
    envelope (sent before that envelope was dropped off), nor an expired one; else None."""
    if record.intake != dropoff.INTAKE or not record.dropoff_key or not record.dropoff_expires or record.collect_from:
        return None
    if record.status not in CODE_STATUSES or deps.now() >= record.dropoff_expires:
        return None
    sent_at = record.dropoff_expires - deps.settings.dropoff_code_hours * HOUR_MS
    if record.dropped_at and sent_at <= record.dropped_at:
        return None  # the code that put the earlier envelope in
    return record.dropoff_expires


def envelope_choices(lang: str) -> list[dict[str, str]]:
    """S, M, L as radios: the size's name as the label, its thickness and dimensions as the hint."""
    choices = []
    for size, words in dropoff.ENVELOPES.items():
        label, _, hint = words[lang].partition(": ")
        choices.append({"value": size, "label": label, "hint": hint})
    return choices


def envelope_label(size: str, lang: str) -> str:
    return dropoff.ENVELOPES[size][lang] if size in dropoff.ENVELOPES else "—"

"""A service's questions and documents applied to one citizen's answers: which answers are valid, which
documents this citizen needs, and what is still missing before the file is complete.

A document is needed when it is mandatory, or when the yes/no question named by its ``condition`` was
answered yes. A needed document is satisfied by an attached file (when the service accepts it online) or,
where the original must be seen (``original``) or it cannot be sent online, by the citizen's promise to
bring it ("I will bring the original"). Pure: the service is the catalogue's record, passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import InvalidInput

MAX_TEXT = 500
YES = {True, "true", "da", "yes"}
NO = {False, "false", "nu", "no"}


@dataclass(frozen=True)
class Item:
    """One document of the checklist, as it applies to these answers."""

    id: str
    name_ro: str
    name_en: str
    needed: bool
    can_attach: bool
    can_bring: bool
    formats: tuple[str, ...]


def clean_answers(service: dict[str, Any], answers: object, complete: bool = False) -> dict[str, Any]:
    """The answers kept, typed (yes/no as booleans); InvalidInput names the first wrong one. With
    ``complete``, every required question must be answered (a draft may be saved half-done)."""
    if not isinstance(answers, dict):
        raise InvalidInput("Răspunsurile trebuie trimise ca obiect JSON.", "answers must be an object")
    questions = {q["id"]: q for q in service.get("questions", [])}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise InvalidInput(f"Întrebare necunoscută: {unknown[0]}.", f"unknown question '{unknown[0]}'")
    cleaned: dict[str, Any] = {}
    for qid, question in questions.items():
        value = answers.get(qid)
        if value is None or value == "":
            if complete and question.get("required"):
                raise InvalidInput(
                    f"Răspundeți la întrebarea „{question['label']['ro']}”.", f"question '{qid}' needs an answer"
                )
            continue
        cleaned[qid] = _typed(question, value)
    return cleaned


def _typed(question: dict[str, Any], value: Any) -> Any:
    kind, label = question["type"], question["label"]["ro"]
    wrong = InvalidInput(f"Răspunsul la „{label}” nu este valid.", f"answer to '{question['id']}' is not valid")
    if kind == "yesno":
        folded = value.lower() if isinstance(value, str) else value
        if folded in YES:
            return True
        if folded in NO:
            return False
        raise wrong
    if kind == "choice":
        if value not in {o["value"] for o in question.get("options", [])}:
            raise wrong
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise wrong
        try:
            number = float(value)
        except ValueError:
            raise wrong from None
        if not 0 <= number <= 1e9:
            raise wrong
        return int(number) if number == int(number) else number
    if kind == "date":
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise wrong
        try:
            date.fromisoformat(value)
        except ValueError:
            raise wrong from None
        return value
    if not isinstance(value, str) or len(value.strip()) > MAX_TEXT:
        raise InvalidInput(
            f"Răspunsul la „{label}” are cel mult {MAX_TEXT} de caractere.", f"answer to '{question['id']}' is too long"
        )
    return value.strip()


def checklist(service: dict[str, Any], answers: dict[str, Any], channel: str = "online") -> list[Item]:
    """Every document of the service, marked needed or not for these answers, for ``channel``."""
    items = []
    for doc in service.get("documents", []):
        condition = doc.get("condition")
        needed = bool(doc.get("mandatory")) or (condition is not None and answers.get(condition) is True)
        formats = tuple(doc.get("formats") or ())
        can_attach = channel == "online" and channel in doc.get("channels", []) and bool(formats)
        items.append(
            Item(
                id=doc["id"],
                name_ro=doc["name"]["ro"],
                name_en=doc["name"]["en"],
                needed=needed,
                can_attach=can_attach,
                can_bring=bool(doc.get("original")) or not can_attach,
                formats=formats,
            )
        )
    return items


def missing(items: list[Item], attached: set[str], bring: set[str]) -> list[Item]:
    """Needed documents neither attached nor promised in original (where that is allowed)."""
    return [i for i in items if i.needed and i.id not in attached and not (i.can_bring and i.id in bring)]


MAX_MESSAGE = 1000


def asked_for(items: list[Item], documents: object, message: object, at: int, by: str) -> dict[str, Any]:
    """What the office asks for (online requests and associations' filings alike): documents of ``items``
    by id and/or a message in words; InvalidInput names what is wrong."""
    if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
        raise InvalidInput("Alegeți documentele cerute.", "documents must be a list of document ids")
    text = message.strip() if isinstance(message, str) else ""
    if not documents and not text:
        raise InvalidInput("Alegeți documentele cerute sau scrieți ce lipsește.", "documents or message needed")
    if len(text) > MAX_MESSAGE:
        raise InvalidInput("Mesajul are cel mult 1000 de caractere.", "message too long")
    known = {item.id: item for item in items}
    unknown = [d for d in documents if d not in known]
    if unknown:
        raise InvalidInput(f"Documentul „{unknown[0]}” nu este pe listă.", "unknown document id")
    return {
        "documents": [{"id": d, "name": {"ro": known[d].name_ro, "en": known[d].name_en}} for d in documents],
        "message": text,
        "at": at,
        "by": by,
    }

"""The associations' filing types (issue 15) as catalogue-style data: ``catalogue/filings/association-filings.json``.

Each type has an id (``balance-statement``, ``lift-programme``, ``thermal-programme``, ``contact-sheet``,
``complaint``, ``general``), a title, its form's questions and its checklist of documents in the
catalogue's own format, so ``domain/checklist.py`` reads them as it reads a service's. ``period`` says
whether a filing is due every half-year, every year, or not periodically. The file is checked when loaded
(unique ids, conditions naming a yes/no question, online formats, comma-below ș ț): a broken file is not
served at all.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from .catalogue import CEDILLAS, DEFAULT_DIRECTORY
from .domain.errors import NotFound

FILE = "filings/association-filings.json"
IDS = ("balance-statement", "lift-programme", "thermal-programme", "contact-sheet", "complaint", "general")
PERIODS = (None, "half-year", "year")
FilingType = dict[str, Any]


@lru_cache(maxsize=1)
def load(directory: Path = DEFAULT_DIRECTORY) -> dict[str, Any]:
    data = json.loads((directory / FILE).read_text(encoding="utf-8"))
    problems = problems_of(data)
    if problems:
        raise ValueError(f"{FILE}: " + "; ".join(problems))
    return dict(data)


def problems_of(data: dict[str, Any]) -> list[str]:
    problems = []
    types = data.get("types", [])
    if [t.get("id") for t in types] != list(IDS):
        problems.append(f"the types must be, in order: {', '.join(IDS)}")
    for kind in types:
        questions = {q["id"]: q for q in kind.get("questions", [])}
        documents = [d["id"] for d in kind.get("documents", [])]
        if len(questions) != len(kind.get("questions", [])) or len(set(documents)) != len(documents):
            problems.append(f"{kind.get('id')}: repeated question or document id")
        if kind.get("period") not in PERIODS:
            problems.append(f"{kind.get('id')}: period must be one of {PERIODS}")
        if kind.get("period") and "period" not in questions:
            problems.append(f"{kind.get('id')}: a periodic filing asks its period")
        for document in kind.get("documents", []):
            condition = document.get("condition")
            if condition is not None and questions.get(condition, {}).get("type") != "yesno":
                problems.append(f"{kind['id']}/{document['id']}: condition must name a yes/no question")
            if not document.get("formats") or "online" not in document.get("channels", []):
                problems.append(f"{kind['id']}/{document['id']}: must be accepted online in some format")
    if any(c in json.dumps(data, ensure_ascii=False) for c in CEDILLAS):
        problems.append("Romanian text uses ș ț with comma below, never the cedilla letters")
    return problems


def department() -> str:
    return str(load()["department"])


def list_types() -> list[FilingType]:
    return list(load()["types"])


def get_type(type_id: object) -> FilingType:
    for kind in load()["types"]:
        if kind["id"] == type_id:
            return dict(kind)
    raise NotFound("Tipul de depunere nu există.", f"unknown filing type {type_id!r}; one of {', '.join(IDS)}")

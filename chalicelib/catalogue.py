"""The services catalogue: one JSON file per service in ``catalogue/``, checked when loaded.

Policy: a catalogue that breaks any rule is not served at all. Every file is validated against
``catalogue/schema.json`` (JSON Schema 2020-12), then against the rules a schema cannot express:
the id equals the file name (so ids are unique); question, document and option ids are unique in
their file; a conditional document names a yes/no question asked in the same file; a document is
accepted only on channels the service offers, and online only in some file format; ``howToApply``
explains exactly the offered channels; Romanian text uses ș ț with comma below, never the cedilla
letters (U+015F, U+0163 and capitals). All problems of all files are reported together, so one
test run shows them all.

The directory is an argument, so a Lambda reads the files where they were packaged; by default it
is the ``catalogue/`` folder next to ``chalicelib/``. Pure data: no AWS imports.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalicelib.domain.errors import NotFound

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "catalogue"
SCHEMA_FILE = "schema.json"
LIST_FIELDS = ("id", "title", "category", "channels")
CEDILLAS = {"\u015f": "\u0219", "\u0163": "\u021b", "\u015e": "\u0218", "\u0162": "\u021a"}

Service = dict[str, Any]


class CatalogueInvalid(ValueError):
    """The catalogue files break the schema or a cross-check; nothing is loaded."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the services catalogue:\n" + "\n".join(problems))
        self.problems = problems


class UnknownService(NotFound):
    """No service has this id; the API answers 404."""

    code = "unknown_service"

    def __init__(self, service_id: str) -> None:
        super().__init__(
            f"Serviciul „{service_id}” nu există în catalog.",
            f"There is no service '{service_id}' in the catalogue.",
        )
        self.service_id = service_id


@dataclass(frozen=True)
class Catalogue:
    """The validated services, by id. Callers get copies, so the loaded data cannot change."""

    services: dict[str, Service]

    def list_services(self) -> list[dict[str, Any]]:
        return [
            {field: copy.deepcopy(self.services[sid][field]) for field in LIST_FIELDS} for sid in sorted(self.services)
        ]

    def department_ids(self) -> list[str]:
        return sorted({str(service["department"]["id"]) for service in self.services.values()})

    def get_service(self, service_id: str) -> Service:
        if service_id not in self.services:
            raise UnknownService(service_id)
        return copy.deepcopy(self.services[service_id])


def load_catalogue(directory: Path | str | None = None, validate: bool = True) -> Catalogue:
    """Read and check every ``*.json`` service file in ``directory``; raise ``CatalogueInvalid`` on any problem.

    ``validate=False`` skips the JSON Schema (the cross-checks still run): the Lambda reads files that
    ``make test`` and the packaging step validated, without bundling jsonschema.
    """
    root = Path(directory) if directory is not None else DEFAULT_DIRECTORY
    validator = _schema_validator(root) if validate else None
    services: dict[str, Service] = {}
    problems: list[str] = []
    for path in sorted(root.glob("*.json")):
        if path.name == SCHEMA_FILE:
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name}: not valid JSON ({exc})")
            continue
        found = [f"{path.name}: {problem}" for problem in _cedilla_problems(record)]
        if validator is not None:
            found += [
                f"{path.name}: {_location(error.absolute_path)}: {error.message}"
                for error in validator.iter_errors(record)
            ]
        if not found:
            found = [f"{path.name}: {problem}" for problem in cross_check(record, path.stem)]
        problems += found
        if not found:
            services[record["id"]] = record
    if not services and not problems:
        problems.append(f"no service files in {root}")
    if problems:
        raise CatalogueInvalid(problems)
    return Catalogue(services)


def cross_check(service: Service, file_stem: str) -> list[str]:
    """The rules JSON Schema cannot express, for one service that already matches the schema."""
    problems: list[str] = []
    if service["id"] != file_stem:
        problems.append(f"id '{service['id']}' differs from the file name '{file_stem}.json'")
    questions = {question["id"]: question for question in service["questions"]}
    problems += _duplicates("question", [question["id"] for question in service["questions"]])
    problems += _duplicates("document", [document["id"] for document in service["documents"]])
    for question in service["questions"]:
        values = [option["value"] for option in question.get("options", [])]
        problems += _duplicates(f"option of question '{question['id']}'", values)
    channels = set(service["channels"])
    if set(service["howToApply"]) != channels:
        problems.append(
            f"howToApply explains {sorted(service['howToApply'])} but the service offers {sorted(channels)}"
        )
    for document in service["documents"]:
        name = document["id"]
        condition = document["condition"]
        if condition is not None and condition not in questions:
            problems.append(f"document '{name}' depends on question '{condition}', which this file does not ask")
        elif condition is not None and questions[condition]["type"] != "yesno":
            problems.append(f"document '{name}' depends on question '{condition}', which is not a yes/no question")
        extra = set(document["channels"]) - channels
        if extra:
            problems.append(f"document '{name}' is accepted on {sorted(extra)}, which the service does not offer")
        if "online" in document["channels"] and not document["formats"]:
            problems.append(f"document '{name}' is accepted online but names no file format")
    return problems


def list_services(directory: Path | str | None = None) -> list[dict[str, Any]]:
    """The list view: ``id``, ``title``, ``category`` and ``channels`` of every service, by id."""
    return _cached(_resolve(directory)).list_services()


def get_service(service_id: str, directory: Path | str | None = None) -> Service:
    """The whole record of one service; ``UnknownService`` if there is none with this id."""
    return _cached(_resolve(directory)).get_service(service_id)


def department_ids(directory: Path | str | None = None) -> list[str]:
    """The ids of the departments that answer the catalogue's services (staff roles ``dept:<id>``)."""
    return _cached(_resolve(directory)).department_ids()


@lru_cache(maxsize=4)
def _cached(root: Path) -> Catalogue:
    return load_catalogue(root, validate=False)


def _schema_validator(root: Path) -> Any:
    from jsonschema import Draft202012Validator, FormatChecker  # development and packaging only

    return Draft202012Validator(
        json.loads((root / SCHEMA_FILE).read_text(encoding="utf-8")), format_checker=FormatChecker()
    )


def _resolve(directory: Path | str | None) -> Path:
    return (Path(directory) if directory is not None else DEFAULT_DIRECTORY).resolve()


def _cedilla_problems(node: Any) -> list[str]:
    return [
        f"{_location(path)}: cedilla '{letter}' (U+{ord(letter):04X}); write '{CEDILLAS[letter]}' with comma below"
        for path, text in _strings(node, ())
        for letter in sorted(set(text) & CEDILLAS.keys())
    ]


def _strings(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield path + (key,), key
            yield from _strings(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, path + (index,))


def _duplicates(kind: str, ids: list[str]) -> list[str]:
    return [f"{kind} id '{value}' is used {count} times" for value, count in sorted(Counter(ids).items()) if count > 1]


def _location(path: Any) -> str:
    return "/".join(str(part) for part in path) or "(root)"

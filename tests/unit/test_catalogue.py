"""The services catalogue: every file is valid, the sample data is complete, and broken files are refused."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from chalicelib.catalogue import (
    DEFAULT_DIRECTORY,
    SCHEMA_FILE,
    CatalogueInvalid,
    UnknownService,
    get_service,
    list_services,
    load_catalogue,
)

CATEGORIES = {
    "urbanism",
    "taxe-locale",
    "stare-civila",
    "asistenta-sociala",
    "mediu",
    "comert",
    "parcare",
    "asociatii-de-proprietari",
    "registratura",
}


def service_files() -> list[Path]:
    return sorted(path for path in DEFAULT_DIRECTORY.glob("*.json") if path.name != SCHEMA_FILE)


def broken_copy(
    tmp_path: Path, service_id: str, change: Callable[[dict[str, Any]], None], *, ascii_only: bool = False
) -> Path:
    """A copy of the real catalogue in which one service file has been changed."""
    root = tmp_path / "catalogue"
    if not root.exists():
        shutil.copytree(DEFAULT_DIRECTORY, root)
    path = root / f"{service_id}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(json.dumps(record, ensure_ascii=ascii_only, indent=2), encoding="utf-8")
    return root


def problems_of(root: Path) -> str:
    with pytest.raises(CatalogueInvalid) as refused:
        load_catalogue(root)
    return "\n".join(refused.value.problems)


def document(record: dict[str, Any], document_id: str) -> dict[str, Any]:
    return next(doc for doc in record["documents"] if doc["id"] == document_id)


# The real data


def test_every_catalogue_file_matches_the_schema() -> None:
    schema = json.loads((DEFAULT_DIRECTORY / SCHEMA_FILE).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = {
        path.name: [error.message for error in validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
        for path in service_files()
    }
    assert {name: found for name, found in errors.items() if found} == {}


def test_the_catalogue_has_at_least_30_services_in_every_category() -> None:
    services = load_catalogue().services
    assert len(services) >= 30
    assert {service["category"] for service in services.values()} == CATEGORIES
    assert len(service_files()) == len(services)


def test_every_service_awaits_review_and_names_its_sources() -> None:
    for service in load_catalogue().services.values():
        assert service["reviewed"] is False, service["id"]
        assert service["source"], service["id"]


def test_no_fee_in_the_catalogue_is_unexplained() -> None:
    for service in load_catalogue().services.values():
        fee = service["fee"]
        if fee["amount"] is None:
            assert fee["note"]["ro"] and fee["note"]["en"], service["id"]
        else:
            assert fee["source"].startswith("http"), service["id"]
        if "schedule" in fee:
            assert fee["source"].startswith("http"), service["id"]


def test_the_sample_data_has_conditional_documents_and_locker_drop_off() -> None:
    services = load_catalogue().services.values()
    conditional = [doc for service in services for doc in service["documents"] if doc["condition"] is not None]
    assert len(conditional) >= 20
    assert sum("locker" in service["channels"] for service in services) >= 20


# The API view


def test_the_list_view_has_only_id_title_category_and_channels() -> None:
    listed = list_services()
    assert {tuple(item) for item in listed} == {("id", "title", "category", "channels")}
    assert [item["id"] for item in listed] == sorted(item["id"] for item in listed)
    urbanism = next(item for item in listed if item["id"] == "certificat-de-urbanism")
    assert urbanism["title"]["ro"] == "Certificat de urbanism"
    assert urbanism["category"] == "urbanism"


def test_a_service_is_returned_whole() -> None:
    on_disk = json.loads((DEFAULT_DIRECTORY / "divort-pe-cale-administrativa.json").read_text(encoding="utf-8"))
    assert get_service("divort-pe-cale-administrativa") == on_disk


def test_changing_a_returned_record_does_not_change_the_catalogue() -> None:
    record = get_service("petitie")
    record["title"]["ro"] = "altceva"
    list_services()[0]["channels"].clear()
    assert get_service("petitie")["title"]["ro"] != "altceva"
    assert list_services()[0]["channels"]


def test_an_unknown_service_id_is_refused_as_not_found() -> None:
    with pytest.raises(UnknownService) as refused:
        get_service("pasaport")
    assert refused.value.http_status == 404
    assert "pasaport" in refused.value.message_ro


def test_a_catalogue_in_another_directory_is_read_from_there(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, "petitie", lambda record: record["title"].update(ro="Petiție (copie)"))
    assert get_service("petitie", root)["title"]["ro"] == "Petiție (copie)"


# Broken copies are refused


def test_a_document_conditional_on_a_missing_question_is_refused(tmp_path: Path) -> None:
    root = broken_copy(
        tmp_path,
        "certificat-de-urbanism",
        lambda record: document(record, "plan-apartament-fotografii").update(condition="are_balcon"),
    )
    assert "depends on question 'are_balcon', which this file does not ask" in problems_of(root)


def test_a_document_conditional_on_a_question_that_is_not_yes_no_is_refused(tmp_path: Path) -> None:
    root = broken_copy(
        tmp_path,
        "certificat-de-urbanism",
        lambda record: document(record, "plan-apartament-fotografii").update(condition="scop"),
    )
    assert "depends on question 'scop', which is not a yes/no question" in problems_of(root)


@pytest.mark.parametrize("ascii_only", [False, True], ids=["as-typed", "json-escaped"])
def test_a_cedilla_anywhere_is_refused(tmp_path: Path, ascii_only: bool) -> None:
    root = broken_copy(
        tmp_path,
        "declarare-teren",
        lambda record: document(record, "fisa-cadastrala").update(
            explanation={"ro": "Fişa bunului imobil.", "en": "Sheet."}
        ),
        ascii_only=ascii_only,
    )
    assert "documents/3/explanation/ro: cedilla 'ş' (U+015F)" in problems_of(root)


def test_a_document_on_a_channel_the_service_does_not_offer_is_refused(tmp_path: Path) -> None:
    root = broken_copy(
        tmp_path,
        "inregistrare-nastere",
        lambda record: document(record, "act-identitate-mama").update(channels=["counter", "locker"]),
    )
    assert "document 'act-identitate-mama' is accepted on ['locker'], which the service does not offer" in problems_of(
        root
    )


def test_a_document_accepted_online_without_a_file_format_is_refused(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, "petitie", lambda record: document(record, "anexe").update(formats=[]))
    assert "document 'anexe' is accepted online but names no file format" in problems_of(root)


def test_every_offered_channel_must_say_how_to_apply(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, "petitie", lambda record: record["howToApply"].pop("post"))
    assert "howToApply explains ['counter', 'locker', 'online'] but the service offers" in problems_of(root)


def test_a_file_whose_id_differs_from_its_name_is_refused(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, "petitie", lambda record: record.update(id="petitii"))
    assert "id 'petitii' differs from the file name 'petitie.json'" in problems_of(root)


def test_a_misspelt_field_is_refused(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, "petitie", lambda record: record.update(procesingTime=record.pop("processingTime")))
    problems = problems_of(root)
    assert "'processingTime' is a required property" in problems
    assert "'procesingTime' was unexpected" in problems


def test_a_mandatory_document_with_a_condition_is_refused(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, "petitie", lambda record: document(record, "petitia").update(condition="are_anexe"))
    assert "petitie.json: documents/0/condition" in problems_of(root)


def test_an_unknown_fee_without_a_note_is_refused(tmp_path: Path) -> None:
    root = broken_copy(tmp_path, "declarare-teren", lambda record: record["fee"].pop("note"))
    assert "declarare-teren.json: fee: 'note' is a required property" in problems_of(root)


def test_a_fee_amount_without_a_source_is_refused(tmp_path: Path) -> None:
    root = broken_copy(
        tmp_path,
        "declarare-teren",
        lambda record: record["fee"].update(amount=50, payment={"ro": "La ghișeu.", "en": "At the counter."}),
    )
    assert "declarare-teren.json: fee: 'source' is a required property" in problems_of(root)


def test_every_broken_file_is_reported_at_once(tmp_path: Path) -> None:
    broken_copy(tmp_path, "petitie", lambda record: record.update(id="petitii"))
    root = broken_copy(tmp_path, "declarare-teren", lambda record: record["fee"].pop("note"))
    problems = problems_of(root)
    assert "petitie.json" in problems
    assert "declarare-teren.json" in problems

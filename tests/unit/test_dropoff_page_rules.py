"""The drop-off pages' own rules on in-memory stores: which checklist items are asked (the answers decide the
conditional ones; after the office asked, only what it asked), the envelope carried in the links refuses what
is not an id, a live code is told from the used one of an earlier envelope, and the cover sheet's QR (read
back from the PDF's image) is the drop-off credential itself."""

from __future__ import annotations

import io

import zxingcpp
from pypdf import PdfReader

from chalicelib.services import cover_sheet, online_requests, online_review, receipt
from chalicelib.services.credentials import find_by_token, unseal
from chalicelib.services.request_records import get_request
from chalicelib.web.dropoff_common import Envelope, checklist_questions, live_code_until
from tests.unit.test_dropoff_rules import (
    ANSWERS,
    FILE,
    URBANISM,
    a_draft,
    a_locker,
    code_for,
    collect,
    deps,  # noqa: F401  (the fixture)
    drop,
    sign_in,
)


def test_the_checklist_asks_the_needed_documents_and_those_the_answers_make_needed(deps):  # noqa: F811
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    asked = checklist_questions(get_request(deps, request_id), "ro")
    assert [q.id for q in asked] == FILE and all(q.needed for q in asked)
    assert asked[1].name == "Dovada plății taxei legale" and asked[1].explanation.startswith("Chitanța")
    online_requests.update_draft(deps, citizen, request_id, {"answers": {**ANSWERS, "modificari_fatada": True}})
    asked = checklist_questions(get_request(deps, request_id), "en")
    assert [q.id for q in asked] == [*FILE[:6], "plan-apartament-fotografii"]
    assert asked[0].name == "Standard application form"


def test_after_the_office_asked_only_the_documents_asked_are_on_the_list(deps):  # noqa: F811
    locker, citizen = a_locker(deps), sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    drop(deps, locker, pin)
    assert collect(deps, locker, request_id, seq=3)
    record = get_request(deps, request_id)
    assert live_code_until(deps, record) is None  # the code of the first envelope is used
    online_review.ask_for_documents(deps, URBANISM, request_id, ["extras-carte-funciara"], "")
    record = get_request(deps, request_id)
    assert [q.id for q in checklist_questions(record, "ro")] == ["extras-carte-funciara"]
    assert live_code_until(deps, record) is None  # not even while its 24 hours last
    deps.clock.advance(3_600_000)  # type: ignore[attr-defined]
    code_for(deps, citizen, request_id, locker, documents=["extras-carte-funciara"])
    record = get_request(deps, request_id)
    assert live_code_until(deps, record) == record.dropoff_expires


def test_the_envelope_in_the_links_keeps_only_ids_a_size_and_a_locker():
    envelope = Envelope.read({"are": "cerere-tip,<script>,dovada-platii,cerere-tip", "plic": "XL", "dulap": "a b"})
    assert envelope.documents == ["cerere-tip", "dovada-platii"] and envelope.size == "" and envelope.locker == ""
    envelope = Envelope.read({"are": "cerere-tip", "plic": "M", "dulap": "ps2-hq-01"}).with_document("anexe", True)
    assert envelope.query(verificare="1") == "?are=anexe,cerere-tip&plic=M&dulap=ps2-hq-01&verificare=1"
    assert Envelope().query() == ""


def test_the_cover_sheet_carries_the_drop_off_qr_the_service_and_the_documents(deps):  # noqa: F811
    locker, citizen = a_locker(deps), sign_in(deps)
    request_id = a_draft(deps, citizen)
    _, token = code_for(deps, citizen, request_id, locker)
    name, pdf = cover_sheet.cover_sheet_file(deps, token)
    assert name.startswith("foaie-insotire-") and name.endswith(".pdf")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    assert "Puneți această foaie deasupra dosarului." in text and "Certificat de urbanism" in text
    assert "☑  Extras de carte funciară" in text
    decoded = [b.text for image in page.images for b in zxingcpp.read_barcodes(image.image)]
    assert decoded == [unseal(deps, token, find_by_token(deps, token))["qr"]]


def test_the_receipt_of_a_dropped_off_file_lists_the_documents_in_the_envelope(deps):  # noqa: F811
    locker, citizen = a_locker(deps), sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    drop(deps, locker, pin)
    _, pdf = receipt.receipt_file(deps, citizen, request_id)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Documente depuse la dulap" in text and "Extras de carte funciară" in text
    assert "Niciun fișier" not in text and get_request(deps, request_id).registration_number in text


def test_an_office_asking_in_words_only_gets_the_whole_list_with_nothing_stopping_the_flow(deps):  # noqa: F811
    locker, citizen = a_locker(deps), sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    drop(deps, locker, pin)
    assert collect(deps, locker, request_id, seq=3)
    online_review.ask_for_documents(deps, URBANISM, request_id, [], "Planurile în 2 exemplare, vă rog.")
    asked = checklist_questions(get_request(deps, request_id), "ro")
    assert [q.id for q in asked] == FILE and not any(q.needed for q in asked)

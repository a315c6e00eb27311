"""The registration receipt ("dovada înregistrării") as its citizen reads it: the PDF's own text says the number,
the date and time in Bucharest, the service, the files received and the originals promised, in Romanian with
its real letters (ș and ț with the comma below); a draft has none, and a stranger's request does not exist."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from pypdf import PdfReader

from chalicelib.domain.errors import IllegalTransition, InvalidInput, NotFound
from chalicelib.domain.sms import BUCHAREST
from chalicelib.services import online_requests, receipt
from tests.support.memory_deps import memory_deps
from tests.unit.test_online_service_rules import EXE, attach, complete_draft, sign_in


@pytest.fixture()
def deps():
    return memory_deps()


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_receipt_names_the_number_time_service_files_and_originals_with_romanian_letters(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    record = online_requests.submit(deps, citizen, request_id)
    pdf = receipt.receipt_pdf(deps, citizen, request_id)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    registered = datetime.fromtimestamp(record.registered_at / 1000, BUCHAREST)
    assert record.registration_number in text
    assert registered.strftime("%d.%m.%Y, ora %H:%M") in text
    assert "Certificat de urbanism" in text and "Termen de răspuns: 06.10.2026" in text
    assert "Dovada înregistrării" in text and "Data și ora înregistrării" in text
    assert "\u0219" in text and "\u0163" not in text and "\u015f" not in text  # ș comma below, never the cedilla
    assert "Plan de situație la scara 1:2000: plan-situatie-1-2000.pdf" in text  # ț comma below, a received file
    assert "Cerere-tip: cerere-tip.pdf" in text and "Dovada plății taxei legale: dovada-platii.pdf" in text
    originals = text.split("Documente de prezentat în original")[1]
    assert "Extras de carte funciară" in originals and "Plan de situație la scara 1:500" in originals


def test_a_refused_file_is_not_on_the_receipt(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    attach(deps, citizen, request_id, "plan-situatie-1-500", EXE)
    with pytest.raises(InvalidInput):
        online_requests.submit(deps, citizen, request_id)  # the renamed executable is refused and deleted
    online_requests.submit(deps, citizen, request_id)
    text = text_of(receipt.receipt_pdf(deps, citizen, request_id))
    assert "plan-situatie-1-500.pdf" not in text and "plan-situatie-1-2000.pdf" in text


def test_a_draft_has_no_receipt_and_another_citizens_request_does_not_exist(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    with pytest.raises(IllegalTransition) as refused:
        receipt.receipt_pdf(deps, citizen, request_id)
    assert "după ce cererea este trimisă" in refused.value.message_ro
    online_requests.submit(deps, citizen, request_id)
    stranger = sign_in(deps, "0733 999 888")
    with pytest.raises(NotFound):
        receipt.receipt_pdf(deps, stranger, request_id)

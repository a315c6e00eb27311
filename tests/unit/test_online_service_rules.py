"""Online requests on in-memory stores and files: the rules a citizen or clerk notices, without sockets.

Sign-in by SMS code, a draft, files checked by content before registration, the gapless number and the
legal deadline, documents asked for and sent back, answers, and who may see what."""

from __future__ import annotations

import re

import pytest

from chalicelib.domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound, TooManyAttempts
from chalicelib.ports import StaffIdentity
from chalicelib.services import citizen_access, online_requests, online_review
from tests.support.memory_deps import memory_deps

SERVICE = "certificat-de-urbanism"
ANSWERS = {
    "scop": "construire",
    "adresa_imobil": "Str. Avrig nr. 12",
    "suprafata_teren": 420,
    "modificari_fatada": "nu",
    "operatiuni_notariale": False,
}
PDF = b"%PDF-1.7\n" + b"0" * 4000
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 4000
EXE = b"MZ\x90\x00" + b"0" * 4000
CLERK = StaffIdentity("clerk", ("clerk",))
URBANISM = StaffIdentity("urbanism", ("department", "dept:ps2-urbanism"))
TAXES = StaffIdentity("taxe", ("department", "dept:ps2-dvbl"))


@pytest.fixture()
def deps():
    return memory_deps()


def sign_in(deps, phone: str = "0722 123 456") -> citizen_access.Citizen:
    citizen_access.send_code(deps, phone, "10.0.0.1")
    code = re.search(r"\b(\d{6})\b", deps.sms.sent[-1][1]).group(1)
    token = citizen_access.start_session(deps, phone, code, "10.0.0.1")
    return citizen_access.check_citizen(deps, token)


def attach(deps, citizen, request_id: str, document: str, content: bytes = PDF, kind: str = "application/pdf"):
    row, upload = online_requests.request_upload(
        deps, citizen, request_id, document, f"{document}.pdf", kind, len(content)
    )
    assert deps.files.put(upload["fields"]["key"], content, kind)
    return row


def complete_draft(deps, citizen) -> str:
    record = online_requests.create_request(deps, citizen, {"serviceId": SERVICE, "answers": ANSWERS})
    for document in ("cerere-tip", "dovada-platii", "plan-situatie-1-2000"):
        attach(deps, citizen, record.id, document)
    online_requests.update_draft(
        deps,
        citizen,
        record.id,
        {"bringOriginal": ["plan-situatie-1-500", "extras-plan-cadastral", "extras-carte-funciara"]},
    )
    return record.id


def test_the_sign_in_code_is_six_digits_valid_once_and_for_five_tries(deps):
    citizen_access.send_code(deps, "0722123456")
    body = deps.sms.sent[-1][1]
    assert re.search(r"\b\d{6}\b", body) and len(body) <= 160
    for _ in range(5):
        with pytest.raises(InvalidInput):
            citizen_access.start_session(deps, "0722123456", "000000" if "000000" not in body else "111111")
    code = re.search(r"\b(\d{6})\b", body).group(1)
    with pytest.raises(InvalidInput):  # the sixth try is refused even with the right code
        citizen_access.start_session(deps, "0722123456", code)


def test_a_code_expires_after_ten_minutes(deps):
    citizen_access.send_code(deps, "0722123456")
    code = re.search(r"\b(\d{6})\b", deps.sms.sent[-1][1]).group(1)
    deps.clock.advance(10 * 60_000 + 1)
    with pytest.raises(InvalidInput):
        citizen_access.start_session(deps, "0722123456", code)


def test_codes_are_capped_per_phone(deps):
    for _ in range(deps.settings.citizen_codes_per_hour):
        citizen_access.send_code(deps, "0722123456")
    with pytest.raises(TooManyAttempts):
        citizen_access.send_code(deps, "+40722123456")  # the same phone, written otherwise


def test_a_citizen_session_ends_after_thirty_idle_minutes(deps):
    citizen_access.send_code(deps, "0722123456")
    code = re.search(r"\b(\d{6})\b", deps.sms.sent[-1][1]).group(1)
    token = citizen_access.start_session(deps, "0722123456", code)
    deps.clock.advance(29 * 60_000)
    citizen_access.check_citizen(deps, token)
    deps.clock.advance(30 * 60_000)
    with pytest.raises(Exception, match="expir"):
        citizen_access.check_citizen(deps, token)


def test_submit_registers_with_a_number_the_deadline_and_an_sms(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    record = online_requests.submit(deps, citizen, request_id)
    assert re.fullmatch(r"PS2-2026-\d{6}", record.registration_number)
    assert record.status == "registered" and record.answer_due == "2026-10-06"  # 15 days, the service's term
    assert record.registration_number in deps.sms.sent[-1][1] and "06.10.2026" in deps.sms.sent[-1][1]


def test_registration_numbers_continue_the_desks_sequence(deps):
    citizen = sign_in(deps)
    first = online_requests.submit(deps, citizen, complete_draft(deps, citizen)).registration_number
    second = online_requests.submit(deps, citizen, complete_draft(deps, citizen)).registration_number
    assert int(second[-6:]) == int(first[-6:]) + 1


def test_a_missing_document_stops_submission_and_names_it(deps):
    citizen = sign_in(deps)
    record = online_requests.create_request(deps, citizen, {"serviceId": SERVICE, "answers": ANSWERS})
    with pytest.raises(InvalidInput, match="Cererea-tip|cerere"):
        online_requests.submit(deps, citizen, record.id)
    assert deps.stores.requests.get(record.id).status == "draft"


def test_a_renamed_executable_is_refused_named_and_deleted(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    bad = attach(deps, citizen, request_id, "cerere-tip", content=EXE)
    with pytest.raises(InvalidInput, match="cerere-tip.pdf"):
        online_requests.submit(deps, citizen, request_id)
    assert deps.files.inspect(bad.key, 8) is None
    assert deps.stores.attachments.get(request_id, bad.id).status == "refused"
    assert deps.stores.requests.get(request_id).status == "draft"
    assert online_requests.submit(deps, citizen, request_id).status == "registered"  # the good files remain


def test_an_11_mb_file_and_the_31st_mb_are_refused_before_upload(deps):
    citizen = sign_in(deps)
    record = online_requests.create_request(deps, citizen, {"serviceId": SERVICE, "answers": ANSWERS})
    with pytest.raises(InvalidInput, match="10 MB"):
        online_requests.request_upload(deps, citizen, record.id, "cerere-tip", "a.pdf", "application/pdf", 11 << 20)
    for document in ("cerere-tip", "dovada-platii", "plan-situatie-1-2000"):
        online_requests.request_upload(deps, citizen, record.id, document, "a.pdf", "application/pdf", 10 << 20)
    with pytest.raises(InvalidInput, match="30 MB"):
        online_requests.request_upload(deps, citizen, record.id, "plan-situatie-1-500", "b.pdf", "application/pdf", 1)


def test_another_citizens_request_and_files_are_not_found(deps):
    owner = sign_in(deps)
    request_id = complete_draft(deps, owner)
    row = deps.stores.attachments.of_request(request_id)[0]
    stranger = sign_in(deps, "0733 000 111")
    for attempt in (
        lambda: online_requests.own_request(deps, stranger, request_id),
        lambda: online_requests.download_url(deps, stranger, request_id, row.id),
        lambda: online_requests.submit(deps, stranger, request_id),
        lambda: online_requests.withdraw(deps, stranger, request_id),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert online_requests.list_own(deps, stranger) == []


def test_documents_asked_for_go_back_to_review_when_sent_again(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    online_requests.submit(deps, citizen, request_id)
    online_review.assign(deps, URBANISM, request_id, "ps2-urbanism")
    asked = online_review.ask_for_documents(deps, URBANISM, request_id, ["extras-carte-funciara"], "Extras recent")
    assert asked.status == "awaiting_documents" and "documente" in deps.sms.sent[-1][1]
    attach(deps, citizen, request_id, "extras-carte-funciara")
    assert online_requests.submit(deps, citizen, request_id).status == "in_review"


def test_an_electronic_answer_reaches_the_citizen(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    online_requests.submit(deps, citizen, request_id)
    online_review.assign(deps, CLERK, request_id, "ps2-urbanism")
    row, upload = online_review.request_answer_upload(
        deps, CLERK, request_id, "Certificat.pdf", "application/pdf", 5000
    )
    with pytest.raises(InvalidInput):  # not uploaded yet
        online_review.answer(deps, CLERK, request_id, {"outcome": "answered", "attachmentId": row.id})
    assert deps.files.put(upload["fields"]["key"], PDF, "application/pdf")
    answered = online_review.answer(deps, CLERK, request_id, {"outcome": "answered", "attachmentId": row.id})
    assert answered.status == "answered" and "raspunsul" in deps.sms.sent[-1][1]
    assert "Certificat.pdf" in online_requests.download_url(deps, citizen, request_id, row.id)
    with pytest.raises(IllegalTransition):
        online_requests.withdraw(deps, citizen, request_id)


def test_a_clerk_of_another_department_is_refused(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    online_requests.submit(deps, citizen, request_id)
    with pytest.raises(Forbidden):
        online_review.assign(deps, TAXES, request_id, "ps2-urbanism")
    with pytest.raises(Forbidden):
        online_review.open_request(deps, TAXES, request_id)
    assert online_review.inbox(deps, TAXES, None, None) == []
    assert [r["id"] for r in online_review.inbox(deps, URBANISM, None, None)] == [request_id]


def test_a_request_goes_to_the_service_department_only(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    online_requests.submit(deps, citizen, request_id)
    with pytest.raises(InvalidInput, match="ps2-urbanism"):
        online_review.assign(deps, CLERK, request_id, "ps2-dvbl")


def test_a_rejection_carries_its_reason_to_the_citizen(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    online_requests.submit(deps, citizen, request_id)
    rejected = online_review.answer(deps, CLERK, request_id, {"outcome": "rejected", "reason": "Imobil în alt sector"})
    view = online_requests.citizen_view(deps, rejected)
    assert view["status"] == "rejected" and view["rejectionReason"] == "Imobil în alt sector"
    assert "respinsa" in deps.sms.sent[-1][1]

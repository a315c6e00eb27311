"""Rules of online requests that a citizen or clerk notices: the statuses a request can move through,
the answer deadline, and which attachments are accepted (by content, not by name)."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain import online_requests as online
from chalicelib.domain.attachments import MB, check_declared, check_stored, safe_name, sniff
from chalicelib.domain.errors import IllegalTransition, InvalidInput
from chalicelib.domain.lifecycle import change_status, is_closed, next_status

PDF = b"%PDF-1.7\n"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"


def test_an_online_request_goes_from_draft_to_an_electronic_answer():
    status = online.DRAFT
    for action in ("submit", "assign", "ask_documents", "ask_documents", "resubmit", "answer_electronic"):
        status = next_status(status, action)
    assert status == online.ANSWERED and is_closed(status)


def test_an_answer_for_pickup_joins_the_locker_path_under_the_same_request():
    assert next_status(online.IN_REVIEW, "answer_for_pickup") == "ready"
    assert next_status("ready", "reserve") == "reserved"


def test_a_request_cannot_be_withdrawn_once_answered():
    with pytest.raises(IllegalTransition):
        change_status("r1", online.ANSWERED, "withdraw", 1, "citizen")
    assert next_status(online.AWAITING_DOCUMENTS, "withdraw") == online.WITHDRAWN


def test_a_draft_cannot_be_answered_before_it_is_registered():
    with pytest.raises(IllegalTransition):
        next_status(online.DRAFT, "answer_electronic")


def test_the_answer_is_due_30_days_after_registration_in_bucharest_time():
    # 31 December 2026, 23:30 in Bucharest (21:30 UTC) counts as 31 December
    registered = 1_798_752_600_000
    assert online.answer_due(registered) == date(2027, 1, 30)
    assert online.answer_due(registered, days=15) == date(2027, 1, 15)
    assert online.days_left(date(2027, 1, 30), registered) == 30


@pytest.mark.parametrize(("head", "kind"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_accepted_files_are_recognised_by_their_first_bytes(head, kind):
    assert sniff(head) == kind
    assert check_stored("a", kind, 1000, head) is None


def test_a_renamed_executable_is_refused_whatever_its_name():
    refusal = check_stored("cerere.pdf", "application/pdf", 1000, EXE)
    assert refusal is not None and "cerere.pdf" in refusal.message_ro and "PDF, JPEG sau PNG" in refusal.message_ro


def test_a_file_whose_content_differs_from_its_declared_type_is_refused():
    refusal = check_stored("poza.png", "image/png", 1000, JPEG)
    assert refusal is not None and "JPG" in refusal.message_ro


def test_an_11_mb_file_is_refused_before_upload_with_its_size():
    with pytest.raises(InvalidInput) as refused:
        check_declared("plan.pdf", "application/pdf", 11 * MB, 0)
    assert "11.0 MB" in refused.value.message_ro and "10 MB" in refused.value.message_ro


def test_the_31st_megabyte_of_a_request_is_refused():
    check_declared("a.pdf", "application/pdf", 10 * MB, 20 * MB)  # exactly 30 MB is allowed
    with pytest.raises(InvalidInput) as refused:
        check_declared("b.pdf", "application/pdf", 1, 30 * MB)
    assert "30 MB" in refused.value.message_ro


def test_only_pdf_jpeg_png_may_be_declared():
    with pytest.raises(InvalidInput):
        check_declared("a.exe", "application/octet-stream", 10, 0)


def test_file_names_lose_paths_and_control_characters():
    assert safe_name("C:\\Users\\ion\\act\u0000 de identitate.pdf") == "act de identitate.pdf"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("...") == "document"
    assert safe_name("Împuternicire ștampilată.pdf") == "Împuternicire ștampilată.pdf"

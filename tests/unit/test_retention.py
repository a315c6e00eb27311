"""The retention rule of online requests on in-memory stores and files, with a clock the test moves: a draft
nobody touched for a year goes with its files and phone; a closed request's files go ``retention_years`` after
it closed, while the request itself stays in the registry under its number; nothing is deleted early or twice."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import NotFound
from chalicelib.services import jobs, online_requests, online_review
from chalicelib.services.audit import history, request_subject
from tests.support.memory_deps import DAY_MS, memory_deps
from tests.unit.test_online_service_rules import CLERK, PDF, attach, complete_draft, sign_in

YEAR_MS = 365 * DAY_MS


@pytest.fixture()
def deps():
    return memory_deps()


def keys_of(deps, request_id: str) -> list[str]:
    return [a.key for a in deps.stores.attachments.of_request(request_id)]


def answered_request(deps, citizen) -> str:
    """A registered request answered electronically: three citizen files and the office's answer."""
    request_id = complete_draft(deps, citizen)
    online_requests.submit(deps, citizen, request_id)
    online_review.assign(deps, CLERK, request_id, "ps2-urbanism")
    row, upload = online_review.request_answer_upload(
        deps, CLERK, request_id, "Certificat.pdf", "application/pdf", 5000
    )
    assert deps.files.put(upload["fields"]["key"], PDF, "application/pdf")
    online_review.answer(deps, CLERK, request_id, {"outcome": "answered", "attachmentId": row.id})
    return request_id


def test_a_draft_untouched_for_a_year_is_deleted_with_its_files_and_phone(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    keys = keys_of(deps, request_id)
    assert len(keys) == 3 and all(k in deps.files.objects for k in keys)
    deps.clock.advance(YEAR_MS - DAY_MS)
    assert jobs.delete_expired_drafts(deps) == 0
    assert deps.stores.requests.get(request_id) is not None
    deps.clock.advance(2 * DAY_MS)
    assert jobs.delete_expired_drafts(deps) == 1
    assert deps.stores.requests.get(request_id) is None
    assert deps.stores.requests.contact(request_id) is None  # the phone goes too
    assert deps.stores.attachments.of_request(request_id) == []
    assert not any(k in deps.files.objects for k in keys)
    assert online_requests.list_own(deps, citizen) == []
    assert [h["action"] for h in history(deps, request_subject(request_id))][-1] == "draft_deleted"
    assert jobs.delete_expired_drafts(deps) == 0


def test_a_draft_touched_within_the_year_is_kept_a_year_from_the_touch(deps):
    citizen = sign_in(deps)
    changed = complete_draft(deps, citizen)
    uploaded = complete_draft(deps, citizen)
    deps.clock.advance(200 * DAY_MS)
    online_requests.update_draft(deps, citizen, changed, {"answers": {"adresa_imobil": "Str. Avrig nr. 14"}})
    attach(deps, citizen, uploaded, "plan-situatie-1-500")  # a file added is a touch as well
    deps.clock.advance(YEAR_MS - 199 * DAY_MS)  # a year after creation, 166 days after the touch
    assert jobs.delete_expired_drafts(deps) == 0
    assert deps.stores.requests.get(changed) is not None and deps.stores.requests.get(uploaded) is not None
    deps.clock.advance(199 * DAY_MS)  # a year and a day after the touch
    assert jobs.delete_expired_drafts(deps) == 2
    assert deps.stores.requests.get(changed) is None and deps.stores.requests.get(uploaded) is None
    assert deps.files.objects == {}


def test_a_sent_request_is_never_deleted_as_a_draft(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    online_requests.submit(deps, citizen, request_id)
    deps.clock.advance(2 * YEAR_MS)
    assert jobs.delete_expired_drafts(deps) == 0
    assert deps.stores.requests.get(request_id).status == "registered"
    assert len(keys_of(deps, request_id)) == 3


def test_a_closed_requests_files_go_after_the_retention_years_and_the_request_stays(deps):
    citizen = sign_in(deps)
    request_id = answered_request(deps, citizen)
    number = deps.stores.requests.get(request_id).registration_number
    open_one = complete_draft(deps, citizen)
    online_requests.submit(deps, citizen, open_one)  # registered, never answered: its files stay
    keys = keys_of(deps, request_id)
    assert len(keys) == 4  # three of the citizen's and the answer
    deps.clock.advance(5 * YEAR_MS - 30 * DAY_MS)
    assert jobs.delete_expired_files(deps) == 0
    assert all(k in deps.files.objects for k in keys)
    deps.clock.advance(32 * DAY_MS)  # five calendar years (and a leap day) after it was answered
    assert jobs.delete_expired_files(deps) == 4
    assert not any(k in deps.files.objects for k in keys)
    assert deps.stores.attachments.of_request(request_id) == []
    kept = deps.stores.requests.get(request_id)
    assert kept.status == "answered" and kept.registration_number == number and kept.files_deleted_at
    assert [r["registrationNumber"] for r in online_requests.list_own(deps, citizen)].count(number) == 1
    with pytest.raises(NotFound):
        online_requests.download_url(deps, citizen, request_id, kept.answer_attachment)
    assert len(keys_of(deps, open_one)) == 3
    assert "files_deleted" in [h["action"] for h in history(deps, request_subject(request_id))]


def test_the_retention_years_are_a_setting_and_a_day_is_claimed_once():
    deps = memory_deps(EPS2_RETENTION_YEARS="2")
    citizen = sign_in(deps)
    request_id = answered_request(deps, citizen)
    deps.clock.advance(2 * YEAR_MS + 2 * DAY_MS)
    assert jobs.run_scheduled_job(deps)["files_deleted"] == 4
    assert keys_of(deps, request_id) == []
    assert jobs.delete_expired_files(deps) == 0  # the same day again: claimed
    deps.clock.advance(DAY_MS)
    assert jobs.delete_expired_files(deps) == 0  # nothing left, nothing deleted twice


def test_a_withdrawn_request_is_kept_under_the_same_rule(deps):
    citizen = sign_in(deps)
    request_id = complete_draft(deps, citizen)
    online_requests.submit(deps, citizen, request_id)
    online_requests.withdraw(deps, citizen, request_id)
    deps.clock.advance(4 * YEAR_MS)
    assert jobs.delete_expired_files(deps) == 0 and len(keys_of(deps, request_id)) == 3
    deps.clock.advance(YEAR_MS + 2 * DAY_MS)
    assert jobs.delete_expired_files(deps) == 3
    assert deps.stores.requests.get(request_id).status == "withdrawn"

"""The associations' portal through the real stack, HTTP only (issue 15's acceptance path, the registry and
filings part): the 2,700-row import twice (the second creates nothing), a file with bad rows refused whole,
who sees what, the public directory without a private person's name or phone, the certificate check; then
the demo administrator's lift-programme enrolment with attachments, the office asking for a missing document,
the administrator adding it, acceptance; and a filing for a foreign CUI refused (403).

One import of the 2,700 rows for the whole file (module fixture), no sleeps."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
import requests

from devstack.stack import LocalStack
from devstack.synthetic_associations import DEMO_CUIS, generate, to_csv
from tests.support.api import Api, Reply

ROWS = generate()
CSV = {"Content-Type": "text/csv; charset=utf-8"}


def import_csv(api: Api, data: bytes) -> Reply:
    """POST the file; the emulator's DynamoDB takes ~3 ms an item (2,700 rows: ~10-20 s), so more than the
    30 s the other calls are given."""
    request = urllib.request.Request(api.base_url + "/api/associations/import", method="POST", data=data)
    request.add_header("Content-Type", CSV["Content-Type"])
    request.add_header("Authorization", f"Bearer {api.token}")
    try:
        with urllib.request.urlopen(request, timeout=180) as response:
            return Reply(response.status, json.loads(response.read()), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Reply(error.code, json.loads(error.read()), dict(error.headers))


@pytest.fixture(scope="module")
def imported(stack: LocalStack, admin: Api) -> list[Reply]:
    """The 2,700 rows imported twice (other tests of the session may have imported them already)."""
    replies = []
    for _ in range(2):
        started = time.monotonic()
        replies.append(import_csv(admin, to_csv(ROWS)))
        print(f"import of {len(ROWS)} rows: {time.monotonic() - started:.1f} s")
    return replies


@pytest.fixture(scope="module")
def administrator(stack: LocalStack) -> Api:
    return Api(stack.base_url).login("asoc", "asoc-local")


def page(stack: LocalStack, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(stack.base_url + path, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_registry_imports_once_and_a_second_import_creates_nothing(imported: list[Reply], clerk: Api) -> None:
    first, second = imported
    assert first.status == 200, first.body
    assert first["created"] + first["unchanged"] == 2700 and first["updated"] == 0 and first["errors"] == []
    assert second.status == 200 and (second["created"], second["updated"], second["unchanged"]) == (0, 0, 2700)
    row = ROWS[1234]
    found = clerk.get(f"/api/associations?q={row['cui']}")
    assert found.status == 200 and [a["cui"] for a in found["associations"]] == [row["cui"]]
    assert found["associations"][0]["presidentName"] == row["president_name"]  # staff see personal data


def test_a_file_with_bad_rows_is_refused_whole_with_each_line(imported: list[Reply], admin: Api, clerk: Api) -> None:
    new = generate(2702)[2700:]
    bad = [*new, {**new[0], "cui": "123"}]
    reply = import_csv(admin, to_csv(bad))
    assert reply.status == 422 and reply["created"] == 0
    assert [e["line"] for e in reply["errors"]] == [4] and "CUI" in reply["errors"][0]["message"]
    assert clerk.get(f"/api/associations/{new[1]['cui']}").status == 404  # the good rows were not written
    assert import_csv(clerk, to_csv(new)).status == 403  # the import is an admin's


def test_an_administrator_sees_only_their_own_associations(imported: list[Reply], administrator: Api) -> None:
    mine = administrator.get("/api/associations")
    assert mine.status == 200 and sorted(a["cui"] for a in mine["associations"]) == sorted(DEMO_CUIS)
    assert administrator.get(f"/api/associations/{DEMO_CUIS[0]}")["email"] == ROWS[0]["email"]
    foreign = ROWS[100]["cui"]
    assert administrator.get(f"/api/associations/{foreign}").status == 403
    refused = administrator.call("PATCH", f"/api/associations/{foreign}", {"email": "x@example.ro"})
    assert refused.status == 403
    assert administrator.get("/api/requests").status == 403  # not staff


def test_the_public_directory_shows_no_private_persons_name_or_phone(imported: list[Reply], stack: LocalStack) -> None:
    status, index = page(stack, "/asociatii/")
    assert status == 200 and "2700 de asociații" in index
    street = ROWS[0]["street"]
    links = [part.split('"')[0] for part in index.split('href="/asociatii/')[1:]]
    pages = [page(stack, f"/asociatii/{link}")[1] for link in links if link.endswith("/")]
    published = index + "".join(pages)
    assert street in published
    for row in ROWS[:300]:
        assert row["cui"] in published and row["administrator_certificate"] in published
        assert row["phone"] not in published and row["email"] not in published
        assert row["president_name"] not in published and row["administrator_name"] not in published


def test_anyone_can_check_an_administrators_certificate(imported: list[Reply], stack: LocalStack) -> None:
    row = ROWS[7]
    answer = Api(stack.base_url).get(f"/api/administrator-certificates?number={row['administrator_certificate']}")
    assert answer.status == 200 and answer["found"] and answer["expiry"] == row["administrator_certificate_expiry"]
    status, html = page(stack, "/asociatii/atestat?numar=PS2-1990%2F0001")
    assert status == 200 and "Niciun administrator" in html


PDF = b"%PDF-1.7\n" + b"0" * 3000
LIFT_ANSWERS = {"lifts": 2, "installed": 1975, "iscir": True}


def upload(api: Api, filing_id: str, document: str) -> None:
    reply = api.post(
        f"/api/association/filings/{filing_id}/attachments",
        {"documentId": document, "fileName": f"{document}.pdf", "contentType": "application/pdf", "size": len(PDF)},
    )
    assert reply.status == 201, reply
    form = reply["upload"]
    sent = requests.post(
        form["url"], data=form["fields"], files={"file": ("f.pdf", PDF, "application/pdf")}, timeout=10
    )
    assert sent.status_code in (200, 204), sent.text


def emails_to(stack: LocalStack, address: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{stack.base_url}/api/dev/outbox?channel=email", timeout=30) as response:
        return [m for m in json.loads(response.read())["messages"] if m["to"] == address]


def test_a_lift_enrolment_from_the_administrator_to_acceptance(
    imported: list[Reply], stack: LocalStack, administrator: Api, clerk: Api
) -> None:
    foreign = administrator.post(
        "/api/association/filings", {"cui": ROWS[100]["cui"], "type": "lift-programme", "answers": {"lifts": "x"}}
    )
    assert foreign.status == 403  # before the answers are looked at
    draft = administrator.post(
        "/api/association/filings", {"cui": DEMO_CUIS[0], "type": "lift-programme", "answers": LIFT_ANSWERS}
    )
    assert draft.status == 201 and draft["status"] == "draft"
    filing = draft["id"]
    for document in ("cerere-tip", "hotarare-ag", "contract-mandat", "lista-proprietari", "fisa-tehnica"):
        upload(administrator, filing, document)
    registered = administrator.post(f"/api/association/filings/{filing}/submit")
    assert registered.status == 200 and registered["status"] == "registered"
    number = registered["registrationNumber"]
    assert number.startswith("PS2-") and administrator.get(f"/api/filings/{filing}").status == 403  # not staff

    listed = clerk.get("/api/filings?type=lift-programme&status=registered")
    assert filing in [f["id"] for f in listed["filings"]]
    assert clerk.post(f"/api/filings/{filing}/take").status == 200
    asked = clerk.post(f"/api/filings/{filing}/ask", {"documents": ["hotarare-ag"], "message": "Lipsește semnătura."})
    assert asked.status == 200 and asked["status"] == "awaiting_documents"
    upload(administrator, filing, "hotarare-ag")
    assert administrator.post(f"/api/association/filings/{filing}/submit")["status"] == "in_review"
    accepted = clerk.post(f"/api/filings/{filing}/accept")
    assert accepted.status == 200 and accepted["status"] == "accepted" and accepted["registrationNumber"] == number
    mine = administrator.get("/api/association/filings")["filings"]
    assert [(f["registrationNumber"], f["status"]) for f in mine if f["id"] == filing] == [(number, "accepted")]
    subjects = [m["subject"] for m in emails_to(stack, ROWS[0]["email"]) if m["subject"].startswith(number)]
    assert len(subjects) == 5 and "acceptată" in subjects[-1]

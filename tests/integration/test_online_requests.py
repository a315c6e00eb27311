"""Online requests through the real stack, HTTP only: SMS sign-in, a draft for a catalogue service, files
uploaded with S3 presigned POSTs straight to the bucket, submission with a registration number and an
SMS, documents asked for and sent again, an electronic answer downloaded, and a second request answered
for pickup that goes through the locker to ``collected`` under the same number."""

from __future__ import annotations

import io
import re
import urllib.request
import uuid
from typing import Any

import requests
from pypdf import PdfReader

from devstack.stack import LocalStack
from tests.conftest import e164, outbox, wait_until
from tests.support.api import Api

SERVICE = "certificat-de-urbanism"
ANSWERS = {
    "scop": "construire",
    "adresa_imobil": "Str. Avrig nr. 12",
    "suprafata_teren": 420,
    "modificari_fatada": False,
    "operatiuni_notariale": False,
}
PDF = b"%PDF-1.7\n" + b"0" * 3000
EXE = b"MZ\x90\x00" + b"0" * 3000


def new_phone() -> str:
    return f"073{uuid.uuid4().int % 10**7:07d}"


def sms_to(stack: LocalStack, phone: str, contains: str) -> str:
    return wait_until(lambda: [m["body"] for m in outbox(stack) if m["to"] == e164(phone) and contains in m["body"]])[
        -1
    ]


def citizen(stack: LocalStack, phone: str) -> Api:
    anonymous = Api(stack.base_url)
    assert anonymous.post("/api/citizen/codes", {"phone": phone}).status == 202
    code = re.search(r"\b(\d{6})\b", sms_to(stack, phone, "codul de intrare")).group(1)
    reply = anonymous.post("/api/citizen/sessions", {"phone": phone, "code": code})
    assert reply.status == 201, reply
    return Api(stack.base_url, reply["token"])


def upload(api: Api, request_id: str, document: str, content: bytes = PDF, name: str | None = None) -> dict[str, Any]:
    reply = api.post(
        f"/api/citizen/requests/{request_id}/attachments",
        {
            "documentId": document,
            "fileName": name or f"{document}.pdf",
            "contentType": "application/pdf",
            "size": len(content),
        },
    )
    assert reply.status == 201, reply
    form = reply["upload"]
    sent = requests.post(
        form["url"], data=form["fields"], files={"file": ("f.pdf", content, "application/pdf")}, timeout=10
    )
    assert sent.status_code in (200, 204), sent.text
    return reply.body


def complete_draft(api: Api, delivery: str = "electronic") -> str:
    created = api.post("/api/citizen/requests", {"serviceId": SERVICE, "answers": ANSWERS, "delivery": delivery})
    assert created.status == 201 and created["status"] == "draft", created
    for document in ("cerere-tip", "dovada-platii", "plan-situatie-1-2000"):
        upload(api, created["id"], document)
    bring = ["plan-situatie-1-500", "extras-plan-cadastral", "extras-carte-funciara"]
    assert api.call("PATCH", f"/api/citizen/requests/{created['id']}", {"bringOriginal": bring}).status == 200
    return str(created["id"])


def test_an_online_request_from_sign_in_to_the_electronic_answer(stack: LocalStack, clerk: Api) -> None:
    phone = new_phone()
    me = citizen(stack, phone)
    request_id = complete_draft(me)

    submitted = me.post(f"/api/citizen/requests/{request_id}/submit")
    assert submitted.status == 200, submitted
    number = submitted["registrationNumber"]
    assert re.fullmatch(r"PS2-\d{4}-\d{6}", number) and submitted["status"] == "registered" and submitted["answerDue"]
    assert number in sms_to(stack, phone, "inregistrata")
    receipt = urllib.request.Request(
        f"{stack.base_url}/api/citizen/requests/{request_id}/receipt",
        headers={"Authorization": f"Bearer {me.token}", "Accept": "application/pdf"},
    )
    with urllib.request.urlopen(receipt, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        pdf = response.read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert number in text and "Dovada înregistrării" in text

    inbox = clerk.get("/api/requests?channel=online&department=ps2-urbanism")
    assert request_id in [r["id"] for r in inbox["requests"]]
    assert clerk.post(f"/api/requests/{request_id}/assign", {"department": "ps2-urbanism"})["status"] == "in_review"
    files = clerk.get(f"/api/requests/{request_id}")["attachments"]
    link = clerk.get(f"/api/requests/{request_id}/attachments/{files[0]['id']}")["url"]
    with urllib.request.urlopen(link, timeout=10) as response:
        assert response.read() == PDF

    asked = clerk.post(
        f"/api/requests/{request_id}/ask", {"documents": ["extras-carte-funciara"], "message": "Extras recent"}
    )
    assert asked.status == 200 and asked["status"] == "awaiting_documents"
    sms_to(stack, phone, "avem nevoie de documente")
    mine = me.get(f"/api/citizen/requests/{request_id}")
    assert mine["asked"]["documents"][0]["id"] == "extras-carte-funciara"
    upload(me, request_id, "extras-carte-funciara")
    assert me.post(f"/api/citizen/requests/{request_id}/submit")["status"] == "in_review"

    answer = clerk.post(
        f"/api/requests/{request_id}/attachments",
        {"fileName": "Certificat de urbanism.pdf", "contentType": "application/pdf", "size": len(PDF)},
    )
    assert answer.status == 201, answer
    form = answer["upload"]
    requests.post(form["url"], data=form["fields"], files={"file": ("c.pdf", PDF, "application/pdf")}, timeout=10)
    done = clerk.post(f"/api/requests/{request_id}/answer", {"outcome": "answered", "attachmentId": answer["id"]})
    assert done.status == 200 and done["status"] == "answered", done
    sms_to(stack, phone, "raspunsul la cererea")
    url = me.get(f"/api/citizen/requests/{request_id}/attachments/{answer['id']}")["url"]
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == PDF
    history = [h["action"] for h in me.get(f"/api/citizen/requests/{request_id}")["history"]]
    assert history[:1] == ["draft_created"] and history[-1] == "answer_electronic"


def test_an_answer_for_pickup_goes_through_the_locker_under_the_same_number(
    stack: LocalStack, clerk: Api, new_locker: Any
) -> None:
    phone = new_phone()
    me = citizen(stack, phone)
    request_id = complete_draft(me, delivery="locker")
    number = me.post(f"/api/citizen/requests/{request_id}/submit")["registrationNumber"]
    clerk.post(f"/api/requests/{request_id}/assign", {"department": "ps2-urbanism"})
    assert clerk.post(f"/api/requests/{request_id}/answer", {"outcome": "ready"})["status"] == "ready"

    locker = new_locker("S2 M1")
    reply = clerk.post(f"/api/requests/{request_id}/deposit", {"lockerId": locker.locker_id})
    assert reply.status == 202, reply
    unlock = locker.next_command()
    locker.publish("door_opened", compartment=unlock["compartment"], cmd=unlock["id"])
    locker.publish("door_closed", compartment=unlock["compartment"], cmd=unlock["id"])
    pickup_sms = sms_to(stack, phone, "PIN")
    assert number in pickup_sms
    pin = re.search(r"PIN (\d{8})", pickup_sms).group(1)
    locker.publish("pin", code=pin)
    opened = locker.next_command()
    assert opened["type"] == "unlock" and opened["purpose"] == "pickup"
    locker.publish("door_opened", compartment=opened["compartment"], cmd=opened["id"])
    locker.publish("door_closed", compartment=opened["compartment"], cmd=opened["id"])
    wait_until(lambda: me.get(f"/api/citizen/requests/{request_id}")["status"] == "collected")
    assert me.get(f"/api/citizen/requests/{request_id}")["registrationNumber"] == number


def test_bad_files_are_refused_with_clear_messages(stack: LocalStack) -> None:
    me = citizen(stack, new_phone())
    created = me.post("/api/citizen/requests", {"serviceId": SERVICE, "answers": ANSWERS})
    request_id = created["id"]
    too_big = me.post(
        f"/api/citizen/requests/{request_id}/attachments",
        {
            "documentId": "cerere-tip",
            "fileName": "mare.pdf",
            "contentType": "application/pdf",
            "size": 11 * 1024 * 1024,
        },
    )
    assert too_big.status == 400 and "10 MB" in too_big["messageRo"]
    for document in ("cerere-tip", "dovada-platii", "plan-situatie-1-2000"):
        me.post(
            f"/api/citizen/requests/{request_id}/attachments",
            {"documentId": document, "fileName": "a.pdf", "contentType": "application/pdf", "size": 10 * 1024 * 1024},
        )
    over = me.post(
        f"/api/citizen/requests/{request_id}/attachments",
        {
            "documentId": "plan-situatie-1-500",
            "fileName": "b.pdf",
            "contentType": "application/pdf",
            "size": 1024 * 1024,
        },
    )
    assert over.status == 400 and "30 MB" in over["messageRo"]

    other = complete_draft(me)
    upload(me, other, "cerere-tip", content=EXE, name="cerere.pdf")
    refused = me.post(f"/api/citizen/requests/{other}/submit")
    assert (
        refused.status == 400 and "cerere.pdf" in refused["messageRo"] and "PDF, JPEG sau PNG" in refused["messageRo"]
    )
    assert me.get(f"/api/citizen/requests/{other}")["status"] == "draft"


def test_strangers_get_404_and_other_departments_403(stack: LocalStack, clerk: Api) -> None:
    owner = citizen(stack, new_phone())
    request_id = complete_draft(owner)
    owner.post(f"/api/citizen/requests/{request_id}/submit")
    file_id = owner.get(f"/api/citizen/requests/{request_id}")["attachments"][0]["id"]
    stranger = citizen(stack, new_phone())
    assert stranger.get(f"/api/citizen/requests/{request_id}").status == 404
    assert stranger.get(f"/api/citizen/requests/{request_id}/attachments/{file_id}").status == 404
    assert Api(stack.base_url).get("/api/citizen/requests").status == 401

    urbanism = Api(stack.base_url).login("urbanism", "urbanism-local")  # the demo department staff
    tax_service = owner.post(
        "/api/citizen/requests",
        {"serviceId": "certificat-de-atestare-fiscala", "answers": {}},
    )
    assert tax_service.status == 201
    assert urbanism.get(f"/api/requests/{request_id}").status == 200
    # a request of another department (taxes) is refused to the urbanism department's staff
    clerk_view = clerk.get(f"/api/requests/{tax_service['id']}")
    assert clerk_view.status == 200
    assert urbanism.get(f"/api/requests/{tax_service['id']}").status == 403
    assert urbanism.post(f"/api/requests/{tax_service['id']}/assign", {"department": "ps2-dvbl"}).status == 403

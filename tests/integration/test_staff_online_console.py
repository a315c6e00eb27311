"""The console's online requests over HTTP, forms only: the inbox with deadlines, a request's answers and
files, taking it, asking for a document (the citizen gets an SMS), uploading the answer PDF through the
presigned form straight to the bucket, and sending the answer; another department's staff are refused."""

from __future__ import annotations

import re

import requests

from tests.integration.test_online_requests import PDF, citizen, complete_draft, new_phone, sms_to
from tests.integration.test_staff_console import signed_in


def test_the_console_works_an_online_request_to_its_electronic_answer(stack):
    phone = new_phone()
    me = citizen(stack, phone)
    request_id = complete_draft(me)
    number = me.post(f"/api/citizen/requests/{request_id}/submit")["registrationNumber"]

    client = signed_in(stack, "urbanism")
    inbox = client.get("/staff/online")
    assert inbox.status == 200 and number in inbox.html and "Termen de răspuns" in inbox.html
    page = client.get(f"/staff/online/{request_id}")
    assert "Str. Avrig nr. 12" in page.html and "cerere-tip.pdf" in page.html
    opened = client.request(
        "GET", re.search(r'href="(/staff/online/[0-9a-f]+/files/[0-9a-z]+)"', page.html).group(1), follow=False
    )
    assert opened.status == 303 and "Signature" in opened.headers["Location"] or "X-Amz" in opened.headers["Location"]

    page = client.post(f"/staff/online/{request_id}/assign", {"csrf": page.csrf(), "department": "ps2-urbanism"})
    assert "în analiză" in page.html
    page = client.post(
        f"/staff/online/{request_id}/ask",
        {"csrf": page.csrf(), "doc-extras-carte-funciara": "on", "message": "Un extras mai nou de 30 de zile"},
    )
    assert "așteaptă documente" in page.html
    sms_to(stack, phone, "avem nevoie de documente")
    assert me.get(f"/api/citizen/requests/{request_id}")["asked"]["message"] == "Un extras mai nou de 30 de zile"

    me.post(f"/api/citizen/requests/{request_id}/submit")  # the citizen sends it back as it is
    page = client.get(f"/staff/online/{request_id}")
    upload_page = client.post(f"/staff/online/{request_id}/upload", {"csrf": page.csrf(), "fileName": "raspuns.pdf"})
    assert upload_page.status == 200
    action = re.search(r'<form method="post" action="([^"]+)" enctype="multipart/form-data">', upload_page.html).group(
        1
    )
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', upload_page.html))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    sent = requests.post(
        action, data=fields, files={"file": ("raspuns.pdf", PDF, "application/pdf")}, allow_redirects=False, timeout=10
    )
    # S3 sends the browser to a step that forwards it same-site (the console's cookie is SameSite=Strict)
    assert sent.status_code == 303 and f"/staff/online/{request_id}/incarcat?" in sent.headers["Location"]
    forward = requests.get(sent.headers["Location"], timeout=10)  # no cookie, as after S3's cross-site redirect
    target = re.search(r'content="0;url=([^"]+)"', forward.text).group(1)  # type: ignore[union-attr]
    assert target.startswith(f"/staff/online/{request_id}?key=answers") or "?key=" in target, target
    page = client.get(target.replace("&amp;", "&"))
    attachment_id = re.search(r'name="attachmentId" value="([^"]+)"', page.html).group(1)
    page = client.post(f"/staff/online/{request_id}/answer", {"csrf": page.csrf(), "attachmentId": attachment_id})
    assert "răspuns transmis" in page.html
    sms_to(stack, phone, "raspunsul la cererea")


def test_another_departments_staff_cannot_open_the_request(stack):
    me = citizen(stack, new_phone())
    tax = me.post("/api/citizen/requests", {"serviceId": "certificat-de-atestare-fiscala", "answers": {}})
    client = signed_in(stack, "urbanism")
    assert client.get(f"/staff/online/{tax['id']}").status == 403
    assert client.get("/staff/online?department=ps2-dvbl").status == 403

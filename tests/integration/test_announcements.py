"""An announcement to every association, through the real stack and HTTP only (issue 15): the registry's
2,700 associations imported as CSV, an announcement to all by e-mail, exactly 2,700 e-mails in the
emulator's SES outbox (one per address, the title as subject, the body in Romanian), then the demo
administrator reads it in the inbox and the read count moves. A stack of its own, whose e-mail rate is
raised past what the emulator can take, so the test waits only for the emulator."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.secrets import generate
from devstack.stack import LocalStack, free_port
from devstack.synthetic_associations import generate as synthetic
from devstack.synthetic_associations import to_csv
from tests.support.api import Api

ALL = 2_700
DEADLINE_S = 360  # the five minutes at the local stage's 50/s, and some slack for a busy machine


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    local = LocalStack(
        free_port(),
        free_port(),
        free_port(),
        api_port=free_port(),
        state_dir=tmp_path_factory.mktemp("announcements"),
        secrets=generate(),
        job_interval_s=3600,
        email_rate=500,
    )
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        os.environ.setdefault(key, local.env()[key])
    try:
        local.start_all()
        yield local
    finally:
        local.stop()


def email_outbox(base_url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{base_url}/api/dev/outbox?channel=email", timeout=60) as response:
        return list(json.load(response)["messages"])


def test_an_announcement_to_all_reaches_every_address_once_and_the_read_count_moves(own_stack: LocalStack):
    base = own_stack.base_url
    admin, clerk = Api(base).login("admin", "admin-local"), Api(base).login("clerk", "clerk-local")
    rows = synthetic(ALL)
    imported = admin.call("POST", "/api/associations/import", raw=to_csv(rows), headers={"Content-Type": "text/csv"})
    assert imported.status == 200, imported
    assert imported["created"] + imported["unchanged"] == ALL and imported["errors"] == []

    title = "Programul de reabilitare termică: ședință de informare"
    started = time.monotonic()
    reply = clerk.post(
        "/api/announcements",
        {
            "title": title,
            "body": "Vă așteptăm joi, 4 decembrie, la ora 18.",
            "audience": {"all": True},
            "channels": ["email"],
        },
    )
    assert reply.status == 202, reply
    assert reply["recipients"] == ALL
    announcement = reply["id"]

    while (view := clerk.get(f"/api/announcements/{announcement}").body)["counts"]["queued"]:
        assert time.monotonic() - started < DEADLINE_S, view
        time.sleep(1)
    elapsed = time.monotonic() - started
    print(f"\n{ALL} e-mails handed to the emulator's SES in {elapsed:.0f} s ({ALL / elapsed:.1f}/s)")
    assert view["counts"] == {"queued": 0, "sent": ALL, "failed": 0, "unconfirmed": 0, "read": 0}

    sent = [m for m in email_outbox(base) if m["subject"] == title]
    assert Counter(m["to"] for m in sent) == Counter(row["email"] for row in rows)  # each address exactly once
    assert "Vă așteptăm joi" in sent[0]["body"] and f"/staff/asociatie/anunturi/{announcement}" in sent[0]["body"]

    asoc = Api(base).login("asoc", "asoc-local")
    inbox = asoc.get("/api/association/inbox")
    assert inbox.status == 200, inbox
    entry = next(a for a in inbox["announcements"] if a["id"] == announcement)
    assert entry["title"] == title and entry["read"] is False and entry["sentAt"]
    assert asoc.post(f"/api/association/inbox/{announcement}/read").status == 204
    assert asoc.post(f"/api/association/inbox/{announcement}/read").status == 204  # again: counted once
    counts = clerk.get(f"/api/announcements/{announcement}")["counts"]
    assert counts["read"] == 2  # the demo administrator's two associations, once each
    assert next(a for a in asoc.get("/api/association/inbox")["announcements"] if a["id"] == announcement)["read"]


def test_an_administrator_cannot_write_announcements_and_staff_have_no_inbox(own_stack: LocalStack):
    base = own_stack.base_url
    asoc, clerk = Api(base).login("asoc", "asoc-local"), Api(base).login("clerk", "clerk-local")
    body = {"title": "X", "body": "Y", "audience": {"all": True}, "channels": ["portal"]}
    assert asoc.post("/api/announcements", body).status == 403
    assert clerk.get("/api/association/inbox").status == 403
    refused = clerk.post("/api/announcements", {**body, "audience": {"all": True, "lifts": True}})
    assert refused.status == 400 and "ȘI" in refused["messageRo"]

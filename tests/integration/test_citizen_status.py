""" "Where is my request?": number + phone, an SMS code, then the status; nothing revealed without the code."""

from __future__ import annotations

import re

from tests.conftest import outbox, register, wait_until
from tests.support.browser import FormClient


def start(client: FormClient, number: str, phone: str):
    form = client.get("/status")
    return client.post("/status", {"csrf": form.csrf(), "number": number, "phone": phone})


def test_the_right_code_shows_the_status_and_what_happens_next(stack, clerk):
    created = register(clerk, phone="0722 444 001")
    client = FormClient(stack.base_url)
    page = start(client, created["registrationNumber"], "0722 444 001")
    assert "Scrieți codul" in page.html and "Nu ați primit codul?" in page.html
    body = wait_until(lambda: [m for m in outbox(stack) if m["to"] == "+40722444001"])[-1]["body"]
    code = re.search(r"este (\d{5})", body).group(1)
    verification = re.search(r'name="v" value="([0-9a-f]+)"', page.html).group(1)
    result = client.post("/status/cod", {"csrf": page.csrf(), "v": verification, "code": code})
    assert created["registrationNumber"] in result.html and "în lucru" in result.html
    assert "Maria" not in result.html  # no personal data beyond the number


def test_a_wrong_phone_gets_the_same_page_and_no_sms(stack, clerk):
    created = register(clerk, phone="0722 444 002")
    before = len(outbox(stack))
    page = start(FormClient(stack.base_url), created["registrationNumber"], "0722 444 999")
    assert "Scrieți codul" in page.html
    assert len(outbox(stack)) == before


def test_wrong_codes_are_refused_and_five_tries_end_the_code(stack, clerk):
    created = register(clerk, phone="0722 444 003")
    client = FormClient(stack.base_url)
    page = start(client, created["registrationNumber"], "0722 444 003")
    body = wait_until(lambda: [m for m in outbox(stack) if m["to"] == "+40722444003"])[-1]["body"]
    code = re.search(r"este (\d{5})", body).group(1)
    verification = re.search(r'name="v" value="([0-9a-f]+)"', page.html).group(1)
    wrong = f"{(int(code) + 1) % 100000:05d}"
    for _ in range(5):
        page = client.post("/status/cod", {"csrf": page.csrf(), "v": verification, "code": wrong})
        assert page.status == 400 and "<title>Eroare: " in page.html
    page = client.post("/status/cod", {"csrf": page.csrf(), "v": verification, "code": code})
    assert page.status == 400


def test_at_most_three_codes_an_hour(stack, clerk):
    created = register(clerk, phone="0722 444 004")
    for _ in range(5):
        start(FormClient(stack.base_url), created["registrationNumber"], "0722 444 004")
    sent = [m for m in outbox(stack) if m["to"] == "+40722444004"]
    assert len(sent) == 3


def test_result_page_needs_the_code(stack):
    page = FormClient(stack.base_url).request("GET", "/status/cerere", follow=False)
    assert page.status == 303 and page.headers["Location"] == "/status"


def test_accessibility_and_privacy_pages_exist_in_both_languages(stack):
    client = FormClient(stack.base_url)
    assert "Declarație de accesibilitate" in client.get("/accesibilitate").html
    assert "Accessibility statement" in client.get("/accesibilitate?lang=en").html
    assert "30 de zile" in client.get("/confidentialitate").html
    assert "How we use your data" in client.get("/confidentialitate?lang=en").html


def test_after_three_verifications_for_a_number_even_the_right_phone_gets_no_code(stack, clerk):
    created = register(clerk, phone="0722 444 005")
    for _ in range(3):  # someone guessing phones for this number
        start(FormClient(stack.base_url), created["registrationNumber"], "0722 000 999")
    page = start(FormClient(stack.base_url), created["registrationNumber"], "0722 444 005")
    assert page.status == 429 and "prea multe coduri" in page.html and int(page.headers["Retry-After"]) <= 3600
    assert not [m for m in outbox(stack) if m["to"] == "+40722444005"]


def test_the_answer_takes_as_long_whether_or_not_the_phone_matches(stack, clerk):
    import time

    created = register(clerk, phone="0722 444 006")
    timings = []
    for phone in ("0722 444 006", "0722 444 998"):
        client = FormClient(stack.base_url)
        form = client.get("/status")
        began = time.monotonic()
        client.post("/status", {"csrf": form.csrf(), "number": created["registrationNumber"], "phone": phone}, False)
        timings.append(time.monotonic() - began)
    assert min(timings) >= 1.4 and abs(timings[0] - timings[1]) < 0.4


def test_per_address_cap_and_no_code_without_its_sms(stack, clerk):
    import pytest

    from chalicelib.config import load_settings
    from chalicelib.domain.errors import TooManyAttempts
    from chalicelib.ports import PermanentSmsError
    from chalicelib.services.status_lookup import start_lookup
    from chalicelib.storage.models import VerificationRecord
    from chalicelib.wiring import build_deps

    deps = build_deps(load_settings({**stack.env(), "EPS2_LOOKUP_PER_CLIENT": "10"}))
    deps.sleep = lambda s: None
    created = register(clerk, phone="0722 444 007")

    class Refused:
        def send(self, phone, body):
            raise PermanentSmsError("refused")

        def ping(self):
            pass

    deps.sms = Refused()
    verification = start_lookup(deps, created["registrationNumber"], "0722 444 007", client="203.0.113.9")
    assert VerificationRecord.get(verification).code_hash is None  # the SMS failed: no live code
    for i in range(9):
        start_lookup(deps, f"PS2-2026-9{i:05d}", "0722 000 000", client="203.0.113.9")
    with pytest.raises(TooManyAttempts):
        start_lookup(deps, "PS2-2026-999999", "0722 000 000", client="203.0.113.9")
    start_lookup(deps, "PS2-2026-999999", "0722 000 000", client="203.0.113.10")  # another address is not capped

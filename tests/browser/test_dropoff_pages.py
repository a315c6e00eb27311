"""Drop-off at the locker in Chromium, through the pages on the local stack and the simulated locker: the
citizen starts from the service's page, answers its questions, goes through the checklist one document at a
time (one missing document stops them), chooses the envelope and the locker, gets the code by SMS, opens its
page (the QR decoded from a screenshot), downloads the cover sheet, and types the scanned code at the
simulator's page: the door opens for a drop-off, closes, and the registration number comes by SMS. Staff
see the file in "De ridicat din dulapuri", take it out, and find documents missing: the SMS names them, and
the citizen's request page offers to drop them off. axe-core on every new page."""

from __future__ import annotations

import io
import re
import uuid

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from chalicelib.config import load_settings
from chalicelib.domain.sms import fold_to_gsm7
from chalicelib.services.credentials import find_by_token, unseal
from chalicelib.wiring import build_deps
from devstack.stack import free_port
from iot.simulator import build_simulator, serve_ui
from tests.browser.test_accessibility import violations
from tests.browser.test_online_request_pages import sign_in_code
from tests.conftest import e164, outbox, wait_until

SERVICE = "certificat-de-urbanism"
CHECKLIST = (
    "Cerere-tip",
    "Dovada plății taxei legale",
    "Plan de situație la scara 1:2000",
    "Plan de situație la scara 1:500",
    "Extras de plan cadastral pe ortofotoplan",
    "Extras de carte funciară",
)
COMPARTMENTS = ("A01", "A02", "A03")
LOCKER_NAME, LOCKER_PLACE = "Dulapul din Piața Obor", "Hala Obor, parter"


def decode(png: bytes) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


class Pages:
    """One browser page; ``seen`` runs axe and, when asked, keeps a screenshot."""

    def __init__(self, page: object, shot: object) -> None:
        self.page, self.shot, self.checked = page, shot, 0

    def seen(self, name: str | None = None) -> None:
        assert violations(self.page) == [], self.page.url  # type: ignore[attr-defined]
        self.checked += 1
        if name:
            self.shot(self.page, f"dropoff-{name}")  # type: ignore[operator]

    def heading(self) -> str:
        return str(self.page.get_by_role("heading", level=1).inner_text())  # type: ignore[attr-defined]

    def text(self) -> str:
        return str(self.page.locator("main").inner_text())  # type: ignore[attr-defined]

    def answer(self, label: str) -> None:
        self.page.get_by_label(label, exact=True).check()  # type: ignore[attr-defined]
        self.page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]


def sms_to(stack: object, phone: str, pattern: str) -> str:
    return wait_until(lambda: [m["body"] for m in outbox(stack) if m["to"] == e164(phone) and pattern in m["body"]])[-1]


def citizen_to_the_code(me: Pages, stack: object, phone: str) -> str:
    """From the service's online start page to "Trimite-mi codul"; the request's id."""
    page = me.page
    page.goto(f"{stack.base_url}/cereri/nou?serviciu={SERVICE}")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Depuneți dosarul la dulapul primăriei").click()  # type: ignore[attr-defined]
    assert me.heading() == "Certificat de urbanism"
    me.seen("start")
    page.get_by_role("button", name="Începeți acum").click()  # type: ignore[attr-defined]
    page.get_by_label("Numărul de telefon mobil").fill(phone)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Trimite codul").click()  # type: ignore[attr-defined]
    page.get_by_label("Codul din SMS").fill(sign_in_code(stack, phone))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Intră în cont").click()  # type: ignore[attr-defined]
    assert "Depunere la dulap" in me.text()  # back at the drop-off's start, signed in
    page.get_by_role("button", name="Începeți acum").click()  # type: ignore[attr-defined]

    me.answer("Construire")
    page.get_by_label("Adresa imobilului").fill("Str. Avrig nr. 12")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]  # optional
    page.get_by_label("Suprafața pentru care cereți certificatul (m²)").fill("420")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]
    me.answer("Nu")
    me.answer("Nu")
    me.answer("Electronic, în contul dumneavoastră de aici")

    # The checklist, one document a page: the two conditional documents are not asked (answered "Nu").
    assert me.heading().endswith("Aveți „Cerere-tip”?")
    assert "Documentul 1 din 6" in me.heading()
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]  # no answer
    assert "Spuneți dacă aveți „Cerere-tip”." in page.locator(".govuk-error-summary").inner_text()  # type: ignore[attr-defined]
    me.seen("item-error")
    me.answer("Da, îl pun în plic")
    me.seen("item")
    me.answer("Nu")  # no proof of payment: the flow stops
    assert me.heading() == "Dosarul nu este complet"
    assert "Fără „Dovada plății taxei legale” dosarul nu poate fi depus" in me.text()
    assert "Registratura, Str. Chiristigiilor nr. 11-13" in me.text()
    me.seen("missing-document")
    page.get_by_role("button", name="Am documentul").click()  # type: ignore[attr-defined]
    for name in CHECKLIST[1:]:
        assert me.heading().endswith(f"Aveți „{name}”?")
        me.answer("Da, îl pun în plic")

    assert me.heading().endswith("Cât de mare este plicul?")
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]  # no size
    assert "Alegeți mărimea plicului." in page.locator(".govuk-error-summary").inner_text()  # type: ignore[attr-defined]
    assert "până la 8 cm grosime" in me.text()
    me.seen("size")
    me.answer("Mic")
    assert me.heading().endswith("La ce dulap depuneți dosarul?")
    me.seen()
    page.get_by_label(LOCKER_NAME).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]

    assert me.heading() == "Verificați înainte de a primi codul"
    check = me.text()
    assert "Str. Avrig nr. 12" in check and f"{LOCKER_NAME}, {LOCKER_PLACE}" in check
    assert check.count("În plic") == 6
    me.seen("check")
    page.get_by_role("button", name="Trimite-mi codul").click()  # type: ignore[attr-defined]
    assert "Codul de depunere a fost trimis prin SMS" in page.locator(".govuk-panel").inner_text()  # type: ignore[attr-defined]
    me.seen("code-sent")
    return str(page.url.split("/cereri/")[1].split("/")[0])  # type: ignore[attr-defined]


def test_a_file_dropped_off_through_the_pages_and_the_simulated_locker(stack, admin, browser, shot, tmp_path):
    locker_id = f"d-{uuid.uuid4().hex[:8]}"
    admin.post(
        "/api/lockers",
        {
            "id": locker_id,
            "name": LOCKER_NAME,
            "location": LOCKER_PLACE,
            "compartments": [{"id": c, "size": s} for c, s in zip(COMPARTMENTS, "SSM", strict=True)],
        },
    )
    sim = build_simulator(
        locker_id,
        stack.mqtt_port,
        stack.secrets["signing_public_key"],
        tmp_path / "agent",
        auto_close_s=None,
        compartments=list(COMPARTMENTS),
    )
    sim.agent.start()
    ui = serve_ui(sim, free_port())
    try:
        wait_until(lambda: admin.get(f"/api/lockers/{locker_id}")["online"], timeout=30)
        context = browser.new_context(bypass_csp=True)  # only to inject axe; the pages' CSP is tested elsewhere
        me = Pages(context.new_page(), shot)
        phone = f"074{uuid.uuid4().int % 10**7:07d}"
        request_id = citizen_to_the_code(me, stack, phone)

        body = sms_to(stack, phone, "cod depunere")
        pin = re.search(r"PIN (\d{8})", body).group(1)
        assert pin not in me.page.content()  # the code goes by SMS only
        link = re.search(r"https?://\S+/d/[\w-]+", body).group(0)
        token = link.rsplit("/", 1)[1]
        deps = build_deps(load_settings(stack.env()))
        expected = unseal(deps, token, find_by_token(deps, token))["qr"]

        phone_page = Pages(browser.new_context(viewport={"width": 390, "height": 844}).new_page(), shot)
        phone_page.page.goto(link)
        box = phone_page.page.locator(".qr svg").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["width"] > 250
        assert f"{pin[:4]} {pin[4:]}" in phone_page.page.locator(".pin").inner_text()
        text = phone_page.text()
        assert f"{LOCKER_NAME}, {LOCKER_PLACE}" in text and all(name in text for name in CHECKLIST)
        assert "puneți-o deasupra dosarului" in text
        scanned = decode(shot(phone_page.page, "dropoff-code-page").read_bytes())
        assert scanned == [expected]  # what the camera reads is what the locker must receive
        with phone_page.page.expect_download() as download:
            phone_page.page.get_by_role("link", name="Descarcă foaia de însoțire (PDF)").click()
        sheet = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
        assert "Puneți această foaie deasupra dosarului." in sheet and "Certificat de urbanism" in sheet
        assert all(f"☑  {name}" in sheet for name in CHECKLIST)
        me.page.goto(link)
        me.seen()

        # At the locker: the scanned code typed into the simulator's page; a compartment opens for the file.
        locker_page = browser.new_context(viewport={"width": 1100, "height": 700}).new_page()
        locker_page.goto(f"http://127.0.0.1:{ui.server_address[1]}/")
        locker_page.get_by_label("Cod QR sau PIN").fill(scanned[0])
        locker_page.get_by_role("button", name="Trimite").click()

        def opened(purpose: str) -> str | None:
            found = [c["id"] for c in sim.snapshot()["compartments"] if c["purpose"] == purpose]
            return found[0] if found else None

        compartment = wait_until(lambda: opened("dropoff"), timeout=10)
        assert compartment in ("A01", "A02")  # a small envelope goes in a small compartment
        locker_page.reload()
        assert "deschisă — depunere" in locker_page.content()
        shot(locker_page, "dropoff-simulator-open")
        sim.command(f"close {compartment}")
        registered = sms_to(stack, phone, "dosar depus")
        number = re.search(r"nr\. (PS2-\d{4}-\d{6}) din \d\d\.\d\d\.\d{4} \d\d:\d\d", registered).group(1)
        phone_page.page.reload()
        assert phone_page.heading() == "Dosarul a fost depus" and number in phone_page.text()
        shot(phone_page.page, "dropoff-code-used")

        # Staff: the round, the compartment opened and closed, the file compared with the checklist.
        staff = Pages(context.new_page(), shot)
        staff.page.goto(f"{stack.base_url}/staff/login")
        staff.page.get_by_label("Nume de utilizator").fill("clerk")
        staff.page.get_by_label("Parolă").fill("clerk-local")
        staff.page.get_by_role("button", name="Autentificare").click()
        staff.page.get_by_role("link", name="De ridicat din dulapuri").first.click()
        row = staff.page.locator("tr", has_text=number)
        assert compartment in row.inner_text()
        staff.seen("staff-to-collect")
        row.get_by_role("button", name=re.compile("Scoate din dulap")).click()
        banner = staff.page.locator(".govuk-notification-banner").inner_text()
        assert f"Compartimentul {compartment}" in banner and number in banner
        wait_until(lambda: opened("retrieve") == compartment, timeout=10)
        sim.command(f"close {compartment}")

        staff.page.goto(f"{stack.base_url}/staff/online/{request_id}")

        def in_review() -> bool:
            staff.page.reload()
            return "în analiză" in staff.page.content()

        wait_until(in_review, timeout=15, interval=0.5)
        assert staff.page.locator(".ps2-checklist li").count() == 6
        assert "Compartimentul era gol" in staff.text()
        staff.seen("staff-file-check")
        staff.page.get_by_label("Extras de carte funciară", exact=True).check()
        staff.page.get_by_label(re.compile("Ce lipsește")).fill("Extrasul este mai vechi de 30 de zile.")
        staff.page.get_by_role("button", name="Lipsesc documente").click()
        assert "așteaptă documente" in staff.page.content()
        incomplete = sms_to(stack, phone, "lipse")
        assert number in incomplete and fold_to_gsm7("Extras de carte funciară") in incomplete

        me.page.goto(f"{stack.base_url}/cereri/{request_id}")
        assert "Extras de carte funciară" in me.text()
        me.seen("request-asked")
        me.page.get_by_role("button", name="Depun documentele cerute la dulap").click()
        assert me.heading().endswith("Aveți „Extras de carte funciară”?") and "Documentul 1 din 1" in me.heading()
        assert me.checked >= 10 and staff.checked == 2
    finally:
        ui.shutdown()
        sim.agent.stop()


def test_the_drop_off_pages_need_no_javascript_and_an_unknown_code_is_a_404(stack, browser, shot):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    answer = page.goto(f"{stack.base_url}/d/nu-exista-acest-cod")
    assert answer is not None and answer.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Codul nu este valid"
    page.goto(f"{stack.base_url}/cereri/dulap")
    page.get_by_role("link", name="Certificat de urbanism").click()
    assert "Începeți acum" in page.locator("main").inner_text()
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Urban planning certificate"
    assert "Drop-off at the locker" in page.locator("main").inner_text()
    shot(page, "dropoff-start-en-nojs")
    assert blocked == []
    context.close()

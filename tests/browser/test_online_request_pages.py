"""An online request in Chromium, through the citizen's pages on the local stack: sign in with the SMS code,
answer the questions one at a time, upload three PDFs through the real forms straight to the emulator's S3
(after a renamed executable, refused and named), mark the other documents as brought in original, check
the answers, declare, send, and see the registration number. Once with JavaScript off, under the pages'
Content-Security-Policy (which must let the upload form post to S3), ending with a withdrawal; once with
it on and axe-core on every page, going on to a document the office asks for and the answer downloaded."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader

from tests.browser.test_accessibility import AXE, violations
from tests.conftest import e164, outbox, wait_until

SERVICE = "certificat-de-urbanism"
UPLOADED = ("Cerere-tip", "Dovada plății taxei legale", "Plan de situație la scara 1:2000")
BROUGHT = ("Plan de situație la scara 1:500", "Extras de plan cadastral pe ortofotoplan", "Extras de carte funciară")


class Walk:
    """One citizen in one browser context; ``seen`` runs axe on each page when asked to."""

    def __init__(self, page: object, base_url: str, mode: str, shot: object, axe: bool) -> None:
        self.page, self.base_url, self.mode, self.shot, self.axe = page, base_url, mode, shot, axe
        self.checked: list[str] = []
        self.request_id = ""

    def seen(self, name: str, screenshot: bool = False) -> None:
        if self.axe:
            assert violations(self.page) == [], f"{name}: {self.page.url}"  # type: ignore[attr-defined]
            self.checked.append(name)
        if screenshot:
            self.shot(self.page, f"online-{self.mode}-{name}")  # type: ignore[operator]

    def heading(self) -> str:
        return str(self.page.get_by_role("heading", level=1).inner_text())  # type: ignore[attr-defined]


def sign_in_code(stack: object, phone: str) -> str:
    def found() -> list[str]:
        return [m["body"] for m in outbox(stack) if m["to"] == e164(phone) and "codul de intrare" in m["body"]]

    return re.search(r"\b(\d{6})\b", wait_until(found)[-1]).group(1)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("files")
    made = {}
    for name, content in (
        ("plan.pdf", b"%PDF-1.7\n" + b"0" * 4000 + b"\n%%EOF\n"),
        ("program.pdf", b"MZ\x90\x00" + b"0" * 4000),  # an executable under a PDF's name
    ):
        (folder / name).write_bytes(content)
        made[name] = folder / name
    return made


def walk_the_whole_request(walk: Walk, stack: object, files: dict[str, Path]) -> str:
    page = walk.page
    page.goto(f"{walk.base_url}/cereri/nou?serviciu={SERVICE}")  # type: ignore[attr-defined]
    assert walk.heading() == "Certificat de urbanism"
    walk.seen("start", screenshot=True)
    page.get_by_role("button", name="Începeți acum").click()  # type: ignore[attr-defined]  # a GOV.UK start link

    phone = f"074{uuid.uuid4().int % 10**7:07d}"
    assert walk.heading() == "Intrați în cont cu telefonul"
    walk.seen("sign-in")
    page.get_by_label("Numărul de telefon mobil").fill(phone)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Trimite codul").click()  # type: ignore[attr-defined]
    assert walk.heading() == "Scrieți codul primit prin SMS"
    walk.seen("sign-in-code")
    page.get_by_label("Codul din SMS").fill(sign_in_code(stack, phone))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Intră în cont").click()  # type: ignore[attr-defined]
    cookie = next(c for c in page.context.cookies() if c["name"] == "eps2_citizen")  # type: ignore[attr-defined]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/cereri"

    assert walk.heading() == "Certificat de urbanism"  # back where the citizen was going, now with Start
    page.get_by_role("button", name="Începeți acum").click()  # type: ignore[attr-defined]

    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]  # no answer: refused
    summary = page.locator(".govuk-error-summary")  # type: ignore[attr-defined]
    assert "Alegeți un răspuns la „În ce scop cereți certificatul?”" in summary.inner_text()
    walk.seen("question-error", screenshot=True)
    page.get_by_label("Construire").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]
    page.get_by_label("Adresa imobilului").fill("Str. Avrig nr. 12")  # type: ignore[attr-defined]
    walk.seen("question-text")
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]  # the cadastral number is optional
    page.get_by_label("Suprafața pentru care cereți certificatul (m²)").fill("420")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]
    walk.seen("question-yes-no")
    page.get_by_label("Nu").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]
    page.get_by_label("Nu").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]
    assert walk.heading().endswith("Cum vreți să primiți răspunsul?")  # after the caption "Întrebarea 7 din 7"
    page.get_by_label("Electronic, în contul dumneavoastră de aici").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]

    assert walk.heading() == "Documentele cererii"
    walk.seen("documents", screenshot=True)
    tasks = page.locator(".govuk-task-list__item")  # type: ignore[attr-defined]
    assert tasks.count() == 6  # the two conditional documents are not needed for these answers
    for name in UPLOADED:
        page.get_by_role("link", name=name, exact=True).click()  # type: ignore[attr-defined]
        walk.seen("upload")
        if name == "Cerere-tip":  # a renamed executable first: S3 takes it, the check names and refuses it
            page.get_by_label(re.compile("Alegeți fișierul")).set_input_files(files["program.pdf"])  # type: ignore[attr-defined]
            page.get_by_role("button", name="Încarcă fișierul").click()  # type: ignore[attr-defined]
            refusal = page.locator(".govuk-error-summary").inner_text()  # type: ignore[attr-defined]
            assert "„Cerere-tip.pdf” nu este un PDF, JPEG sau PNG" in refusal, refusal
            walk.seen("documents-refused", screenshot=True)
            page.get_by_role("link", name=name, exact=True).click()  # type: ignore[attr-defined]
        page.get_by_label(re.compile("Alegeți fișierul")).set_input_files(files["plan.pdf"])  # type: ignore[attr-defined]
        page.get_by_role("button", name="Încarcă fișierul").click()  # type: ignore[attr-defined]
        page.wait_for_url(re.compile(r"/documente\?incarcat="))  # type: ignore[attr-defined]
        assert f"Fișierul pentru „{name}” a fost primit." in page.locator(".govuk-notification-banner").inner_text()  # type: ignore[attr-defined]
    walk.seen("documents-uploaded", screenshot=True)
    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]  # too early: three are missing
    page.get_by_label(re.compile("Declar pe propria răspundere")).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Trimite cererea").click()  # type: ignore[attr-defined]
    missing = page.locator(".govuk-error-summary").inner_text()  # type: ignore[attr-defined]
    assert "Lipsește documentul „Plan de situație la scara 1:500”" in missing, missing
    walk.seen("check-missing", screenshot=True)
    page.get_by_role("link", name="Înapoi la documente").click()  # type: ignore[attr-defined]
    for name in BROUGHT:
        page.get_by_role("link", name=name, exact=True).click()  # type: ignore[attr-defined]
        page.get_by_role("button", name="Aduc originalul").click()  # type: ignore[attr-defined]
    statuses = tasks.locator(".govuk-task-list__status").all_inner_texts()
    assert statuses.count("Aduceți originalul") == 3 and statuses.count("Atașat") == 3, statuses

    page.get_by_role("button", name="Continuă").click()  # type: ignore[attr-defined]
    assert walk.heading() == "Verificați cererea înainte de a o trimite"
    assert "Str. Avrig nr. 12" in page.locator("main").inner_text()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Trimite cererea").click()  # type: ignore[attr-defined]  # no declaration
    assert "Bifați declarația" in page.locator(".govuk-error-summary").inner_text()  # type: ignore[attr-defined]
    walk.seen("check-error", screenshot=True)
    page.get_by_label(re.compile("Declar pe propria răspundere")).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Trimite cererea").click()  # type: ignore[attr-defined]

    panel = page.locator(".govuk-panel").inner_text()  # type: ignore[attr-defined]
    number = re.search(r"PS2-\d{4}-\d{6}", panel).group(0)
    main = page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert "Cererea a fost înregistrată" in panel and re.search(r"Termenul de răspuns este \d\d\.\d\d\.\d{4}", main)
    walk.seen("confirmation", screenshot=True)
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.get_by_role("link", name=re.compile("dovada înregistrării")).click()  # type: ignore[attr-defined]
    receipt = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert number in receipt and "Certificat de urbanism" in receipt

    page.get_by_role("link", name="Vedeți cererea").click()  # type: ignore[attr-defined]
    assert walk.heading() == f"Cererea {number}"
    walk.request_id = page.url.split("/cereri/")[1].split("?")[0]  # type: ignore[attr-defined]
    assert "Cererea a fost înregistrată" in page.locator("main").inner_text()  # type: ignore[attr-defined]  # history
    walk.seen("request", screenshot=True)
    page.get_by_role("link", name="Cererile mele").first.click()  # type: ignore[attr-defined]
    assert number in page.locator("table").inner_text()  # type: ignore[attr-defined]
    walk.seen("my-requests", screenshot=True)
    return number


def test_an_online_request_without_javascript_under_the_pages_csp(stack, browser, shot, files):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    walk = Walk(page, stack.base_url, "nojs", shot, axe=False)
    number = walk_the_whole_request(walk, stack, files)
    assert number in wait_until(lambda: [m["body"] for m in outbox(stack) if number in m["body"]])[0]

    page.get_by_role("link", name=re.compile("Certificat de urbanism")).first.click()
    page.get_by_role("link", name="Retrageți cererea").click()
    page.get_by_role("button", name="Da, retrag cererea").click()
    assert "retrasă de solicitant" in page.locator("main").inner_text()
    assert blocked == []
    context.close()


def test_an_online_request_with_javascript_and_no_accessibility_violations(stack, clerk, browser, shot, files):
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` (make deps does it)")
    context = browser.new_context(bypass_csp=True)  # only to inject axe; the CSP is held in the test above
    page = context.new_page()
    walk = Walk(page, stack.base_url, "js", shot, axe=True)
    walk_the_whole_request(walk, stack, files)
    page.goto(f"{stack.base_url}/cereri?lang=en")
    assert walk.heading() == "My requests"
    walk.seen("my-requests-en")

    # The office asks for a document; the citizen sends it from the request's page and resends.
    request_id = walk.request_id
    assert clerk.post(f"/api/requests/{request_id}/assign", {"department": "ps2-urbanism"}).status == 200
    asked = clerk.post(
        f"/api/requests/{request_id}/ask", {"documents": ["extras-carte-funciara"], "message": "Un extras recent"}
    )
    assert asked.status == 200, asked
    page.goto(f"{stack.base_url}/cereri/{request_id}")
    assert "Un extras recent" in page.locator("main").inner_text()
    walk.seen("request-asked", screenshot=True)
    page.get_by_role("button", name="Trimiteți documentele").click()
    task = page.locator(".govuk-task-list__item", has_text="Extras de carte funciară")
    assert task.locator(".govuk-task-list__status").inner_text() == "Cerut de birou"
    page.get_by_role("link", name="Extras de carte funciară", exact=True).click()
    page.get_by_label(re.compile("Alegeți fișierul")).set_input_files(files["plan.pdf"])
    page.get_by_role("button", name="Încarcă fișierul").click()
    assert task.locator(".govuk-task-list__status").inner_text() == "Atașat"
    page.get_by_role("button", name="Continuă").click()
    assert page.get_by_role("link", name=re.compile("Schimbă")).count() == 6  # the answers are no longer changed
    page.get_by_label(re.compile("Declar pe propria răspundere")).check()
    page.get_by_role("button", name="Trimite din nou").click()
    assert "Documentele au fost trimise biroului." in page.locator(".govuk-notification-banner").inner_text()
    assert "în analiză" in page.locator(".govuk-summary-list").inner_text()

    # The office answers electronically; the citizen downloads the answer from the request's page.
    answer = clerk.post(
        f"/api/requests/{request_id}/attachments",
        {
            "fileName": "Certificat de urbanism.pdf",
            "contentType": "application/pdf",
            "size": files["plan.pdf"].stat().st_size,
        },
    )
    form = answer["upload"]
    sent = requests.post(form["url"], data=form["fields"], files={"file": files["plan.pdf"].read_bytes()}, timeout=10)
    assert sent.status_code in (200, 204), sent.text
    assert (
        clerk.post(f"/api/requests/{request_id}/answer", {"outcome": "answered", "attachmentId": answer["id"]}).status
        == 200
    )
    page.reload()
    walk.seen("request-answered", screenshot=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Descărcați răspunsul (PDF)").click()
    assert Path(download.value.path()).read_bytes() == files["plan.pdf"].read_bytes()
    assert len(walk.checked) >= 18
    context.close()

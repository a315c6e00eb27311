"""The associations' portal in Chromium (issue 15): the demo administrator (asoc) signs in to their own pages,
files a lift-programme enrolment with its five documents posted straight to the bucket, the department asks
for a missing document from the staff pages, the administrator adds it and sends it back, and the filing is
accepted; the registry, an association and the compliance view as staff see them. Every page has no WCAG 2.1
AA violation (axe-core), screenshots in test-artifacts/association-*.png; and the same filing's pages work
with JavaScript off under the pages' own CSP (the upload comes back through S3's redirect)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devstack.synthetic_associations import DEMO_CUIS
from tests.browser.test_accessibility import AXE, violations

DOCUMENTS = (
    "Cererea de înscriere (modelul primăriei)",
    "Hotărârea adunării generale a proprietarilor",
    "Contractul de mandat",
    "Lista proprietarilor",
    "Fișa tehnică a liftului",
)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "document.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"0" * 2000)
    return path


class Visit:
    """One person in one browser context; ``seen`` runs axe (when asked) and takes a screenshot."""

    def __init__(self, browser: object, base_url: str, shot: object, axe: bool) -> None:
        options = {"bypass_csp": True} if axe else {"java_script_enabled": False}
        self.context = browser.new_context(**options)  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.base_url, self.shot, self.axe = base_url, shot, axe
        self.blocked: list[str] = []
        self.page.on("console", lambda m: self.blocked.append(m.text) if "Content Security" in m.text else None)

    def sign_in(self, user: str, password: str) -> None:
        self.page.goto(f"{self.base_url}/staff/login")
        self.page.get_by_label("Nume de utilizator").fill(user)
        self.page.get_by_label("Parolă").fill(password)
        self.page.get_by_role("button", name="Autentificare").click()

    def seen(self, name: str) -> None:
        if self.axe:
            assert violations(self.page) == [], f"{name}: {self.page.url}"
            self.shot(self.page, f"association-{name}")  # type: ignore[operator]

    def main_text(self) -> str:
        return str(self.page.locator("main").inner_text())


def start_lift_filing(visit: Visit, pdf: Path, documents: tuple[str, ...] = DOCUMENTS) -> None:
    page = visit.page
    page.get_by_role("link", name="Depunere nouă").first.click()
    visit.seen("new-filing")
    page.locator(f"input[name='cui'][value='{DEMO_CUIS[0]}']").check()
    page.get_by_label("Înscrierea în programul de reabilitare a lifturilor").check()
    page.get_by_role("button", name="Continuă").click()
    page.get_by_label("Câte lifturi are blocul?").fill("2")
    page.get_by_label("Anul punerii în funcțiune a celui mai vechi lift").fill("1975")
    page.locator("input[name='q-iscir'][value='da']").check()
    page.get_by_role("button", name="Salvează răspunsurile").click()
    visit.seen("filing-draft")
    for document in documents:
        page.get_by_role("link", name=document).click()
        if document == documents[0]:
            visit.seen("document-upload")
        page.get_by_label(re.compile("Alegeți fișierul")).set_input_files(str(pdf))
        page.get_by_role("button", name="Încarcă fișierul").click()
        page.wait_for_url(re.compile(r"/staff/asociatie/depuneri/\w+\?incarcat="))
        assert "Fișierul a fost primit" in visit.main_text()


def test_an_administrator_files_and_the_department_accepts_with_no_accessibility_violations(
    stack, browser, shot, pdf
) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` (make deps does it)")
    administrator = Visit(browser, stack.base_url, shot, axe=True)
    administrator.sign_in("asoc", "asoc-local")
    administrator.page.wait_for_url(re.compile(r"/staff/asociatie$"))
    assert DEMO_CUIS[0] in administrator.main_text()
    administrator.seen("home")
    start_lift_filing(administrator, pdf)
    administrator.page.get_by_role("button", name="Trimite depunerea").click()
    number = administrator.page.locator(".govuk-panel__body strong").inner_text()
    assert re.fullmatch(r"PS2-\d{4}-\d{6}", number)
    administrator.seen("filing-registered")
    filing_url = administrator.page.url.split("?")[0]

    staff = Visit(browser, stack.base_url, shot, axe=True)
    staff.sign_in("clerk", "clerk-local")
    staff.page.goto(f"{stack.base_url}/staff/depuneri?tip=lift-programme")
    staff.seen("staff-filings")
    staff.page.get_by_role("link", name=number).click()
    staff.page.get_by_role("button", name="Preia depunerea").click()
    staff.page.get_by_label("Hotărârea adunării generale a proprietarilor").check()
    staff.page.get_by_label("Mesaj pentru asociație").fill("Hotărârea nu este semnată.")
    staff.seen("staff-filing")
    staff.page.get_by_role("button", name="Cere documentele").click()
    assert "așteaptă documente" in staff.main_text()

    administrator.page.goto(filing_url)
    assert "Hotărârea nu este semnată." in administrator.main_text()
    administrator.seen("filing-asked")
    administrator.page.get_by_role("link", name=DOCUMENTS[1]).click()
    administrator.page.get_by_label(re.compile("Alegeți fișierul")).set_input_files(str(pdf))
    administrator.page.get_by_role("button", name="Încarcă fișierul").click()
    administrator.page.wait_for_url(re.compile(r"\?incarcat="))
    administrator.page.get_by_role("button", name="Trimite documentele").click()
    assert "în analiză" in administrator.main_text()

    staff.page.reload()
    staff.page.get_by_role("button", name="Acceptă depunerea").click()
    assert "acceptată" in staff.main_text()
    staff.seen("staff-filing-accepted")
    administrator.page.goto(f"{stack.base_url}/staff/asociatie")
    row = administrator.page.locator("tr", has_text=number).inner_text()
    assert "acceptată" in row
    administrator.seen("home-accepted")

    staff.page.goto(f"{stack.base_url}/staff/asociatii?q={DEMO_CUIS[1]}")
    staff.seen("staff-registry")
    staff.page.locator(f"a[href^='/staff/asociatii/{DEMO_CUIS[1]}']").click()
    assert "asoc" in staff.main_text()  # the demo account is linked
    staff.seen("staff-association")
    staff.page.goto(f"{stack.base_url}/staff/conformitate?tip=balance-statement&perioada=2026-S1")
    assert "asociații au depus pentru 2026-S1" in staff.main_text()
    staff.seen("staff-compliance")

    administrator.page.goto(f"{stack.base_url}/staff/depuneri?tip=lift-programme")
    assert "Nu aveți dreptul" in administrator.main_text()  # not staff
    administrator.context.close()
    staff.context.close()


def test_an_administrators_filing_pages_work_without_javascript_under_their_csp(stack, browser, shot, pdf) -> None:
    administrator = Visit(browser, stack.base_url, shot, axe=False)
    administrator.sign_in("asoc", "asoc-local")
    start_lift_filing(administrator, pdf, DOCUMENTS[:2])
    administrator.page.get_by_role("button", name="Trimite depunerea").click()
    assert "Lipsește documentul „Contractul de mandat”" in administrator.main_text()  # named, nothing registered
    assert administrator.blocked == []
    administrator.context.close()


def test_the_public_directory_and_the_certificate_check_have_no_accessibility_violations(stack, browser, shot) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` (make deps does it)")
    context = browser.new_context(bypass_csp=True)  # only to inject axe
    page = context.new_page()
    page.goto(f"{stack.base_url}/asociatii/")
    assert violations(page) == []
    shot(page, "association-public-directory")
    page.get_by_role("link", name="Șos. Pantelimon").click()
    assert DEMO_CUIS[0] in page.locator("main").inner_text()
    assert violations(page) == []
    shot(page, "association-public-street")
    page.goto(f"{stack.base_url}/asociatii/")
    page.get_by_label("Numărul atestatului").fill("PS2-1990/0001")
    page.get_by_role("button", name="Verifică").click()
    assert "Niciun administrator din registru" in page.locator("main").inner_text()
    assert violations(page) == []
    shot(page, "association-certificate-check")
    page.goto(f"{stack.base_url}/en/asociatii/")
    assert "Homeowners' associations" in page.locator("h1").inner_text() and violations(page) == []
    context.close()

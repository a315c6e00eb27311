"""The static portal in Chromium, served from `make site`'s output under its Content-Security-Policy:
search by a word from a document list, the checklist without JavaScript, axe-core, reflow at 320 px."""

from __future__ import annotations

import re

import pytest

from chalicelib.catalogue import load_catalogue
from tests.browser.test_accessibility import AXE, violations

SERVICES = sorted(load_catalogue().services)
PHONE = {"width": 320, "height": 640}


def csp_errors(page: object) -> list[str]:
    """Collects the console's Content-Security-Policy complaints for the page's whole life."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)  # type: ignore[attr-defined]
    return errors


def test_a_citizen_finds_a_service_by_a_word_from_its_documents_and_opens_it(site, browser, shot):
    page = browser.new_page()
    blocked = csp_errors(page)
    page.goto(f"{site}/servicii/")
    # "ortofotoplanuri" is not on any page: Romanian stemming finds "Extras de plan cadastral pe ortofotoplan".
    page.get_by_label("Căutați un serviciu").fill("ortofotoplanuri")
    page.get_by_role("button", name="Caută").click()
    results = page.locator("[data-search-results] li")
    results.first.wait_for()
    assert page.get_by_role("status").inner_text() == "1 serviciu găsit"
    shot(page, "portal-search")
    results.get_by_role("link", name="Certificat de urbanism").click()
    page.wait_for_url(f"{site}/servicii/certificat-de-urbanism/")
    assert page.get_by_role("heading", level=1).inner_text() == "Certificat de urbanism"
    assert page.get_by_role("checkbox", name="Extras de plan cadastral pe ortofotoplan").is_visible()
    assert blocked == []  # Pagefind runs with only 'wasm-unsafe-eval' added to script-src


def test_search_in_english_and_a_shareable_query(site, browser):
    page = browser.new_page()
    page.goto(f"{site}/en/servicii/?q=orthophoto")
    page.locator("[data-search-results] li").first.wait_for()
    links = page.locator("[data-search-results] a")
    assert links.count() == 1 and links.first.get_attribute("href") == "/en/servicii/certificat-de-urbanism/"


def test_without_javascript_a_service_page_has_its_printable_documents_checklist(site, browser, shot):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/servicii/certificat-de-urbanism/")
    everyone = page.get_by_role("group", name="Documente cerute tuturor")
    assert everyone.get_by_role("checkbox").count() == 6
    extract = page.get_by_role("checkbox", name="Extras de carte funciară")
    extract.check()  # a plain checkbox: ticking needs no script
    assert extract.is_checked()
    some = page.get_by_role("group", name="Documente cerute doar în anumite situații")
    facade = some.get_by_role("checkbox", name="Plan al apartamentului și fotografii ale fațadei")
    assert "Lucrarea privește un balcon la parter" in facade.evaluate(
        "box => document.getElementById(box.getAttribute('aria-describedby')).textContent"
    )  # a conditional document is marked by its question
    shot(page, "service-page")
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Meniu").is_visible()
    assert everyone.get_by_role("checkbox").first.is_visible() or everyone.locator("label").first.is_visible()
    shot(page, "service-page-print")
    context.close()


def test_without_javascript_the_index_lists_every_service_by_category(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/servicii/")
    assert not page.get_by_label("Căutați un serviciu").is_visible()  # no search field that cannot work
    hrefs = page.locator("main a[href^='/servicii/']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert {h.split("/")[2] for h in hrefs} == set(SERVICES)
    assert page.get_by_role("heading", name="Urbanism și construcții").is_visible()
    context.close()


def test_the_language_link_leads_to_the_same_page_in_english_and_back(site, browser):
    page = browser.new_page()
    page.goto(f"{site}/servicii/certificat-de-urbanism/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"{site}/en/servicii/certificat-de-urbanism/")
    assert page.get_by_role("heading", level=1).inner_text() == "Urban planning certificate"
    page.get_by_role("link", name="Română").click()
    page.wait_for_url(f"{site}/servicii/certificat-de-urbanism/")


def test_an_unknown_address_answers_404_with_the_not_found_page(site, browser):
    page = browser.new_page()
    reply = page.goto(f"{site}/servicii/nu-exista/")
    assert reply.status == 404 and page.title().startswith("Pagina nu a fost găsită")
    reply = page.goto(f"{site}/en/nothing-here/")
    assert reply.status == 404 and page.title().startswith("Page not found")


@pytest.fixture(scope="module")
def axe_page(browser):
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` (make deps does it)")
    context = browser.new_context(bypass_csp=True)  # only to inject axe; the CSP is tested above
    yield context.new_page()
    context.close()


PORTAL_PAGES = ["/", "/servicii/", "/birouri/", "/dulap/", "/accesibilitate/", "/confidentialitate/", "/404.html"]
PORTAL_PAGES += ["/categorii/urbanism/", "/evenimente/nasterea-unui-copil/"]


@pytest.mark.parametrize("path", PORTAL_PAGES + ["/en" + p for p in PORTAL_PAGES])
def test_portal_pages_have_no_accessibility_violations(site, axe_page, path):
    axe_page.goto(site + path)
    assert violations(axe_page) == [], path


def test_every_service_page_has_no_accessibility_violations(site, axe_page):
    found = {}
    for sid in SERVICES:
        for prefix in ("", "/en"):
            axe_page.goto(f"{site}{prefix}/servicii/{sid}/")
            found[f"{prefix}/servicii/{sid}/"] = violations(axe_page)
    assert {path: v for path, v in found.items() if v} == {}


def test_search_results_have_no_accessibility_violations(site, axe_page):
    axe_page.goto(f"{site}/servicii/?q=certificat")
    axe_page.locator("[data-search-results] li").first.wait_for()
    assert violations(axe_page) == []


@pytest.mark.parametrize(
    "path",
    ["/", "/servicii/", "/birouri/", "/404.html", "/en/servicii/"]
    + [f"/servicii/{sid}/" for sid in ("certificat-de-urbanism", "autorizatie-de-construire", "ajutor-de-urgenta")]
    + ["/en/servicii/certificat-de-urbanism/"],
)
def test_pages_reflow_at_320_css_pixels_without_horizontal_scrolling(site, browser, path):
    """WCAG 1.4.10: 320 CSS pixels wide (1280 px at 400 % zoom), nothing to scroll sideways."""
    page = browser.new_page(viewport=PHONE)
    page.goto(site + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, path
    page.close()


def test_a_phone_sized_service_page_keeps_its_checklist_readable(site, browser, shot):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{site}/servicii/certificat-de-urbanism/")
    box = page.get_by_role("checkbox", name="Cerere-tip").locator("xpath=..").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shot(page, "service-page-320")
    assert re.search(r"Cel mult 15 zile", page.locator("#termen + p").inner_text())

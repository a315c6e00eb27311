"""axe-core (WCAG 2.1 A/AA rules) on every page in Chromium: zero violations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import deposited, register

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def violations(page: object) -> list[str]:
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    rules = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']"
    result = page.evaluate(  # type: ignore[attr-defined]
        f"async () => await axe.run(document, {{runOnly: {{type: 'tag', values: {rules}}}}})"
    )
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})" for v in result["violations"]
    ]


@pytest.fixture(scope="module")
def axe_ready() -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm install` (make deps does it)")


def test_public_pages_have_no_accessibility_violations(stack, browser, axe_ready):
    page = browser.new_context(bypass_csp=True).new_page()  # only to inject axe; the CSP is tested elsewhere
    for path in (
        "/",
        "/?lang=en",
        "/accesibilitate",
        "/confidentialitate",
        "/status",
        "/status/cod?v=x",
        "/r/unknown-token",
        "/staff/login",
    ):
        page.goto(stack.base_url + path)
        assert violations(page) == [], path


def test_staff_pages_and_error_states_have_no_accessibility_violations(stack, browser, clerk, new_locker, axe_ready):
    locker = new_locker("S1 M1")
    created = register(clerk, phone="0722 555 100")
    page = browser.new_context(bypass_csp=True).new_page()  # only to inject axe; the CSP is tested elsewhere
    page.goto(f"{stack.base_url}/staff/login")
    page.get_by_label("Nume de utilizator").fill("clerk")
    page.get_by_label("Parolă").fill("clerk-local")
    page.get_by_role("button", name="Autentificare").click()
    for path in (
        "/staff",
        "/staff/requests/new",
        f"/staff/requests/{created['id']}",
        "/staff/lockers",
        f"/staff/lockers/{locker.locker_id}",
        "/staff/tasks",
        "/staff?lang=en",
    ):
        page.goto(stack.base_url + path)
        assert violations(page) == [], path
    page.goto(f"{stack.base_url}/staff/requests/new")
    page.get_by_role("button", name="Înregistrează").click()  # empty form: the error summary
    assert page.title().startswith("Eroare: ")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert violations(page) == []


def test_qr_page_has_no_accessibility_violations(stack, browser, clerk, new_locker, axe_ready):
    _, _, body = deposited(stack, clerk, new_locker("S1"), "0722 555 101")
    page = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True).new_page()
    page.goto(re.search(r"https?://\S+/r/[\w-]+", body).group(0))
    assert violations(page) == []


def test_pages_reflow_at_200_percent_zoom_without_horizontal_scrolling(stack, browser):
    """1280 px at 200 % zoom is a 640 CSS-pixel viewport (WCAG 1.4.4 and 1.4.10)."""
    page = browser.new_page(viewport={"width": 640, "height": 720})
    for path in ("/", "/status", "/staff/login", "/accesibilitate"):
        page.goto(stack.base_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path


def test_console_online_request_pages_have_no_accessibility_violations(stack, browser, clerk, axe_ready):
    from tests.integration.test_online_requests import citizen, complete_draft, new_phone

    me = citizen(stack, new_phone())
    request_id = complete_draft(me)
    me.post(f"/api/citizen/requests/{request_id}/submit")
    page = browser.new_context(bypass_csp=True).new_page()  # only to inject axe; the CSP is tested elsewhere
    page.goto(f"{stack.base_url}/staff/login")
    page.get_by_label("Nume de utilizator").fill("clerk")
    page.get_by_label("Parolă").fill("clerk-local")
    page.get_by_role("button", name="Autentificare").click()
    for path in ("/staff/online", f"/staff/online/{request_id}", "/staff/online?lang=en"):
        page.goto(stack.base_url + path)
        assert violations(page) == [], path
    page.goto(f"{stack.base_url}/staff/online/{request_id}")
    page.get_by_role("button", name=re.compile("Preia cererea")).click()  # in review: ask, upload, refuse
    assert "în analiză" in page.content()
    assert violations(page) == [], "in review"
    page.get_by_role("button", name="Încarcă răspunsul").click()
    assert page.locator("input[type=file]").count() == 1
    assert violations(page) == [], "answer upload"

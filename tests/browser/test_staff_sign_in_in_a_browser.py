"""A new staff account signs in for the first time in Chromium, on the local directory: the temporary password
leads to choosing a new one, then to enrolling an authenticator app from the QR (the test is the app: it
computes the code from the key shown), then into the console; the next sign-in asks for the 6-digit code.
Each sign-in page has no WCAG 2.1 AA violation (axe-core)."""

from __future__ import annotations

import re

from chalicelib.adapters.staff_directory import StoreStaffDirectory
from chalicelib.config import load_settings
from chalicelib.wiring import build_deps
from tests.browser.test_accessibility import AXE, violations
from tests.support.staff import totp_code, username

TEMPORARY = "Temporara-de-la-admin-1"
CHOSEN = "Parola-mea-noua-2026"


def sign_in(page: object, base_url: str, user: str, password: str) -> None:
    page.goto(f"{base_url}/staff/login")  # type: ignore[attr-defined]
    page.get_by_label("Nume de utilizator").fill(user)  # type: ignore[attr-defined]
    page.get_by_label("Parolă").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Autentificare").click()  # type: ignore[attr-defined]


def test_first_sign_in_changes_the_password_and_enrols_an_authenticator(stack, browser, shot):
    deps = build_deps(load_settings(stack.env()))
    user = username("b")
    StoreStaffDirectory(deps.stores.access).create_account(user, TEMPORARY, ("clerk",), "Ioana Pop")
    check_axe = AXE.exists()
    page = browser.new_context(bypass_csp=True).new_page()  # only to inject axe; the CSP is tested elsewhere

    sign_in(page, stack.base_url, user, TEMPORARY)
    assert page.url.endswith("/staff/login/new-password")
    assert page.get_by_role("heading", name="Alegeți o parolă nouă").is_visible()
    if check_axe:
        assert violations(page) == []
    page.get_by_label("Parola nouă", exact=True).fill(CHOSEN)
    page.get_by_label("Scrieți din nou parola nouă").fill("Alta-parola-decat-prima")
    page.get_by_role("button", name="Salvează parola").click()
    assert "nu sunt la fel" in page.locator("#error-summary").inner_text()
    page.get_by_label("Parola nouă", exact=True).fill(CHOSEN)
    page.get_by_label("Scrieți din nou parola nouă").fill(CHOSEN)
    page.get_by_role("button", name="Salvează parola").click()

    assert page.url.endswith("/staff/login/mfa-setup")
    qr = page.locator(".qr svg")
    assert qr.get_attribute("viewBox") and qr.get_attribute("width") is None  # scales with the page
    secret = re.sub(r"\s", "", page.locator("#totp-secret").inner_text())
    shot(page, "staff-mfa-setup")
    if check_axe:
        assert violations(page) == []
    page.get_by_label("Codul din aplicație").fill("000000" if totp_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Verifică și continuă").click()
    assert "nu este corect" in page.locator("#error-summary").inner_text()
    page.get_by_label("Codul din aplicație").fill(totp_code(secret))
    page.get_by_role("button", name="Verifică și continuă").click()
    assert page.url.endswith("/staff")
    assert page.get_by_role("button", name=re.compile(f"Ieșire.*{user}")).is_visible()

    page.get_by_role("button", name=re.compile("Ieșire")).click()
    assert page.url.endswith("/staff/login")
    sign_in(page, stack.base_url, user, CHOSEN)
    assert page.url.endswith("/staff/login/mfa")
    if check_axe:
        assert violations(page) == []
    page.get_by_label("Codul de 6 cifre").fill(totp_code(secret, steps_ahead=1))  # the enrolment's code is spent
    page.get_by_role("button", name="Autentificare").click()
    assert page.url.endswith("/staff")
    shot(page, "staff-signed-in-with-totp")

    sign_in(page, stack.base_url, user, TEMPORARY)  # the temporary password is gone
    assert page.url.endswith("/staff/login") and "greșite" in page.locator("#error-summary").inner_text()

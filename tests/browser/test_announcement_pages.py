"""Announcements in Chromium (issue 15), without JavaScript needed: a clerk writes one in the console (a
refused form says why, in Romanian), to the two demo associations, for the portal; the demo administrator
finds it unread in the inbox, opens it (which marks it read) and the inbox says so; the clerk's page counts
the read. Every page has no WCAG 2.1 AA violation (axe-core), in Romanian and at ?lang=en."""

from __future__ import annotations

import uuid

from devstack.synthetic_associations import DEMO_CUIS
from tests.browser.test_accessibility import AXE, violations


def sign_in(page: object, base_url: str, user: str, password: str) -> None:
    page.goto(f"{base_url}/staff/login")  # type: ignore[attr-defined]
    page.get_by_label("Nume de utilizator").fill(user)  # type: ignore[attr-defined]
    page.get_by_label("Parolă").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Autentificare").click()  # type: ignore[attr-defined]


def accessible(page: object) -> None:
    if AXE.exists():
        assert violations(page) == []


def test_a_clerk_writes_an_announcement_and_the_administrator_reads_it(stack, browser, shot):
    base = stack.base_url
    title = f"Verificarea ascensoarelor {uuid.uuid4().hex[:6]}"
    clerk = browser.new_context(bypass_csp=True).new_page()  # only to inject axe; the CSP is tested elsewhere
    sign_in(clerk, base, "clerk", "clerk-local")
    clerk.goto(f"{base}/staff/anunturi")
    accessible(clerk)
    clerk.get_by_role("button", name="Scrie un anunț").click()
    assert clerk.url.endswith("/staff/anunturi/nou")
    accessible(clerk)
    clerk.get_by_role("button", name="Trimite anunțul").click()
    assert "Titlul este obligatoriu" in clerk.locator("#error-summary").inner_text()
    accessible(clerk)

    clerk.get_by_label("Titlu (subiectul e-mailului)").fill(title)
    clerk.get_by_label("Textul anunțului").fill(
        "Firma autorizată verifică ascensoarele joi.\n\nVă rugăm să fiți prezenți."
    )
    clerk.get_by_label("Doar asociațiile care îndeplinesc toate condițiile de mai jos").check()
    clerk.get_by_label("Coduri fiscale (CUI), câte unul pe rând").fill("\n".join(DEMO_CUIS))
    clerk.get_by_label("E-mail", exact=True).uncheck()
    clerk.get_by_label("Căsuța asociației din portal").check()
    clerk.get_by_role("button", name="Trimite anunțul").click()
    assert "/staff/anunturi/" in clerk.url and clerk.get_by_role("heading", name=title).is_visible()
    summary = clerk.locator(".govuk-summary-list").inner_text()
    assert "Destinatari\n2" in summary.replace("\t", "\n")
    accessible(clerk)
    shot(clerk, "announcement-staff-view")
    announcement = clerk.url.rsplit("/", 1)[-1]

    admin = browser.new_context(bypass_csp=True).new_page()
    sign_in(admin, base, "asoc", "asoc-local")
    admin.goto(f"{base}/staff/asociatie/anunturi")
    entry = admin.locator("li", has_text=title)
    entry.wait_for()  # the worker files the portal deliveries right after the queue hands them over
    for _ in range(50):
        if "necitit" in entry.inner_text():
            break
        admin.wait_for_timeout(200)
        admin.reload()
    assert "necitit" in entry.inner_text()
    accessible(admin)
    admin.get_by_role("link", name=title).click()
    assert admin.get_by_role("heading", name=title).is_visible()
    assert "Vă rugăm să fiți prezenți." in admin.locator("main").inner_text()
    accessible(admin)
    shot(admin, "announcement-inbox-item")
    admin.get_by_role("link", name="Înapoi la anunțuri").click()
    assert "citit" in admin.locator("li", has_text=title).inner_text()
    assert "necitit" not in admin.locator("li", has_text=title).inner_text()
    admin.goto(f"{base}/staff/asociatie/anunturi?lang=en")
    assert admin.get_by_role("heading", name="City hall's announcements").is_visible()
    accessible(admin)

    clerk.goto(f"{base}/staff/anunturi/{announcement}?lang=en")
    assert "Read in the portal\n2" in clerk.locator(".govuk-summary-list").inner_text().replace("\t", "\n")
    accessible(clerk)
    # The console keeps a clerk out of an administrator's pages, and an administrator out of the staff's.
    assert clerk.goto(f"{base}/staff/asociatie/anunturi").status == 403
    assert admin.goto(f"{base}/staff/anunturi").status == 403

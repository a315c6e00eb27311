"""The staff console over HTTP: sign-in, roles, CSRF, the registration form, actions, the locker view."""

from __future__ import annotations

import re

from tests.conftest import wait_until
from tests.support.browser import FormClient


def signed_in(stack, user: str = "clerk") -> FormClient:
    client = FormClient(stack.base_url)
    page = client.login(user, f"{user}-local")
    assert page.status == 200 and "Cereri" in page.html, page.html[-2000:]
    return client


def test_console_needs_a_session_and_login_sets_a_strict_http_only_cookie(stack):
    client = FormClient(stack.base_url)
    assert client.request("GET", "/staff", follow=False).headers["Location"] == "/staff/login"
    form = client.get("/staff/login")
    reply = client.post(
        "/staff/login", {"csrf": form.csrf(), "username": "clerk", "password": "clerk-local"}, follow=False
    )
    cookie = reply.headers["Set-Cookie"]
    assert reply.status == 303 and "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie


def test_wrong_password_shows_an_error_summary(stack):
    client = FormClient(stack.base_url)
    form = client.get("/staff/login")
    page = client.post("/staff/login", {"csrf": form.csrf(), "username": "clerk", "password": "nu"})
    assert page.status == 401 and "<title>Eroare: " in page.html and "parolă greșite" in page.html


def test_forms_without_the_csrf_token_are_refused(stack):
    client = signed_in(stack)
    page = client.post("/staff/requests", {"citizenName": "A", "phone": "0722000000", "documents": "d"})
    assert page.status == 403
    login = FormClient(stack.base_url).post("/staff/login", {"username": "clerk", "password": "clerk-local"})
    assert login.status == 403


def test_registration_errors_link_to_their_field_and_keep_the_values(stack):
    client = signed_in(stack)
    form = client.get("/staff/requests/new")
    page = client.post(
        "/staff/requests",
        {
            "csrf": form.csrf(),
            "citizenName": "Ana <script>alert(1)</script>",
            "phone": "12",
            "documents": "Adeverință",
            "size": "S",
        },
    )
    assert page.status == 400
    assert "<title>Eroare: " in page.html and 'href="#phone"' in page.html and 'id="phone"' in page.html
    empty = client.post("/staff/requests", {"csrf": form.csrf(), "size": "S"})
    assert all(f'href="#{field}"' in empty.html for field in ("citizenName", "phone", "documents"))
    assert "&lt;script&gt;" in page.html and "<script>alert" not in page.html


def test_register_ready_deposit_through_the_console_shows_the_open_compartment(stack, new_locker):
    locker = new_locker("S2")
    client = signed_in(stack)
    form = client.get("/staff/requests/new")
    done = client.post(
        "/staff/requests",
        {
            "csrf": form.csrf(),
            "citizenName": "Ion Ionescu",
            "phone": "0722 333 444",
            "documents": "Certificat",
            "size": "S",
            "lockerConsent": "on",
            "smsConsent": "on",
        },
    )
    number = re.search(r'<p class="big">(PS2-\d{4}-\d{6})</p>', done.html).group(1)
    request_path = re.search(r'href="(/staff/requests/[0-9a-f]+)"', done.html).group(1)
    page = client.get(request_path)
    page = client.post(f"{request_path}/ready", {"csrf": page.csrf()})
    assert "documente pregătite" in page.html
    page = client.post(f"{request_path}/deposit", {"csrf": page.csrf(), "lockerId": locker.locker_id})
    command = locker.next_command()
    assert f'<p class="huge">{command["compartment"]}</p>' in page.html
    locker.publish("door_closed", compartment=command["compartment"], cmd=command["id"])
    wait_until(lambda: "în dulap" in client.get(request_path).html)
    queue = client.get("/staff")
    found = client.post("/staff/search", {"csrf": queue.csrf(), "q": "Ionescu", "status": ""})
    assert number in found.html
    assert client.post("/staff/search", {"q": "Ionescu"}).status == 403  # no CSRF token


def test_a_clerk_cannot_take_a_compartment_out_of_service(stack, new_locker):
    locker = new_locker("S1")
    client = signed_in(stack)
    page = client.get(f"/staff/lockers/{locker.locker_id}")
    assert "Scoate din uz" not in page.html
    reply = client.post(f"/staff/lockers/{locker.locker_id}/compartments/A01/disable", {"csrf": page.csrf()})
    assert reply.status == 403
    admin = signed_in(stack, "admin")
    page = admin.get(f"/staff/lockers/{locker.locker_id}")
    page = admin.post(f"/staff/lockers/{locker.locker_id}/compartments/A01/disable", {"csrf": page.csrf()})
    assert "scos din uz" in admin.get(f"/staff/lockers/{locker.locker_id}/grid").html


def test_pages_are_available_in_english(stack):
    client = signed_in(stack)
    assert "Register a request" in client.get("/staff?lang=en").html

"""The staff console's sign-in pages: the password, then one page per challenge (a new password in place of a
temporary one, enrolling an authenticator app with its QR, the 6-digit code), sign-out and a password change.

The sign-in in progress is named by a random token in an HttpOnly cookie limited to /staff/login; each
challenge page's form carries a CSRF token bound to it, as the console's forms are bound to the session.
"""

from __future__ import annotations

import secrets
from typing import Any

from chalice import Blueprint, Response

from ..domain import totp
from ..domain.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthorized, WrongPassword
from ..domain.signin import MFA_SETUP, NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA
from ..services import auth
from ..services.auth import SignIn
from ..services.deps import Deps
from ..wiring import get_deps
from .client import client_address
from .pages import qr_svg
from .routing import known_error, retry_after
from .session import clear_cookie, cookie_value, csrf_token, csrf_valid, form_fields, session_token, set_cookie
from .staff import _lang, _page, _redirect, console

signin_pages = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded"]
LOGIN_COOKIE = "eps2_login"
CHALLENGE_COOKIE = "eps2_signin"
_COOKIE_ATTRIBUTES = "Path=/staff/login; HttpOnly; Secure; SameSite=Strict"
# page -> (the challenge it answers, its template, the form field with the answer)
STEPS = {
    "new-password": (NEW_PASSWORD_REQUIRED, "staff/signin_new_password.html", "newPassword"),
    "mfa-setup": (MFA_SETUP, "staff/signin_mfa_setup.html", "code"),
    "mfa": (SOFTWARE_TOKEN_MFA, "staff/signin_mfa.html", "code"),
}
PAGE_OF = {challenge: step for step, (challenge, _, _) in STEPS.items()}


def _suffix() -> str:
    return "?lang=en" if _lang() == "en" else ""


def _request_cookie(name: str) -> str | None:
    return cookie_value(signin_pages.current_request.headers.get("cookie"), name)


def _client() -> str:
    return client_address(signin_pages.current_request, get_deps().settings.origin_verify)


def _login_page(error: DomainError | None = None) -> Response:
    nonce = secrets.token_urlsafe(16)
    headers = {"Set-Cookie": f"{LOGIN_COOKIE}={nonce}; {_COOKIE_ATTRIBUTES}; Max-Age=900"}
    if error is not None:
        headers.update(retry_after(error))
    status = error.http_status if error is not None else 200
    return _page("staff/login.html", status=status, headers=headers, csrf=nonce, error=error)


@signin_pages.route("/staff/login", methods=["GET"])
def login_form() -> Response:
    return _login_page()


@signin_pages.route("/staff/login", methods=["POST"], content_types=FORM)
def login() -> Response:
    fields = form_fields(signin_pages.current_request.raw_body)
    expected = _request_cookie(LOGIN_COOKIE)
    deps = get_deps()
    try:
        if not expected or not secrets.compare_digest(expected, fields.get("csrf", "")):
            raise Forbidden("Formularul a expirat; reîncărcați pagina.", "invalid CSRF token")
        outcome = auth.sign_in(deps, fields.get("username", ""), fields.get("password", ""), _client())
    except Exception as error:
        return _login_page(_known(error))
    return _continue(deps, outcome)


def _known(error: Exception) -> DomainError:
    known = known_error(error)
    if known is None:
        raise error
    return known


def _continue(deps: Deps, outcome: SignIn) -> Response:
    """Into the console with a session, or on to the page of the next challenge."""
    if outcome.token:
        cookies = [set_cookie(outcome.token, deps.settings.session_minutes * 60), _challenge_cookie("", 0)]
        return _redirect(f"/staff{_suffix()}", cookies)
    page = PAGE_OF[outcome.challenge]
    return _redirect(f"/staff/login/{page}{_suffix()}", _challenge_cookie(outcome.pending, 300))


def _challenge_cookie(value: str, max_age_s: int) -> str:
    return f"{CHALLENGE_COOKIE}={value}; {_COOKIE_ATTRIBUTES}; Max-Age={max_age_s}"


@signin_pages.route("/staff/login/{step}", methods=["GET"])
def challenge_form(step: str) -> Response:
    deps = get_deps()
    pending = _request_cookie(CHALLENGE_COOKIE)
    try:
        current = auth.pending_challenge(deps, pending)
    except Unauthorized:
        return _redirect(f"/staff/login{_suffix()}")
    if PAGE_OF.get(current.challenge) != step:
        return _redirect(f"/staff/login/{PAGE_OF[current.challenge]}{_suffix()}")
    return _challenge_page(deps, step, current, None)


@signin_pages.route("/staff/login/{step}", methods=["POST"], content_types=FORM)
def answer_challenge(step: str) -> Response:
    fields = form_fields(signin_pages.current_request.raw_body)
    pending = _request_cookie(CHALLENGE_COOKIE)
    deps = get_deps()
    try:
        if step not in STEPS:
            raise NotFound("Pagina nu există.", "not found")
        if not csrf_valid(deps.session_secret, pending, fields.get("csrf")):
            raise Forbidden("Formularul a expirat; reîncărcați pagina.", "invalid CSRF token")
        challenge, _, field = STEPS[step]
        answer = fields.get(field, "")
        if challenge == NEW_PASSWORD_REQUIRED and answer != fields.get("confirmPassword"):
            raise InvalidInput("Cele două parole nu sunt la fel.", "the two passwords differ")
        outcome = auth.answer_challenge(deps, pending, challenge, answer, _client())
    except Exception as error:
        known = _known(error)
        try:
            current = auth.pending_challenge(deps, pending)
        except Unauthorized:
            return _login_page(known)
        if PAGE_OF.get(current.challenge) != step:
            return _redirect(f"/staff/login/{PAGE_OF[current.challenge]}{_suffix()}")
        return _challenge_page(deps, step, current, known)
    return _continue(deps, outcome)


def _challenge_page(deps: Deps, step: str, current: SignIn, error: DomainError | None) -> Response:
    _, template, _ = STEPS[step]
    extra: dict[str, Any] = {}
    if current.challenge == MFA_SETUP:
        title = "Cod QR pentru aplicația de autentificare" if _lang() == "ro" else "QR code for the authenticator app"
        extra = {"qr": qr_svg(current.otpauth_uri, title=title), "secret": totp.grouped(current.secret)}
    return _page(
        template,
        status=error.http_status if error is not None else 200,
        headers=retry_after(error) if error is not None else None,
        csrf=csrf_token(deps.session_secret, current.pending),
        error=error,
        **extra,
    )


@signin_pages.route("/staff/logout", methods=["POST"], content_types=FORM)
@console(form=True, touch=False)
def logout(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    auth.sign_out(deps, session_token(signin_pages.current_request.headers.get("cookie")), _client())
    return _redirect("/staff/login", clear_cookie())


@signin_pages.route("/staff/password", methods=["GET"])
@console()
def password_form(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    changed = dict(signin_pages.current_request.query_params or {}).get("changed") == "1"
    return _page("staff/password.html", error=None, field=None, changed=changed, **context)


@signin_pages.route("/staff/password", methods=["POST"], content_types=FORM)
@console(form=True)
def change_password(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    """Every session of the account ends; this browser gets a new one."""
    token = session_token(signin_pages.current_request.headers.get("cookie"))
    new = fields.get("newPassword", "")
    try:
        if new != fields.get("confirmPassword"):
            raise InvalidInput("Cele două parole noi nu sunt la fel.", "the two new passwords differ")
        fresh = auth.change_password(deps, token, fields.get("currentPassword", ""), new, _client())
    except (InvalidInput, Unauthorized) as error:
        field = "currentPassword" if isinstance(error, WrongPassword) else "newPassword"
        return _page("staff/password.html", status=error.http_status, error=error, field=field, **context)
    except DomainError as error:  # too many tries
        return _page(
            "staff/password.html", status=error.http_status, headers=retry_after(error), error=error, **context
        )
    cookie = set_cookie(fresh, deps.settings.session_minutes * 60)
    return _redirect(f"/staff/password?changed=1{'&lang=en' if _lang() == 'en' else ''}", cookie)

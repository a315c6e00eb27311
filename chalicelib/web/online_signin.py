"""Signing in to online requests with the phone: the number, a 6-digit code by SMS, then the session cookie.

Between the two forms the number travels in a short-lived signed cookie (never in a URL, which logs keep).
Sending the code and checking it are the services' (services/citizen_access.py): their limits and their
answers, the same whether or not the phone has requests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalice import Response

from ..domain.errors import InvalidInput
from ..domain.phones import mask_phone, normalise_phone
from ..services.citizen_access import CODE_TTL_MS, send_code, start_session
from ..wiring import get_deps
from .citizen import checked_form, form_nonce
from .client import client_address
from .online_common import (
    FORM,
    ROOT,
    online,
    page,
    redirect,
    safe_back,
    secure_attribute,
    session_cookie,
)
from .routing import answer_error, retry_after
from .session import cookie_value, sign, unsign

SIGNIN = f"{ROOT}/intrare"
PHONE_COOKIE = "eps2_signin"


def _query(name: str) -> str:
    return str(dict(online.current_request.query_params or {}).get(name) or "")


def _form_page(
    template: str, status: int = 200, error: Any = None, cookies: list[str] | None = None, **ctx: Any
) -> Response:
    nonce, nonce_cookie = form_nonce(ROOT)
    response = page(template, status=status, cookies=[nonce_cookie, *(cookies or [])], csrf=nonce, error=error, **ctx)
    if error is not None:
        response.headers.update(retry_after(error))
    return response


@online.route(SIGNIN, methods=["GET"])
def signin_phone() -> Response:
    return _form_page("online/signin.html", back=safe_back(_query("inapoi")), values={})


@online.route(SIGNIN, methods=["POST"], content_types=FORM)
def signin_send_code() -> Response:
    values: dict[str, str] = {}
    deps = get_deps()
    try:
        values = checked_form(online.current_request, ROOT)
        phone = normalise_phone(values.get("phone", "").strip() or "-")
        send_code(deps, phone, client_address(online.current_request, deps.settings.origin_verify))
    except Exception as error:
        shown = {"phone": values.get("phone", "")}
        back = safe_back(values.get("inapoi"))
        return answer_error(
            error, lambda known: _form_page("online/signin.html", known.http_status, known, back=back, values=shown)
        )
    signed = sign(deps.session_secret, phone, deps.now() + CODE_TTL_MS)
    cookie = f"{PHONE_COOKIE}={signed}; Path={SIGNIN}; HttpOnly; SameSite=Strict; Max-Age={CODE_TTL_MS // 1000}"
    back = safe_back(values.get("inapoi"))
    return redirect(f"{SIGNIN}/cod?inapoi={quote(back, safe='/')}", [cookie + secure_attribute(deps)])


def _phone() -> str | None:
    deps = get_deps()
    token = cookie_value(online.current_request.headers.get("cookie"), PHONE_COOKIE)
    return unsign(deps.session_secret, token, deps.now())


@online.route(f"{SIGNIN}/cod", methods=["GET"])
def signin_code() -> Response:
    phone = _phone()
    back = safe_back(_query("inapoi"))
    if phone is None:
        return redirect(f"{SIGNIN}?inapoi={quote(back, safe='/')}")
    return _form_page("online/signin_code.html", back=back, masked=mask_phone(phone))


@online.route(f"{SIGNIN}/cod", methods=["POST"], content_types=FORM)
def signin_check_code() -> Response:
    deps = get_deps()
    phone = _phone()
    values: dict[str, str] = {}
    try:
        values = checked_form(online.current_request, ROOT)
        if phone is None:
            raise InvalidInput("Codul a expirat. Cereți un cod nou.", "the sign-in started too long ago")
        code = values.get("code", "").replace(" ", "")
        if not code:
            raise InvalidInput("Scrieți codul primit prin SMS.", "enter the code from the text message")
        token = start_session(deps, phone, code, client_address(online.current_request, deps.settings.origin_verify))
    except Exception as error:
        back = safe_back(values.get("inapoi"))
        masked = mask_phone(phone) if phone else ""
        return answer_error(
            error,
            lambda known: _form_page("online/signin_code.html", known.http_status, known, back=back, masked=masked),
        )
    done = f"{PHONE_COOKIE}=; Path={SIGNIN}; HttpOnly; SameSite=Strict; Max-Age=0"
    return redirect(safe_back(values.get("inapoi")), [session_cookie(deps, token), done])

"""Citizen pages with personal data: "Where is my request?" behind an SMS code. No account needed."""

from __future__ import annotations

import re
import secrets
from typing import Any

from chalice import Blueprint, Response

from ..domain.errors import DomainError, Forbidden, InvalidInput
from ..services.request_records import get_request
from ..services.status_lookup import CODE_TTL_MS, check_code, start_lookup
from ..wiring import get_deps
from .client import client_address
from .pages import SECURITY_HEADERS, language, render
from .routing import answer_error, retry_after
from .session import cookie_value, form_fields, sign, unsign

citizen = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded"]
FORM_COOKIE = "eps2_form"
STATUS_COOKIE = "eps2_status"
_ID = re.compile(r"[0-9a-f]{32}")


def _lang() -> str:
    return language(citizen.current_request.query_params)


def _page(template: str, status: int = 200, cookies: list[str] | None = None, **context: Any) -> Response:
    headers: dict[str, str | list[str]] = {**SECURITY_HEADERS}
    if cookies:
        headers["Set-Cookie"] = cookies if len(cookies) > 1 else cookies[0]
    return Response(render(template, lang=_lang(), **context), status_code=status, headers=headers)


def form_nonce(path: str = "/status") -> tuple[str, str]:
    """A CSRF nonce for a citizen form and the cookie (scoped to ``path``) that must echo it."""
    nonce = secrets.token_urlsafe(16)
    return nonce, f"{FORM_COOKIE}={nonce}; Path={path}; HttpOnly; Secure; SameSite=Strict; Max-Age=1800"


def checked_form(request: Any, path: str = "/status") -> dict[str, str]:
    """The posted form fields, once its CSRF nonce matches the cookie set with the page."""
    fields = form_fields(request.raw_body)
    expected = cookie_value(request.headers.get("cookie"), FORM_COOKIE)
    if not expected or not secrets.compare_digest(expected, fields.get("csrf", "")):
        raise Forbidden("Formularul a expirat; reîncărcați pagina.", "invalid CSRF token")
    return fields


def _form_nonce() -> tuple[str, str]:
    return form_nonce("/status")


def _checked_form() -> dict[str, str]:
    return checked_form(citizen.current_request, "/status")


def _suffix() -> str:
    return "&lang=en" if _lang() == "en" else ""


@citizen.route("/status", methods=["GET"])
def status_form() -> Response:
    nonce, cookie = _form_nonce()
    return _page("status.html", cookies=[cookie], csrf=nonce, error=None, values={})


@citizen.route("/status", methods=["POST"], content_types=FORM)
def status_start() -> Response:
    values: dict[str, str] = {}
    try:
        values = _checked_form()
        deps = get_deps()
        client = client_address(citizen.current_request, deps.settings.origin_verify)
        verification = start_lookup(deps, values.get("number", ""), values.get("phone", ""), client)
    except Exception as error:
        return _error_page("status.html", error, values)
    return Response("", status_code=303, headers={"Location": f"/status/cod?v={verification}{_suffix()}"})


@citizen.route("/status/cod", methods=["GET"])
def code_form() -> Response:
    verification = dict(citizen.current_request.query_params or {}).get("v", "")
    nonce, cookie = _form_nonce()
    return _page("status_code.html", cookies=[cookie], csrf=nonce, error=None, v=verification)


@citizen.route("/status/cod", methods=["POST"], content_types=FORM)
def code_check() -> Response:
    values: dict[str, str] = {}
    try:
        values = _checked_form()
        if not _ID.fullmatch(values.get("v", "")):
            raise InvalidInput("Cererea de verificare nu mai este validă. Începeți din nou.", "bad verification id")
        deps = get_deps()
        request_id = check_code(deps, values["v"], values.get("code", ""))
        token = sign(deps.session_secret, request_id, deps.now() + CODE_TTL_MS)
    except Exception as error:
        return _error_page("status_code.html", error, values, v=values.get("v", ""))
    cookie = f"{STATUS_COOKIE}={token}; Path=/status; HttpOnly; Secure; SameSite=Strict; Max-Age={CODE_TTL_MS // 1000}"
    return Response(
        "",
        status_code=303,
        headers={"Location": f"/status/cerere{'?lang=en' if _lang() == 'en' else ''}", "Set-Cookie": cookie},
    )


@citizen.route("/status/cerere", methods=["GET"])
def status_result() -> Response:
    deps = get_deps()
    request_id = unsign(
        deps.session_secret, cookie_value(citizen.current_request.headers.get("cookie"), STATUS_COOKIE), deps.now()
    )
    if request_id is None:
        return Response("", status_code=303, headers={"Location": "/status"})
    try:
        record = get_request(deps, request_id)
    except Exception as error:
        return _error_page("status.html", error, {})
    return _page("status_result.html", request=record)


def _error_page(template: str, error: Exception, values: dict[str, str], **context: Any) -> Response:
    """The form again, with the error and what the citizen typed (never the CSRF nonce)."""

    def shape(known: DomainError) -> Response:
        nonce, cookie = _form_nonce()
        page = _page(
            template,
            status=known.http_status,
            cookies=[cookie],
            csrf=nonce,
            error=known,
            values={k: v for k, v in values.items() if k != "csrf"},
            **context,
        )
        page.headers.update(retry_after(known))
        return page

    return answer_error(error, shape)

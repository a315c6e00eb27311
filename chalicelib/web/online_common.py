"""What every page of online requests shares: the blueprint, the citizen's session cookie, the CSRF token of
a posted form, rendering (Romanian first, English on ``?lang=en``) and the words for statuses and events.

The session cookie holds the token of a citizen session (services/citizen_access.py): HttpOnly, Secure over
https, and SameSite=Lax rather than Strict, because the browser comes back from S3 after an upload (a
cross-site redirect) and must still be signed in there. A form posted while signed in carries a CSRF token
bound to the session (session.csrf_token, as the staff console does); the sign-in forms, before there is
a session, a nonce echoed by a cookie (citizen.form_nonce).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from urllib.parse import quote, urlsplit

from chalice import Blueprint, Response

from ..domain.errors import Forbidden, Unauthorized
from ..domain.lifecycle import label_ro
from ..services.citizen_access import LIFETIME_MS, Citizen, check_citizen
from ..services.deps import Deps
from ..wiring import get_deps
from .pages import SECURITY_HEADERS, content_security_policy, language, render
from .routing import answer_error, check_path_ids, error_page
from .session import cookie_value, csrf_token, csrf_valid, form_fields

online = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded"]
ROOT = "/cereri"
SESSION_COOKIE = "eps2_citizen"
# Where a sign-in may send the citizen back to: a page of ours under /cereri, nothing else.
_BACK = re.compile(r"/cereri(/[A-Za-z0-9_/-]*)?(\?[A-Za-z0-9_=&%.-]*)?")

# a page's own parameters (not S3's bucket, key, etag); are, plic, dulap: the drop-off's envelope
_KEPT = ("serviciu", "inapoi", "tip", "verificare", "are", "plic", "dulap")
STATUS_EN = {
    "draft": "draft, not sent",
    "registered": "registered",
    "in_review": "under review",
    "awaiting_documents": "waiting for documents from you",
    "answered": "answer sent",
    "rejected": "rejected",
    "withdrawn": "withdrawn by you",
    "ready": "ready for collection",
    "reserved": "being put in the locker",
    "in_locker": "waiting in the locker",
    "collected": "collected",
    "expired": "not collected in time",
    "returned": "back at the registry desk",
    "cancelled": "cancelled",
}
STATUS_COLOUR = {
    "draft": "grey",
    "registered": "blue",
    "in_review": "light-blue",
    "awaiting_documents": "orange",
    "answered": "green",
    "rejected": "red",
    "withdrawn": "grey",
    "ready": "green",
    "in_locker": "green",
    "collected": "green",
}
EVENTS = {
    "draft_created": ("Ați început cererea", "You started the request"),
    "submit": ("Cererea a fost înregistrată", "The request was registered"),
    "assign": ("Direcția a preluat cererea", "The department took the request"),
    "ask_documents": ("Vi s-au cerut documente", "Documents were asked from you"),
    "resubmit": ("Ați trimis documentele cerute", "You sent the documents asked for"),
    "answer_electronic": ("Răspunsul a fost transmis electronic", "The answer was sent electronically"),
    "answer_for_pickup": ("Răspunsul este gata de ridicare", "The answer is ready for collection"),
    "reject": ("Cererea a fost respinsă", "The request was rejected"),
    "withdraw": ("Ați retras cererea", "You withdrew the request"),
    "deposit_confirmed": ("Documentele sunt în dulap", "The documents are in the locker"),
    "collect_from_locker": ("Ați ridicat documentele de la dulap", "You collected the documents from the locker"),
    "collect_at_counter": ("Ați ridicat documentele de la ghișeu", "You collected the documents at the counter"),
    # drop-off at the locker (issue 14)
    "dropoff_code": ("Ați primit un cod de depunere la dulap", "You got a locker drop-off code"),
    "dropoff_registered": ("Dosarul depus la dulap a fost înregistrat", "The file dropped off was registered"),
    "dropoff_collected": ("Funcționarii au preluat dosarul din dulap", "Staff collected the file from the locker"),
    "found_empty": ("Compartimentul a fost găsit gol", "The compartment was found empty"),
}
DELIVERY = {
    "electronic": ("Electronic, în contul dumneavoastră de aici", "Electronically, in your account here"),
    "locker": ("La dulapul de documente, cu PIN primit prin SMS", "At the document locker, with a PIN by text"),
    "counter": ("La ghișeu, la Registratură", "At the counter, at the registry desk"),
}


@dataclass
class Visit:
    """One signed-in page view: the services' dependencies, the citizen, the CSRF token and the posted form."""

    deps: Deps
    citizen: Citizen
    csrf: str
    lang: str
    form: dict[str, str] = field(default_factory=dict)


def lang() -> str:
    return language(online.current_request.query_params)


def link(path: str, lang_: str | None = None) -> str:
    """``path`` in the page's language (``?lang=en`` or ``&lang=en`` added for English)."""
    if (lang_ or lang()) != "en":
        return path
    return path + ("&" if "?" in path else "?") + "lang=en"


def status_label(status: str, lang_: str) -> str:
    return STATUS_EN.get(status, status.replace("_", " ")) if lang_ == "en" else label_ro(status)


def page(
    template: str,
    status: int = 200,
    cookies: list[str] | None = None,
    form_to: str | None = None,
    **context: Any,
) -> Response:
    """A page in the request's language; ``form_to`` adds an origin a form may post to (S3, for uploads)."""
    current = lang()
    headers: dict[str, str | list[str]] = {**SECURITY_HEADERS}
    if form_to:
        headers["Content-Security-Policy"] = content_security_policy().replace(
            "form-action 'self'", f"form-action 'self' {form_to}"
        )
    if cookies:
        headers["Set-Cookie"] = cookies if len(cookies) > 1 else cookies[0]
    html = render(
        template,
        lang=current,
        link=lambda path: link(path, current),
        status_label=lambda s: status_label(s, current),
        status_colour=lambda s: STATUS_COLOUR.get(s, "grey"),
        t=lambda ro, en: en if current == "en" else ro,
        lang_href=link(_here(), "ro" if current == "en" else "en"),
        **context,
    )
    return Response(html, status_code=status, headers=headers)


def redirect(location: str, cookies: list[str] | None = None) -> Response:
    headers: dict[str, str | list[str]] = {"Location": link(location), "Cache-Control": "no-store"}
    if cookies:
        headers["Set-Cookie"] = cookies if len(cookies) > 1 else cookies[0]
    return Response("", status_code=303, headers=headers)


def pdf_download(name: str, pdf: bytes) -> Response:
    """A PDF to keep (the receipt, the drop-off cover sheet), downloaded under ``name``."""
    return Response(
        pdf,
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def csrf_if_signed_in() -> str:
    """The CSRF token of the citizen's live session, or "" (a start page then links to the sign-in)."""
    deps = get_deps()
    token = session_token()
    try:
        check_citizen(deps, token)
    except Unauthorized:
        return ""
    return csrf_token(deps.session_secret, token or "")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def secure_attribute(deps: Deps) -> str:
    """``; Secure`` over https (always on AWS; locally when the origin says so)."""
    proto = online.current_request.headers.get("x-forwarded-proto") or ""
    return "; Secure" if proto == "https" or not deps.settings.is_local else ""


def session_cookie(deps: Deps, token: str) -> str:
    max_age = LIFETIME_MS // 1000
    return f"{SESSION_COOKIE}={token}; Path={ROOT}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure_attribute(deps)}"


def clear_session_cookie(deps: Deps) -> str:
    return f"{SESSION_COOKIE}=; Path={ROOT}; HttpOnly; SameSite=Lax; Max-Age=0{secure_attribute(deps)}"


def session_token() -> str | None:
    return cookie_value(online.current_request.headers.get("cookie"), SESSION_COOKIE)


def safe_back(target: str | None) -> str:
    """Where to go after signing in: a page under /cereri, or the citizen's requests."""
    if target and _BACK.fullmatch(target) and "//" not in target:
        return target
    return ROOT


def _here() -> str:
    """The current page's path and own query (no language), to come back to after signing in or in another
    language."""
    request = online.current_request
    template = str((request.context or {}).get("resourcePath") or ROOT)
    path = template.format(**(request.uri_params or {}))
    query = "&".join(f"{k}={quote(v)}" for k, v in (request.query_params or {}).items() if k in _KEPT)
    return path + ("?" + query if query else "")


def signed_in(form: bool = False) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A page for a signed-in citizen: ``view(visit, **path)``. Without a live session a GET goes to the
    sign-in page (and comes back here after it); a form's CSRF token must match the session."""

    def decorator(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            current = lang()
            request = online.current_request
            try:
                check_path_ids(kwargs.values(), "Cererea nu există.")
                deps = get_deps()
                token = session_token()
                try:
                    citizen = check_citizen(deps, token)
                except Unauthorized:
                    back = _here() if request.method == "GET" else ROOT
                    return redirect(f"{ROOT}/intrare?inapoi={quote(back, safe='')}")
                fields = form_fields(request.raw_body) if form else {}
                if form and not csrf_valid(deps.session_secret, token, fields.get("csrf")):
                    raise Forbidden("Formularul a expirat; reîncărcați pagina.", "invalid CSRF token")
                visit = Visit(deps, citizen, csrf_token(deps.session_secret, token or ""), current, fields)
                return view(visit, *args, **kwargs)
            except Exception as error:
                return answer_error(error, error_page(current))

        return wrapper

    return decorator

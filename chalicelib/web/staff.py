"""The staff console: server-rendered pages over the same services as the JSON API.

Forms work without JavaScript; every form carries a CSRF token bound to the
session; every route checks the role; errors are Romanian (English on ?lang=en).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from chalice import Blueprint, Response

from ..domain.errors import Forbidden, InvalidInput, Unauthorized
from ..domain.lifecycle import Status, label_ro
from ..services import auth, deposit, desk, lockers, request_records, tasks
from ..services.deps import Deps
from ..wiring import get_deps
from .pages import SECURITY_HEADERS, language, render
from .routing import answer_error, check_path_ids
from .session import csrf_token, csrf_valid, form_fields, session_token
from .staff_text import state_text, text

staff = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded"]


def _lang() -> str:
    return language(staff.current_request.query_params)


def _page(template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any) -> Response:
    lang = _lang()
    html = render(
        template,
        lang=lang,
        t=lambda key: text(key, lang),
        state=lambda key: state_text(key, lang),
        label=_label(lang),
        **context,
    )
    merged: dict[str, str | list[str]] = {**SECURITY_HEADERS, **(headers or {})}
    return Response(html, status_code=status, headers=merged)


def _label(lang: str) -> Callable[[str], str]:
    return lambda status: status.replace("_", " ") if lang == "en" else label_ro(status)


def _redirect(location: str, cookie: str | list[str] | None = None) -> Response:
    headers: dict[str, str | list[str]] = {"Location": location, "Cache-Control": "no-store"}
    if cookie:
        headers["Set-Cookie"] = cookie
    return Response("", status_code=303, headers=headers)


def console(
    role: str = "clerk", form: bool = False, touch: bool = True
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Authenticate from the cookie, check the role and, for forms, the CSRF token; errors become pages.
    ``touch=False`` for what a page fetches by itself: it does not keep an unattended session alive."""

    def decorator(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            request = staff.current_request
            token = session_token(request.headers.get("cookie"))
            deps = get_deps()
            try:
                identity = auth.verify_token(deps, token, touch=touch)
            except Unauthorized:
                return _redirect("/staff/login")
            if request.path == "/staff" and identity.roles == ("association",):
                return _redirect("/staff/asociatie")  # an association's administrator: their own pages (issue 15)
            try:
                check_path_ids(kwargs.values(), "Pagina nu există.")
                auth.require_role(identity, role)
                fields = form_fields(request.raw_body) if form else {}
                if form and not csrf_valid(deps.session_secret, token, fields.get("csrf")):
                    raise Forbidden("Formularul a expirat; reîncărcați pagina.", "invalid CSRF token")
                context = {"me": identity, "csrf": csrf_token(deps.session_secret, token or "")}
                return view(deps, context, fields, *args, **kwargs)
            except Exception as error:
                return answer_error(
                    error,
                    lambda known: _page(
                        "staff/error.html",
                        status=known.http_status,
                        error=known,
                        me=identity,
                        csrf=csrf_token(deps.session_secret, token or ""),
                    ),
                )

        return wrapper

    return decorator


@staff.route("/staff", methods=["GET"])
@console(role="staff")
def queue(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    """The desk's queue; a department's staff (no desk role) land on their online requests instead."""
    if not {"clerk", "admin"} & set(context["me"].roles):
        return _redirect("/staff/online")
    query: dict[str, str] = dict(staff.current_request.query_params or {})
    return _queue_page(deps, context, query.get("status") or None, None)


@staff.route("/staff/search", methods=["POST"], content_types=FORM)
@console(form=True)
def search(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    """Search terms (names, phone digits) travel in the body, never in a URL that logs would keep."""
    return _queue_page(deps, context, fields.get("status") or None, (fields.get("q") or "").strip() or None)


def _queue_page(deps: Deps, context: dict[str, Any], status: str | None, q: str | None) -> Response:
    found = desk.list_requests(deps, status, q)
    return _page(
        "staff/queue.html",
        requests=[request_records.request_view(r) for r in found],
        current=status or "",
        q=q or "",
        statuses=[s.value for s in Status],
        **context,
    )


@staff.route("/staff/requests/new", methods=["GET"])
@console()
def new_request(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    return _page("staff/new.html", errors=[], values={"size": "S"}, **context)


@staff.route("/staff/requests", methods=["POST"], content_types=FORM)
@console(form=True)
def register(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    data = desk.NewRequest(
        citizen_name=fields.get("citizenName", ""),
        phone=fields.get("phone", ""),
        documents=fields.get("documents", ""),
        size=fields.get("size", "S"),
        accessible=fields.get("accessible") == "on",
        registration_number=fields.get("registrationNumber", "").strip() or None,
        sms_consent=fields.get("smsConsent") == "on",
        locker_consent=fields.get("lockerConsent") == "on",
    )
    errors = desk.field_errors(data)
    if errors:
        listed = [{"field": field, "message": error} for field, error in errors.items()]
        return _page("staff/new.html", status=400, errors=listed, values=fields, **context)
    record = desk.register_request(deps, context["me"].username, data)
    return _page("staff/registered.html", request=request_records.request_view(record), **context)


@staff.route("/staff/requests/{request_id}", methods=["GET"])
@console()
def request_page(deps: Deps, context: dict[str, Any], fields: dict[str, str], request_id: str) -> Response:
    view = request_records.open_request(deps, context["me"].username, request_id)
    opened = dict(staff.current_request.query_params or {}).get("opened")
    return _page("staff/request.html", request=view, opened=opened, lockers=lockers.list_lockers(deps), **context)


_ACTIONS: dict[str, Callable[..., Any]] = {
    "ready": desk.mark_ready,
    "counter": desk.send_to_counter,
    "collect": desk.collect_at_counter,
    "cancel": desk.cancel_request,
}


@staff.route("/staff/requests/{request_id}/{action}", methods=["POST"], content_types=FORM)
@console(form=True)
def request_action(
    deps: Deps, context: dict[str, Any], fields: dict[str, str], request_id: str, action: str
) -> Response:
    actor = context["me"].username
    if action == "deposit":
        compartment = deposit.deposit_documents(deps, actor, request_id, fields.get("lockerId", ""))
        return _redirect(f"/staff/requests/{request_id}?opened={compartment}")
    if action == "reissue":
        deposit.reissue_codes(deps, actor, request_id)
        return _redirect(f"/staff/requests/{request_id}")
    if action == "retrieve":
        compartment = deposit.retrieve_documents(deps, actor, request_id)
        return _redirect(f"/staff/requests/{request_id}?opened={compartment}")
    service = _ACTIONS.get(action)
    if service is None:
        raise InvalidInput("Acțiune necunoscută.", "unknown action")
    service(deps, actor, request_id)
    return _redirect(f"/staff/requests/{request_id}")


@staff.route("/staff/lockers", methods=["GET"])
@console()
def locker_list(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    return _page("staff/lockers.html", lockers=lockers.list_lockers(deps), **context)


@staff.route("/staff/lockers/{locker_id}", methods=["GET"])
@console()
def locker_page(deps: Deps, context: dict[str, Any], fields: dict[str, str], locker_id: str) -> Response:
    return _page(
        "staff/locker.html",
        locker=lockers.locker_view(deps, locker_id, with_alerts=True),
        held=lockers.held_by_closed_requests(deps, locker_id),
        **context,
    )


@staff.route("/staff/lockers/{locker_id}/grid", methods=["GET"])
@console(touch=False)
def locker_grid(deps: Deps, context: dict[str, Any], fields: dict[str, str], locker_id: str) -> Response:
    """The compartments alone, for the page's periodic refresh (progressive enhancement)."""
    return _page("staff/locker_grid.html", locker=lockers.locker_view(deps, locker_id, with_alerts=True), **context)


@staff.route("/staff/lockers/{locker_id}/compartments/{compartment}/{action}", methods=["POST"], content_types=FORM)
@console(form=True)
def compartment_action(
    deps: Deps, context: dict[str, Any], fields: dict[str, str], locker_id: str, compartment: str, action: str
) -> Response:
    actor = context["me"].username
    if action == "open":
        lockers.force_open(deps, actor, locker_id, compartment, fields.get("reason", ""))
    elif action == "free":
        lockers.free_compartment(deps, actor, locker_id, compartment)
    elif action in ("disable", "enable"):
        auth.require_role(context["me"], "admin")
        lockers.set_compartment_enabled(deps, actor, locker_id, compartment, action == "enable")
    else:
        raise InvalidInput("Acțiune necunoscută.", "unknown action")
    return _redirect(f"/staff/lockers/{locker_id}")


@staff.route("/staff/tasks", methods=["GET"])
@console()
def today(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    return _page("staff/tasks.html", tasks=tasks.staff_tasks(deps), **context)

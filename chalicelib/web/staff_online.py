"""The staff console's online requests: the inbox of the signed-in member's departments (earliest deadline
first, overdue in red), a request with its answers, checklist and files, and the office's steps (take it,
ask for documents, upload the answer, answer or refuse). Server-rendered forms over ``online_review``;
they work without JavaScript and carry the console's CSRF token."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from chalice import Blueprint, Response

from .. import catalogue
from ..domain import checklist
from ..domain.errors import InvalidInput
from ..domain.online_requests import AWAITING_DOCUMENTS, IN_REVIEW, REGISTERED
from ..services import online_review
from ..services.deps import Deps
from .pages import SECURITY_HEADERS, content_security_policy, render
from .staff import _page as page
from .staff import _redirect as redirect
from .staff import console

staff_online = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded"]
STATUSES = (REGISTERED, IN_REVIEW, AWAITING_DOCUMENTS, "answered", "ready", "rejected", "withdrawn")


def _query() -> dict[str, str]:
    return dict(staff_online.current_request.query_params or {})


@staff_online.route("/staff/online", methods=["GET"])
@console(role="staff")
def inbox(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    query = _query()
    status = query.get("status") if query.get("status") in STATUSES else None
    me = context["me"]
    found = online_review.inbox(deps, me, status, query.get("department") or None)
    departments = online_review.departments_of(me)
    return page(
        "staff/online_inbox.html",
        requests=found,
        current=status or "",
        statuses=STATUSES,
        department=query.get("department") or "",
        departments=sorted(departments) if departments is not None else _all_departments(),
        **context,
    )


def _all_departments() -> list[str]:
    return sorted({catalogue.get_service(s["id"])["department"]["id"] for s in catalogue.list_services()})


@staff_online.route("/staff/online/{request_id}", methods=["GET"])
@console(role="staff")
def request_page(deps: Deps, context: dict[str, Any], fields: dict[str, str], request_id: str) -> Response:
    me = context["me"]
    view = online_review.open_request(deps, me, request_id)
    service = catalogue.get_service(view["serviceId"]) if view.get("serviceId") else None
    items = checklist.checklist(service, view.get("answers") or {}) if service else []
    uploaded = _query().get("key")  # S3 came back from the answer's upload
    return page(
        "staff/online_request.html",
        request=view,
        service=service,
        checklist=items,
        answer_uploaded=bool(uploaded),
        **context,
    )


@staff_online.route("/staff/online/{request_id}/incarcat", methods=["GET"])
def answer_uploaded(request_id: str) -> Response:
    """Where S3 sends the browser after the answer's upload: a same-site step back to the request, since the
    console's cookie (SameSite=Strict) does not ride on S3's cross-site redirect. Carries only the object's key:
    the request page checks it."""
    query = dict(staff_online.current_request.query_params or {})
    lang = "en" if query.get("lang") == "en" else "ro"
    safe_id = "".join(c for c in request_id if c.isalnum())[:64]
    key = quote(query.get("key", "")[:300], safe="/")
    target = f"/staff/online/{safe_id}?key={key}"
    html = render(
        "associations/portal_uploaded.html",
        lang=lang,
        target=target,
        back_ro="Înapoi la cerere",
        back_en="Back to the request",
    )
    return Response(html, headers=dict(SECURITY_HEADERS))


@staff_online.route("/staff/online/{request_id}/files/{attachment_id}", methods=["GET"])
@console(role="staff")
def open_file(
    deps: Deps, context: dict[str, Any], fields: dict[str, str], request_id: str, attachment_id: str
) -> Response:
    """A short-lived link to the file, audited; the browser follows it."""
    return redirect(online_review.staff_download_url(deps, context["me"], request_id, attachment_id))


@staff_online.route("/staff/online/{request_id}/{action}", methods=["POST"], content_types=FORM)
@console(role="staff", form=True)
def act(deps: Deps, context: dict[str, Any], fields: dict[str, str], request_id: str, action: str) -> Response:
    me = context["me"]
    back = f"/staff/online/{request_id}"
    if action == "assign":
        online_review.assign(deps, me, request_id, fields.get("department", ""))
    elif action == "ask":
        documents = [key[4:] for key, value in fields.items() if key.startswith("doc-") and value == "on"]
        online_review.ask_for_documents(deps, me, request_id, documents, fields.get("message", ""))
    elif action == "upload":
        return _answer_upload_form(deps, context, request_id, fields)
    elif action == "answer":
        online_review.answer(deps, me, request_id, {"outcome": "answered", "attachmentId": fields.get("attachmentId")})
    elif action == "ready":
        online_review.answer(deps, me, request_id, {"outcome": "ready"})
        return redirect(f"/staff/requests/{request_id}")  # the desk's page has the locker and counter steps
    elif action == "reject":
        online_review.answer(deps, me, request_id, {"outcome": "rejected", "reason": fields.get("reason", "")})
    else:
        raise InvalidInput("Acțiune necunoscută.", "unknown action")
    return redirect(back)


def _answer_upload_form(deps: Deps, context: dict[str, Any], request_id: str, fields: dict[str, str]) -> Response:
    """Step 1 of the answer: its file name and size are known only to the browser, so the page asks for the
    presigned form with a generous size (the limit of 10 MB) and S3 checks the real size on upload."""
    name = (fields.get("fileName") or "raspuns.pdf").strip()
    base = deps.settings.public_base_url.rstrip("/")
    row, upload = online_review.request_answer_upload(
        deps,
        context["me"],
        request_id,
        name,
        "application/pdf",
        10 * 1024 * 1024,
        redirect=f"{base}/staff/online/{request_id}/incarcat",
    )
    bucket = urlsplit(upload["url"])
    policy = content_security_policy().replace(
        "form-action 'self'", f"form-action 'self' {bucket.scheme}://{bucket.netloc}"
    )  # the form posts straight to the bucket
    return page(
        "staff/online_upload.html",
        headers={"Content-Security-Policy": policy},
        request_id=request_id,
        attachment=row,
        upload=upload,
        **context,
    )

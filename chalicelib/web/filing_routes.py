"""Associations' filings over JSON (issue 15): the administrator's (``/api/association/...``, role
``association``) and the department's (``/api/filings...``, staff), the deadlines and the compliance view.

Routes only: the services decide who may act (``services/filings.py``, ``filing_review.py``,
``filing_compliance.py``). A filing for another association's CUI answers 403 before its answers are read.
"""

from __future__ import annotations

from typing import Any, cast

from chalice import Blueprint, Chalice, Response

from .. import filing_types
from ..domain.errors import InvalidInput
from ..services import filing_compliance, filing_review, filings
from ..services.deps import Deps
from . import bodies
from .routing import Routes

filing_api = Blueprint(__name__)
routes = Routes(cast(Chalice, filing_api))
api, body = routes.api, routes.body
NO_STORE: dict[str, str | list[str]] = {"Cache-Control": "no-store"}


def _query() -> dict[str, str]:
    return dict(filing_api.current_request.query_params or {})


# the administrator's side
@filing_api.route("/api/association/filing-types", methods=["GET"])
@api()
def list_filing_types(deps: Deps, actor: None) -> Response:
    """Public: the filing types with their questions and checklists."""
    types = [filings.type_view(kind) for kind in filing_types.list_types()]
    return Response({"types": types}, headers={"Cache-Control": "public, max-age=300"})


@filing_api.route("/api/association/filings", methods=["POST"])
@api("association")
def create_filing(deps: Deps, actor: str) -> Response:
    record = filings.create_filing(deps, routes.identity(), body(bodies.FILING))
    return Response(filings.filing_view(deps, record), status_code=201)


@filing_api.route("/api/association/filings", methods=["GET"])
@api("association")
def my_filings(deps: Deps, actor: str) -> Response:
    return Response({"filings": filings.list_filings(deps, routes.identity())})


@filing_api.route("/api/association/filings/{filing_id}", methods=["GET"])
@api("association")
def my_filing(deps: Deps, actor: str, filing_id: str) -> Response:
    return Response(filings.filing_view(deps, filings.own_filing(deps, routes.identity(), filing_id)))


@filing_api.route("/api/association/filings/{filing_id}", methods=["PATCH"])
@api("association")
def change_filing(deps: Deps, actor: str, filing_id: str) -> Response:
    identity = routes.identity()
    filings.own_filing(deps, identity, filing_id)  # 403 before the body is read
    record = filings.update_answers(deps, identity, filing_id, body(bodies.FILING_ANSWERS)["answers"])
    return Response(filings.filing_view(deps, record))


@filing_api.route("/api/association/filings/{filing_id}/attachments", methods=["POST"])
@api("association")
def filing_attachment(deps: Deps, actor: str, filing_id: str) -> Response:
    """Allow one file: ``{"id", "upload": {"url", "fields"}}`` (a presigned POST to the private bucket)."""
    identity = routes.identity()
    filings.own_filing(deps, identity, filing_id)
    data = body(bodies.CITIZEN_ATTACHMENT)
    row, upload = filings.request_upload(
        deps, identity, filing_id, data["documentId"], data["fileName"], data["contentType"], data["size"]
    )
    return Response({"id": row.id, "upload": upload}, status_code=201, headers=NO_STORE)


@filing_api.route("/api/association/filings/{filing_id}/submit", methods=["POST"])
@api("association")
def submit_filing(deps: Deps, actor: str, filing_id: str) -> Response:
    """Register the draft (its number), or send back the documents asked for."""
    body(bodies.EMPTY)
    return Response(filings.filing_view(deps, filings.submit(deps, routes.identity(), filing_id)))


# the department's side
@filing_api.route("/api/filings", methods=["GET"])
@api("staff")
def staff_filings(deps: Deps, actor: str) -> Response:
    query = _query()
    found = filing_review.list_filings(
        deps, routes.identity(), query.get("type", ""), query.get("status", ""), query.get("period", "")
    )
    return Response({"filings": found})


@filing_api.route("/api/filings/{filing_id}", methods=["GET"])
@api("staff")
def staff_filing(deps: Deps, actor: str, filing_id: str) -> Response:
    return Response(filing_review.open_filing(deps, routes.identity(), filing_id))


def _step(deps: Deps, filing_id: str, action: str, data: dict[str, Any]) -> Response:
    identity = routes.identity()
    if action == "take":
        record = filing_review.take(deps, identity, filing_id)
    elif action == "ask":
        record = filing_review.ask_for_documents(deps, identity, filing_id, data["documents"], data.get("message"))
    elif action == "accept":
        record = filing_review.accept(deps, identity, filing_id)
    else:
        record = filing_review.reject(deps, identity, filing_id, data["reason"])
    return Response(filing_review.open_filing(deps, identity, record.id))


@filing_api.route("/api/filings/{filing_id}/take", methods=["POST"])
@api("staff")
def take_filing(deps: Deps, actor: str, filing_id: str) -> Response:
    return _step(deps, filing_id, "take", body(bodies.EMPTY))


@filing_api.route("/api/filings/{filing_id}/ask", methods=["POST"])
@api("staff")
def ask_filing(deps: Deps, actor: str, filing_id: str) -> Response:
    return _step(deps, filing_id, "ask", body(bodies.ASK))


@filing_api.route("/api/filings/{filing_id}/accept", methods=["POST"])
@api("staff")
def accept_filing(deps: Deps, actor: str, filing_id: str) -> Response:
    return _step(deps, filing_id, "accept", body(bodies.EMPTY))


@filing_api.route("/api/filings/{filing_id}/reject", methods=["POST"])
@api("staff")
def reject_filing(deps: Deps, actor: str, filing_id: str) -> Response:
    return _step(deps, filing_id, "reject", body(bodies.FILING_REJECT))


@filing_api.route("/api/filings/{filing_id}/files/{attachment_id}", methods=["GET"])
@api("staff")
def filing_file(deps: Deps, actor: str, filing_id: str, attachment_id: str) -> Response:
    url = filing_review.download_url(deps, routes.identity(), filing_id, attachment_id)
    return Response({"url": url}, headers=NO_STORE)


@filing_api.route("/api/filing-deadlines", methods=["GET"])
@api("staff")
def list_deadlines(deps: Deps, actor: str) -> Response:
    return Response({"deadlines": filing_compliance.deadlines(deps)})


@filing_api.route("/api/filing-deadlines", methods=["POST"])
@api("staff")
def set_deadline(deps: Deps, actor: str) -> Response:
    data = body(bodies.FILING_DEADLINE)
    row = filing_compliance.set_deadline(deps, routes.identity(), data["type"], data["period"], data["due"])
    return Response(row, status_code=201)


@filing_api.route("/api/filing-compliance", methods=["GET"])
@api("staff")
def compliance(deps: Deps, actor: str) -> Response:
    """Who filed a type for a period; ``format=csv`` for the same as a CSV file."""
    query = _query()
    if query.get("format", "json") not in ("json", "csv"):
        raise InvalidInput("Formatul este json sau csv.", "format: json or csv")
    view = filing_compliance.compliance(deps, routes.identity(), query.get("type", ""), query.get("period", ""))
    if query.get("format") == "csv":
        name = f"conformitate-{view['type']}-{view['period']}.csv"
        headers: dict[str, str | list[str]] = {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
        }
        return Response(filing_compliance.compliance_csv(view), headers={**headers, **NO_STORE})
    return Response(view)

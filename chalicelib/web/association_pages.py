"""The staff console's associations (issue 15): the registry (search, an association with its people and
accounts, linking an account), the filings by type and status with the department's steps, and the
compliance view of a period with its due date and CSV. Server-rendered forms over the services; they work
without JavaScript and carry the console's CSRF token (``staff.console``)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from .. import filing_types
from ..domain.errors import InvalidInput
from ..domain.filings import STATUSES
from ..services import associations, filing_compliance, filing_review
from ..services.deps import Deps
from .staff import _page as page
from .staff import _redirect as redirect
from .staff import console

association_pages = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded"]


def _query() -> dict[str, str]:
    return dict(association_pages.current_request.query_params or {})


def _suffix(lang_query: dict[str, str]) -> str:
    return "?lang=en" if lang_query.get("lang") == "en" else ""


@association_pages.route("/staff/asociatii", methods=["GET"])
@console(role="staff")
def registry(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    query = _query()
    q, street = query.get("q", "").strip(), query.get("strada", "").strip()
    found = associations.list_associations(deps, context["me"], q, street) if q or street else []
    return page(
        "associations/staff_registry.html", found=found, q=q, street=street, searched=bool(q or street), **context
    )


@association_pages.route("/staff/asociatii/{cui}", methods=["GET"])
@console(role="staff")
def association(deps: Deps, context: dict[str, Any], fields: dict[str, str], cui: str) -> Response:
    view = associations.get_association(deps, context["me"], cui)
    return page("associations/staff_association.html", a=view, linked=_query().get("legat"), **context)


@association_pages.route("/staff/asociatii/{cui}/conturi", methods=["POST"], content_types=FORM)
@console(role="staff", form=True)
def link_account(deps: Deps, context: dict[str, Any], fields: dict[str, str], cui: str) -> Response:
    username = fields.get("username", "").strip()
    try:
        associations.link_account(deps, context["me"].username, username, cui)
    except InvalidInput as error:
        view = associations.get_association(deps, context["me"], cui)
        return page(
            "associations/staff_association.html", status=400, a=view, error=error, username=username, **context
        )
    return redirect(f"/staff/asociatii/{cui}?legat={username}")


@association_pages.route("/staff/depuneri", methods=["GET"])
@console(role="staff")
def filings(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    query = _query()
    kind = query.get("tip", "") if query.get("tip") in filing_types.IDS else filing_types.IDS[0]
    status = query.get("stare", "") if query.get("stare") in STATUSES else ""
    period = query.get("perioada", "").strip().upper()[:10]
    found = filing_review.list_filings(deps, context["me"], kind, status, period)
    return page(
        "associations/staff_filings.html",
        filings=found,
        types=filing_types.list_types(),
        kind=kind,
        current=status,
        statuses=STATUSES,
        period=period,
        **context,
    )


@association_pages.route("/staff/depuneri/{filing_id}", methods=["GET"])
@console(role="staff")
def filing(deps: Deps, context: dict[str, Any], fields: dict[str, str], filing_id: str) -> Response:
    view = filing_review.open_filing(deps, context["me"], filing_id)
    return page("associations/staff_filing.html", f=view, kind=filing_types.get_type(view["type"]), **context)


@association_pages.route("/staff/depuneri/{filing_id}/fisiere/{attachment_id}", methods=["GET"])
@console(role="staff")
def filing_file(
    deps: Deps, context: dict[str, Any], fields: dict[str, str], filing_id: str, attachment_id: str
) -> Response:
    """A short-lived link to the file, audited; the browser follows it."""
    return redirect(filing_review.download_url(deps, context["me"], filing_id, attachment_id))


@association_pages.route("/staff/depuneri/{filing_id}/{action}", methods=["POST"], content_types=FORM)
@console(role="staff", form=True)
def filing_step(deps: Deps, context: dict[str, Any], fields: dict[str, str], filing_id: str, action: str) -> Response:
    me = context["me"]
    if action == "preia":
        filing_review.take(deps, me, filing_id)
    elif action == "cere":
        documents = [key[4:] for key, value in fields.items() if key.startswith("doc-") and value == "on"]
        filing_review.ask_for_documents(deps, me, filing_id, documents, fields.get("message", ""))
    elif action == "accepta":
        filing_review.accept(deps, me, filing_id)
    elif action == "respinge":
        filing_review.reject(deps, me, filing_id, fields.get("reason", ""))
    else:
        raise InvalidInput("Acțiune necunoscută.", "unknown action")
    return redirect(f"/staff/depuneri/{filing_id}")


def _periodic() -> list[dict[str, Any]]:
    return [kind for kind in filing_types.list_types() if kind.get("period")]


@association_pages.route("/staff/conformitate", methods=["GET"])
@console(role="staff")
def compliance(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    query = _query()
    kinds = _periodic()
    kind = query.get("tip", "") if query.get("tip") in [k["id"] for k in kinds] else kinds[0]["id"]
    view = filing_compliance.compliance(deps, context["me"], kind, query.get("perioada", "").strip())
    return page("associations/staff_compliance.html", v=view, types=kinds, **context)


@association_pages.route("/staff/conformitate/termen", methods=["POST"], content_types=FORM)
@console(role="staff", form=True)
def set_deadline(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    kind, period = fields.get("tip", ""), fields.get("perioada", "")
    row = filing_compliance.set_deadline(deps, context["me"], kind, period, fields.get("termen", ""))
    return redirect(f"/staff/conformitate?tip={row['type']}&perioada={row['period']}")


@association_pages.route("/staff/conformitate/export", methods=["GET"])
@console(role="staff")
def compliance_csv(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    query = _query()
    view = filing_compliance.compliance(deps, context["me"], query.get("tip", ""), query.get("perioada", ""))
    name = f"conformitate-{view['type']}-{view['period']}.csv"
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    }
    return Response(filing_compliance.compliance_csv(view), headers=headers)

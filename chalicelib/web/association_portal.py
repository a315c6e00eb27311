"""The association administrator's pages (issue 15), in the console they sign in to (``/staff/asociatie``):
their associations, their filings with status, a new filing (association and type, the type's questions,
its documents one by one, submission) and the documents the department asks for. Forms work without
JavaScript and carry the console's CSRF token.

A file never passes through the Lambda: the document page is a plain form posting straight to the private
bucket with the presigned POST fields (as the citizens' online pages do, ``online_documents.py``), and S3
sends the browser to ``/staff/asociatie/incarcat/<filing>``, a page that forwards it (meta refresh) to the
filing: the console's session cookie is SameSite=Strict, so it rides on the forwarded, same-site navigation,
not on S3's cross-site redirect.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from chalice import Blueprint, Response

from .. import filing_types
from ..domain.errors import InvalidInput
from ..domain.filings import AWAITING_DOCUMENTS, DRAFT
from ..services import associations, filings
from ..services.deps import Deps
from .pages import SECURITY_HEADERS, content_security_policy, render
from .staff import _page as page
from .staff import _redirect as redirect
from .staff import console

association_portal = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded"]
ROOT = "/staff/asociatie"
KINDS = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
EXTENSION = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
NOMINAL_SIZE = 1  # a form cannot know the file: S3's policy checks the 10 MB, the submission the real size


def _query() -> dict[str, str]:
    return dict(association_portal.current_request.query_params or {})


@association_portal.route(ROOT, methods=["GET"])
@console(role="association")
def home(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    me = context["me"]
    mine = associations.list_associations(deps, me, "", "") if associations.ROLE in me.roles else []
    return page("associations/portal_home.html", mine=mine, filings=filings.list_filings(deps, me), **context)


@association_portal.route(f"{ROOT}/depunere-noua", methods=["GET"])
@console(role="association")
def new_filing(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    mine = associations.list_associations(deps, context["me"], "", "")
    return page("associations/portal_new.html", mine=mine, types=filing_types.list_types(), values=_query(), **context)


@association_portal.route(f"{ROOT}/depuneri", methods=["POST"], content_types=FORM)
@console(role="association", form=True)
def create(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    me = context["me"]
    try:
        if not fields.get("cui") or not fields.get("type"):
            raise InvalidInput("Alegeți asociația și tipul depunerii.", "cui and type are required")
        record = filings.create_filing(deps, me, {"cui": fields["cui"], "type": fields["type"], "answers": {}})
    except InvalidInput as error:
        mine = associations.list_associations(deps, me, "", "")
        types = filing_types.list_types()
        return page(
            "associations/portal_new.html", status=400, mine=mine, types=types, values=fields, error=error, **context
        )
    return redirect(f"{ROOT}/depuneri/{record.id}")


def _filing_page(deps: Deps, context: dict[str, Any], filing_id: str, status: int = 200, **extra: Any) -> Response:
    record = filings.own_filing(deps, context["me"], filing_id)
    problem = extra.pop("problem", None)
    if record.status in (DRAFT, AWAITING_DOCUMENTS) and problem is None:
        try:
            filings.check_files(deps, record)  # what S3 just received: stored, or refused and named
        except InvalidInput as refusal:
            problem, status = refusal, 400
    view = filings.filing_view(deps, record)
    kind = filing_types.get_type(record.service_id)
    return page(
        "associations/portal_filing.html",
        status=status,
        f=view,
        kind=kind,
        problem=problem,
        uploaded=_query().get("incarcat"),
        **extra,
        **context,
    )


@association_portal.route(f"{ROOT}/depuneri/{{filing_id}}", methods=["GET"])
@console(role="association")
def filing(deps: Deps, context: dict[str, Any], fields: dict[str, str], filing_id: str) -> Response:
    return _filing_page(deps, context, filing_id)


@association_portal.route(f"{ROOT}/depuneri/{{filing_id}}/raspunsuri", methods=["POST"], content_types=FORM)
@console(role="association", form=True)
def answers(deps: Deps, context: dict[str, Any], fields: dict[str, str], filing_id: str) -> Response:
    given = {key[2:]: value for key, value in fields.items() if key.startswith("q-")}
    try:
        filings.update_answers(deps, context["me"], filing_id, given)
    except InvalidInput as error:
        return _filing_page(deps, context, filing_id, status=400, problem=error, values=given)
    return redirect(f"{ROOT}/depuneri/{filing_id}?salvat=1")


@association_portal.route(f"{ROOT}/depuneri/{{filing_id}}/trimite", methods=["POST"], content_types=FORM)
@console(role="association", form=True)
def submit(deps: Deps, context: dict[str, Any], fields: dict[str, str], filing_id: str) -> Response:
    try:
        filings.submit(deps, context["me"], filing_id)
    except InvalidInput as error:
        return _filing_page(deps, context, filing_id, status=400, problem=error)
    return redirect(f"{ROOT}/depuneri/{filing_id}?trimis=1")


@association_portal.route(f"{ROOT}/depuneri/{{filing_id}}/documente/{{document_id}}", methods=["GET"])
@console(role="association")
def document(deps: Deps, context: dict[str, Any], fields: dict[str, str], filing_id: str, document_id: str) -> Response:
    record = filings.own_filing(deps, context["me"], filing_id)
    if record.status not in filings.EDITABLE:
        return redirect(f"{ROOT}/depuneri/{filing_id}")
    view = filings.filing_view(deps, record)
    item = next((i for i in view["checklist"] if i["documentId"] == document_id), None)
    if item is None:
        raise InvalidInput("Documentul nu este pe lista acestei depuneri.", "document not on this filing's list")
    kinds = [k for k, t in KINDS.items() if t in item["formats"]]
    wanted = _query().get("tip", "")
    kind = wanted if wanted in kinds else kinds[0]
    base = deps.settings.public_base_url.rstrip("/")
    _, upload = filings.request_upload(
        deps,
        context["me"],
        filing_id,
        document_id,
        item["name"]["ro"][:200] + EXTENSION[KINDS[kind]],
        KINDS[kind],
        NOMINAL_SIZE,
        redirect=f"{base}{ROOT}/incarcat/{filing_id}?document={document_id}",
    )
    bucket = urlsplit(upload["url"])
    policy = content_security_policy().replace(
        "form-action 'self'", f"form-action 'self' {bucket.scheme}://{bucket.netloc}"
    )
    return page(
        "associations/portal_document.html",
        headers={"Content-Security-Policy": policy},
        f=view,
        item=item,
        upload=upload,
        kind=kind,
        kinds=kinds,
        **context,
    )


@association_portal.route(f"{ROOT}/incarcat/{{filing_id}}", methods=["GET"])
def uploaded(filing_id: str) -> Response:
    """Where S3 sends the browser after an upload: forwards it, same-site, to the filing (see the module)."""
    query = _query()
    lang = "en" if query.get("lang") == "en" else "ro"
    document = "".join(c for c in query.get("document", "") if c.isalnum() or c == "-")[:64]
    target = f"{ROOT}/depuneri/{''.join(c for c in filing_id if c.isalnum())[:64]}?incarcat={document}"
    html = render("associations/portal_uploaded.html", lang=lang, target=target)
    return Response(html, headers=dict(SECURITY_HEADERS))

"""The associations' registry over JSON (issue 15): import, search, view, edit, accounts, the certificate check.

Routes only, as in ``app.py``: the services decide who may see what (``services/associations.py``). The
import takes ``text/csv`` of up to 5 MB: it never goes through ``Body.parse`` (whose 16 KB cap is for JSON
bodies), and its size is checked here before it is read as text (API Gateway's own limit is 10 MB).
"""

from __future__ import annotations

from typing import Any, cast

from chalice import Blueprint, Chalice, Response

from ..domain.associations import MAX_IMPORT_BYTES
from ..domain.errors import Forbidden, InvalidInput
from ..ports import StaffIdentity
from ..services import associations, auth, directory
from ..services.deps import Deps
from . import bodies
from .directory_pages import republish, republish_street
from .routing import Routes, json_error

association_api = Blueprint(__name__)
routes = Routes(cast(Chalice, association_api))
api, body = routes.api, routes.body


def signed_in(deps: Deps) -> StaffIdentity:
    """The caller: staff or an association's account (401 without a session, 403 with another role)."""
    identity = auth.verify_token(deps, routes.bearer())
    if not associations.is_staff(identity) and associations.ROLE not in identity.roles:
        raise Forbidden("Nu aveți dreptul să faceți această acțiune.", "staff or an association account required")
    return identity


def _query() -> dict[str, str]:
    return dict(association_api.current_request.query_params or {})


@association_api.route("/api/associations/import", methods=["POST"], content_types=["text/csv"])
@api("admin")
def import_registry(deps: Deps, actor: str) -> Response:
    """``{"created", "updated", "unchanged", "errors": []}``; a file with bad rows writes nothing: 422 with
    every bad row's line and reason in ``errors``."""
    raw = association_api.current_request.raw_body or b""
    raw = raw.encode() if isinstance(raw, str) else raw
    if len(raw) > MAX_IMPORT_BYTES:
        raise InvalidInput("Fișierul depășește 5 MB.", "the file is larger than 5 MB")
    try:
        outcome = associations.import_csv(deps, actor, raw)
    except associations.ImportRefused as refused:
        answer = json_error(refused)
        answer.body = {**cast(dict[str, Any], answer.body), "created": 0, "updated": 0, "unchanged": 0}
        cast(dict[str, Any], answer.body)["errors"] = refused.errors
        return answer
    republish(deps, outcome.streets, outcome.registry, outcome.known)
    return Response({**outcome.counts, "errors": []})


@association_api.route("/api/associations/directory", methods=["POST"])
@api("admin")
def publish_directory(deps: Deps, actor: str) -> Response:
    """Publish the public directory again (after a site deploy changed the stylesheet's fingerprint)."""
    body(bodies.EMPTY)
    return Response({"files": republish(deps)})


@association_api.route("/api/associations", methods=["GET"])
@api()
def list_associations(deps: Deps, actor: None) -> Response:
    """Staff: the registry searched by ``q`` (name, CUI, block) and ``street``; an association's account: its own."""
    query = _query()
    found = associations.list_associations(deps, signed_in(deps), query.get("q", ""), query.get("street", ""))
    return Response({"associations": found})


@association_api.route("/api/associations/{cui}", methods=["GET"])
@api()
def get_association(deps: Deps, actor: None, cui: str) -> Response:
    return Response(associations.get_association(deps, signed_in(deps), cui))


@association_api.route("/api/associations/{cui}", methods=["PATCH"])
@api()
def edit_association(deps: Deps, actor: None, cui: str) -> Response:
    identity = signed_in(deps)
    associations.require_access(deps, identity, cui)  # 403 before the body is looked at
    before = associations.get_association(deps, identity, cui)["street"]
    changed = associations.edit_association(deps, identity, cui, body(bodies.ASSOCIATION_EDIT))
    if before == changed["street"]:
        republish_street(deps, before)
    else:
        republish(deps, {before, changed["street"]})
    return Response(changed)


@association_api.route("/api/associations/{cui}/accounts", methods=["POST"])
@api("staff")
def link_account(deps: Deps, actor: str, cui: str) -> Response:
    data = body(bodies.ASSOCIATION_ACCOUNT)
    return Response(associations.link_account(deps, actor, data["username"], cui), status_code=201)


@association_api.route("/api/associations/{cui}/accounts/{username}", methods=["DELETE"])
@api("staff")
def unlink_account(deps: Deps, actor: str, cui: str, username: str) -> Response:
    associations.unlink_account(deps, actor, username, cui)
    return Response("", status_code=204)


@association_api.route("/api/administrator-certificates", methods=["GET"])
@api()
def check_certificate(deps: Deps, actor: None) -> Response:
    """Public: is this administrator certified? By the certificate's number (``?number=``)."""
    answer = directory.check_certificate(deps, _query().get("number", ""))
    return Response(answer, headers={"Cache-Control": "public, max-age=300"})

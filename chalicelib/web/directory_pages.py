"""The associations' public directory as pages of the static site, and the public certificate check page.

``republish`` renders the whole directory (``/asociatii/``, a page per street, ``/asociatii/registru.json``,
the English copies under ``/en/``) and hands the files to ``deps.site`` (``services/directory.py``):
the import and the edit call it after every change of the registry. ``/asociatii/atestat?numar=`` answers
"is this administrator certified?" as a page (the directory's form, without JavaScript).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from chalice import Blueprint, Chalice, Response

from ..domain.errors import InvalidInput
from ..services import directory
from ..services.deps import Deps
from ..services.directory import AssociationRow, RegistryEntry
from ..wiring import get_deps
from .pages import SECURITY_HEADERS, localized, render
from .routing import Routes

directory_pages = Blueprint(__name__)
routes = Routes(cast(Chalice, directory_pages))
HTML = "text/html; charset=utf-8"
Files = directory.Files


def render_directory(
    streets: list[directory.Street] | None, pages: list[directory.Street], today: str, base_url: str
) -> Files:
    """The directory's index (every street, with its count; left out when None) and the pages of ``pages``,
    by path in the site."""
    files: Files = {}
    for lang in ("ro", "en"):
        context: dict[str, Any] = {"lang": lang, "site": True, "base_url": base_url, "indexable": True}
        context.update(updated=today, today=today)
        if streets is not None:
            path = "/asociatii/"
            total = sum(street.count for street in streets)
            html = render("site/associations.html", path=path, streets=streets, total=total, **context)
            files[localized(path, lang).lstrip("/") + "index.html"] = (html.encode(), HTML)
        for street in pages:
            path = f"/asociatii/{street.slug}/"
            html = render("site/associations_street.html", path=path, street=street, **context)
            files[localized(path, lang).lstrip("/") + "index.html"] = (html.encode(), HTML)
    return files


def republish(
    deps: Deps,
    streets: Iterable[str] | None = None,
    registry: dict[str, RegistryEntry] | None = None,
    known: dict[str, AssociationRow] | None = None,
) -> int:
    """Publish the directory's index and the pages of ``streets`` (all when None); files written."""

    return directory.publish(deps, _renderer(deps), streets, registry, known)


def republish_street(deps: Deps, street: str) -> int:
    """Publish one street's page (an edit that moved no association)."""
    return directory.publish_street(deps, _renderer(deps), street)


def _renderer(deps: Deps) -> directory.Render:
    base_url = deps.settings.public_base_url

    def render_pages(every: list[directory.Street] | None, pages: list[directory.Street], today: str) -> Files:
        return render_directory(every, pages, today, base_url)

    return render_pages


@directory_pages.route("/asociatii/atestat", methods=["GET"])
@routes.page
def certificate_page(lang: str) -> Response:
    query: dict[str, str] = dict(directory_pages.current_request.query_params or {})
    number = query.get("numar", "")
    answer, error = None, ""
    if number:
        try:
            answer = directory.check_certificate(get_deps(), number)
        except InvalidInput as refused:
            error = refused.message_ro if lang == "ro" else refused.message_en
    html = render("associations/certificate.html", lang=lang, answer=answer, error=error, number=number[:40])
    headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=300"}
    return Response(html, status_code=400 if error else 200, headers=headers)

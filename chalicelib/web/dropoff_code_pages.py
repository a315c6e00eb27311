"""The drop-off code's page (/d/{token}, the link in the SMS) and its cover sheet (/d/{token}/foaie, a PDF).

Like the pickup's /r/{token}: no sign-in (the link is the secret), the PIN and the QR while the code is
valid, what happened otherwise (used: the file is in; expired; unknown: 404). The QR is inline SVG with a
viewBox, so it scales with the page and its quiet zone; the cover sheet carries the same QR as a PNG.
"""

from __future__ import annotations

from chalice import Response

from .. import catalogue
from ..services import cover_sheet
from ..services.dropoff import dropoff_page
from ..wiring import get_deps
from .dropoff_common import dropoff_pages, envelope_label
from .online_common import pdf_download
from .pages import SECURITY_HEADERS, language, qr_svg, render
from .routing import answer_error, error_page


def _lang() -> str:
    return language(dropoff_pages.current_request.query_params)


@dropoff_pages.route("/d/{token}", methods=["GET"])
def code_page(token: str) -> Response:
    lang = _lang()
    try:
        shown = dropoff_page(get_deps(), token)
        service = catalogue.get_service(shown.service_id) if shown.service_id else None
    except Exception as error:
        return answer_error(error, error_page(lang))
    title = "QR code for dropping off the file" if lang == "en" else "Cod QR pentru depunerea dosarului"
    qr = qr_svg(shown.qr_content, title) if shown.state == "valid" else ""
    html = render(
        "dropoff/code.html",
        page=shown,
        lang=lang,
        qr=qr,
        token=token,
        title=service["title"][lang] if service else "",
        size=envelope_label(shown.size, lang),
    )
    return Response(html, status_code=404 if shown.state == "unknown" else 200, headers=SECURITY_HEADERS)


@dropoff_pages.route("/d/{token}/foaie", methods=["GET"])
def cover_sheet_download(token: str) -> Response:
    """The cover sheet to print and put on top of the file: the QR, the service, the documents ticked."""
    try:
        name, pdf = cover_sheet.cover_sheet_file(get_deps(), token)
    except Exception as error:
        return answer_error(error, error_page(_lang()))
    return pdf_download(name, pdf)

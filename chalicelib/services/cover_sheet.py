"""The drop-off's cover sheet ("foaia de însoțire") as a PDF: the drop-off QR, the service, the documents the
citizen said are in the envelope (ticked), the locker and until when the code works, and "Puneți această
foaie deasupra dosarului", so the clerk who opens the compartment sees at once whose file it is and what
should be in it. Only while the code is valid: the link in the SMS is the secret, as for its page.

Drawn like the receipt (receipt.py): fpdf2 in DejaVu Sans, so ă â î ș ț are real glyphs; the QR as a PNG
from segno, black on white, with its quiet zone.
"""

from __future__ import annotations

import io
from functools import partial

import segno

from .. import catalogue
from ..domain.errors import IllegalTransition, NotFound
from .deps import Deps
from .dropoff import DropoffPage, dropoff_page
from .receipt import FONT, OFFICE, a4_page, write_line

QR_MM = 55


def cover_sheet_file(deps: Deps, token: str) -> tuple[str, bytes]:
    """(file name, PDF) of a valid drop-off code's cover sheet; NotFound for an unknown code."""
    shown = dropoff_page(deps, token)
    if shown.state == "unknown":
        raise NotFound("Codul de depunere nu există.", "drop-off code not found")
    if shown.state != "valid":
        raise IllegalTransition(
            "Codul de depunere nu mai este valabil; foaia de însoțire nu se mai poate descărca.",
            f"the drop-off code is {shown.state}",
        )
    return f"foaie-insotire-{shown.request_id[:8]}.pdf", render_cover_sheet(shown)


def _qr_png(content: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(content, error="l", boost_error=True, micro=False).save(
        buffer, kind="png", scale=10, border=4, dark="#000", light="#fff"
    )
    buffer.seek(0)
    return buffer


def render_cover_sheet(shown: DropoffPage) -> bytes:
    service = catalogue.get_service(shown.service_id)
    pdf = a4_page("Foaie de însoțire a dosarului")
    line = partial(write_line, pdf, align="L")

    line(OFFICE, 10)
    line("Foaie de însoțire a dosarului", 18, bold=True, gap=0.5)
    line("Cover sheet of the file", 10, gap=4)
    line("Puneți această foaie deasupra dosarului.", 15, bold=True, gap=4)
    top = pdf.get_y()
    pdf.image(_qr_png(shown.qr_content), x=pdf.l_margin, y=top, w=QR_MM, h=QR_MM)
    pdf.set_xy(pdf.l_margin + QR_MM + 8, top + 4)
    pdf.set_font(FONT, "", 11)
    where = shown.locker_name + (f", {shown.locker_location}" if shown.locker_location else "")
    details = (
        f"Serviciul: {service['title']['ro']}\n\nDulapul: {where}\n\nCodul este valabil până la {shown.expires}."
        "\n\nLa dulap scanați acest cod QR sau tastați PIN-ul primit prin SMS."
    )
    pdf.multi_cell(0, 5.5, details, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + QR_MM) + 8)
    line("Documentele din plic", 13, bold=True)
    for item in shown.documents:
        line(f"☑  {item.name_ro}", gap=1)
    pdf.ln(6)
    line(
        "După ce închideți ușa compartimentului, primiți prin SMS numărul de înregistrare, data și ora. "
        "Dosarul este verificat de funcționari; dacă lipsește ceva, vă anunțăm.",
        9,
    )
    return bytes(pdf.output())

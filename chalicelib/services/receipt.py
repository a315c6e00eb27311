"""The receipt of an online request ("dovada înregistrării") as a PDF: registration number, date and time,
service, answer deadline and delivery, the files received (checked and stored) and the documents the
citizen promised to show in original (for a file dropped off at the locker, the documents the citizen said
are in the envelope). Only the request's owner gets it, and only once it is registered.

Drawn with fpdf2 in DejaVu Sans (bundled under templates/fonts with its licence), so the Romanian letters
(ă â î ș ț, comma below) are real glyphs, not the PDF core fonts' Latin-1.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from functools import partial
from typing import Any

from .. import catalogue
from ..domain import checklist
from ..domain.errors import IllegalTransition
from ..domain.online_requests import DRAFT
from ..domain.sms import BUCHAREST
from ..stores.rows import Attachment, Request
from .citizen_access import Citizen
from .deps import Deps
from .online_requests import own_request

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FONT_DIR = os.path.join(_ROOT, "templates", "fonts")
FONT = "DejaVu"
DELIVERY_RO = {
    "electronic": "electronic, în ePS2 („Cererile mele”)",
    "locker": "la dulapul de ridicare a documentelor",
    "counter": "la ghișeul Registraturii",
}
OFFICE = "Primăria Sectorului 2 a Municipiului București"


def receipt_pdf(deps: Deps, citizen: Citizen, request_id: str) -> bytes:
    """The receipt of the citizen's registered request; NotFound for anyone else's, a draft has none."""
    return receipt_file(deps, citizen, request_id)[1]


def receipt_file(deps: Deps, citizen: Citizen, request_id: str) -> tuple[str, bytes]:
    """The receipt as (file name, PDF), as ``receipt_pdf`` checks it."""
    record = own_request(deps, citizen, request_id)
    if record.status == DRAFT or not record.registered_at:
        raise IllegalTransition("Dovada înregistrării se emite după ce cererea este trimisă.", "a draft has no receipt")
    files = [a for a in deps.stores.attachments.of_request(record.id) if a.kind == "citizen" and a.status == "stored"]
    return f"dovada-{record.registration_number}.pdf", render_receipt(record, files, deps.now())


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, BUCHAREST).strftime("%d.%m.%Y, ora %H:%M")


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB".replace(".", ",") if size >= 100_000 else f"{max(1, size // 1000)} kB"


def a4_page(title: str) -> Any:
    """An A4 PDF (fpdf2's ``FPDF``) on its first page, in DejaVu Sans (``FONT``, regular and bold), the office
    as its author: the receipt's and the drop-off cover sheet's."""
    from fpdf import FPDF  # here, not at the top: fpdf2 and fontTools cost ~0.4 s of every cold start

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author(OFFICE)
    pdf.set_creator("ePS2")
    pdf.set_lang("ro")
    pdf.add_font(FONT, "", os.path.join(FONT_DIR, "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    return pdf


def write_line(pdf: Any, text: str, size: float = 11, bold: bool = False, gap: float = 1.5, align: str = "J") -> None:
    """A paragraph across the page, then ``gap`` mm."""
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def render_receipt(record: Request, files: list[Attachment], now_ms: int) -> bytes:
    service: dict[str, Any] = catalogue.get_service(record.service_id or "")
    names = {item.id: item.name_ro for item in checklist.checklist(service, record.answers or {})}
    pdf = a4_page(f"Dovada înregistrării {record.registration_number}")
    line = partial(write_line, pdf)

    def field(label: str, value: str) -> None:
        pdf.set_font(FONT, "B", 11)
        pdf.cell(62, 6.5, label)
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 6.5, value, new_x="LMARGIN", new_y="NEXT")

    line(OFFICE, 10)
    line("Dovada înregistrării cererii", 18, bold=True, gap=0.5)
    line("Proof of registration", 10, gap=5)
    field("Număr de înregistrare:", record.registration_number)
    field("Data și ora înregistrării:", _when(record.registered_at or record.updated_at))
    field("Serviciul:", str(service["title"]["ro"]))
    if record.answer_due:
        field("Termen de răspuns:", date.fromisoformat(record.answer_due).strftime("%d.%m.%Y"))
    field("Răspunsul se primește:", DELIVERY_RO.get(record.delivery or "", record.delivery or "-"))
    pdf.ln(5)
    if record.intake == "locker":  # a paper file dropped off at the locker: what the citizen said is in it
        line("Documente depuse la dulap (declarate de solicitant)", 13, bold=True)
        for document_id in record.dropoff_documents or []:
            line(f"• {names.get(document_id, document_id)}", gap=1)
    else:
        line("Documente primite (fișiere verificate)", 13, bold=True)
        if not files:
            line("Niciun fișier.")
        for row in files:
            document = names.get(row.document_id or "", row.document_id or "document")
            line(f"• {document}: {row.file_name} ({_size(row.size)})", gap=1)
        pdf.ln(4)
        line("Documente de prezentat în original", 13, bold=True)
        promised = record.bring_original or []
        if not promised:
            line("Niciunul.")
        for document_id in promised:
            line(f"• {names.get(document_id, document_id)}", gap=1)
    pdf.ln(8)
    line(
        "Cererea a fost înregistrată în registrul Primăriei Sectorului 2. Stadiul ei și răspunsul se văd în "
        f"ePS2, la „Cererile mele”, după numărul {record.registration_number}.",
        9,
    )
    line(f"Document generat electronic de ePS2 la {_when(now_ms)}; nu necesită semnătură.", 9)
    return bytes(pdf.output())

"""Homeowners' associations (issue 15): the rules of the registry, without I/O.

The fiscal code (CUI/CIF) is checked with the Romanian control-digit algorithm (key 753217532); phones are
normalised to E.164 (``phones.py``); a CSV import is parsed row by row into the fields of one association
or the reasons it was refused, each with its line number, in Romanian and English. ``directory_key`` orders
the registry by street, number and block (the public directory's order) and ``fold`` makes names
comparable without diacritics or case.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .errors import InvalidInput
from .phones import normalise_phone

CUI_KEY = "753217532"
HEADER = (
    "cui",
    "name",
    "street",
    "number",
    "block",
    "staircases",
    "apartments",
    "lifts",
    "administrator_name",
    "administrator_certificate",
    "administrator_certificate_expiry",
    "president_name",
    "email",
    "phone",
)
OPTIONAL_COLUMNS = ("legal_since",)  # the legal-personality date, accepted as a 15th column
PERSONAL_FIELDS = ("administrator_name", "president_name", "email", "phone")  # staff and own accounts only
MAX_IMPORT_BYTES = 5 * 1024 * 1024
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_STREET_WORDS = re.compile(r"^(strada|str\.?|bulevardul|bd\.?|bdul\.?|b-dul\.?|soseaua|sos\.?|sos)\s+")


@dataclass
class RowError:
    line: int
    message_ro: str
    message_en: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message_ro, "message_en": self.message_en}


@dataclass
class ParsedImport:
    """The associations of a file (fields by CUI, in file order) and every refused row's reasons."""

    associations: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def normalise_cui(raw: str) -> str:
    """The CUI's digits (an ``RO`` prefix and spaces dropped); InvalidInput unless its control digit holds."""
    text = re.sub(r"\s+", "", raw or "").upper()
    if text.startswith("RO"):
        text = text[2:]
    if not text.isdigit() or not 2 <= len(text) <= 10 or text.startswith("0"):
        raise InvalidInput(
            "Codul fiscal (CUI) trebuie să aibă între 2 și 10 cifre.", "The CUI must have 2 to 10 digits."
        )
    if cui_control_digit(text[:-1]) != int(text[-1]):
        raise InvalidInput(
            "Codul fiscal (CUI) nu este valid: cifra de control nu corespunde.",
            "The CUI is not valid: its control digit does not match.",
        )
    return text


def cui_control_digit(body: str) -> int:
    """The control digit of a CUI without it: digits weighted by 753217532 from the right, ×10 mod 11 (10 → 0)."""
    padded = body.rjust(9, "0")
    total = sum(int(d) * int(k) for d, k in zip(padded, CUI_KEY, strict=True))
    return total * 10 % 11 % 10


def fold(text: str) -> str:
    """Lower case without diacritics, single spaces: ``Șos. Ștefan cel Mare`` → ``sos. stefan cel mare``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def street_key(street: str) -> str:
    """A street's name folded and without its kind (``Strada``, ``Bd.``, ``Șos.``), for grouping and search."""
    return _STREET_WORDS.sub("", fold(street)).strip()


def directory_key(street: str, number: str, block: str | None, cui: str) -> str:
    """The directory's order: street, then the number and block in natural order (2 < 10), then the CUI."""

    def natural(value: str | None) -> str:
        return re.sub(r"\d+", lambda m: m.group().rjust(6, "0"), fold(value or ""))

    return "#".join((street_key(street), natural(number), natural(block), cui))


def iso_date(raw: str, what_ro: str, what_en: str) -> str:
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise InvalidInput(
            f"{what_ro}: data trebuie scrisă AAAA-LL-ZZ (de exemplu 2028-12-31).",
            f"{what_en}: the date must be YYYY-MM-DD (for example 2028-12-31).",
        ) from None


def whole_number(raw: str, what_ro: str, what_en: str, minimum: int) -> int:
    if not re.fullmatch(r"\d{1,5}", raw) or int(raw) < minimum:
        raise InvalidInput(
            f"{what_ro}: trebuie un număr întreg de cel puțin {minimum}.",
            f"{what_en}: must be a whole number of at least {minimum}.",
        )
    return int(raw)


def staircases(raw: str) -> list[str]:
    """``A;B`` → ``["A", "B"]``; empty → no staircase named."""
    parts = [part.strip() for part in (raw or "").split(";")] if raw.strip() else []
    if len(parts) > 20 or any(not part or len(part) > 10 for part in parts) or len(set(parts)) != len(parts):
        raise InvalidInput(
            "Scările (cel mult 20) se scriu separate prin „;” (de exemplu A;B), fiecare o singură dată.",
            "Staircases (at most 20) are separated by ';' (for example A;B), each once.",
        )
    return parts


def _text(values: dict[str, str], name: str, what_ro: str, what_en: str, required: bool, limit: int) -> str | None:
    value = " ".join((values.get(name) or "").split())
    if not value:
        if required:
            raise InvalidInput(f"{what_ro} lipsește.", f"{what_en} is missing.")
        return None
    if len(value) > limit:
        raise InvalidInput(f"{what_ro}: cel mult {limit} de caractere.", f"{what_en}: at most {limit} characters.")
    return value


def association_fields(values: dict[str, str]) -> dict[str, Any]:
    """One association's fields from text values (a CSV row or an edit), normalised; InvalidInput on the first
    bad value. Optional values left empty become None."""
    cui = normalise_cui(values.get("cui", ""))
    out: dict[str, Any] = {"cui": cui}
    out["name"] = _text(values, "name", "Denumirea", "The name", True, 200)
    out["street"] = _text(values, "street", "Strada", "The street", True, 120)
    out["number"] = _text(values, "number", "Numărul", "The number", True, 20)
    out["block"] = _text(values, "block", "Blocul", "The block", False, 20)
    out["staircases"] = staircases(values.get("staircases", ""))
    out["apartments"] = whole_number(values.get("apartments", "").strip(), "Apartamente", "Apartments", 1)
    out["lifts"] = whole_number(values.get("lifts", "").strip(), "Lifturi", "Lifts", 0)
    out.update(_administrator(values))
    out["president_name"] = _text(values, "president_name", "Președintele", "The president", False, 120)
    email = _text(values, "email", "E-mailul", "The e-mail", False, 200)
    if email and not _EMAIL.match(email):
        raise InvalidInput("Adresa de e-mail nu este validă.", "The e-mail address is not valid.")
    out["email"] = email.lower() if email else None
    phone = _text(values, "phone", "Telefonul", "The phone", False, 30)
    out["phone"] = normalise_phone(phone) if phone else None
    legal = (values.get("legal_since") or "").strip()
    out["legal_since"] = iso_date(legal, "Data dobândirii personalității juridice", "The legal date") if legal else None
    return out


def _administrator(values: dict[str, str]) -> dict[str, Any]:
    name = _text(values, "administrator_name", "Administratorul", "The administrator", False, 120)
    certificate = _text(values, "administrator_certificate", "Numărul atestatului", "The certificate number", False, 40)
    raw_expiry = (values.get("administrator_certificate_expiry") or "").strip()
    expiry = iso_date(raw_expiry, "Expirarea atestatului", "The certificate expiry") if raw_expiry else None
    if certificate and not expiry:
        raise InvalidInput(
            "Atestatul administratorului are număr, dar nu are data expirării.",
            "The administrator's certificate has a number but no expiry date.",
        )
    if expiry and not certificate:
        raise InvalidInput(
            "Data expirării atestatului este dată fără numărul atestatului.",
            "A certificate expiry is given without the certificate number.",
        )
    return {
        "administrator_name": name,
        "administrator_certificate": normalise_certificate(certificate) if certificate else None,
        "administrator_certificate_expiry": expiry,
    }


def normalise_certificate(raw: str) -> str:
    """A certificate number as compared: upper case, no spaces (``ps2 / 123`` → ``PS2/123``)."""
    return re.sub(r"\s+", "", raw or "").upper()


def parse_import(data: bytes) -> ParsedImport:
    """Every row of an import file: its association's fields, or its line and reasons. A file that is not
    UTF-8 CSV with the agreed header raises InvalidInput (nothing to report line by line)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput("Fișierul depășește 5 MB.", "The file is larger than 5 MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Fișierul nu este text UTF-8.", "The file is not UTF-8 text.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if tuple(header[: len(HEADER)]) != HEADER or any(extra not in OPTIONAL_COLUMNS for extra in header[len(HEADER) :]):
        raise InvalidInput(
            "Primul rând trebuie să fie antetul: " + ",".join(HEADER) + ".",
            "The first line must be the header: " + ",".join(HEADER) + ".",
        )
    result = ParsedImport()
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            result.errors.append(
                RowError(
                    line,
                    f"Rândul are {len(cells)} coloane în loc de {len(header)}.",
                    f"The row has {len(cells)} columns instead of {len(header)}.",
                )
            )
            continue
        try:
            fields = association_fields(dict(zip(header, cells, strict=True)))
        except InvalidInput as error:
            result.errors.append(RowError(line, error.message_ro, error.message_en))
            continue
        if fields["cui"] in seen:
            result.errors.append(
                RowError(
                    line,
                    f"CUI-ul {fields['cui']} apare deja pe rândul {seen[fields['cui']]}.",
                    f"The CUI {fields['cui']} already appears on line {seen[fields['cui']]}.",
                )
            )
            continue
        seen[fields["cui"]] = line
        result.associations.append(fields)
    return result

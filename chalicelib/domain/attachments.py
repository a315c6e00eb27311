"""Attachments to online requests: which files are accepted, judged by their content, and how large.

Only PDF, JPEG and PNG, recognised by their first bytes (a renamed executable is refused whatever its
name says); at most 10 MB a file and 30 MB a request. The declared size is checked when an upload is
asked for, the stored object again before the request is registered.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import InvalidInput

MB = 1024 * 1024
MAX_FILE_BYTES = 10 * MB
MAX_REQUEST_BYTES = 30 * MB
MAX_NAME = 120

# content type -> the bytes its files start with
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
SNIFF_BYTES = 8  # enough for every signature above
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True)
class Refusal:
    message_ro: str
    message_en: str


def sniff(first_bytes: bytes) -> str | None:
    """The content type the file's first bytes show, or None when it is none of the accepted ones."""
    for content_type, signatures in SIGNATURES.items():
        if any(first_bytes.startswith(sig) for sig in signatures):
            return content_type
    return None


def check_declared(file_name: str, content_type: str, size: int, already_attached: int) -> str:
    """Validate an upload before it is allowed; returns the file name as stored (safe, readable)."""
    if content_type not in SIGNATURES:
        raise InvalidInput("Se acceptă doar fișiere PDF, JPEG sau PNG.", "only PDF, JPEG or PNG files are accepted")
    if not isinstance(size, int) or size <= 0:
        raise InvalidInput("Fișierul este gol.", "the file is empty")
    if size > MAX_FILE_BYTES:
        raise InvalidInput(
            f"„{safe_name(file_name)}” are {size / MB:.1f} MB; limita este 10 MB pentru un fișier.",
            f"'{safe_name(file_name)}' is {size / MB:.1f} MB; the limit is 10 MB a file",
        )
    if already_attached + size > MAX_REQUEST_BYTES:
        raise InvalidInput(
            "Fișierele cererii ar depăși 30 MB în total. Micșorați sau comasați documentele.",
            "the request's files would exceed 30 MB in total",
        )
    return safe_name(file_name)


def check_stored(file_name: str, declared_type: str, size: int, first_bytes: bytes) -> Refusal | None:
    """The stored object, checked again before registration: None when it may stay."""
    if size > MAX_FILE_BYTES:
        return Refusal(f"„{file_name}” depășește 10 MB.", f"'{file_name}' is larger than 10 MB")
    actual = sniff(first_bytes)
    if actual is None:
        return Refusal(
            f"„{file_name}” nu este un PDF, JPEG sau PNG (conținutul nu corespunde).",
            f"'{file_name}' is not a PDF, JPEG or PNG (its content says otherwise)",
        )
    if actual != declared_type:
        return Refusal(
            f"„{file_name}” pare să fie {EXTENSIONS[actual][1:].upper()}, nu ce s-a declarat.",
            f"'{file_name}' looks like {actual}, not the declared {declared_type}",
        )
    return None


def safe_name(file_name: str) -> str:
    """A file name fit to show and to put in a Content-Disposition: no path, no control characters."""
    base = re.split(r"[\\/]", str(file_name or ""))[-1]
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    cleaned = cleaned.strip().strip(".") or "document"
    return cleaned[:MAX_NAME]

"""SMS texts: Romanian, diacritics folded to GSM-7 so every message fits one 160-character segment."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

BUCHAREST = ZoneInfo("Europe/Bucharest")

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")
_FOLD = str.maketrans(
    {
        "ă": "a",
        "â": "a",
        "î": "i",
        "ș": "s",
        "ş": "s",
        "ț": "t",
        "ţ": "t",
        "Ă": "A",
        "Â": "A",
        "Î": "I",
        "Ș": "S",
        "Ş": "S",
        "Ț": "T",
        "Ţ": "T",
        "„": '"',
        "”": '"',
        "“": '"',
        "’": "'",
        "–": "-",
        "—": "-",
    }
)

TEMPLATES = (
    "pickup_ready",
    "counter_ready",
    "reminder",
    "expired",
    "collected",
    "verification",
    "citizen_code",
    "online_registered",
    "documents_asked",
    "answer_ready",
    "answer_rejected",
    "dropoff_code",
    "dropoff_registered",
    "dropoff_received",
    "dropoff_incomplete",
    "dropoff_empty",
)


def fold_to_gsm7(text: str) -> str:
    """Romanian diacritics and typographic quotes to plain GSM-7 letters."""
    return text.translate(_FOLD)


def segment_count(text: str) -> int:
    """Segments SNS will bill: 160/153 septets in GSM-7, 70/67 characters in UCS-2."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in text):
        septets = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    return 1 if len(text) <= 70 else math.ceil(len(text) / 67)


@dataclass(frozen=True)
class SmsContext:
    registration_number: str
    deadline_ms: int | None = None
    pin: str | None = None
    qr_url: str | None = None
    counter_location: str = ""
    counter_hours: str = ""
    at_ms: int | None = None
    code: str | None = None
    answer_due: str | None = None  # ISO date
    url: str | None = None
    service: str = ""  # the service's name (drop-off registration), shortened to fit the segment
    documents: tuple[str, ...] = ()  # document names (a file found incomplete), as many as fit
    locker_name: str = ""


def _when(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, BUCHAREST).strftime("%d.%m %H:%M")


def _day(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, BUCHAREST).strftime("%d.%m")


def _date_time(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, BUCHAREST).strftime("%d.%m.%Y la %H:%M")


def _date_hm(ms: int | None) -> str:
    """``30.11.2026 14:05``: the proof of submission's date and time."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, BUCHAREST).strftime("%d.%m.%Y %H:%M")


def _iso_day(day: str | None) -> str:
    """``2026-12-29`` as ``29.12.2026``."""
    if not day:
        return ""
    year, month, date_ = day.split("-")
    return f"{date_}.{month}.{year}"


def render_sms(template: str, ctx: SmsContext) -> str:
    """The folded text of ``template``; callers check the segment count before sending."""
    nr = ctx.registration_number
    if template == "pickup_ready":
        text = f"Primăria S2: documentele {nr} sunt în dulap până la {_when(ctx.deadline_ms)}. PIN {ctx.pin}"
        text += f". QR: {ctx.qr_url}" if ctx.qr_url else ". Tastați PIN-ul la dulapul de la sediu."
    elif template == "counter_ready":
        text = (
            f"Primăria S2: documentele {nr} sunt gata. Le ridicați de la {ctx.counter_location}, "
            f"{ctx.counter_hours}, cu actul de identitate."
        )
    elif template == "reminder":
        text = (
            f"Primăria S2: documentele {nr} vă așteaptă în dulap doar până la {_when(ctx.deadline_ms)}. "
            "Folosiți PIN-ul sau codul QR primit."
        )
    elif template == "expired":
        text = (
            f"Primăria S2: termenul pentru {nr} a expirat. Documentele revin la {ctx.counter_location}, "
            f"{ctx.counter_hours}."
        )
    elif template == "collected":
        text = f"Primăria S2: documentele {nr} au fost ridicate la {_when(ctx.at_ms)}. Vă mulțumim!"
    elif template == "verification":
        text = (
            f"Primăria S2: codul pentru a vedea cererea {nr} este {ctx.code}. "
            "Este valabil 15 minute. Nu îl dați nimănui."
        )
    elif template == "citizen_code":
        text = f"Primăria S2: codul de intrare în ePS2 este {ctx.code}. Este valabil 10 minute. Nu îl dați nimănui."
    elif template == "online_registered":
        text = (
            f"Primăria S2: cererea a fost înregistrată cu nr. {nr} pe {_date_time(ctx.at_ms)}. "
            f"Răspuns până la {_iso_day(ctx.answer_due)}. Urmăriți-o în ePS2."
        )
    elif template == "documents_asked":
        text = f"Primăria S2: pentru cererea {nr} avem nevoie de documente. Vedeți ce lipsește în ePS2: {ctx.url}"
    elif template == "answer_ready":
        text = f"Primăria S2: răspunsul la cererea {nr} este disponibil în ePS2: {ctx.url}"
    elif template == "answer_rejected":
        text = f"Primăria S2: cererea {nr} a fost respinsă. Motivul și ce puteți face, în ePS2: {ctx.url}"
    elif template.startswith("dropoff_"):
        text = _dropoff_text(template, ctx)
    else:
        raise ValueError(f"unknown SMS template {template!r}")
    return fold_to_gsm7(text)


def _dropoff_text(template: str, ctx: SmsContext) -> str:
    """Drop-off texts (issue 14); the variable parts (service, documents) are cut to keep one segment."""
    nr = ctx.registration_number
    if template == "dropoff_code":
        text = f"Primăria S2: cod depunere la dulap: PIN {ctx.pin}, valabil până la {_when(ctx.deadline_ms)}."
        return text + (f" QR și foaia de însoțire: {ctx.qr_url}" if ctx.qr_url else "")
    if template == "dropoff_registered":
        head = f"Primăria S2: dosar depus, nr. {nr} din {_date_hm(ctx.at_ms)}, "
        tail = "Îl verificăm; vă anunțăm dacă lipsește ceva."
        service = _fit(ctx.service, 160 - len(head) - len(tail) - 2)
        return head + service + (" " if service.endswith("...") else ". ") + tail
    if template == "dropoff_received":
        return (
            f"Primăria S2: documentele pentru cererea {nr} au ajuns în dulap pe {_date_time(ctx.at_ms)}. Le verificăm."
        )
    if template == "dropoff_incomplete":
        head = f"Primăria S2: la dosarul {nr} {'lipsește' if len(ctx.documents) == 1 else 'lipsesc'}: "
        tail = f". Depuneți-{'l' if len(ctx.documents) == 1 else 'le'} cu un cod nou din ePS2: {ctx.url}"
        return head + _names(ctx.documents, 160 - len(head) - len(tail)) + tail
    if template == "dropoff_empty":
        return (
            f"Primăria S2: compartimentul dosarului {nr} era gol. Depuneți din nou, cu un cod nou din ePS2: {ctx.url}"
        )
    raise ValueError(f"unknown SMS template {template!r}")


def _fit(text: str, room: int) -> str:
    """``text`` cut at a word to at most ``room`` characters (with an ellipsis of three dots when cut)."""
    text = " ".join(text.split())
    if len(text) <= room:
        return text
    cut = text[: max(0, room - 3)].rsplit(" ", 1)[0].rstrip(" ,;(")
    return cut + "..."


def _names(names: tuple[str, ...], room: int) -> str:
    """As many whole names as fit in ``room``, then "și încă N" for the rest (the page lists them all)."""
    shown: list[str] = []
    for index, name in enumerate(names):
        rest = len(names) - index - 1
        more = f" și încă {rest}" if rest else ""
        candidate = "; ".join([*shown, name])
        if len(candidate) + len(more) <= room:
            shown.append(name)
            continue
        if not shown:  # the first name alone is too long: cut it
            left = len(names) - 1
            suffix = f" și încă {left}" if left else ""
            return _fit(name, room - len(suffix)) + suffix
        return "; ".join(shown) + f" și încă {len(names) - index}"
    return "; ".join(shown)

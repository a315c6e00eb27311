"""What the public portal says about the catalogue: labels, durations, fees and dates in Romanian and English.

The catalogue files hold codes (``urbanism``, ``counter``, ``P30D``); this module turns them into the words
a citizen reads, Romanian first (with ș and ț, comma below), English second. Pure functions over the
service records of ``chalicelib.catalogue``; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

Service = dict[str, Any]
Text = tuple[str, str]  # (Romanian, English)

CATEGORIES: dict[str, Text] = {
    "urbanism": ("Urbanism și construcții", "Planning and building"),
    "taxe-locale": ("Taxe și impozite locale", "Local taxes"),
    "stare-civila": ("Stare civilă", "Civil status"),
    "asistenta-sociala": ("Asistență socială", "Social assistance"),
    "mediu": ("Mediu și salubritate", "Environment and waste"),
    "comert": ("Comerț și activități economice", "Trade and business"),
    "parcare": ("Parcare", "Parking"),
    "asociatii-de-proprietari": ("Asociații de proprietari", "Homeowners' associations"),
    "registratura": ("Registratură și relația cu primăria", "Registry and contacting the city hall"),
}

LIFE_EVENTS: dict[str, Text] = {
    "nasterea-unui-copil": ("Nașterea unui copil", "Having a baby"),
    "casatoria": ("Căsătoria", "Getting married"),
    "divortul": ("Divorțul", "Divorce"),
    "decesul-unei-persoane-apropiate": ("Decesul unei persoane apropiate", "Death of someone close"),
    "construirea-sau-renovarea-locuintei": ("Construirea sau renovarea locuinței", "Building or renovating a home"),
    "cumpararea-sau-vanzarea-unei-locuinte": ("Cumpărarea sau vânzarea unei locuințe", "Buying or selling a home"),
    "cumpararea-sau-vanzarea-unui-vehicul": ("Cumpărarea sau vânzarea unui vehicul", "Buying or selling a vehicle"),
    "intoarcerea-din-strainatate": ("Întoarcerea din străinătate", "Coming back from abroad"),
    "deschiderea-unei-afaceri": ("Deschiderea unei afaceri", "Starting a business"),
    "dificultati-financiare": ("Dificultăți financiare", "Financial hardship"),
    "dizabilitate": ("Dizabilitate", "Disability"),
    "viata-in-bloc": ("Viața la bloc", "Living in a block of flats"),
    "relatia-cu-administratia": ("Relația cu primăria", "Dealing with the city hall"),
}

CHANNELS: dict[str, Text] = {
    "online": ("Online", "Online"),
    "locker": ("La dulapul primăriei", "At the city hall locker"),
    "counter": ("La ghișeu", "At the counter"),
    "post": ("Prin poștă", "By post"),
}

DELIVERY: dict[str, Text] = {
    "electronic": ("în format electronic", "electronically"),
    "locker": ("de la dulapul primăriei, la orice oră", "from the city hall locker, at any hour"),
    "counter": ("la ghișeu", "at the counter"),
}

AUDIENCES: dict[str, Text] = {
    "persoane-fizice": ("Persoane fizice", "Individuals"),
    "persoane-juridice": ("Persoane juridice", "Companies and organisations"),
}

CONTACTS: dict[str, Text] = {
    "phone": ("Telefon", "Phone"),
    "tel-verde": ("TelVerde (apel gratuit)", "Freephone"),
    "email": ("E-mail", "Email"),
    "web": ("Site", "Website"),
}

MONTHS_RO: tuple[str, ...] = ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august")
MONTHS_RO += ("septembrie", "octombrie", "noiembrie", "decembrie")
MONTHS_EN: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July", "August")
MONTHS_EN += ("September", "October", "November", "December")

# ISO 8601 duration units: (singular, plural) in Romanian and English.
_UNITS: dict[str, tuple[Text, Text]] = {
    "Y": (("an", "ani"), ("year", "years")),
    "M": (("lună", "luni"), ("month", "months")),
    "W": (("săptămână", "săptămâni"), ("week", "weeks")),
    "D": (("zi", "zile"), ("day", "days")),
    "H": (("oră", "ore"), ("hour", "hours")),
}
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?$")


@dataclass(frozen=True)
class Headquarters:
    """The city hall's seat: the registry desk and the locker (the pickup pages say the same)."""

    address: str = "Str. Chiristigiilor nr. 11-13, Sector 2, București"
    phone: str = "021 209 60 00"
    registry_hours: Text = ("Luni–vineri 8:30–16:30", "Monday–Friday 8:30–16:30")
    locker_hours: Text = ("Oricând, 24 de ore din 24", "At any hour, day and night")


HEADQUARTERS = Headquarters()


def pick(text: Mapping[str, str] | Text, lang: str) -> str:
    """One language of a catalogue text (``{"ro", "en"}``) or of a (Romanian, English) pair."""
    if isinstance(text, tuple):
        return text[0] if lang == "ro" else text[1]
    return text["ro"] if lang == "ro" else text["en"]


def count_words(count: int, singular: str, plural: str, lang: str) -> str:
    """``1 zi``, ``15 zile``, ``30 de zile`` (Romanian puts „de” before 20 and above); ``30 days``."""
    if count == 1:
        return f"1 {singular}"
    if lang == "ro" and (count % 100 == 0 or count % 100 >= 20):
        return f"{count} de {plural}"
    return f"{count} {plural}"


def duration_text(iso: str, lang: str) -> str:
    """An ISO 8601 duration in words (``P30D`` → „30 de zile”); the code itself if it has other parts."""
    found = _DURATION.match(iso)
    if not found or not any(found.groups()):
        return iso
    parts = []
    for unit, value in zip("YMWDH", found.groups(), strict=True):
        if value:
            ro, en = _UNITS[unit]
            singular, plural = ro if lang == "ro" else en
            parts.append(count_words(int(value), singular, plural, lang))
    return (" și " if lang == "ro" else " and ").join(parts)


def money(amount: float, lang: str) -> str:
    """``1.234,50 lei`` in Romanian, ``1,234.50 lei`` in English; whole amounts without decimals."""
    text = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    if lang == "ro":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text} lei"


def date_text(iso: str, lang: str) -> str:
    day = date.fromisoformat(iso)
    month = (MONTHS_RO if lang == "ro" else MONTHS_EN)[day.month - 1]
    return f"{day.day} {month} {day.year}"


@dataclass(frozen=True)
class Group:
    """Services under one category or life event, in title order."""

    slug: str
    label: str
    services: list[Service]


def groups(services: Iterable[Service], field: str, labels: Mapping[str, Text], lang: str) -> list[Group]:
    """The non-empty groups of ``field`` (``category`` or ``lifeEvents``) in the labels' order."""
    members: dict[str, list[Service]] = {slug: [] for slug in labels}
    for service in services:
        value = service[field]
        for slug in value if isinstance(value, list) else [value]:
            members[slug].append(service)
    return [
        Group(slug, pick(labels[slug], lang), sorted(found, key=lambda s: pick(s["title"], lang)))
        for slug, found in members.items()
        if found
    ]


def fee_summary(fee: Mapping[str, Any], lang: str) -> str:
    """The fee in one phrase: free, an amount, or that it depends (the note and schedule say how)."""
    amount = fee.get("amount")
    if amount == 0:
        return "Gratuit" if lang == "ro" else "Free"
    if amount is not None:
        return money(amount, lang)
    if "schedule" in fee:
        return "Depinde de situație (vedeți tabelul)" if lang == "ro" else "Depends on the case (see the table)"
    return "Nu este o sumă fixă (vedeți mai jos)" if lang == "ro" else "Not a fixed sum (see below)"


def condition_text(service: Service, document: Mapping[str, Any], lang: str) -> str:
    """How a conditional document is marked: by the yes/no question that decides it."""
    question = next(q for q in service["questions"] if q["id"] == document["condition"])
    label = pick(question["label"], lang)
    return f"Doar dacă răspunsul este „Da”: {label}" if lang == "ro" else f"Only if the answer is “Yes”: {label}"


def document_details(document: Mapping[str, Any], lang: str) -> str:
    """Original or copy, and how many: ``Original, 2 exemplare``."""
    ro = lang == "ro"
    kind = "Original" if document["original"] else ("Copie" if ro else "Copy")
    count = document["count"]
    if count == 1:
        return kind
    return f"{kind}, {count_words(count, 'exemplar', 'exemplare', 'ro') if ro else f'{count} copies'}"


def format_names(formats: Iterable[str]) -> str:
    """MIME types as a citizen knows them: ``application/pdf`` → PDF."""
    return ", ".join(mime.split("/")[1].split("+")[0].split(".")[-1].upper() for mime in formats)


def host(url: str) -> str:
    return urlsplit(url).netloc.removeprefix("www.")


def contact_link(contact: Mapping[str, str]) -> Markup:
    """A phone number, address or site as a link (``tel:``, ``mailto:``); text after the number stays text."""
    value = contact["value"]
    if contact["kind"] == "web":
        return Markup('<a href="{}">{}</a>').format(value, host(value))
    if contact["kind"] == "email":
        return Markup('<a href="mailto:{}">{}</a>').format(value, value)
    found = re.match(r"(?P<number>0[0-9 .]*[0-9])(?P<rest>.*)$", value)
    if not found:
        return Markup("{}").format(value)
    digits = re.sub(r"\D", "", found["number"])
    tel = "+40" + digits[1:] if len(digits) == 10 else digits
    return Markup('<a href="tel:{}">{}</a>{}').format(tel, found["number"], found["rest"])


def departments(services: Iterable[Service], lang: str) -> list[dict[str, Any]]:
    """Each responsible office once, with every address, hours and contact its services give, and its services."""
    offices: dict[str, dict[str, Any]] = {}
    for service in sorted(services, key=lambda s: pick(s["title"], lang)):
        department = service["department"]
        office = offices.setdefault(
            department["id"],
            {"id": department["id"], "name": pick(department["name"], lang), "addresses": [], "hours": []},
        )
        office.setdefault("contacts", [])
        office.setdefault("services", []).append(service)
        _add(office["addresses"], department["address"])
        _add(office["hours"], pick(department["hours"], lang) if department["hours"] else None)
        for contact in department["contacts"]:
            _add(office["contacts"], (pick(CONTACTS[contact["kind"]], lang), contact["value"], contact["kind"]))
    return sorted(offices.values(), key=lambda office: office["name"])


def _add(values: list[Any], value: Any) -> None:
    if value is not None and value not in values:
        values.append(value)

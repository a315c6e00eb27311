"""Announcements from city hall to homeowners' associations (issue 15): the rules, without I/O.

An announcement has a title (the e-mail's subject), a plain-text body, an audience and channels. The
audience is resolved once, when the announcement is written, into the list of CUIs it reaches:

- ``{"all": true}``: every association in the registry; it stands alone (nothing to combine it with);
- ``{"streets": [...]}``: associations on any of these streets (compared without diacritics, case or the
  ``Str.``/``Bd.`` word);
- ``{"cuis": [...]}``: these associations (each CUI must be in the registry);
- ``{"lifts": true}``: buildings with at least one lift;
- ``{"minApartments": N}``: buildings with at least N apartments.

Filters given together combine with AND: ``{"streets": ["Str. Eminescu"], "lifts": true}`` reaches the
associations on Str. Eminescu that have a lift. Channels are a non-empty subset of ``email``, ``sms`` and
``portal``; every announcement is also kept in the inbox of the associations it reached, whatever its
channels (``portal`` alone sends nothing outside the portal).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from .associations import street_key
from .errors import InvalidInput
from .sms import BUCHAREST, fold_to_gsm7, segment_count

CHANNELS = ("email", "sms", "portal")
SENT_CHANNELS = ("email", "sms")  # the ones that leave the portal, one claim and one send per recipient
TITLE_MAX = 150
BODY_MAX = 10_000
AUDIENCE_LIST_MAX = 3_000
SLICE = 500  # recipients per "expand" message: the HTTP request enqueues recipients / SLICE messages
BATCH = 10  # recipients per "send" message (one SQS message: a worker's unit of work)
SMS_LIMIT = 160

# An announcement's status, and a delivery's (one association).
SCHEDULED, RELEASED = "scheduled", "released"
QUEUED, SENDING, SENT, FAILED, UNCONFIRMED = "queued", "sending", "sent", "failed", "unconfirmed"
_AUDIENCE_KEYS = {"all", "streets", "cuis", "lifts", "minApartments"}


class Building(Protocol):
    """What an audience reads of an association: its CUI and street (the registry index has them), and
    ``lifts`` and ``apartments`` when the audience filters on them (``AssociationRow`` has all four)."""

    @property
    def cui(self) -> str: ...

    @property
    def street(self) -> str: ...


@dataclass(frozen=True)
class Audience:
    all: bool = False
    streets: tuple[str, ...] = ()
    cuis: tuple[str, ...] = ()
    lifts: bool = False
    min_apartments: int = 0

    def as_json(self) -> dict[str, Any]:
        """As recorded with the announcement: a CUI list by its length (the recipients are kept apart)."""
        if self.all:
            return {"all": True}
        out: dict[str, Any] = {}
        if self.streets:
            out["streets"] = list(self.streets)
        if self.cuis:
            out["cuisCount"] = len(self.cuis)
        if self.lifts:
            out["lifts"] = True
        if self.min_apartments:
            out["minApartments"] = self.min_apartments
        return out

    def matches(self, building: Building) -> bool:
        """All the filters given hold (AND); ``all`` holds for every association."""
        if self.all:
            return True
        if self.streets and street_key(building.street) not in {street_key(s) for s in self.streets}:
            return False
        if self.cuis and building.cui not in self.cuis:
            return False
        if self.lifts and not (getattr(building, "lifts", 0) or 0) >= 1:
            return False
        return not (self.min_apartments and (getattr(building, "apartments", 0) or 0) < self.min_apartments)

    @property
    def reads_buildings(self) -> bool:
        """Whether resolving needs each building's lifts and apartments, not only its CUI and street."""
        return self.lifts or bool(self.min_apartments)


def _bad(ro: str, en: str) -> InvalidInput:
    return InvalidInput(ro, en)


_COMBINE_RO = "Filtrele date împreună se combină cu ȘI (de exemplu străzile și liftul)."
_COMBINE_EN = "Filters given together combine with AND (for example streets and lifts)."


def _text_list(raw: Any, name: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or len(raw) > AUDIENCE_LIST_MAX:
        raise _bad(
            f"„{name}” trebuie să fie o listă nevidă de cel mult {AUDIENCE_LIST_MAX} de valori.",
            f"'{name}' must be a non-empty list of at most {AUDIENCE_LIST_MAX} values.",
        )
    if any(not isinstance(v, str) or not v.strip() or len(v) > 200 for v in raw):
        raise _bad(f"„{name}” conține o valoare goală sau prea lungă.", f"'{name}' holds an empty or too long value.")
    return tuple(dict.fromkeys(v.strip() for v in raw))


def parse_audience(raw: Any) -> Audience:
    """The audience of a request body; InvalidInput (Romanian and English) says what is wrong with it."""
    if not isinstance(raw, dict) or not raw:
        raise _bad(
            "Alegeți destinatarii: toate asociațiile, o listă de străzi, o listă de CUI, cele cu lift sau cu "
            "cel puțin N apartamente. " + _COMBINE_RO,
            'Choose the audience: {"all": true}, {"streets": [...]}, {"cuis": [...]}, {"lifts": true} or '
            '{"minApartments": N}. ' + _COMBINE_EN,
        )
    unknown = set(raw) - _AUDIENCE_KEYS
    if unknown:
        raise _bad(
            f"Destinatari necunoscuți: {', '.join(sorted(unknown))}. Sunt primiți: all, streets, cuis, lifts, "
            "minApartments.",
            f"Unknown audience keys: {', '.join(sorted(unknown))}; known: all, streets, cuis, lifts, minApartments.",
        )
    if "all" in raw:
        if raw["all"] is not True or len(raw) > 1:
            raise _bad(
                "„all” se folosește singur și numai cu valoarea true (toate asociațiile). " + _COMBINE_RO,
                "'all' stands alone and only as true (every association). " + _COMBINE_EN,
            )
        return Audience(all=True)
    if "lifts" in raw and raw["lifts"] is not True:
        raise _bad(
            "„lifts” se folosește numai cu valoarea true (clădiri cu cel puțin un lift).",
            "'lifts' takes only true (buildings with at least one lift).",
        )
    minimum = raw.get("minApartments", 0)
    if "minApartments" in raw and (isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1):
        raise _bad(
            "„minApartments” trebuie să fie un număr întreg pozitiv.",
            "'minApartments' must be a positive whole number.",
        )
    return Audience(
        streets=_text_list(raw["streets"], "streets") if "streets" in raw else (),
        cuis=_text_list(raw["cuis"], "cuis") if "cuis" in raw else (),
        lifts=bool(raw.get("lifts")),
        min_apartments=int(minimum),
    )


def parse_channels(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or any(c not in CHANNELS for c in raw) or len(set(raw)) != len(raw):
        raise _bad(
            "Canalele sunt o listă nevidă, fără repetări, din: email, sms, portal.",
            "channels must be a non-empty list without repeats of: email, sms, portal.",
        )
    return tuple(c for c in CHANNELS if c in raw)


def parse_send_at(raw: Any, now_ms: int) -> int | None:
    """``sendAt`` as Unix ms, or None (send now). ISO 8601; without an offset it is Bucharest time. A time in
    the past means now."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise _bad("„sendAt” este o dată și oră ISO 8601, de exemplu 2026-12-01T09:00.", "sendAt must be ISO 8601.")
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _bad(
            "„sendAt” nu este o dată și oră validă (ISO 8601, de exemplu 2026-12-01T09:00).",
            "sendAt is not a valid ISO 8601 date and time (for example 2026-12-01T09:00).",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BUCHAREST)
    at = int(moment.timestamp() * 1000)
    if at > now_ms + 366 * 86_400_000:
        raise _bad("„sendAt” este la mai mult de un an de acum.", "sendAt is more than a year away.")
    return at if at > now_ms else None


def parse_text(title: Any, body: Any) -> tuple[str, str]:
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX or "\n" in title.strip():
        raise _bad(
            f"Titlul este obligatoriu, pe un rând, de cel mult {TITLE_MAX} de caractere.",
            f"The title is required, one line, at most {TITLE_MAX} characters.",
        )
    if not isinstance(body, str) or not body.strip() or len(body) > BODY_MAX:
        raise _bad(
            f"Textul anunțului este obligatoriu, de cel mult {BODY_MAX} de caractere.",
            f"The body is required, at most {BODY_MAX} characters.",
        )
    return title.strip(), body.strip()


def resolve(audience: Audience, buildings: Iterable[Building]) -> list[str]:
    """The CUIs the audience reaches, sorted; a CUI asked for by name must exist."""
    known = {b.cui: b for b in buildings}
    missing = [c for c in audience.cuis if c not in known]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise _bad(f"CUI necunoscute în registru: {shown}.", f"CUIs not in the registry: {shown}.")
    return sorted(cui for cui, b in known.items() if audience.matches(b))


def slices(cuis: list[str]) -> list[list[str]]:
    """The recipients in parts of SLICE: one expand message each."""
    return [cuis[start : start + SLICE] for start in range(0, len(cuis), SLICE)]


def email_text(body: str, link: str) -> str:
    """The e-mail's plain-text body: the announcement, then where to read it in the portal."""
    return (
        f"{body}\n\n"
        "--\n"
        "Primăria Sectorului 2 – anunț pentru asociațiile de proprietari.\n"
        f"Îl găsiți și în portalul asociațiilor: {link}\n"
        "Ați primit acest mesaj pentru că adresa este contactul asociației în registrul Primăriei Sectorului 2.\n"
    )


def sms_text(title: str, link: str) -> str:
    """A short notice with a link: GSM-7 (diacritics folded) and one 160-character segment, the title
    shortened to fit."""
    head, tail = "Primaria S2, anunt pentru asociatie: ", f". Detalii: {link}"
    room = SMS_LIMIT - len(head) - len(tail)
    title = fold_to_gsm7(title)
    if len(title) > room:
        title = title[: max(room - 3, 0)].rstrip() + "..."
    text = fold_to_gsm7(head + title + tail)
    if segment_count(text) > 1:  # a link too long for one segment: the notice without the title
        text = fold_to_gsm7(f"Primaria S2: anunt nou pentru asociatie{tail}")
    return text


def counts(recipients: int, sent: int, failed: int, unconfirmed: int, read: int) -> dict[str, int]:
    """The console's numbers: ``queued`` is what is not finished yet."""
    return {
        "queued": max(recipients - sent - failed - unconfirmed, 0),
        "sent": sent,
        "failed": failed,
        "unconfirmed": unconfirmed,
        "read": read,
    }


def pace_interval_s(rate_per_s: float) -> float:
    """Seconds between two sends of one worker."""
    return 1.0 / rate_per_s if rate_per_s > 0 and not math.isinf(rate_per_s) else 0.0

"""Announcements' pages (issue 15): staff write one (audience, channels, an optional time) and follow its
counts in the console; an association's administrator reads the inbox, and opening an announcement marks it
read for each of their associations it reached (no tracking pixel). Server-rendered forms over the same
services as the JSON API; they work without JavaScript and carry the console's CSRF token."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ..domain.errors import InvalidInput
from ..services import announcements, association_inbox
from ..services.deps import Deps
from .pages import language
from .staff import _page as page
from .staff import _redirect as redirect
from .staff import console

announcement_pages = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded"]
ASSOCIATION = "association"
WORDS: dict[str, tuple[str, str]] = {
    "announcements": ("Anunțuri către asociații", "Announcements to associations"),
    "new": ("Scrie un anunț", "Write an announcement"),
    "title": ("Titlu (subiectul e-mailului)", "Title (the e-mail's subject)"),
    "body": ("Textul anunțului", "The announcement's text"),
    "audience": ("Destinatari", "Audience"),
    "all": ("Toate asociațiile", "Every association"),
    "filtered": (
        "Doar asociațiile care îndeplinesc toate condițiile de mai jos",
        "Only those meeting every condition below",
    ),
    "streets": ("Străzi, câte una pe rând", "Streets, one a line"),
    "cuis": ("Coduri fiscale (CUI), câte unul pe rând", "Fiscal codes (CUI), one a line"),
    "lifts": ("Doar clădirile cu cel puțin un lift", "Only buildings with at least one lift"),
    "min_apartments": ("Cel puțin atâtea apartamente", "At least this many apartments"),
    "and_hint": (
        "Condițiile completate se combină cu ȘI: de exemplu, străzile alese și cu lift.",
        "The conditions you fill in combine with AND: for example, these streets and with a lift.",
    ),
    "channels": ("Canale", "Channels"),
    "email": ("E-mail", "E-mail"),
    "sms": ("SMS (un anunț scurt cu link)", "SMS (a short notice with a link)"),
    "portal": ("Căsuța asociației din portal", "The association's inbox in the portal"),
    "portal_hint": (
        "Orice anunț ajunge și în căsuța din portal a asociațiilor.",
        "Every announcement also reaches the associations' inbox in the portal.",
    ),
    "send_at": ("Trimite la (opțional)", "Send at (optional)"),
    "send_at_hint": (
        "De exemplu 2026-12-01 09:00, ora României. Gol: acum.",
        "For example 2026-12-01 09:00, Romanian time. Empty: now.",
    ),
    "send": ("Trimite anunțul", "Send the announcement"),
    "recipients": ("Destinatari", "Recipients"),
    "queued": ("În așteptare", "Queued"),
    "sent": ("Trimise", "Sent"),
    "failed": ("Eșuate", "Failed"),
    "unconfirmed": ("Neconfirmate", "Unconfirmed"),
    "read": ("Citite în portal", "Read in the portal"),
    "status": ("Stare", "Status"),
    "scheduled": ("programat", "scheduled"),
    "released": ("trimis", "released"),
    "send_time": ("Data trimiterii", "Sent at"),
    "none": ("Niciun anunț încă.", "No announcement yet."),
    "inbox": ("Anunțurile primăriei", "City hall's announcements"),
    "unread": ("necitit", "unread"),
    "read_tag": ("citit", "read"),
    "empty_inbox": ("Nu ați primit niciun anunț.", "You have received no announcement."),
    "back": ("Înapoi la anunțuri", "Back to the announcements"),
    "error_summary": ("Există o problemă", "There is a problem"),
    "refresh": ("Reîncărcați pagina pentru numerele la zi.", "Reload the page for up-to-date numbers."),
}


def _words(lang: str) -> Any:
    return lambda key: WORDS.get(key, (key, key))[1 if lang == "en" else 0]


def _lang() -> str:
    return language(announcement_pages.current_request.query_params)


def _view(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status=status, w=_words(_lang()), **context)


def _suffix() -> str:
    return "?lang=en" if _lang() == "en" else ""


@announcement_pages.route("/staff/anunturi", methods=["GET"])
@console(role="staff")
def staff_list(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    return _view("announcements/staff_list.html", items=announcements.list_announcements(deps), **context)


@announcement_pages.route("/staff/anunturi/nou", methods=["GET"])
@console(role="staff")
def staff_new(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    return _view("announcements/staff_new.html", values={"mode": "all", "channel_email": "on"}, error=None, **context)


def form_to_body(fields: dict[str, str]) -> dict[str, Any]:
    """The form's fields as the JSON API's body: the conditions filled in, combined with AND."""
    audience: dict[str, Any] = {}
    if fields.get("mode") != "filtered":
        audience = {"all": True}
    else:
        streets = [line.strip() for line in fields.get("streets", "").splitlines() if line.strip()]
        cuis = [line.strip() for line in fields.get("cuis", "").splitlines() if line.strip()]
        if streets:
            audience["streets"] = streets
        if cuis:
            audience["cuis"] = cuis
        if fields.get("lifts") == "on":
            audience["lifts"] = True
        minimum = fields.get("minApartments", "").strip()
        if minimum:
            if not minimum.isdigit():
                raise InvalidInput("Numărul de apartamente este un număr întreg.", "minApartments: a whole number")
            audience["minApartments"] = int(minimum)
    send_at = fields.get("sendAt", "").strip().replace(" ", "T")
    return {
        "title": fields.get("title", ""),
        "body": fields.get("body", ""),
        "audience": audience,
        "channels": [c for c in ("email", "sms", "portal") if fields.get(f"channel_{c}") == "on"],
        "sendAt": send_at or None,
    }


@announcement_pages.route("/staff/anunturi", methods=["POST"], content_types=FORM)
@console(role="staff", form=True)
def staff_create(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    try:
        row = announcements.create_announcement(deps, context["me"].username, form_to_body(fields))
    except InvalidInput as refused:
        return _view("announcements/staff_new.html", status=400, values=fields, error=refused, **context)
    return redirect(f"/staff/anunturi/{row.id}{_suffix()}")


@announcement_pages.route("/staff/anunturi/{announcement_id}", methods=["GET"])
@console(role="staff")
def staff_view(deps: Deps, context: dict[str, Any], fields: dict[str, str], announcement_id: str) -> Response:
    return _view(
        "announcements/staff_view.html", item=announcements.announcement_view(deps, announcement_id), **context
    )


@announcement_pages.route("/staff/asociatie/anunturi", methods=["GET"])
@console(role=ASSOCIATION)
def inbox(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    items = association_inbox.inbox(deps, context["me"].username)["announcements"]
    return _view("announcements/inbox.html", items=items, **context)


@announcement_pages.route("/staff/asociatie/anunturi/{announcement_id}", methods=["GET"])
@console(role=ASSOCIATION)
def inbox_item(deps: Deps, context: dict[str, Any], fields: dict[str, str], announcement_id: str) -> Response:
    """Opening it is reading it: marked read for each of the administrator's associations it reached."""
    username = context["me"].username
    item = association_inbox.open_announcement(deps, username, announcement_id)
    association_inbox.mark_read(deps, username, announcement_id)
    return _view("announcements/inbox_item.html", item=item, **context)

"""The public directory of homeowners' associations and the public check of an administrator's certificate.

What is public: an association's name, CUI, address (street, number, block, staircases) and its
administrator's certificate number and expiry; never a private person's name or contact. The directory is
grouped by street (a page each) and ordered by number and block. It is published into the static site
whenever the registry changes (``publish``: the import and the edit call it; ``deps.site`` writes to the
site bucket on AWS, to the local origin's folder locally); rendering it is the web layer's
(``web/directory_pages.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..domain.associations import directory_key, normalise_certificate, street_key
from ..domain.errors import InvalidInput
from ..domain.sms import BUCHAREST
from ..stores.associations import RegistryEntry
from ..stores.rows import AssociationRow
from .associations import public_view
from .deps import Deps

Files = dict[str, tuple[bytes, str]]
__all__ = ["AssociationRow", "RegistryEntry", "Street", "check_certificate", "publish"]  # the web layer's types


@dataclass
class Street:
    name: str
    slug: str
    count: int = 0
    associations: list[dict[str, Any]] = field(default_factory=list)


def slug(street: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", street_key(street)).strip("-") or "strada"


def today(deps: Deps) -> str:
    return datetime.fromtimestamp(deps.now() / 1000, BUCHAREST).date().isoformat()


Render = Callable[[list[Street] | None, list[Street], str], Files]  # (every street or None, pages, today)


def publish(
    deps: Deps,
    render: Render,
    streets: Iterable[str] | None = None,
    registry: dict[str, RegistryEntry] | None = None,
    known: dict[str, AssociationRow] | None = None,
) -> int:
    """Write the directory's index and the pages of ``streets`` (every street when None) into the site; the
    number of files written (0 on a stage without a site). ``registry`` is the registry's entries when the
    caller has them (an import); a street whose associations are all in ``known`` (the rows just imported,
    as stored) is rendered from them without reading the registry again."""
    if deps.site is None:
        return 0
    entries = registry if registry is not None else {e.cui: e for e in deps.stores.associations.registry()}
    return _write(deps, render, streets, entries, known)


def publish_street(deps: Deps, render: Render, street: str) -> int:
    """Write one street's page only (an edit that moved no association: the index's counts stand)."""
    if deps.site is None:
        return 0
    key = slug(street)
    rows = [row for row in deps.stores.associations.on_street(street) if slug(row.street) == key]
    page = Street(street, key, len(rows), [public_view(r) for r in sorted(rows, key=_order)])
    files = render(None, [page], today(deps))
    deps.site.publish(files)
    return len(files)


def _write(
    deps: Deps,
    render: Render,
    streets: Iterable[str] | None,
    entries: dict[str, RegistryEntry],
    known: dict[str, AssociationRow] | None,
) -> int:
    assert deps.site is not None
    by_slug: dict[str, Street] = {}
    cuis: dict[str, list[str]] = {}
    for entry in entries.values():
        key = slug(entry.street)
        by_slug.setdefault(key, Street(entry.street, key)).count += 1
        cuis.setdefault(key, []).append(entry.cui)
    wanted = {slug(street) for street in streets} if streets is not None else set(by_slug)
    pages = []
    for key in sorted(wanted):
        on_street = cuis.get(key, [])
        page = by_slug.get(key) or Street(key, key)
        if not on_street:
            rows: list[AssociationRow] = []
        elif known is not None and all(cui in known for cui in on_street):
            rows = [known[cui] for cui in on_street]
        else:
            rows = [row for row in deps.stores.associations.on_street(page.name) if slug(row.street) == key]
        pages.append(Street(page.name, key, len(rows), [public_view(r) for r in sorted(rows, key=_order)]))
    files = render(sorted(by_slug.values(), key=lambda s: s.slug), pages, today(deps))
    deps.site.publish(files)
    return len(files)


def _order(row: AssociationRow) -> str:
    return directory_key(row.street, row.number, row.block, row.cui)


def check_certificate(deps: Deps, number: str) -> dict[str, Any]:
    """Is there an administrator certified under ``number``, and until when? The associations they
    administer are named (public); the administrator's own name is not (it may be a private person's)."""
    wanted = normalise_certificate(number)
    if not 3 <= len(wanted) <= 40 or len(number) > 40:
        raise InvalidInput(
            "Scrieți numărul atestatului (de exemplu PS2-2021/0042).",
            "number: the certificate's number, 3-40 characters",
        )
    rows = deps.stores.associations.with_certificate(wanted)
    expiries = sorted({row.administrator_certificate_expiry for row in rows if row.administrator_certificate_expiry})
    expiry = expiries[-1] if expiries else None
    return {
        "number": wanted,
        "found": bool(rows),
        "certified": bool(expiry and date.fromisoformat(expiry).isoformat() >= today(deps)),
        "expiry": expiry,
        "associations": [{"cui": row.cui, "name": row.name} for row in rows],
    }

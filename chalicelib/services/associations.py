"""The registry of homeowners' associations (issue 15): import, search, view, edit, and who may act for whom.

Who sees what: staff (any console role) see and edit every association; an account with the role
``association`` sees only the associations it is linked to (anything else is 403, checked before the
request is looked at further) and may change only their contact fields. The people's names and contacts
(``PERSONAL_FIELDS``) leave this module only for staff and the association's own accounts.

An import is all or nothing at the level of rows: a file with any bad row writes nothing and answers every
bad row with its line and reason (the clerk fixes the file and sends it again); a good file is written
association by association, each whole, idempotent by CUI (see ``stores/associations.py``). After every
change of the registry the public directory is published again (``directory.publish``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..domain.associations import association_fields, parse_import
from ..domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from ..ports import StaffIdentity
from ..stores import WriteConflict
from ..stores.associations import DATA_FIELDS, RegistryEntry, association_row
from ..stores.audit import audit_row
from ..stores.rows import AssociationRow
from .auth import STAFF_ROLES
from .deps import Deps
from .staff_accounts import USERNAME_RE

log = logging.getLogger("eps2.associations")

ROLE = "association"
OWN_EDITABLE = ("president_name", "email", "phone")  # what an association's own account may change
STAFF_EDITABLE = tuple(name for name in DATA_FIELDS if name != "cui")
SEARCH_LIMIT = 200


class ImportRefused(DomainError):
    """The file has bad rows; nothing was written. ``errors`` names each (line, reason)."""

    http_status = 422
    code = "invalid_rows"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(
            f"Fișierul are {len(errors)} rânduri greșite; nu s-a importat nimic. Corectați-le și trimiteți din nou.",
            f"{len(errors)} rows are not valid; nothing was imported",
        )
        self.errors = errors


def is_staff(identity: StaffIdentity) -> bool:
    return bool(set(identity.roles) & set(STAFF_ROLES))


def require_access(deps: Deps, identity: StaffIdentity, cui: str) -> None:
    """Staff may act for every association, an association's account only for its own (403 otherwise)."""
    if is_staff(identity):
        return
    if ROLE in identity.roles and cui and deps.stores.associations.may_act_for(identity.username, cui):
        return
    raise Forbidden(
        "Contul dumneavoastră nu administrează această asociație.", "this account does not manage this association"
    )


def public_view(row: AssociationRow) -> dict[str, Any]:
    """What anyone may see: no private person's name or contact."""
    return {
        "cui": row.cui,
        "name": row.name,
        "street": row.street,
        "number": row.number,
        "block": row.block,
        "staircases": list(row.staircases),
        "apartments": row.apartments,
        "lifts": row.lifts,
        "legalSince": row.legal_since,
        "administratorCertificate": row.administrator_certificate,
        "administratorCertificateExpiry": row.administrator_certificate_expiry,
        "updatedAt": row.updated_at,
    }


def full_view(row: AssociationRow) -> dict[str, Any]:
    """With the personal data: for staff and the association's own accounts only."""
    return {
        **public_view(row),
        "administratorName": row.administrator_name,
        "presidentName": row.president_name,
        "email": row.email,
        "phone": row.phone,
    }


@dataclass(frozen=True)
class ImportOutcome:
    """The answer's counts, and what publishing the directory needs: the streets whose associations changed,
    the registry after the import and the file's associations as stored."""

    counts: dict[str, int]
    streets: frozenset[str]
    registry: dict[str, RegistryEntry]
    known: dict[str, AssociationRow]


def import_csv(deps: Deps, actor: str, data: bytes) -> ImportOutcome:
    """Import a registry file (see the module): ``{"created", "updated", "unchanged"}``, or ImportRefused."""
    parsed = parse_import(data)
    if parsed.errors:
        raise ImportRefused([error.as_json() for error in parsed.errors])
    now = deps.now()
    rows = [association_row(fields, now) for fields in parsed.associations]
    try:
        counts = deps.stores.associations.upsert_many(rows, now)
    except WriteConflict:
        raise Conflict(
            "Registrul a fost modificat în timpul importului; trimiteți fișierul din nou.",
            "the registry changed during the import; send the file again (it is idempotent)",
        ) from None
    result = {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
    deps.stores.audit.add(audit_row("associations#import", actor, "imported", now, rows=len(rows), **result))
    log.info("associations imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged", result)
    return ImportOutcome(result, counts.changed_streets, counts.registry, {row.cui: row for row in rows})


def list_associations(deps: Deps, identity: StaffIdentity, q: str = "", street: str = "") -> list[dict[str, Any]]:
    """Staff: the registry searched (at most ``SEARCH_LIMIT``); an association's account: its own."""
    if len(q) > 100 or len(street) > 100:
        raise InvalidInput("Căutarea are cel mult 100 de caractere.", "q and street: at most 100 characters")
    if is_staff(identity):
        return [full_view(row) for row in deps.stores.associations.search(q, street, limit=SEARCH_LIMIT)]
    if ROLE not in identity.roles:
        raise Forbidden("Nu aveți dreptul să faceți această acțiune.", "role 'association' or staff required")
    return [full_view(row) for row in my_associations(deps, identity.username)]


def my_associations(deps: Deps, username: str) -> list[AssociationRow]:
    return deps.stores.associations.get_many(deps.stores.associations.cuis_of(username))


def get_association(deps: Deps, identity: StaffIdentity, cui: str) -> dict[str, Any]:
    require_access(deps, identity, cui)
    row = deps.stores.associations.get(cui)
    if row is None:
        raise NotFound("Asociația nu există în registru.", "no such association")
    view = full_view(row)
    if is_staff(identity):
        view["accounts"] = deps.stores.associations.accounts_of(cui)
    return view


_API_NAMES = {
    "legalSince": "legal_since",
    "administratorName": "administrator_name",
    "administratorCertificate": "administrator_certificate",
    "administratorCertificateExpiry": "administrator_certificate_expiry",
    "presidentName": "president_name",
}


def edit_association(deps: Deps, identity: StaffIdentity, cui: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change some fields (API names, null clears an optional one); checked as an import row is."""
    require_access(deps, identity, cui)
    row = deps.stores.associations.get(cui)
    if row is None:
        raise NotFound("Asociația nu există în registru.", "no such association")
    named = {_API_NAMES.get(name, name): value for name, value in changes.items()}
    allowed = STAFF_EDITABLE if is_staff(identity) else OWN_EDITABLE
    refused = sorted(set(named) - set(allowed))
    if refused:
        raise Forbidden(
            "Aceste date le poate schimba doar primăria: " + ", ".join(refused) + ".",
            "fields this account may not change: " + ", ".join(refused),
        )
    values = {name: _as_text(getattr(row, name)) for name in DATA_FIELDS}
    values.update({name: _as_text(value) for name, value in named.items()})
    fields = association_fields(values)
    updated = association_row(fields, deps.now(), created_at=row.created_at)
    try:
        deps.stores.associations.save(updated, expected_updated_at=row.updated_at)
    except WriteConflict:
        raise Conflict(
            "Asociația a fost modificată între timp; reîncărcați.", "association changed meanwhile"
        ) from None
    deps.stores.audit.add(
        audit_row(f"association#{cui}", identity.username, "edited", deps.now(), fields=sorted(named))
    )
    return full_view(updated)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def link_account(deps: Deps, actor: str, username: str, cui: str) -> dict[str, Any]:
    """Let the account ``username`` (role ``association``) act for ``cui``."""
    if not USERNAME_RE.fullmatch(username or ""):
        raise InvalidInput("Numele de utilizator: litere, cifre, - și _.", "username: letters, digits, - and _")
    if deps.stores.associations.get(cui) is None:
        raise NotFound("Asociația nu există în registru.", "no such association")
    account = deps.staff.lookup(username)
    if account is None:
        raise NotFound("Contul nu există.", "no such account")
    if ROLE not in account.roles:
        raise InvalidInput(
            "Contul nu are rolul „association”; doar conturile asociațiilor se leagă de asociații.",
            "only accounts with the role 'association' are linked to associations",
        )
    created = deps.stores.associations.link(username, cui, deps.now(), by=actor)
    if created:
        deps.stores.audit.add(audit_row(f"association#{cui}", actor, "account_linked", deps.now(), account=username))
    return {"username": username, "cui": cui, "associations": deps.stores.associations.cuis_of(username)}


def unlink_account(deps: Deps, actor: str, username: str, cui: str) -> None:
    deps.stores.associations.unlink(username, cui)
    deps.stores.audit.add(audit_row(f"association#{cui}", actor, "account_unlinked", deps.now(), account=username))

"""The registry of homeowners' associations (issue 15) and the accounts allowed to act for them.

One item per association by CUI; every association sits in the ``directory`` index under one ``kind`` in
the public directory's order (street, number, block), so the whole registry (about 2,700 items, ~1.3 MB)
is read by a paginated Query, never a Scan; the sparse ``certificate`` index answers the public check of an
administrator's certificate. Accounts are linked to associations by (username, CUI) items, read from either
side (``by-cui``).

An import writes each association whole and guarded (a new CUI only if still absent, a changed one only
if nobody changed it since it was read), in transactions of up to 100 items: a conflict stops the import
with ``WriteConflict``, and running the same import again finishes it (it is idempotent by CUI).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..domain.associations import directory_key, fold, street_key
from .engine import ABSENT, BeginsWith, Engine, Transaction, WriteConflict
from .rows import AssociationAccount, AssociationRow

KIND = "association"
CHUNK = 100  # items in one transaction (DynamoDB's limit)
SEPARATOR = "\t"  # in the registry index's key; never in a value (the domain folds whitespace to spaces)
_BOOKKEEPING = {"kind", "directory_key", "registry_key", "created_at", "updated_at"}
DATA_FIELDS = tuple(f.name for f in fields(AssociationRow) if f.name not in _BOOKKEEPING)


@dataclass(frozen=True)
class RegistryEntry:
    """One association as the keys-only ``registry`` index holds it."""

    street: str
    name: str
    cui: str
    digest: str
    updated_at: int


@dataclass(frozen=True)
class UpsertCounts:
    """What an import did, and the registry as it left it (every association's entry, by CUI)."""

    created: int
    updated: int
    unchanged: int
    changed_streets: frozenset[str] = frozenset()
    registry: dict[str, RegistryEntry] = field(default_factory=dict)


def digest(row: AssociationRow) -> str:
    """A short hash of the association's data: equal digests, same data."""
    data = json.dumps([getattr(row, name) for name in DATA_FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()[:20]


def keyed(row: AssociationRow) -> AssociationRow:
    """``row`` with its index keys computed from its data and ``updated_at``."""
    row.directory_key = directory_key(row.street, row.number, row.block, row.cui)
    row.registry_key = SEPARATOR.join((row.street, row.name, row.cui, digest(row), str(row.updated_at)))
    return row


def association_row(values: dict[str, Any], now: int, created_at: int | None = None) -> AssociationRow:
    """The row of an association's fields (``domain.associations.association_fields``), keyed for the indexes."""
    data: dict[str, Any] = {name: values.get(name) for name in DATA_FIELDS}
    data["staircases"] = list(values.get("staircases") or [])
    return keyed(AssociationRow(**data, created_at=created_at if created_at is not None else now, updated_at=now))


def same_data(a: AssociationRow, b: AssociationRow) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in DATA_FIELDS)


class AssociationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.table = engine.table(AssociationRow)
        self.accounts = engine.table(AssociationAccount)

    # the registry
    def get(self, cui: str) -> AssociationRow | None:
        return self.table.get(cui)

    def get_many(self, cuis: Iterable[str]) -> list[AssociationRow]:
        """The associations that exist among ``cuis`` (BatchGetItem), in the directory's order."""
        return sorted(self.table.get_many(list(dict.fromkeys(cuis))), key=lambda row: row.directory_key)

    def all(self) -> Iterator[AssociationRow]:
        """Every association, in the directory's order (street, number, block)."""
        return self.table.query(KIND, index="directory")

    def on_street(self, street: str) -> Iterator[AssociationRow]:
        """Associations whose street (folded, without its kind) starts with ``street``'s (every one for a
        street that folds to nothing: DynamoDB refuses an empty prefix)."""
        key = street_key(street)
        return self.table.query(KIND, BeginsWith(key), index="directory") if key else self.all()

    def search(self, q: str = "", street: str = "", limit: int | None = None) -> list[AssociationRow]:
        """Associations whose name, CUI or block contains ``q`` (folded), on ``street`` (a prefix) if given."""
        wanted = fold(q)
        if wanted.isdigit() and len(wanted) >= 2:
            exact = self.get(wanted)
            if exact and (not street or exact.directory_key.startswith(street_key(street))):
                return [exact]
        rows = self.on_street(street) if street_key(street) else self.all()
        found = []
        for row in rows:
            if not wanted or wanted in fold(f"{row.name} {row.cui} bl. {row.block or ''}"):
                found.append(row)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def with_certificate(self, certificate: str) -> list[AssociationRow]:
        """The associations whose administrator holds ``certificate`` (normalised number)."""
        return list(self.table.query(certificate, index="certificate")) if certificate else []

    def registry(self) -> list[RegistryEntry]:
        """Every association's street, CUI, data digest and last change: one small keys-only read (the
        index is eventually consistent: a write guarded by what it says fails if it was behind)."""
        entries = []
        for row in self.table.query(KIND, index="registry"):
            street, name, cui, data_digest, updated_at = row.registry_key.split(SEPARATOR)
            entries.append(RegistryEntry(street, name, cui, data_digest, int(updated_at)))
        return entries

    def upsert_many(self, rows: list[AssociationRow], now: int) -> UpsertCounts:
        """Create or update associations by CUI (one row per CUI): a row whose data digest equals the stored
        one is left alone; created and updated rows are written guarded, ``CHUNK`` to a transaction (see the
        module). An update keeps the association's ``created_at``."""
        known = {entry.cui: entry for entry in self.registry()}
        writes: list[tuple[AssociationRow, RegistryEntry | None]] = []
        unchanged = 0
        for row in rows:
            old = known.get(row.cui)
            if old is not None and old.digest == digest(row):
                unchanged += 1
            else:
                writes.append((keyed(replace(row, created_at=now, updated_at=now)), old))
        for start in range(0, len(writes), CHUNK):
            with self.engine.transaction() as tx:
                for row, old in writes[start : start + CHUNK]:
                    if old is None:
                        self.table.put(row, expect={"cui": ABSENT}, tx=tx)
                    else:
                        changed = {name: getattr(row, name) for name in (*DATA_FIELDS, "directory_key", "registry_key")}
                        del changed["cui"]
                        changed.update(kind=KIND, updated_at=now)
                        self.table.update(row.cui, set=changed, expect={"updated_at": old.updated_at}, tx=tx)
        created = sum(1 for _, old in writes if old is None)
        after = dict(known)
        for row, _old in writes:
            after[row.cui] = RegistryEntry(row.street, row.name, row.cui, digest(row), now)
        streets = frozenset(row.street for row, _ in writes) | frozenset(old.street for _, old in writes if old)
        return UpsertCounts(created, len(writes) - created, unchanged, streets, after)

    def save(self, row: AssociationRow, expected_updated_at: int, tx: Transaction | None = None) -> None:
        """Write an edited association, unless it changed since it was read (``WriteConflict``)."""
        self.table.put(keyed(row), expect={"updated_at": expected_updated_at}, tx=tx)

    # accounts
    def link(self, username: str, cui: str, now: int, by: str | None = None) -> bool:
        """Allow ``username`` to act for ``cui``; False if it already could (the first link is kept)."""
        try:
            self.accounts.put(
                AssociationAccount(username=username, cui=cui, linked_at=now, linked_by=by), expect={"cui": ABSENT}
            )
        except WriteConflict:
            return False
        return True

    def unlink(self, username: str, cui: str) -> None:
        self.accounts.delete((username, cui))

    def cuis_of(self, username: str) -> list[str]:
        """The associations ``username`` may act for, by CUI."""
        return [link.cui for link in self.accounts.query(username)]

    def accounts_of(self, cui: str) -> list[str]:
        """The usernames linked to ``cui``."""
        return [link.username for link in self.accounts.query(cui, index="by-cui")]

    def may_act_for(self, username: str, cui: str) -> bool:
        return self.accounts.get((username, cui)) is not None

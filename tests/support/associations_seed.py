"""Synthetic associations for tests of announcements: valid CUIs, streets, lifts and apartments by a rule,
each with its own contact address (``asoc-<n>@example.ro``), written through the registry's store."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.associations import cui_control_digit
from chalicelib.stores import Stores
from chalicelib.stores.associations import association_row
from chalicelib.stores.rows import AssociationRow

STREETS = ("Strada Lizeanu", "Șoseaua Ștefan cel Mare", "Bulevardul Lacul Tei", "Strada Fabrica de Glucoză")


def cui_of(n: int, base: int = 30_000_000) -> str:
    body = str(base + n)
    return body + str(cui_control_digit(body))


def association(n: int, base: int = 30_000_000, **fields: Any) -> AssociationRow:
    values: dict[str, Any] = {
        "cui": cui_of(n, base),
        "name": f"Asociația de proprietari nr. {n}",
        "street": STREETS[n % len(STREETS)],
        "number": str(n % 90 + 1),
        "block": f"B{n}",
        "staircases": ["A"],
        "apartments": 20 + n % 60,
        "lifts": n % 3,  # a third of the buildings have none
        "email": f"asoc-{n}@example.ro",
        "phone": "+4072100" + str(n % 10_000).rjust(4, "0"),
        **fields,
    }
    return association_row(values, 0)


def seed_associations(stores: Stores, count: int, base: int = 30_000_000, **fields: Any) -> list[AssociationRow]:
    rows = [association(n, base, **fields) for n in range(count)]
    stores.associations.upsert_many(rows, 1)
    return rows

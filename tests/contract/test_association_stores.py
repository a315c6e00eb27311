"""The associations' registry and account links, the same on the in-memory twin and on DynamoDB (the emulator):
imports idempotent by CUI and guarded, the directory's order, search, the certificate index, links both ways.
The DynamoDB tables are shared by the session's tests, so each test works on streets and CUIs of its own."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace

import pytest

from chalicelib.domain.associations import cui_control_digit
from chalicelib.stores import Stores, WriteConflict
from chalicelib.stores.associations import association_row
from chalicelib.stores.rows import AssociationRow


def a_cui() -> str:
    body = str(random.randint(10_000_000, 99_999_999))
    return body + str(cui_control_digit(body))


def a_street() -> str:
    return f"Strada Test {uuid.uuid4().hex[:10]}"


def an_association(street: str, number: str = "1", block: str | None = "A1", **fields: object) -> AssociationRow:
    values: dict[str, object] = {
        "cui": a_cui(),
        "name": "Asociația de proprietari bloc " + (block or number),
        "street": street,
        "number": number,
        "block": block,
        "staircases": ["A", "B"],
        "apartments": 40,
        "lifts": 2,
        "administrator_name": "Ion Popescu",
        "administrator_certificate": f"PS2/{uuid.uuid4().hex[:6].upper()}",
        "administrator_certificate_expiry": "2028-12-31",
        "president_name": "Maria Ionescu",
        "email": "asociatie@example.ro",
        "phone": "+40722000111",
    }
    values.update(fields)
    return association_row(values, now=1)


def test_an_import_creates_then_leaves_unchanged_then_updates_by_cui(stores: Stores) -> None:
    street = a_street()
    rows = [an_association(street, str(n)) for n in range(1, 6)]
    first = stores.associations.upsert_many(rows, now=100)
    assert (first.created, first.updated, first.unchanged) == (5, 0, 0)
    again = stores.associations.upsert_many(rows, now=200)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    changed = [replace(rows[0], apartments=41), *rows[1:]]
    third = stores.associations.upsert_many(changed, now=300)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 4)
    stored = stores.associations.get(rows[0].cui)
    assert stored is not None and stored.apartments == 41
    assert (stored.created_at, stored.updated_at) == (100, 300)
    assert stored.staircases == ["A", "B"] and stored.lifts == 2


def test_an_import_larger_than_one_transaction_is_written_whole(stores: Stores) -> None:
    street = a_street()
    rows = [an_association(street, str(n), block=None) for n in range(1, 251)]
    counts = stores.associations.upsert_many(rows, now=100)
    assert counts.created == 250
    assert {row.cui for row in stores.associations.on_street(street)} == {row.cui for row in rows}


def test_an_association_changed_meanwhile_is_not_overwritten(stores: Stores) -> None:
    row = an_association(a_street())
    stores.associations.upsert_many([row], now=100)
    read = stores.associations.get(row.cui)
    assert read is not None
    stores.associations.save(replace(read, name="Schimbat de altcineva", updated_at=150), expected_updated_at=100)
    with pytest.raises(WriteConflict):
        stores.associations.save(replace(read, name="Editare veche", updated_at=160), expected_updated_at=100)
    stored = stores.associations.get(row.cui)
    assert stored is not None and stored.name == "Schimbat de altcineva"


def test_the_directory_orders_by_street_then_number_and_block_naturally(stores: Stores) -> None:
    street = a_street()
    rows = [
        an_association(street, "10", "B2"),
        an_association(street, "2", "B10"),
        an_association(street, "2", "B9"),
        an_association(street, "2A", None),
    ]
    stores.associations.upsert_many(rows, now=1)
    listed = [(r.number, r.block) for r in stores.associations.on_street(street.upper().replace("STRADA", "Str."))]
    assert listed == [("2", "B9"), ("2", "B10"), ("2A", None), ("10", "B2")]
    everything = [r.cui for r in stores.associations.all()]
    assert {r.cui for r in rows} <= set(everything)


def test_search_finds_by_name_cui_or_block_on_a_street(stores: Stores) -> None:
    street = a_street()
    florilor = an_association(street, "3", "F5", name="Asociația Florilor Șase")
    other = an_association(street, "4", "G7", name="Asociația Teilor")
    elsewhere = an_association(a_street(), "3", "F5", name="Asociația Florilor Șase")
    stores.associations.upsert_many([florilor, other, elsewhere], now=1)
    assert [r.cui for r in stores.associations.search("florilor sase", street)] == [florilor.cui]
    assert [r.cui for r in stores.associations.search(other.cui)] == [other.cui]
    assert [r.cui for r in stores.associations.search("g7", street)] == [other.cui]
    assert stores.associations.search("nimic-de-gasit", street) == []


def test_associations_are_found_by_their_administrators_certificate(stores: Stores) -> None:
    certificate = f"PS2/{uuid.uuid4().hex[:8].upper()}"
    street = a_street()
    two = [an_association(street, str(n), administrator_certificate=certificate) for n in (1, 2)]
    stores.associations.upsert_many(
        [*two, an_association(street, "3", administrator_certificate=None, administrator_certificate_expiry=None)],
        now=1,
    )
    assert sorted(r.cui for r in stores.associations.with_certificate(certificate)) == sorted(r.cui for r in two)
    assert stores.associations.with_certificate("PS2/NONE") == []


def test_accounts_are_linked_to_associations_both_ways(stores: Stores) -> None:
    user, other = f"asoc-{uuid.uuid4().hex[:8]}", f"asoc-{uuid.uuid4().hex[:8]}"
    first, second = a_cui(), a_cui()
    assert stores.associations.link(user, first, now=1, by="admin")
    assert not stores.associations.link(user, first, now=2, by="admin")  # already linked
    stores.associations.link(user, second, now=3)
    stores.associations.link(other, first, now=4)
    assert sorted(stores.associations.cuis_of(user)) == sorted([first, second])
    assert sorted(stores.associations.accounts_of(first)) == sorted([user, other])
    assert stores.associations.may_act_for(user, second) and not stores.associations.may_act_for(other, second)
    stores.associations.unlink(user, second)
    assert stores.associations.cuis_of(user) == [first]


def test_the_registry_index_names_each_associations_street_digest_and_last_change(stores: Stores) -> None:
    street = a_street()
    row = an_association(street)
    counts = stores.associations.upsert_many([row], now=100)
    assert counts.changed_streets == {street} and counts.registry[row.cui].updated_at == 100
    entries = {e.cui: e for e in stores.associations.registry()}
    assert entries[row.cui] == counts.registry[row.cui] and entries[row.cui].street == street
    stores.associations.upsert_many([replace(row, lifts=5)], now=200)
    changed = {e.cui: e for e in stores.associations.registry()}[row.cui]
    assert changed.updated_at == 200 and changed.digest != entries[row.cui].digest


def test_an_import_does_not_overwrite_an_association_edited_since_the_registry_was_read(stores: Stores) -> None:
    row = an_association(a_street())
    stores.associations.upsert_many([row], now=100)
    stale = stores.associations.registry

    def registry_read_before_the_edit() -> list:  # type: ignore[type-arg]
        entries = stale()
        stored = stores.associations.get(row.cui)
        assert stored is not None
        stores.associations.save(replace(stored, name="Editată", updated_at=150), expected_updated_at=100)
        return entries

    stores.associations.registry = registry_read_before_the_edit  # type: ignore[method-assign]
    with pytest.raises(WriteConflict):
        stores.associations.upsert_many([replace(row, apartments=99)], now=200)
    stored = stores.associations.get(row.cui)
    assert stored is not None and stored.name == "Editată" and stored.apartments == row.apartments

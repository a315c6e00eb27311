"""The storage port every store is written against: tables of rows, conditional writes, one transaction.

A store (``stores/request_store.py``, ``stores/lockers.py``, …) names the operations a service needs
(``reserve_compartment``, ``claim_credential``, …) and builds each from the few primitives of ``Table``:
read a row, query a key or an index, put, update, delete and check, each guarded by an ``Expect``
(field → value, ``ABSENT``, ``PRESENT`` or a comparison). Two engines implement ``Table``:
``storage/dynamo_tables.py`` (DynamoDB through pynamodb, the only code that imports it) and
``storage/memory_tables.py`` (dicts, for fast tests). ``tests/contract/`` runs the same tests against both,
so the named operations mean the same thing on either.

Writes given a ``Transaction`` are staged and happen all together or not at all when it commits; a write
given none happens at once. A failed condition raises ``WriteConflict`` (storage words, no pynamodb); an
unreachable database raises the domain's ``DependencyDown``. Services turn ``WriteConflict`` into the
domain error that fits (``RequestChanged``, ``CompartmentUnavailable``, …).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

Row = TypeVar("Row")
Key = str | tuple[str, str]


class WriteConflict(Exception):
    """A guarded write found the item in another state than expected; nothing of its transaction was written.

    For a failed ``update`` outside a transaction, ``current`` is the item as the condition found it (None:
    there is none), returned by the same request: the caller learns why without reading it again.
    """

    def __init__(self, *args: object, current: Any = None) -> None:
        super().__init__(*args)
        self.current = current


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT = _Marker("ABSENT")  # the attribute does not exist (an item that does not exist has none)
PRESENT = _Marker("PRESENT")  # the attribute exists


@dataclass(frozen=True)
class Compare:
    """``field <op> value``; ``op`` one of ``< <= > >= !=``. A missing attribute fails every comparison but ``!=``."""

    op: str
    value: Any

    def holds(self, current: Any) -> bool:
        if self.op == "!=":
            return current != self.value
        if current is None:
            return False
        return bool(
            {
                "<": current < self.value,
                "<=": current <= self.value,
                ">": current > self.value,
                ">=": current >= self.value,
            }[self.op]
        )


@dataclass(frozen=True)
class OneOf:
    """The attribute equals one of ``values``."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one of ``alternatives`` (each an ``Expect``, all of whose fields must hold) holds. Its key in an
    ``Expect`` names no attribute, only the rule (``{"door_order": AnyOf(...)}``)."""

    alternatives: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Between:
    """A sort-key range, both ends included (DynamoDB's BETWEEN)."""

    low: Any
    high: Any


@dataclass(frozen=True)
class BeginsWith:
    prefix: str


def lt(value: Any) -> Compare:
    return Compare("<", value)


def le(value: Any) -> Compare:
    return Compare("<=", value)


def gt(value: Any) -> Compare:
    return Compare(">", value)


def ge(value: Any) -> Compare:
    return Compare(">=", value)


def ne(value: Any) -> Compare:
    return Compare("!=", value)


Expect = Mapping[str, Any]  # field -> value | ABSENT | PRESENT | Compare | OneOf (or rule -> AnyOf); all must hold
KeyCondition = Compare | Between | BeginsWith | Any  # on the sort key of a query; a plain value means ==


def expect_holds(expect: Expect | None, row: Any) -> bool:
    """Whether ``expect`` holds on ``row`` (None: no item). The in-memory engine's condition check."""
    for name, wanted in (expect or {}).items():
        current = None if row is None else getattr(row, name, None)
        if isinstance(wanted, AnyOf):
            ok = any(expect_holds(alternative, row) for alternative in wanted.alternatives)
        elif wanted is ABSENT:
            ok = current is None
        elif wanted is PRESENT:
            ok = current is not None
        elif isinstance(wanted, Compare):
            ok = wanted.holds(current)
        elif isinstance(wanted, OneOf):
            ok = current in wanted.values
        else:
            ok = current is not None and current == wanted
        if not ok:
            return False
    return True


def key_condition_holds(condition: KeyCondition, value: Any) -> bool:
    if condition is None:
        return True
    if value is None:
        return False
    if isinstance(condition, Between):
        return bool(condition.low <= value <= condition.high)
    if isinstance(condition, BeginsWith):
        return isinstance(value, str) and value.startswith(condition.prefix)
    if isinstance(condition, Compare):
        return condition.holds(value)
    return bool(value == condition)


class Transaction(Protocol):
    """Staged writes that commit together (DynamoDB allows 100 items in one)."""

    def commit(self) -> None: ...


class Table(Protocol, Generic[Row]):
    """One table of ``Row`` dataclasses. Keys are the hash key, or ``(hash, range)`` for tables with both."""

    def get(self, key: Key) -> Row | None:
        """A strongly consistent read."""
        ...

    def get_many(self, keys: Iterable[Key]) -> list[Row]:
        """The rows that exist among ``keys`` (in no particular order)."""
        ...

    def query(
        self,
        hash_value: str,
        sort: KeyCondition = None,
        *,
        index: str | None = None,
        limit: int | None = None,
        descending: bool = False,
        where: Expect | None = None,
    ) -> Iterator[Row]:
        """Rows under one hash key (of the table or of ``index``) in sort-key order; ``where`` filters after
        the key condition and ``limit`` counts rows returned. A keys-only index returns rows holding its keys."""
        ...

    def put(self, row: Row, expect: Expect | None = None, tx: Transaction | None = None) -> None: ...

    def update(
        self,
        key: Key,
        *,
        set: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        add: Mapping[str, int] | None = None,
        expect: Expect | None = None,
        tx: Transaction | None = None,
    ) -> Row | None:
        """Set, remove and add (numbers) attributes; creates the item if it does not exist and ``expect``
        allows. Returns the row as written when not in a transaction (None in one). A ``None`` in ``set``
        removes the attribute. Outside a transaction a failed ``expect`` raises ``WriteConflict`` with
        ``current``, the item as it was."""
        ...

    def delete(self, key: Key, expect: Expect | None = None, tx: Transaction | None = None) -> None: ...

    def check(self, key: Key, expect: Expect, tx: Transaction) -> None:
        """A condition on an item the transaction does not write."""
        ...


class Engine(Protocol):
    """Makes the tables and transactions of one database."""

    def table(self, row_type: type[Row]) -> Table[Row]: ...

    def transaction(self) -> AbstractContextManager[Transaction]:
        """``with engine.transaction() as tx:`` commits at the end of the block, or raises ``WriteConflict``
        and writes nothing."""
        ...

    def get_rows(self, keys: list[tuple[type, Key]]) -> list[Any]:
        """Rows of several tables in one request (BatchGetItem, strongly consistent), in the order of
        ``keys``; None where an item does not exist."""
        ...

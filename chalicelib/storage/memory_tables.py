"""The in-memory engine of the storage port (``stores/engine.py``): the twin of ``dynamo_tables.py`` for fast tests.

Dicts of row copies under one lock. It keeps DynamoDB's rules that code can trip over: conditions are
checked on the item as stored, a transaction checks every condition before it writes anything, one
transaction may touch an item once, an update creates a missing item, an index holds only the items that
have its keys (sparse indexes), and a keys-only index returns only keys. ``tests/contract/`` runs the same
tests against this engine and the DynamoDB one.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import MISSING, fields
from typing import Any

from ..stores.engine import (
    Expect,
    Key,
    KeyCondition,
    Transaction,
    WriteConflict,
    expect_holds,
    key_condition_holds,
)
from ..stores.rows import TableSpec

Check = Callable[[], bool]
Apply = Callable[[], None]


class MemoryTransaction:
    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._staged: list[tuple[tuple[str, tuple[Any, ...]], Check, Apply]] = []

    def stage(self, item: tuple[str, tuple[Any, ...]], check: Check, apply: Apply) -> None:
        if any(staged[0] == item for staged in self._staged):
            raise ValueError(f"one transaction touches {item} twice (DynamoDB refuses this)")
        if len(self._staged) >= 100:
            raise ValueError("more than 100 items in one transaction (DynamoDB refuses this)")
        self._staged.append((item, check, apply))

    def commit(self) -> None:
        with self._lock:
            if not all(check() for _, check, _ in self._staged):
                raise WriteConflict("a condition of the transaction failed")
            for _, _, apply in self._staged:
                apply()


class MemoryTable:
    def __init__(self, row_type: type, lock: threading.RLock) -> None:
        self.row_type = row_type
        self.spec: TableSpec = row_type.TABLE  # type: ignore[attr-defined]
        self.fields = {f.name: f for f in fields(row_type)}
        self.names = set(self.fields)
        self.rows: dict[tuple[Any, ...], Any] = {}
        self._lock = lock
        self.key_names = {self.spec.hash, self.spec.range} | {
            name for index in self.spec.indexes.values() for name in (index.hash, index.range)
        }
        self.key_names.discard(None)

    def _refuse_empty_keys(self, values: Mapping[str, Any]) -> None:
        """DynamoDB refuses an empty string in a table or index key attribute (ValidationException)."""
        empty = sorted(name for name in self.key_names if values.get(name) == "")
        if empty:
            raise ValueError(f"{self.spec.name}: empty string in key attribute {empty}")

    def _key(self, key: Key) -> tuple[Any, ...]:
        if self.spec.range:
            if not isinstance(key, tuple) or len(key) != 2:
                raise ValueError(f"{self.spec.name} needs a (hash, range) key, got {key!r}")
            return key
        if isinstance(key, tuple):
            raise ValueError(f"{self.spec.name} has no range key, got {key!r}")
        return (key,)

    def _default(self, name: str) -> Any:
        """What a missing attribute reads as (DynamoDB has no item attribute; the row has its default)."""
        field = self.fields[name]
        if field.default is not MISSING:
            return field.default
        if field.default_factory is not MISSING:
            return field.default_factory()
        return None

    def _key_of(self, row: Any) -> tuple[Any, ...]:
        hash_value = getattr(row, self.spec.hash)
        return (hash_value, getattr(row, self.spec.range)) if self.spec.range else (hash_value,)

    def _new(self, key: tuple[Any, ...]) -> Any:
        values = {self.spec.hash: key[0]}
        if self.spec.range:
            values[self.spec.range] = key[1]
        return self.row_type(**values)

    def _write(self, key: tuple[Any, ...], check: Check, apply: Apply, tx: Transaction | None) -> None:
        if tx is not None:
            if not isinstance(tx, MemoryTransaction):
                raise TypeError("a memory table needs a memory transaction")
            tx.stage((self.spec.name, key), check, apply)
            return
        with self._lock:
            if not check():
                raise WriteConflict(f"condition failed on {self.spec.name} {key}")
            apply()

    # reads
    def get(self, key: Key) -> Any:
        with self._lock:
            return copy.deepcopy(self.rows.get(self._key(key)))

    def get_many(self, keys: Iterable[Key]) -> list[Any]:
        with self._lock:
            found = (self.rows.get(self._key(key)) for key in keys)
            return [copy.deepcopy(row) for row in found if row is not None]

    def query(
        self,
        hash_value: str,
        sort: KeyCondition = None,
        *,
        index: str | None = None,
        limit: int | None = None,
        descending: bool = False,
        where: Expect | None = None,
    ) -> Iterator[Any]:
        spec_index = self.spec.indexes[index] if index else None
        hash_name = spec_index.hash if spec_index else self.spec.hash
        sort_name = spec_index.range if spec_index else self.spec.range
        with self._lock:
            candidates = [
                row
                for row in self.rows.values()
                if getattr(row, hash_name) == hash_value
                and (sort_name is None or getattr(row, sort_name) is not None)
                and (sort is None or key_condition_holds(sort, getattr(row, sort_name) if sort_name else None))
            ]
            candidates.sort(key=lambda row: (getattr(row, sort_name) if sort_name else 0, self._key_of(row)))
            if descending:
                candidates.reverse()
            result = []
            for row in candidates:
                if not expect_holds(where, row):
                    continue
                result.append(self._keys_only(row, spec_index) if spec_index and spec_index.keys_only else row)
                if limit is not None and len(result) >= limit:
                    break
            return iter(copy.deepcopy(result))

    def _keys_only(self, row: Any, index: Any) -> Any:
        keep = {self.spec.hash, self.spec.range, index.hash, index.range} - {None}
        return self.row_type(**{name: getattr(row, name) for name in keep})

    # writes
    def put(self, row: Any, expect: Expect | None = None, tx: Transaction | None = None) -> None:
        key = self._key_of(row)
        self._refuse_empty_keys(vars(row))
        stored = copy.deepcopy(row)

        def apply() -> None:
            self.rows[key] = stored

        self._write(key, lambda: expect_holds(expect, self.rows.get(key)), apply, tx)

    def update(
        self,
        key: Key,
        *,
        set: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        add: Mapping[str, int] | None = None,
        expect: Expect | None = None,
        tx: Transaction | None = None,
    ) -> Any:
        item_key = self._key(key)
        to_set, to_remove, to_add = dict(set or {}), list(remove), dict(add or {})
        unknown = (to_set.keys() | to_remove | to_add.keys()) - self.names
        if unknown:
            raise ValueError(f"{self.spec.name} has no attribute {sorted(unknown)}")
        self._refuse_empty_keys(to_set)
        written: list[Any] = []

        def apply() -> None:
            row = self.rows.get(item_key) or self._new(item_key)
            for name, value in to_set.items():
                setattr(row, name, self._default(name) if value is None else copy.deepcopy(value))
            for name in to_remove:
                setattr(row, name, self._default(name))
            for name, amount in to_add.items():
                setattr(row, name, (getattr(row, name) or 0) + amount)
            self.rows[item_key] = row
            written.append(copy.deepcopy(row))

        try:
            self._write(item_key, lambda: expect_holds(expect, self.rows.get(item_key)), apply, tx)
        except WriteConflict as refused:  # as DynamoDB's ReturnValuesOnConditionCheckFailure (updates only)
            raise WriteConflict(str(refused), current=copy.deepcopy(self.rows.get(item_key))) from None
        return written[0] if tx is None else None

    def delete(self, key: Key, expect: Expect | None = None, tx: Transaction | None = None) -> None:
        item_key = self._key(key)
        self._write(
            item_key,
            lambda: expect_holds(expect, self.rows.get(item_key)),
            lambda: self.rows.pop(item_key, None) and None,
            tx,
        )

    def check(self, key: Key, expect: Expect, tx: Transaction) -> None:
        item_key = self._key(key)
        self._write(item_key, lambda: expect_holds(expect, self.rows.get(item_key)), lambda: None, tx)


class MemoryEngine:
    """All tables of one in-memory database; one lock makes every write and transaction atomic."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._tables: dict[type, MemoryTable] = {}

    def table(self, row_type: type) -> Any:
        with self._lock:
            if row_type not in self._tables:
                self._tables[row_type] = MemoryTable(row_type, self._lock)
            return self._tables[row_type]

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        tx = MemoryTransaction(self._lock)
        yield tx
        tx.commit()

    def get_rows(self, keys: list[tuple[type, Key]]) -> list[Any]:
        with self._lock:
            tables = [self.table(row_type) for row_type, _ in keys]
            return [copy.deepcopy(t.rows.get(t._key(key))) for t, (_, key) in zip(tables, keys, strict=True)]

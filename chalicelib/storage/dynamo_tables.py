"""The DynamoDB engine of the storage port (``stores/engine.py``): pynamodb models behind ``Table``.

The only place outside ``storage/models.py`` that speaks pynamodb. Each ``Expect`` becomes a condition
expression, each write an item of a ``TransactWrite`` or a single conditional request, each row a
``stores.rows`` dataclass. Errors are translated here, once: a failed condition (alone or cancelling a
transaction, or a transaction conflict) is ``WriteConflict``; an unreachable or throttling DynamoDB is
the domain's ``DependencyDown``; anything else (a malformed request) is a bug and goes up as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..domain.errors import DependencyDown
from ..stores.engine import (
    ABSENT,
    PRESENT,
    AnyOf,
    BeginsWith,
    Between,
    Compare,
    Expect,
    Key,
    KeyCondition,
    OneOf,
    Transaction,
    WriteConflict,
)
from ..stores.rows import TableSpec
from . import models
from .models import ttl_at

# Items a query reads a request: DynamoDB's own cap is 1 MB, but the emulator takes ~4 ms an item, and a
# page of the whole registry (2,700 associations) outlasted the 5 s read timeout there.
PAGE_ITEMS = 500
CONFLICTS = {"ConditionalCheckFailedException", "ConditionalCheckFailed", "TransactionConflict"}
BUGS = {"ValidationException", "SerializationException", "ResourceNotFoundException", "ValidationError"}


def _unreachable(error: Exception) -> DependencyDown:
    return DependencyDown("Serviciul de date nu răspunde. Încercați din nou în câteva minute.", "DynamoDB unreachable")


@contextmanager
def translated_errors() -> Iterator[None]:
    """pynamodb's errors in the port's words (see the module docstring)."""
    try:
        yield
    except TransactWriteError as error:
        reasons = {getattr(r, "code", None) for r in (error.cancellation_reasons or []) if r is not None}
        if reasons & CONFLICTS or error.cause_response_code == "TransactionConflictException":
            raise WriteConflict(str(sorted(r for r in reasons if r))) from error
        if reasons & BUGS or error.cause_response_code in BUGS:
            raise
        raise _unreachable(error) from error
    except PynamoDBException as error:
        code = getattr(error, "cause_response_code", None)
        if code == "ConditionalCheckFailedException":
            raise WriteConflict(code) from error
        if code in BUGS:
            raise
        raise _unreachable(error) from error
    except ClientError as error:  # a raw client call (BatchGetItem across tables)
        code = error.response.get("Error", {}).get("Code")
        if code in BUGS:
            raise
        raise _unreachable(error) from error
    except BotoCoreError as error:
        raise _unreachable(error) from error


def _compare(attr: Any, op: str, value: Any) -> Condition:
    if op == "<":
        return cast(Condition, attr < value)
    if op == "<=":
        return cast(Condition, attr <= value)
    if op == ">":
        return cast(Condition, attr > value)
    if op == ">=":
        return cast(Condition, attr >= value)
    return cast(Condition, attr != value)


class DynamoTransaction:
    def __init__(self, connection: Connection) -> None:
        # the token makes botocore's retry of a transaction that timed out but committed succeed instead of
        # failing its own conditions (DynamoDB keeps it 10 minutes): a committed write is never reported lost
        self._tx = TransactWrite(connection=connection, client_request_token=uuid.uuid4().hex)
        self._empty = True

    def stage(self) -> TransactWrite:
        self._empty = False
        return self._tx

    def commit(self) -> None:
        if self._empty:
            return
        with translated_errors():
            self._tx._commit()


class DynamoTable:
    """``Table`` over one pynamodb model."""

    def __init__(self, row_type: type, model: type[Model]) -> None:
        self.row_type = row_type
        self.model = model
        self.spec: TableSpec = row_type.TABLE  # type: ignore[attr-defined]
        self.names = [f.name for f in fields(row_type)]

    # conversions
    def to_row(self, item: Model) -> Any:
        values = {}
        for name in self.names:
            value = getattr(item, name, None)
            if isinstance(value, datetime):
                value = int(value.timestamp())
            if value is not None:  # a missing attribute reads as the row's default, as in memory
                values[name] = value
        return self.row_type(**values)

    def _value(self, name: str, value: Any) -> Any:
        return ttl_at(int(value)) if name == self.spec.ttl and value is not None else value

    def _item(self, key: Key) -> Model:
        hash_value, range_value = self._split(key)
        values: dict[str, Any] = {self.spec.hash: hash_value}
        if self.spec.range:
            values[self.spec.range] = range_value
        return self.model(**values)

    def serialized_key(self, key: Key) -> dict[str, Any]:
        """The key in DynamoDB's JSON (every key of these tables is a string)."""
        hash_value, range_value = self._split(key)
        serialized = {self.spec.hash: {"S": hash_value}}
        if self.spec.range:
            serialized[self.spec.range] = {"S": str(range_value)}
        return serialized

    def key_of(self, row: Any) -> tuple[str, str | None]:
        return getattr(row, self.spec.hash), getattr(row, self.spec.range) if self.spec.range else None

    def _split(self, key: Key) -> tuple[str, str | None]:
        if isinstance(key, tuple):
            return key[0], key[1]
        return key, None

    def _attr(self, name: str) -> Any:
        return getattr(self.model, name)

    def _condition(self, expect: Expect | None) -> Condition | None:
        condition: Condition | None = None
        for name, wanted in (expect or {}).items():
            if isinstance(wanted, AnyOf):
                alternatives = [cast(Condition, self._condition(alt)) for alt in wanted.alternatives]
                part = alternatives[0]
                for alternative in alternatives[1:]:
                    part = part | alternative
                condition = part if condition is None else condition & part
                continue
            attr = self._attr(name)
            if wanted is ABSENT:
                part = attr.does_not_exist()
            elif wanted is PRESENT:
                part = attr.exists()
            elif isinstance(wanted, Compare):
                value = self._value(name, wanted.value)
                part = _compare(attr, wanted.op, value)
            elif isinstance(wanted, OneOf):
                part = attr.is_in(*wanted.values)
            else:
                part = attr == self._value(name, wanted)
            condition = part if condition is None else condition & part
        return condition

    def _sort_condition(self, attr_name: str | None, sort: KeyCondition) -> Condition | None:
        if sort is None or attr_name is None:
            return None
        attr = self._attr(attr_name)
        if isinstance(sort, Between):
            return cast(Condition, attr.between(sort.low, sort.high))
        if isinstance(sort, BeginsWith):
            return cast(Condition, attr.startswith(sort.prefix))
        if isinstance(sort, Compare):
            return self._condition({attr_name: sort})
        return cast(Condition, attr == sort)

    def _actions(
        self, set: Mapping[str, Any] | None, remove: Iterable[str], add: Mapping[str, int] | None
    ) -> list[Action]:
        actions: list[Action] = []
        for name, value in (set or {}).items():
            attr = self._attr(name)
            actions.append(attr.remove() if value is None else attr.set(self._value(name, value)))
        actions.extend(self._attr(name).remove() for name in remove)
        actions.extend(self._attr(name).add(amount) for name, amount in (add or {}).items())
        return actions

    # reads
    def get(self, key: Key) -> Any:
        hash_value, range_value = self._split(key)
        with translated_errors():
            try:
                return self.to_row(self.model.get(hash_value, range_value, consistent_read=True))
            except self.model.DoesNotExist:
                return None

    def get_many(self, keys: Iterable[Key]) -> list[Any]:
        wanted = [key if not isinstance(key, tuple) else key for key in keys]
        if not wanted:
            return []
        with translated_errors():
            return [self.to_row(item) for item in self.model.batch_get(wanted, consistent_read=True)]

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
        sort_name = self.spec.indexes[index].range if index else self.spec.range
        source: Any = self.model._indexes[index] if index else self.model
        with translated_errors():
            items = source.query(
                hash_value,
                range_key_condition=self._sort_condition(sort_name, sort),
                filter_condition=self._condition(where),
                limit=limit,
                page_size=limit or PAGE_ITEMS,
                scan_index_forward=not descending,
                **({} if index else {"consistent_read": True}),
            )
            rows = [self.to_row(item) for item in items]
        return iter(rows)

    # writes
    def put(self, row: Any, expect: Expect | None = None, tx: Transaction | None = None) -> None:
        item = self.model(**{n: self._value(n, getattr(row, n)) for n in self.names if getattr(row, n) is not None})
        condition = self._condition(expect)
        if tx is not None:
            cast(DynamoTransaction, tx).stage().save(item, condition=condition)
            return
        with translated_errors():
            item.save(condition=condition)

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
        item = self._item(key)
        actions = self._actions(set, remove, add)
        condition = self._condition(expect)
        if tx is not None:
            cast(DynamoTransaction, tx).stage().update(item, actions=actions, condition=condition)
            return None
        return self._update_now(item, actions, condition)

    def _update_now(self, item: Model, actions: list[Action], condition: Condition | None) -> Any:
        """One UpdateItem returning the item as written. On a failed condition DynamoDB returns the item as
        the condition found it (``ReturnValuesOnConditionCheckFailure``, no extra cost), carried by
        ``WriteConflict.current``: pynamodb's ``Model.update`` drops it, so the request is made here."""
        table = self.model._get_connection()
        hash_value, range_value = item._get_hash_range_key_serialized_values()
        request = table.get_operation_kwargs(
            hash_value,
            range_key=range_value,
            actions=actions,
            condition=condition,
            return_values="ALL_NEW",
            return_values_on_condition_failure="ALL_OLD",
        )
        with translated_errors():
            try:
                written = table.connection.client._make_api_call("UpdateItem", request)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                found = error.response.get("Item")
                current = self.to_row(self.model.from_raw_data(found)) if found else None
                raise WriteConflict("ConditionalCheckFailedException", current=current) from error
        return self.to_row(self.model.from_raw_data(written["Attributes"]))

    def delete(self, key: Key, expect: Expect | None = None, tx: Transaction | None = None) -> None:
        item = self._item(key)
        condition = self._condition(expect)
        if tx is not None:
            cast(DynamoTransaction, tx).stage().delete(item, condition=condition)
            return
        with translated_errors():
            item.delete(condition=condition)

    def check(self, key: Key, expect: Expect, tx: Transaction) -> None:
        hash_value, range_value = self._split(key)
        cast(DynamoTransaction, tx).stage().condition_check(
            self.model, hash_value, range_value, condition=self._condition(expect)
        )


class DynamoEngine:
    """Tables bound to the configured endpoint and table names (``models.bind``)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        by_name = {base: model for model, base in models.BASE_NAMES.items()}
        self._models = by_name
        self._tables: dict[type, DynamoTable] = {}

    def table(self, row_type: type) -> Any:
        if row_type not in self._tables:
            self._tables[row_type] = DynamoTable(row_type, self._models[row_type.TABLE.name])  # type: ignore[attr-defined]
        return self._tables[row_type]

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        tx = DynamoTransaction(self.connection)
        yield tx
        tx.commit()

    def get_rows(self, keys: list[tuple[type, Key]]) -> list[Any]:
        tables = [self.table(row_type) for row_type, _ in keys]
        wanted: dict[str, dict[str, Any]] = {}
        for table, (_, key) in zip(tables, keys, strict=True):
            entry = wanted.setdefault(table.model.Meta.table_name, {"Keys": [], "ConsistentRead": True})
            serialized = table.serialized_key(key)
            if serialized not in entry["Keys"]:
                entry["Keys"].append(serialized)
        by_name = {table.model.Meta.table_name: table for table in tables}
        found: dict[tuple[str, str, str | None], Any] = {}
        with translated_errors():
            for _ in range(5):  # unprocessed keys (throttling) are asked again
                if not wanted:
                    break
                reply = self.connection.client.batch_get_item(RequestItems=wanted)
                for name, items in reply.get("Responses", {}).items():
                    table = by_name[name]
                    for item in items:
                        row = table.to_row(table.model.from_raw_data(item))
                        found[(name, *table.key_of(row))] = row
                wanted = reply.get("UnprocessedKeys") or {}
            else:
                if wanted:
                    raise _unreachable(RuntimeError("unprocessed keys"))
        return [found.get((t.model.Meta.table_name, *t._split(key))) for t, (_, key) in zip(tables, keys, strict=True)]

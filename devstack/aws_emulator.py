"""moto in server mode, with each request applied atomically and transactions at DynamoDB's cost.

moto's threaded server lets two requests interleave inside one backend, so a
conditional write can pass its check while another commits: DynamoDB never
does that. A lock around each request restores the atomicity that the
allocation and numbering guarantees rely on, so the local stack proves them.
Transactions back up only the items they touch (``cheap_transactions``), so
their cost does not grow with the tables as moto's deep copies do. With
``--state-file`` the backends are loaded at start and saved on shutdown and
every ``--autosave-seconds`` after a change (``devstack.aws_state``)."""

from __future__ import annotations

import argparse
import copy
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

from . import aws_state

SMS_PATH = "/_eps2/sms.json"


def sent_sms() -> list[dict[str, str]]:
    """Every SMS SNS was asked to send, in order, from every account and region of the emulator."""
    from moto.sns.models import sns_backends

    messages = []
    for account in list(sns_backends):
        for region in list(sns_backends[account]):
            for message_id, (phone, body) in sns_backends[account][region].sms_messages.items():
                messages.append({"message_id": message_id, "phone_number": phone, "message": body})
    return messages


EMAIL_PATH = "/_eps2/email.json"


def sent_email() -> list[dict[str, object]]:
    """Every e-mail SES was asked to send (SendEmail), in order, with the time it was taken."""
    from moto.ses.models import Message, ses_backends

    messages: list[dict[str, object]] = []
    for account in list(ses_backends):
        for region in list(ses_backends[account]):
            for message in ses_backends[account][region].sent_messages:
                if not isinstance(message, Message):
                    continue
                for to in message.destinations.get("ToAddresses", []):
                    messages.append(
                        {
                            "to": to,
                            "subject": message.subject,
                            "body": message.body,
                            "time": getattr(message, "eps2_time", None),
                            "messageId": message.id,
                        }
                    )
    return messages


def stamp_email_times() -> None:
    """moto keeps no send time: record it on each message as SES takes it."""
    from moto.ses import models as ses_models

    original = ses_models.Message.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.eps2_time = int(time.time() * 1000)

    ses_models.Message.__init__ = init  # type: ignore[method-assign]


class SerialisedApp:
    """Also answers SMS_PATH: the SNS outbox without moto's full data dump, whose cost grows with every table."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._changed = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._lock:
            if environ.get("PATH_INFO") == SMS_PATH:
                start_response("200 OK", [("Content-Type", "application/json")])
                return [json.dumps({"sns": {"SMS": sent_sms()}}).encode()]
            if environ.get("PATH_INFO") == EMAIL_PATH:
                start_response("200 OK", [("Content-Type", "application/json")])
                return [json.dumps({"email": sent_email()}).encode()]
            self._changed = True  # DynamoDB reads are POSTs too: any request may have changed something
            return list(self._app(environ, start_response))

    def save_state(self, path: Path, only_if_changed: bool = False) -> None:
        with self._lock:
            if only_if_changed and not self._changed:
                return
            data = aws_state.snapshot()
            self._changed = False
        aws_state.save(path, data)

    def autosave(self, path: Path, every_s: float) -> None:
        def loop() -> None:
            while True:
                time.sleep(every_s)
                self.save_state(path, only_if_changed=True)

        threading.Thread(target=loop, name="autosave", daemon=True).start()


class _NoTableCopy:
    """Stands in for the ``copy`` module inside moto's DynamoDB backend: tables are not copied."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _item_key(table: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def cheap_transactions() -> None:
    """moto backs up every table a transaction touches with a deep copy, so each transaction costs time in
    proportion to the tables' size; DynamoDB's does not. Back up only the touched items instead (requests are
    serialised, so nothing else can change them meanwhile) and restore them if the transaction is cancelled."""
    import moto.dynamodb.models as dynamo_models

    original = dynamo_models.DynamoDBBackend.transact_write_items
    dynamo_models.copy = _NoTableCopy  # type: ignore[assignment]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None or op_type == "ConditionCheck":
                continue
            key = _item_key(table, op_type, op)
            current = table.get_item(*_key_values(table, key))
            saved.append((op["TableName"], key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
        try:
            original(self, transact_items)
        except Exception:
            for table_name, key, attributes in reversed(saved):
                if attributes is None:
                    table = self.tables[table_name]
                    if table.get_item(*_key_values(table, key)) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attributes)
            raise

    dynamo_models.DynamoDBBackend.transact_write_items = transact_write_items


def cached_module_list() -> None:
    """moto lists its own package folder (a listdir and ~50 stats) to route every request to a backend; the
    folder does not change while the server runs, so list it once."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]


def _key_values(table: Any, key: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--state-file", type=Path, default=None, help="load at start, save on shutdown")
    parser.add_argument("--autosave-seconds", type=float, default=120.0)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cheap_transactions()
    cached_module_list()
    stamp_email_times()
    app = SerialisedApp(DomainDispatcherApplication(create_backend_app))
    if args.state_file:
        restored = aws_state.restore(args.state_file)
        print(f"AWS emulator state: {args.state_file} ({'loaded' if restored else 'new'})", flush=True)
        if args.autosave_seconds > 0:
            app.autosave(args.state_file, args.autosave_seconds)
    try:
        run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    finally:
        if args.state_file:
            app.save_state(args.state_file)
            print(f"AWS emulator state saved to {args.state_file}", flush=True)


if __name__ == "__main__":
    main()

"""moto in server mode, with each request applied atomically.

moto's threaded server lets two requests interleave inside one backend, so a
conditional write can pass its check while another commits: DynamoDB never
does that. A lock around each request restores the atomicity that the
allocation and numbering guarantees rely on, so the local stack proves them.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

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


class SerialisedApp:
    """Also answers SMS_PATH: the SNS outbox without moto's full data dump, whose cost grows with every table."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._lock:
            if environ.get("PATH_INFO") == SMS_PATH:
                start_response("200 OK", [("Content-Type", "application/json")])
                return [json.dumps({"sns": {"SMS": sent_sms()}}).encode()]
            return list(self._app(environ, start_response))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, SerialisedApp(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()

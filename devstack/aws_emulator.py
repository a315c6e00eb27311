"""moto in server mode, with each request applied atomically.

moto's threaded server lets two requests interleave inside one backend, so a
conditional write can pass its check while another commits: DynamoDB never
does that. A lock around each request restores the atomicity that the
allocation and numbering guarantees rely on, so the local stack proves them.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


class SerialisedApp:
    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._lock:
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

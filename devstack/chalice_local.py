"""``chalice local`` with a listen backlog fit for concurrent clients, and no access log of its own.

chalice's dev server inherits socketserver's backlog of 5, so a burst of
twenty simultaneous clients (the allocation test, the benchmarks) sees
connection resets before any request is read; and http.server answers TRACE
with 501 where API Gateway refuses it. Everything else is the unmodified
``chalice local`` command: ``python -m devstack.chalice_local local --stage local``.
"""

from __future__ import annotations

import socketserver
import sys

from chalice.cli import main
from chalice.local import ChaliceRequestHandler

socketserver.TCPServer.request_queue_size = 128


_original_send_error = ChaliceRequestHandler.send_error


def _send_error(
    handler: ChaliceRequestHandler, code: int, message: str | None = None, explain: str | None = None
) -> None:
    # http.server answers methods it does not know (TRACE, QUERY…) with 501; API Gateway refuses them.
    if code == 501:
        code, message = 405, "Method Not Allowed"
    _original_send_error(handler, code, message, explain)


ChaliceRequestHandler.send_error = _send_error  # type: ignore[method-assign]
# The app writes its own access line (chalicelib.logs), naming the route; http.server's would print the
# path, and a QR page's path holds the citizen's token.
ChaliceRequestHandler.log_request = lambda handler, code="-", size="-": None  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())

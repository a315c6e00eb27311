"""``chalice local`` with a listen backlog fit for concurrent clients.

chalice's dev server inherits socketserver's backlog of 5, so a burst of
twenty simultaneous clients (the allocation test, the benchmarks) sees
connection resets before any request is read. Everything else is the
unmodified ``chalice local`` command: ``python -m devstack.chalice_local local --stage local``.
"""

from __future__ import annotations

import socketserver
import sys

from chalice.cli import main

socketserver.TCPServer.request_queue_size = 128

if __name__ == "__main__":
    sys.exit(main())

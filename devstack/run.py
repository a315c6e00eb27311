"""``make run``: start the whole local stack with demo data, print the URLs, stop everything on Ctrl-C/SIGTERM.

The data persists in ``EPS2_DATA_DIR`` (default ``.local/data``, see ``devstack.datadir``): the next
``make run`` shows the same requests, lockers, audit trail and outbox; ``make reset`` starts clean.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from .datadir import DataDirError, claim, data_dir
from .secrets import load_or_create
from .seed import DEMO_LOCKER
from .stack import ROOT, LocalStack, port_in_use


def main() -> int:
    http_port = int(os.environ.get("EPS2_HTTP_PORT", "8000"))
    mqtt_port = int(os.environ.get("EPS2_MQTT_PORT", "18830"))
    aws_port = int(os.environ.get("EPS2_AWS_PORT", "5000"))
    sim_port = int(os.environ.get("EPS2_SIMULATOR_PORT", "8001"))
    api_port = LocalStack(http_port).chalice_port
    busy = [p for p in (http_port, api_port, mqtt_port, aws_port, sim_port) if port_in_use(p)]
    if busy:
        print(
            f"Port(s) {', '.join(map(str, busy))} already in use: stop what holds them or set "
            "EPS2_HTTP_PORT / EPS2_MQTT_PORT / EPS2_AWS_PORT / EPS2_SIMULATOR_PORT.",
            file=sys.stderr,
        )
        return 2
    data = data_dir()
    try:
        claim(data)
    except DataDirError as error:
        print(error, file=sys.stderr)
        return 2
    # The secrets live with the data: tokens, PIN hashes and signed QR codes in it were made with them.
    secrets = load_or_create(data / "secrets.json")
    associations = int(os.environ.get("EPS2_DEMO_ASSOCIATIONS", "2700"))  # the synthetic registry (issue 15)
    stack = LocalStack(http_port, mqtt_port, aws_port, state_dir=data, secrets=secrets, demo_associations=associations)
    stopping = threading.Event()

    def stop(*_: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        stack.start_all(with_simulator=DEMO_LOCKER if _has_simulator() else None, simulator_ui_port=sim_port)
        base = stack.base_url
        print(
            "\nePS2 local stack is running.\n"
            f"  Portal (citizen):    {base}/   (static site and API on one origin, as CloudFront)\n"
            f"  Services catalogue:  {base}/servicii/\n"
            f"  Staff console:       {base}/staff\n"
            f"  Staff API:           {base}/api/requests   (token from POST {base}/api/auth/login)\n"
            f"  Health:              {base}/api/health\n"
            f"  SMS outbox:          {base}/api/dev/outbox\n"
            f"  E-mail outbox:       {base}/api/dev/outbox?channel=email\n"
            f"  Locker simulator:    http://localhost:{sim_port}/   (locker {DEMO_LOCKER})\n"
            f"  API alone:           {stack.api_url}   (chalice local, behind the origin)\n"
            f"  AWS emulator (moto): {stack.aws_endpoint}\n"
            f"  MQTT (Mosquitto):    mqtt://127.0.0.1:{mqtt_port}\n"
            "  Demo accounts:       admin / admin-local, clerk / clerk-local\n"
            f"  Associations:        {base}/asociatii/   (2,700 synthetic; administrator asoc / asoc-local)\n"
            f"  Data (kept):         {data}   (make reset starts clean)\n"
            f"  Logs:                {stack.state_dir}/*.log\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        stopping.wait()
    except Exception as error:
        print(f"Could not start the local stack: {error}", file=sys.stderr)
        return 1
    finally:
        print("Stopping the local stack…", flush=True)
        stack.stop()
    return 0


def _has_simulator() -> bool:
    return (ROOT / "iot" / "simulator.py").exists()


if __name__ == "__main__":
    sys.exit(main())

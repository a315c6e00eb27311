"""A simulated locker for the demo and the tests: the real agent with simulated drivers, a web page and stdin.

``python -m iot.simulator --locker ps2-hq-01 --mqtt-port 18830 --public-key <b64url> --ui-port 8001``

The page shows every compartment (door, out of service, what an open door was opened for: "depunere"
while a citizen drops off a file), the screen's message
and a field to "scan" a QR code or type a PIN. Stdin takes the same actions:
``scan <code>``, ``pin <digits>``, ``open A01``, ``close A01``, ``jam A01``.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import signal
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .__main__ import build_agent
from .agent import LockerAgent
from .config import AgentConfig, CompartmentWiring
from .hardware import SimulatedClock, SimulatedCompartments, SimulatedReader, SimulatedScreen
from .policy import DEFAULT_TOPIC_PREFIX
from .verify import Keyring

log = logging.getLogger("eps2.simulator")


# what an open door is open for, on the page (a citizen's drop-off is the one shown as "depunere")
PURPOSE_LABELS = {
    "dropoff": "depunere",
    "deposit": "încărcare",
    "pickup": "ridicare",
    "retrieve": "retragere",
    "service": "service",
}


def demo_compartment_ids() -> list[str]:
    return [f"{column}{row:02d}" for column in "ABC" for row in range(1, 9)]


class Simulator:
    def __init__(
        self, agent: LockerAgent, doors: SimulatedCompartments, reader: SimulatedReader, screen: SimulatedScreen
    ) -> None:
        self.agent, self.doors, self.reader, self.screen = agent, doors, reader, screen

    def command(self, line: str) -> str:
        verb, _, arg = line.strip().partition(" ")
        arg = arg.strip()
        if verb == "scan" and arg:
            self.reader.scan(arg)
        elif verb == "pin" and arg:
            self.reader.type_pin(arg)
        elif verb in ("open", "close") and arg in self.doors.ids:
            self.doors.set_door(arg, "open" if verb == "open" else "closed")
        elif verb == "jam" and arg in self.doors.ids:
            self.doors.jammed.symmetric_difference_update({arg})
        else:
            return "unknown command: use scan <code> | pin <digits> | open A01 | close A01 | jam A01"
        return "ok"

    def snapshot(self) -> dict[str, Any]:
        return {
            "locker": self.agent.config.locker_id,
            "online": self.agent.link.connected(),
            "screen": self.screen.message,
            "backlog": self.agent.store.backlog(),
            "compartments": [
                {
                    "id": c,
                    "door": self.doors.doors[c],
                    "jammed": c in self.doors.jammed,
                    "purpose": self.agent.opened_for(c) if self.doors.doors[c] == "open" else None,
                }
                for c in self.doors.ids
            ],
        }


def door_label(compartment: dict[str, Any]) -> str:
    if compartment["door"] != "open":
        return "închisă"
    purpose = PURPOSE_LABELS.get(compartment.get("purpose") or "")
    return f"deschisă — {purpose}" if purpose else "deschisă"


def page(sim: Simulator) -> str:
    state = sim.snapshot()
    cells = "".join(
        f'<li class="door-{c["door"]}{" dropoff" if c["purpose"] == "dropoff" else ""}"><strong>{c["id"]}</strong> '
        f"{door_label(c)}{' (blocată)' if c['jammed'] else ''}</li>"
        for c in state["compartments"]
    )
    return f"""<!doctype html><html lang="ro"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="2"><title>Simulator dulap {html.escape(state["locker"])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:1rem}}ul{{display:grid;grid-template-columns:repeat(8,7rem);
gap:.4rem;list-style:none;padding:0}}li{{border:2px solid #333;padding:.4rem}}.door-open{{background:#ffe08a}}
.dropoff{{background:#b8e6c1}}
.screen{{background:#102a43;color:#fff;padding:1rem;font-size:1.3rem}}</style></head><body>
<h1>Dulap {html.escape(state["locker"])} — {"online" if state["online"] else "offline"}</h1>
<p class="screen" id="screen">{html.escape(state["screen"])}</p>
<form method="post" action="/code"><label for="code">Cod QR sau PIN</label>
<input id="code" name="code" autocomplete="off" size="60"><button>Trimite</button></form>
<p>Evenimente netrimise: {state["backlog"]}</p><ul>{cells}</ul></body></html>"""


def serve_ui(sim: Simulator, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/state.json":
                self._send(200, json.dumps(sim.snapshot()), "application/json")
            else:
                self._send(200, page(sim), "text/html; charset=utf-8")

        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length", 0)), 8192)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            if self.path == "/code":
                code = form.get("code", [""])[0].strip()
                verb = "pin" if code.isdigit() and len(code) in (8, 12) else "scan"
                result = sim.command(f"{verb} {code}")
            elif self.path == "/door":
                result = sim.command(f"{form.get('action', [''])[0]} {form.get('compartment', [''])[0]}")
            else:
                result = "not found"
            if result != "ok":
                self._send(400, result, "text/plain; charset=utf-8")
                return
            self.send_response(303)
            self.send_header("Location", "/")
            self.end_headers()

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def build_simulator(
    locker_id: str,
    mqtt_port: int,
    public_key: str,
    state_dir: Path,
    auto_close_s: float | None = 2.0,
    heartbeat_s: float = 60.0,
    compartments: list[str] | None = None,
    topic_prefix: str = DEFAULT_TOPIC_PREFIX,
) -> Simulator:
    ids = compartments or demo_compartment_ids()
    config = AgentConfig(
        locker_id=locker_id,
        topic_prefix=topic_prefix,
        state_dir=state_dir,
        mqtt_host="127.0.0.1",
        mqtt_port=mqtt_port,
        keyring=Keyring.from_b64({"k1": public_key}),
        compartments=tuple(CompartmentWiring(c) for c in ids),
        heartbeat_s=heartbeat_s,
        jam_timeout_s=3.0,
        config_hash="simulator",
    )
    doors = SimulatedCompartments(ids, auto_close_s=auto_close_s)
    reader, screen = SimulatedReader(), SimulatedScreen()
    agent = build_agent(config, doors, reader, screen, SimulatedClock())
    return Simulator(agent, doors, reader, screen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m iot.simulator", description=__doc__.splitlines()[0])
    parser.add_argument("--locker", required=True)
    parser.add_argument("--mqtt-port", type=int, default=18830)
    parser.add_argument("--public-key", required=True, help="backend signing public key, base64url")
    parser.add_argument("--state-dir", type=Path, default=Path(".local/simulator"))
    parser.add_argument("--ui-port", type=int, default=None)
    parser.add_argument("--auto-close", type=float, default=2.0, help="seconds before an opened door closes")
    parser.add_argument("--topic-prefix", default=DEFAULT_TOPIC_PREFIX)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s simulator %(levelname)s %(message)s")
    sim = build_simulator(
        args.locker, args.mqtt_port, args.public_key, args.state_dir, args.auto_close, topic_prefix=args.topic_prefix
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sim.agent.start()
    if args.ui_port:
        serve_ui(sim, args.ui_port)
    threading.Thread(target=lambda: [print(sim.command(line), flush=True) for line in sys.stdin], daemon=True).start()
    stop.wait()
    sim.agent.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

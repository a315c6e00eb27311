"""``python -m iot --config /etc/eps2/locker.toml``: run the locker agent as a service."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

from .agent import LockerAgent
from .config import AgentConfig, ConfigError, load_config
from .hardware import ClockStatus, CodeReader, CompartmentDriver, Screen, SystemdClockStatus
from .link import CrtMqttLink, LinkSettings
from .store import AgentStore

log = logging.getLogger("eps2.locker")


def link_for(config: AgentConfig, boot_will: bytes) -> CrtMqttLink:
    return CrtMqttLink(
        LinkSettings(
            client_id=config.locker_id,
            host=config.mqtt_host,
            port=config.mqtt_port,
            will_topic=config.topic("status"),
            will_payload=boot_will,
            cert=config.cert,
            key=config.key,
            ca=config.ca,
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m iot", description="ePS2 locker agent")
    parser.add_argument("--config", type=Path, default=Path("/etc/eps2/locker.toml"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"eps2-locker: bad configuration {args.config}: {error}", file=sys.stderr)
        return 2
    from .devices import ConsoleScreen, GpioCompartments, LineCodeReader

    reader = LineCodeReader([sys.stdin])
    agent = build_agent(config, GpioCompartments(config.compartments), reader, ConsoleScreen(sys.stdout))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    agent.start()
    reader.start()
    stop.wait()
    agent.stop()
    return 0


def build_agent(
    config: AgentConfig,
    doors: CompartmentDriver,
    reader: CodeReader,
    screen: Screen,
    clock: ClockStatus | None = None,
) -> LockerAgent:
    """Wire an agent: its boot id goes into the last will, so a stale ``offline`` can be told apart."""
    boot = uuid.uuid4().hex[:16]
    will = json.dumps({"state": "offline", "boot": boot, "ts": int(time.time() * 1000)}).encode()
    store = AgentStore(config.state_dir / "agent.sqlite3")
    link = link_for(config, will)
    return LockerAgent(config, link, doors, reader, screen, clock or SystemdClockStatus(), store, boot=boot)


if __name__ == "__main__":
    sys.exit(main())

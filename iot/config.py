"""The agent's configuration file (TOML), checked at start: a bad file stops the agent with a clear message.

Example (``/etc/eps2/locker.toml``)::

    locker_id = "ps2-hq-01"
    state_dir = "/var/lib/eps2"
    [mqtt]
    host = "xxxxxxxx-ats.iot.eu-central-1.amazonaws.com"
    port = 8883
    cert = "/etc/eps2/certificate.pem"
    key = "/etc/eps2/private.key"
    ca = "/etc/eps2/AmazonRootCA1.pem"
    [keyring]
    k1 = "<base64url Ed25519 public key>"
    [doors]
    left_open_s = 120
    jam_timeout_s = 3
    [[compartments]]
    id = "A01"
    relay_pin = 5
    sensor_pin = 6
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .verify import Keyring


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class CompartmentWiring:
    id: str
    relay_pin: int | None = None
    sensor_pin: int | None = None


@dataclass(frozen=True)
class AgentConfig:
    locker_id: str
    state_dir: Path
    mqtt_host: str
    mqtt_port: int
    keyring: Keyring
    compartments: tuple[CompartmentWiring, ...]
    cert: str | None = None
    key: str | None = None
    ca: str | None = None
    topic_prefix: str = "eps2/lockers"
    heartbeat_s: float = 60.0
    left_open_s: float = 120.0
    jam_timeout_s: float = 3.0
    max_publish_rate: float = 50.0
    clock_sync_max_age_s: float = 24 * 3600.0
    config_hash: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def topic(self, channel: str) -> str:
        return f"{self.topic_prefix}/{self.locker_id}/{channel}"


def _require(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise ConfigError(f"{where}: '{key}' is missing")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{where}: '{key}' must be a {kind.__name__}")
    return value


def parse_config(text: str) -> AgentConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}") from None
    locker_id = _require(raw, "locker_id", str, "top level")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,39}", locker_id):
        raise ConfigError("top level: 'locker_id' must be 3-40 lower-case letters, digits or '-'")
    mqtt = _require(raw, "mqtt", dict, "top level")
    keyring_raw = _require(raw, "keyring", dict, "top level")
    if not keyring_raw:
        raise ConfigError("[keyring]: at least one public key is needed")
    try:
        keyring = Keyring.from_b64({str(k): str(v) for k, v in keyring_raw.items()})
    except ValueError as error:
        raise ConfigError(f"[keyring]: a key is not a base64url Ed25519 public key ({error})") from None
    wiring = []
    for index, entry in enumerate(_require(raw, "compartments", list, "top level")):
        where = f"[[compartments]] #{index + 1}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: must be a table")
        cid = _require(entry, "id", str, where)
        if not re.fullmatch(r"[A-Z][0-9]{2}", cid):
            raise ConfigError(f"{where}: 'id' must look like A01")
        wiring.append(CompartmentWiring(cid, entry.get("relay_pin"), entry.get("sensor_pin")))
    if not wiring:
        raise ConfigError("top level: 'compartments' is empty")
    cert, key = mqtt.get("cert"), mqtt.get("key")
    for path in filter(None, (cert, key, mqtt.get("ca"))):
        if not Path(path).is_file():
            raise ConfigError(f"[mqtt]: file {path} does not exist")
    doors = raw.get("doors", {})
    return AgentConfig(
        locker_id=locker_id,
        state_dir=Path(raw.get("state_dir", "/var/lib/eps2")),
        mqtt_host=_require(mqtt, "host", str, "[mqtt]"),
        mqtt_port=_require(mqtt, "port", int, "[mqtt]"),
        cert=cert,
        key=key,
        ca=mqtt.get("ca"),
        keyring=keyring,
        compartments=tuple(wiring),
        topic_prefix=raw.get("topic_prefix", "eps2/lockers"),
        heartbeat_s=float(raw.get("heartbeat_s", 60)),
        left_open_s=float(doors.get("left_open_s", 120)),
        jam_timeout_s=float(doors.get("jam_timeout_s", 3)),
        config_hash=hashlib.sha256(text.encode()).hexdigest()[:16],
    )


def load_config(path: Path) -> AgentConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    return parse_config(text)

"""The dependencies every service receives; built once by ``chalicelib.wiring``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..ports import Clock, CommandPublisher, CommandSigner, FileStore, SmsSender, StaffDirectory
from ..stores import Stores


@dataclass
class Deps:
    settings: Settings
    clock: Clock
    sms: SmsSender
    publisher: CommandPublisher
    signer: CommandSigner
    staff: StaffDirectory
    stores: Stores
    files: FileStore
    pepper: bytes
    session_secret: bytes
    connection: Any
    sleep: Any = None

    def now(self) -> int:
        return self.clock.now_ms()

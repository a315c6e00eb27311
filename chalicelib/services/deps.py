"""The dependencies every service receives; built once by ``chalicelib.wiring``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..ports import Clock, CommandPublisher, CommandSigner, EmailSender, FileStore, SmsSender, StaffDirectory, WorkQueue
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
    email: EmailSender  # announcements to associations (SES)
    queue: WorkQueue  # their fan-out (SQS)
    sleep: Any = None

    def now(self) -> int:
        return self.clock.now_ms()

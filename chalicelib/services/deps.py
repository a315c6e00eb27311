"""The dependencies every service receives; built once by ``chalicelib.wiring``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..ports import Clock, CommandPublisher, CommandSigner, EmailSender, FileStore, SmsSender, StaffDirectory, WorkQueue
from ..stores import Stores

if TYPE_CHECKING:  # the associations' directory (issue 15)
    from ..ports import SitePublisher


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
    site: SitePublisher | None = None  # where the associations' public directory is published

    def now(self) -> int:
        return self.clock.now_ms()

"""Bounces and complaints of announcement e-mails (issue 15): SES publishes them through the configuration
set's event destination (an SNS topic the worker Lambda is subscribed to); each names the delivery by the
tags the worker gave the e-mail (announcement id and CUI, no address). A permanent bounce or a complaint
turns the delivery from sent to failed, once; a transient bounce is left as sent (SES retried it)."""

from __future__ import annotations

import logging
from typing import Any

from .deps import Deps

log = logging.getLogger(__name__)


def _tag(mail: dict[str, Any], name: str) -> str | None:
    values = (mail.get("tags") or {}).get(name) or []
    return str(values[0]) if values else None


def record_ses_notification(deps: Deps, notification: dict[str, Any]) -> bool:
    """One SES event (``eventType`` from a configuration set, or ``notificationType``); True when it failed a
    delivery."""
    kind = notification.get("eventType") or notification.get("notificationType")
    mail = notification.get("mail") or {}
    announcement, cui = _tag(mail, "announcement"), _tag(mail, "cui")
    if not announcement or not cui:
        return False  # not an announcement's e-mail (a filing notice has no tags)
    if kind == "Bounce":
        bounce = notification.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return False
        error = f"bounce:{bounce.get('bounceSubType') or 'Permanent'}"
    elif kind == "Complaint":
        error = "complaint"
    else:
        return False
    failed = deps.stores.announcements.mark_bounced(announcement, cui, error)
    if failed:
        log.info("announcement %s: a delivery %s", announcement, error)
    return failed

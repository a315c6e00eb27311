"""Signed commands to lockers: built by the domain, signed, recorded for ack tracking, published."""

from __future__ import annotations

import logging
from typing import Any

from ..domain.errors import DependencyDown
from ..domain.protocol import pin_verifier_command, reject_command, revoke_command, unlock_command
from ..stores.rows import Credential
from .deps import Deps

log = logging.getLogger(__name__)


def build_unlock(
    deps: Deps, locker: str, compartment: str, purpose: str, re: str | None = None, command_id: str | None = None
) -> dict[str, Any]:
    message = unlock_command(
        locker, compartment, purpose, deps.now(), deps.settings.command_ttl_seconds, deps.signer.kid, re
    )
    if command_id:
        message["id"] = command_id  # chosen before the claim, so the claim names the unlock it publishes
    message["sig"] = deps.signer.sign(message)
    return message


def build_reject(
    deps: Deps, locker: str, reason: str, re: str, retry_after_s: int | None = None, text: str | None = None
) -> dict[str, Any]:
    """A signed ``reject``; ``text`` replaces the reason's usual screen message (a drop-off code's)."""
    message = reject_command(
        locker,
        reason,
        re,
        deps.now(),
        deps.settings.command_ttl_seconds,
        deps.signer.kid,
        retry_after_s,
        counter_text(deps),
        text,
    )
    message["sig"] = deps.signer.sign(message)
    return message


def counter_text(deps: Deps) -> str:
    """The counter where a file or documents go instead of the locker: its place and hours."""
    return f"{deps.settings.counter_location_ro} ({deps.settings.counter_hours_ro})"


def send_pin_verifier(deps: Deps, credential: Credential) -> None:
    """Give the locker the offline verifier of a PIN credential; a lost one only means no offline PIN pickup."""
    if not credential.verifier or not credential.deposit_cmd or not credential.offline_nonce:
        return
    message = pin_verifier_command(
        credential.locker_id,
        credential.compartment,
        credential.deposit_cmd,
        credential.offline_nonce,
        int(credential.expires_at),
        dict(credential.verifier),
        deps.now(),
        deps.settings.command_ttl_seconds,
        deps.signer.kid,
    )
    message["sig"] = deps.signer.sign(message)
    try:
        publish(deps, message)
    except DependencyDown:
        log.warning("PIN verifier for %s not delivered; offline PIN pickup unavailable there", credential.locker_id)


def build_revoke(deps: Deps, locker: str, nonces: list[str]) -> dict[str, Any]:
    """A ``revoke`` command; callers send at most ``REVOKE_BATCH`` nonces in one."""
    message = revoke_command(locker, nonces, deps.now(), deps.settings.command_ttl_seconds, deps.signer.kid)
    message["sig"] = deps.signer.sign(message)
    return message


def publish(deps: Deps, message: dict[str, Any]) -> None:
    try:
        deps.publisher.publish(message["locker"], message, deps.settings.command_ttl_seconds)
    except Exception as error:
        log.warning("publishing %s to %s failed: %s", message["type"], message["locker"], type(error).__name__)
        raise DependencyDown(
            "Dulapul nu poate fi contactat acum (broker MQTT indisponibil). Încercați din nou.",
            "the locker command could not be published",
        ) from error

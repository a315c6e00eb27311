"""Settings for ePS2, read once from the environment.

This is the only module that reads ``os.environ``. Each Chalice stage sets the
variables in ``.chalice/config.json``; the local launcher sets the endpoints of
the AWS emulator and of Mosquitto.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    region: str = "eu-central-1"
    aws_endpoint: str | None = None
    table_prefix: str = "eps2-local"
    sms_sender_id: str = "PrimariaS2"
    sms_link_enabled: bool = True
    public_base_url: str = "http://localhost:8000"
    topic_prefix: str = "eps2/lockers"
    pickup_days: int = 7
    reminder_hours: int = 48
    erase_after_days: int = 30
    collected_sms_enabled: bool = True
    command_ttl_seconds: int = 60
    locker_stale_seconds: int = 180
    command_publisher: str = "iot-data"
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 18830
    signing_key_b64: str = ""
    signing_kid: str = "k1"
    code_pepper: str = ""
    session_secret: str = ""
    origin_verify: str = ""  # what CloudFront (the local origin) sends the API in ORIGIN_VERIFY_HEADER
    secrets_parameter: str = ""
    staff_directory: str = "local"
    cognito_user_pool_id: str = ""
    cognito_client_id: str = ""
    site_bucket: str = ""  # the static site's bucket: the associations' directory is published into it (AWS)
    site_dir: str = ""  # the local origin's site folder: the same, on the local stage
    dead_letter_url: str = ""  # set by the template on the dead-letter forwarder
    session_minutes: int = 480
    session_idle_minutes: int = 30  # a staff session unused this long ends, whatever its absolute lifetime
    staff_mfa: str = ""  # "required" or "optional"; unset: required on prod only
    offline_pin_kdf_n: int = 2**14  # scrypt cost of the offline PIN verifier (r=8: 16 MiB, ~50 ms a check)
    extend_days: int = 3  # the citizen may move the pickup deadline once, by this many days
    max_phone_days: int = 90  # a phone is erased at the latest this long after the request's last activity
    lookup_per_client: int = 10  # "where is my request?" verifications an hour from one client address
    attachments_bucket: str = "eps2-local-attachments"  # private, encrypted (the template); the emulator's locally
    answer_days: int = 30  # the legal term for an answer when the service names none (OG 27/2002)
    retention_years: int = 5  # registry documents and their attachments are kept this long, then deleted
    citizen_codes_per_hour: int = 3  # sign-in codes an hour for one phone
    counter_location_ro: str = "Registratura, Str. Chiristigiilor nr. 11-13"
    counter_hours_ro: str = "L-V 8:30-16:30"
    dropoff_code_hours: int = 24  # a drop-off code opens a compartment this long after it is sent
    # announcements to associations (issue 15): SES sender and rate, the fan-out queue
    email_sender: str = "anunturi@ps2.ro"  # a verified SES identity on AWS; verified in the emulator locally
    email_rate: int = 0  # e-mails a second to SES over all workers; 0: the stage's (14 on AWS, 50 locally)
    announcement_workers: int = 0  # workers at once (the Lambda's maximum concurrency; 0: 2 on AWS, 4 threads locally)
    announcements_queue_url: str = ""  # set by the template; locally found by name in the emulator
    ses_configuration_set: str = ""  # set by the template: SES publishes bounces and complaints through it
    delivery_lease_seconds: int = 60  # a claim older than this, unmarked, is unconfirmed (the queue's visibility)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def mfa_required(self) -> bool:
        """Every staff account must sign in with an authenticator app (TOTP)."""
        return self.staff_mfa == "required" or (not self.staff_mfa and self.stage == "prod")

    @property
    def email_per_second(self) -> int:
        """SES's send rate for all workers together: SES production accounts start at 14 a second."""
        return self.email_rate or (50 if self.is_local else 14)

    @property
    def worker_email_rate(self) -> float:
        """What one worker may send a second: the rate shared by the workers that may run at once."""
        return self.email_per_second / self.workers

    @property
    def workers(self) -> int:
        """Announcement workers that may run at once: the Lambda's maximum concurrency, or the local threads."""
        return self.announcement_workers or (4 if self.is_local else 2)

    @property
    def announcements_queue_name(self) -> str:
        return f"{self.table_prefix}-announcements"

    def table(self, name: str) -> str:
        return f"{self.table_prefix}-{name}"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


_FIELDS: dict[str, tuple[str, type]] = {
    "stage": ("EPS2_STAGE", str),
    "region": ("AWS_DEFAULT_REGION", str),
    "aws_endpoint": ("EPS2_AWS_ENDPOINT", str),
    "table_prefix": ("EPS2_TABLE_PREFIX", str),
    "sms_sender_id": ("EPS2_SMS_SENDER_ID", str),
    "sms_link_enabled": ("EPS2_SMS_LINK_ENABLED", bool),
    "public_base_url": ("EPS2_PUBLIC_BASE_URL", str),
    "topic_prefix": ("EPS2_TOPIC_PREFIX", str),
    "pickup_days": ("EPS2_PICKUP_DAYS", int),
    "reminder_hours": ("EPS2_REMINDER_HOURS", int),
    "erase_after_days": ("EPS2_ERASE_AFTER_DAYS", int),
    "collected_sms_enabled": ("EPS2_COLLECTED_SMS_ENABLED", bool),
    "command_ttl_seconds": ("EPS2_COMMAND_TTL_SECONDS", int),
    "locker_stale_seconds": ("EPS2_LOCKER_STALE_SECONDS", int),
    "command_publisher": ("EPS2_COMMAND_PUBLISHER", str),
    "mqtt_host": ("EPS2_MQTT_HOST", str),
    "mqtt_port": ("EPS2_MQTT_PORT", int),
    "signing_key_b64": ("EPS2_SIGNING_KEY", str),
    "signing_kid": ("EPS2_SIGNING_KID", str),
    "code_pepper": ("EPS2_CODE_PEPPER", str),
    "session_secret": ("EPS2_SESSION_SECRET", str),
    "origin_verify": ("EPS2_ORIGIN_VERIFY", str),
    "secrets_parameter": ("EPS2_SECRETS_PARAMETER", str),
    "staff_directory": ("EPS2_STAFF_DIRECTORY", str),
    "cognito_user_pool_id": ("EPS2_COGNITO_USER_POOL_ID", str),
    "cognito_client_id": ("EPS2_COGNITO_CLIENT_ID", str),
    "site_bucket": ("EPS2_SITE_BUCKET", str),
    "site_dir": ("EPS2_SITE_DIR", str),
    "dead_letter_url": ("EPS2_DEAD_LETTER_URL", str),
    "session_minutes": ("EPS2_SESSION_MINUTES", int),
    "session_idle_minutes": ("EPS2_SESSION_IDLE_MINUTES", int),
    "staff_mfa": ("EPS2_STAFF_MFA", str),
    "offline_pin_kdf_n": ("EPS2_OFFLINE_PIN_KDF_N", int),
    "extend_days": ("EPS2_EXTEND_DAYS", int),
    "lookup_per_client": ("EPS2_LOOKUP_PER_CLIENT", int),
    "max_phone_days": ("EPS2_MAX_PHONE_DAYS", int),
    "attachments_bucket": ("EPS2_ATTACHMENTS_BUCKET", str),
    "answer_days": ("EPS2_ANSWER_DAYS", int),
    "retention_years": ("EPS2_RETENTION_YEARS", int),
    "citizen_codes_per_hour": ("EPS2_CITIZEN_CODES_PER_HOUR", int),
    "dropoff_code_hours": ("EPS2_DROPOFF_CODE_HOURS", int),
    "email_sender": ("EPS2_EMAIL_SENDER", str),
    "email_rate": ("EPS2_EMAIL_RATE", int),
    "announcement_workers": ("EPS2_ANNOUNCEMENT_WORKERS", int),
    "announcements_queue_url": ("EPS2_ANNOUNCEMENTS_QUEUE_URL", str),
    "delivery_lease_seconds": ("EPS2_DELIVERY_LEASE_SECONDS", int),
    "ses_configuration_set": ("EPS2_SES_CONFIGURATION_SET", str),
}


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build Settings from environment variables; unset ones keep their defaults."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for attr, (name, kind) in _FIELDS.items():
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        if kind is bool:
            values[attr] = _bool(raw)
        elif kind is int:
            values[attr] = int(raw)
        else:
            values[attr] = raw
    return Settings(**values)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()

"""The one place that chooses adapters and builds the service dependencies, lazily, once per process."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

import botocore.session
from botocore.config import Config

from .adapters.cognito_directory import CognitoStaffDirectory
from .adapters.iot_publisher import IotDataCommandPublisher
from .adapters.s3_files import S3Files
from .adapters.ses_email import SesEmail
from .adapters.signer import Ed25519Signer
from .adapters.site_publishers import FolderSitePublisher, S3SitePublisher
from .adapters.sns_sms import SnsSms
from .adapters.sqs_queue import SqsQueue
from .adapters.staff_directory import StoreStaffDirectory
from .config import Settings, settings
from .ports import Clock, CommandPublisher, SitePublisher, StaffDirectory, SystemClock
from .services.deps import Deps
from .storage import models
from .storage.dynamo_tables import DynamoEngine
from .stores import Stores, build_stores

_lock = threading.Lock()
_deps: Deps | None = None
_BOTO_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})


_session_lock = threading.Lock()


def aws_client(service: str, cfg: Settings) -> Any:
    """A botocore client (boto3 adds nothing these adapters use, and its S3 transfer manager costs ~150 ms of
    every cold start); credentials and region come from the environment as with boto3."""
    with _session_lock:
        session = botocore.session.get_session()
        return session.create_client(
            service, region_name=cfg.region, endpoint_url=cfg.aws_endpoint, config=_BOTO_CONFIG
        )


class LazyClient:
    """A botocore client made on first use: the API's cold start does not pay for SES and SQS clients that
    only the announcements' routes and worker call."""

    def __init__(self, service: str, cfg: Settings) -> None:
        self._service, self._cfg, self._client = service, cfg, None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = aws_client(self._service, self._cfg)
        return getattr(self._client, name)


def load_secrets(cfg: Settings) -> dict[str, str]:
    """Signing key, code pepper and session secret: from SSM (SecureString JSON) on AWS, env locally."""
    if cfg.secrets_parameter:
        value = aws_client("ssm", cfg).get_parameter(Name=cfg.secrets_parameter, WithDecryption=True)
        return dict(json.loads(value["Parameter"]["Value"]))
    return {"signing_key": cfg.signing_key_b64, "code_pepper": cfg.code_pepper, "session_secret": cfg.session_secret}


def _decode(value: str, name: str) -> bytes:
    if not value:
        raise RuntimeError(f"secret '{name}' is not configured (see README, Configuration)")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _publisher(cfg: Settings) -> CommandPublisher:
    if cfg.command_publisher == "mqtt":
        from .adapters.mqtt_publisher import MqttCommandPublisher

        return MqttCommandPublisher(cfg.mqtt_host, cfg.mqtt_port, cfg.topic_prefix)
    return IotDataCommandPublisher(aws_client("iot-data", cfg), cfg.topic_prefix)


def _staff(cfg: Settings, stores: Stores, clock: Clock) -> StaffDirectory:
    if cfg.staff_directory == "cognito":
        return CognitoStaffDirectory(aws_client("cognito-idp", cfg), cfg.cognito_user_pool_id, cfg.cognito_client_id)
    return StoreStaffDirectory(stores.access, clock)


def _site(cfg: Settings) -> SitePublisher | None:
    """Where the associations' directory is published: the site bucket on AWS, the origin's folder locally."""
    if cfg.site_bucket:
        return S3SitePublisher(lambda: aws_client("s3", cfg), cfg.site_bucket)
    if cfg.site_dir:
        return FolderSitePublisher(cfg.site_dir)
    return None


def build_deps(cfg: Settings) -> Deps:
    models.bind(cfg)
    secrets = load_secrets(cfg)
    connection = models.connection(cfg)
    stores = build_stores(DynamoEngine(connection))
    clock = SystemClock()
    return Deps(
        settings=cfg,
        clock=clock,
        sms=SnsSms(aws_client("sns", cfg), cfg.sms_sender_id),
        publisher=_publisher(cfg),
        signer=Ed25519Signer(_decode(secrets["signing_key"], "signing_key"), cfg.signing_kid),
        staff=_staff(cfg, stores, clock),
        stores=stores,
        files=S3Files(aws_client("s3", cfg), cfg.attachments_bucket),
        pepper=_decode(secrets["code_pepper"], "code_pepper"),
        session_secret=_decode(secrets["session_secret"], "session_secret"),
        connection=connection,
        site=_site(cfg),
        email=SesEmail(LazyClient("ses", cfg), cfg.email_sender, cfg.ses_configuration_set),
        queue=SqsQueue(LazyClient("sqs", cfg), cfg.announcements_queue_url, cfg.announcements_queue_name),
    )


def get_deps() -> Deps:
    global _deps
    if _deps is None:
        with _lock:
            if _deps is None:
                _deps = build_deps(settings())
    return _deps

"""Tables and demo data for the local stage: locker ps2-hq-01 (24 compartments) and the demo staff accounts.

Run at every start of the local stack, whose data persists: it adds only what is missing, so a
restart keeps what was done with the demo accounts and the demo locker.
"""

from __future__ import annotations

import os

from pynamodb.exceptions import PutError

from chalicelib.adapters.staff_directory import hash_password
from chalicelib.config import Settings
from chalicelib.services import associations
from chalicelib.storage import models
from chalicelib.storage.models import LockerItem, StaffRecord
from chalicelib.web.directory_pages import republish
from chalicelib.wiring import aws_client, build_deps
from devstack.announcement_worker import provision as provision_announcements
from devstack.synthetic_associations import DEMO_CUIS, generate, to_csv

DEMO_LOCKER = "ps2-hq-01"
DEMO_STAFF = (
    ("admin", "admin-local", ["admin", "clerk"], "Administrator"),
    ("clerk", "clerk-local", ["clerk"], "Funcționar registratură"),
    # a department's staff: its online requests only (the registry's clerks belong to every department)
    ("urbanism", "urbanism-local", ["department", "dept:ps2-urbanism"], "Direcția Urbanism"),
    # an association's administrator (issue 15): not staff; manages the two demo associations
    ("asoc", "asoc-local", ["association"], "Administrator asociație (demo)"),
)


def demo_compartments() -> list[dict[str, object]]:
    """Three columns of eight: small at the top, large at the bottom; the lower rows are wheelchair-reachable."""
    compartments = []
    for column in "ABC":
        for row in range(1, 9):
            size = "S" if row <= 4 else "M" if row <= 7 else "L"
            compartments.append({"id": f"{column}{row:02d}", "size": size, "accessible": row >= 6})
    return compartments


def create_bucket(settings: Settings) -> None:
    """The attachments bucket in the emulator's S3, with CORS for the portal's origin (uploads from pages)."""
    s3 = aws_client("s3", settings)
    try:
        s3.create_bucket(
            Bucket=settings.attachments_bucket, CreateBucketConfiguration={"LocationConstraint": settings.region}
        )
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass  # kept from an earlier run
    s3.put_bucket_cors(
        Bucket=settings.attachments_bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [settings.public_base_url],
                    "AllowedMethods": ["GET", "POST"],
                    "AllowedHeaders": ["*"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )


def seed(settings: Settings) -> None:
    models.bind(settings)
    models.create_tables()
    create_bucket(settings)
    provision_announcements(settings)  # the announcements' queue and SES sender (issue 15)
    for username, password, roles, name in DEMO_STAFF:
        try:
            StaffRecord(username=username, password_hash=hash_password(password), roles=roles, display_name=name).save(
                condition=StaffRecord.username.does_not_exist()
            )
        except PutError:
            pass  # kept from an earlier run
    if not list(LockerItem.query(DEMO_LOCKER, limit=1)):
        LockerItem(
            locker_id=DEMO_LOCKER,
            item="#meta",
            kind="locker",
            name="Dulapul de la sediu",
            location="Str. Chiristigiilor nr. 11-13, intrarea principală",
            online=False,
        ).save()
        for c in demo_compartments():
            LockerItem(
                locker_id=DEMO_LOCKER,
                item=f"C#{c['id']}",
                size=c["size"],
                accessible=c["accessible"],
                enabled=True,
                door="closed",
                occupied=False,
            ).save()
    seed_associations(settings, int(os.environ.get("EPS2_DEMO_ASSOCIATIONS") or 2))


def seed_associations(settings: Settings, count: int) -> None:
    """The first ``count`` synthetic associations (2 at every start, 2,700 for ``make run``: the same rows,
    so a later import of the synthetic file only adds), the demo account linked to the two demo ones, and
    the public directory published into the local site (rebuilt at every start)."""
    deps = build_deps(settings)
    outcome = associations.import_csv(deps, "seed", to_csv(generate(max(count, len(DEMO_CUIS)))))
    for cui in DEMO_CUIS:
        deps.stores.associations.link("asoc", cui, deps.now(), by="seed")
    known = outcome.known if len(outcome.known) == len(outcome.registry) else None
    republish(deps, None, outcome.registry, known)

"""The contract suites run every test twice: on the in-memory twin and on the real service (the AWS
emulator over HTTP, started once for the session), so the two implementations cannot drift apart."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from chalicelib.config import Settings, load_settings
from chalicelib.storage import models
from chalicelib.storage.dynamo_tables import DynamoEngine
from chalicelib.storage.memory_tables import MemoryEngine
from chalicelib.stores import Stores, build_stores
from devstack.secrets import generate
from devstack.stack import LocalStack, free_port


@pytest.fixture(scope="session")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The AWS emulator alone, over HTTP; settings pointing at it."""
    local = LocalStack(
        free_port(), free_port(), free_port(), state_dir=tmp_path_factory.mktemp("aws"), secrets=generate()
    )
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        os.environ.setdefault(key, local.env()[key])
    local.start_aws()
    try:
        yield load_settings({**local.env(), "EPS2_TABLE_PREFIX": "contract"})
    finally:
        local.stop()


@pytest.fixture(scope="session")
def dynamo_engine(aws: Settings) -> DynamoEngine:
    models.bind(aws)
    models.create_tables()
    return DynamoEngine(models.connection(aws))


@pytest.fixture(params=["memory", "dynamo"])
def stores(request: pytest.FixtureRequest) -> Stores:
    if request.param == "memory":
        return build_stores(MemoryEngine())
    engine = request.getfixturevalue("dynamo_engine")
    # the table names are bound process-wide: a stack's test run in this process before (pytest-xdist gives
    # a worker files in any order) may have bound them to its own tables
    models.bind(request.getfixturevalue("aws"))
    return build_stores(engine)

"""With DynamoDB, SNS and the broker unreachable the API answers 503 with a clear message and writes nothing."""

from __future__ import annotations

import pytest

from devstack.stack import LocalStack, free_port
from tests.support.api import Api

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def orphan_api(stack, tmp_path_factory):
    """chalice local whose AWS endpoint and broker ports have nothing listening."""
    lonely = LocalStack(
        free_port(), free_port(), free_port(), state_dir=tmp_path_factory.mktemp("down"), secrets=stack.secrets
    )
    try:
        lonely.start_api()
        yield Api(lonely.api_url)  # chalice local itself: only the API runs here, without its origin
    finally:
        lonely.stop()


def test_health_is_503_and_names_each_dependency_down(orphan_api):
    reply = orphan_api.get("/api/health")
    assert reply.status == 503
    assert reply["dependencies"]["dynamodb"]["ok"] is False
    assert reply["dependencies"]["mqtt"]["ok"] is False


def test_login_with_dynamodb_down_is_503_with_a_message(orphan_api):
    reply = orphan_api.post("/api/auth/login", {"username": "clerk", "password": "clerk-local"})
    assert reply.status == 503
    assert reply["error"] == "dependency_down" and "nu răspunde" in reply["messageRo"]


def test_qr_page_with_dynamodb_down_is_a_503_not_a_stack_trace(orphan_api):
    reply = orphan_api.get("/r/some-token")
    assert reply.status == 503
    assert "temporar indisponibil" in reply.body

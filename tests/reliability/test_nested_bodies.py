"""A JSON body nested thousands of levels deep is bad input, not a server error, on every JSON route."""

from __future__ import annotations

import pytest

from tests.support.api import Api

pytestmark = pytest.mark.reliability
NESTED = b"[" * 9000
ROUTES = [
    ("POST", "/api/auth/login"),
    ("POST", "/api/requests"),
    ("POST", "/api/lockers"),
    ("POST", "/api/requests/0123456789abcdef0123456789abcdef/cancel"),
    ("POST", "/api/lockers/ps2-hq-01/compartments/A01/open"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_deeply_nested_json_is_a_400_with_the_usual_error(stack, admin, method, path):
    reply = (
        admin.call(method, path, raw=NESTED)
        if path != "/api/auth/login"
        else Api(stack.base_url).call(method, path, raw=NESTED)
    )
    assert reply.status == 400, reply
    assert reply["error"] == "invalid_input" and reply["messageRo"]

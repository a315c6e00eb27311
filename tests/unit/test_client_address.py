"""Per-address limits count the caller's real address: CloudFront's viewer address only when the request
proves it came through CloudFront (the stack's secret), else API Gateway's source address."""

from __future__ import annotations

from types import SimpleNamespace

from chalicelib.web.client import client_address

SECRET = "s" * 40


def request(**headers: str) -> SimpleNamespace:
    return SimpleNamespace(headers=headers, context={"identity": {"sourceIp": "198.51.100.7"}})


def test_the_viewer_address_counts_when_cloudfront_sent_the_secret() -> None:
    sent = request(**{"cloudfront-viewer-address": "203.0.113.9:51234", "x-eps2-origin-verify": SECRET})
    assert client_address(sent, SECRET) == "203.0.113.9"


def test_a_direct_caller_cannot_choose_its_address_with_the_header() -> None:
    forged = request(**{"cloudfront-viewer-address": "203.0.113.9:1"})
    assert client_address(forged, SECRET) == "198.51.100.7"
    wrong = request(**{"cloudfront-viewer-address": "203.0.113.9:1", "x-eps2-origin-verify": "guess"})
    assert client_address(wrong, SECRET) == "198.51.100.7"


def test_without_a_configured_secret_the_header_is_never_believed() -> None:
    sent = request(**{"cloudfront-viewer-address": "203.0.113.9:1", "x-eps2-origin-verify": ""})
    assert client_address(sent, "") == "198.51.100.7"


def test_an_ipv6_viewer_keeps_its_colons() -> None:
    sent = request(**{"cloudfront-viewer-address": "2001:db8::1:443", "x-eps2-origin-verify": SECRET})
    assert client_address(sent, SECRET) == "2001:db8::1"

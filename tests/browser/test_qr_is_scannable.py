"""The citizen's QR page in Chromium: the whole QR is decoded from screenshots at phone and desktop widths,
at 200 % zoom and in dark mode, and the deadline can be moved once from that page, with a new QR.

A real decoder (zxing-cpp) reads the pixels; the decoded text must be exactly what the locker receives.
"""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image

from chalicelib.config import load_settings
from chalicelib.services.credentials import find_by_token, unseal
from chalicelib.web.pages import qr_code
from chalicelib.wiring import build_deps
from tests.conftest import deposited

# (name, CSS width, height, device pixel ratio, colour scheme): 200 % zoom on a 1280 px screen is 640 CSS px at 2x
VIEWS = [
    ("phone-320", 320, 640, 1, "light"),
    ("phone-390", 390, 844, 1, "light"),
    ("desktop-1280", 1280, 900, 1, "light"),
    ("desktop-1280-zoom-200", 640, 450, 2, "light"),
    ("phone-390-dark", 390, 844, 1, "dark"),
]


def decode(png: bytes) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.fixture()
def waiting(stack, clerk, new_locker):
    """A request in a locker: its QR page link and the exact QR text the locker must receive."""
    locker = new_locker("S2")
    phone = "0722 998 101"
    _, _, sms = deposited(stack, clerk, locker, phone)
    link = re.search(r"https?://\S+/r/[\w-]+", sms).group(0)
    token = link.rsplit("/", 1)[1]
    deps = build_deps(load_settings(stack.env()))
    return link, token, deps


@pytest.mark.parametrize(("name", "width", "height", "scale", "scheme"), VIEWS, ids=[v[0] for v in VIEWS])
def test_the_whole_qr_is_visible_and_decodes_to_the_locker_credential(
    browser, shot, waiting, name, width, height, scale, scheme
):
    link, token, deps = waiting
    expected = unseal(deps, token, find_by_token(deps, token))["qr"]
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale, color_scheme=scheme
    )
    page = context.new_page()
    page.goto(link)
    box = page.locator(".qr svg").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width  # nothing cut off at the sides
    assert abs(box["width"] - box["height"]) < 1
    path = shot(page, f"qr-{name}")
    assert decode(path.read_bytes()) == [expected]
    region = page.locator(".qr").screenshot()  # the code alone, with its quiet zone, decodes too
    assert decode(region) == [expected]
    context.close()


def test_the_qr_is_as_small_as_its_content_allows(waiting):
    _, token, deps = waiting
    content = unseal(deps, token, find_by_token(deps, token))["qr"]
    code = qr_code(content)
    print(f"pickup QR: {len(content)} characters, version {code.designator}")
    assert len(content) <= 134 and code.version <= 6


def test_the_citizen_extends_the_deadline_once_and_gets_a_qr_with_the_new_expiry(browser, shot, waiting):
    link, token, deps = waiting
    before = unseal(deps, token, find_by_token(deps, token))["qr"]
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(link)
    old_deadline = page.locator("#deadline").inner_text()
    page.get_by_role("button", name=re.compile("Prelungește termenul cu 3 zile")).click()
    page.wait_for_url(link)
    new_deadline = page.locator("#deadline").inner_text()
    assert new_deadline != old_deadline and "prelungit" in new_deadline
    assert page.get_by_role("button", name=re.compile("Prelungește")).count() == 0  # once only
    shot(page, "citizen-qr-page-extended")
    after = decode(page.screenshot(full_page=True))
    token_part, compartment, exp_s, nonce, _ = after[0].split(".")
    old_exp = int(before.split(".")[2])
    assert (token_part, compartment, nonce) == tuple(before.split(".")[i] for i in (0, 1, 3))
    assert int(exp_s) - old_exp == 3 * 86_400
    assert find_by_token(deps, token).expires_at // 1000 == int(exp_s)

"""The whole pickup in Chromium: a clerk registers and deposits, the citizen opens the QR page on a phone,
the QR is scanned at the simulated locker, and the staff page shows the request collected."""

from __future__ import annotations

import re
import uuid

import pytest

from chalicelib.config import load_settings
from chalicelib.services.credentials import find_by_token, unseal
from chalicelib.wiring import build_deps
from iot.simulator import build_simulator
from tests.conftest import outbox, wait_until

# In make test's parallel phase the deposit's door never opened (3 runs in 4; it passes alone and serially;
# the cause is not found yet): it runs in the single-process phase.
pytestmark = pytest.mark.serial
PHONE = (390, 844)


def test_clerk_deposit_then_citizen_pickup_with_the_qr(stack, admin, browser, shot, tmp_path):
    locker_id = f"b-{uuid.uuid4().hex[:8]}"
    admin.post(
        "/api/lockers",
        {
            "id": locker_id,
            "name": "Dulapul de la sediu",
            "location": "Intrarea principală",
            "compartments": [{"id": c, "size": "S"} for c in ("A01", "A02", "A03", "A04")],
        },
    )
    sim = build_simulator(
        locker_id,
        stack.mqtt_port,
        stack.secrets["signing_public_key"],
        tmp_path / "agent",
        auto_close_s=0.5,
        compartments=["A01", "A02", "A03", "A04"],
    )
    sim.agent.start()
    try:
        wait_until(lambda: admin.get(f"/api/lockers/{locker_id}")["online"])
        staff = browser.new_page()
        staff.goto(f"{stack.base_url}/staff/login")
        staff.get_by_label("Nume de utilizator").fill("clerk")
        staff.get_by_label("Parolă").fill("clerk-local")
        staff.get_by_role("button", name="Autentificare").click()
        staff.get_by_role("link", name="Înregistrează o cerere").click()
        staff.get_by_label("Solicitant").fill("Elena Popa")
        staff.get_by_label("Telefon").fill("0722 999 101")
        staff.get_by_label("Documente").fill("Certificat de atestare fiscală")
        staff.get_by_label("Acceptă ridicarea de la dulap").check()
        staff.get_by_label("Acceptă SMS").check()
        staff.get_by_role("button", name="Înregistrează").click()
        number = staff.locator("p.big").inner_text()
        assert re.fullmatch(r"PS2-\d{4}-\d{6}", number)
        staff.get_by_role("link", name=re.compile("Elena Popa")).click()
        staff.get_by_role("button", name="Documentele sunt gata").click()
        staff.get_by_label("Dulapuri").select_option(locker_id)
        staff.get_by_role("button", name="Pune în dulap").click()
        compartment = staff.locator("p.huge").inner_text()
        shot(staff, "staff-deposit")
        wait_until(lambda: sim.doors.doors[compartment] == "open", timeout=30)  # two busy workers
        wait_until(lambda: sim.doors.doors[compartment] == "closed", timeout=10)

        body = wait_until(lambda: [m for m in outbox(stack) if m["to"] == "+40722999101"])[0]["body"]
        link = re.search(r"https?://\S+/r/[\w-]+", body).group(0)
        phone = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, is_mobile=True).new_page()
        phone.goto(link)
        assert phone.locator(".qr svg").is_visible()
        pin = re.search(r"PIN (\d{8})", body).group(1)
        assert f"{pin[:4]} {pin[4:]}" in phone.locator(".pin").inner_text()
        shot(phone, "citizen-qr-page")

        deps = build_deps(load_settings(stack.env()))
        token = link.rsplit("/", 1)[1]
        sim.reader.scan(unseal(deps, token, find_by_token(deps, token))["qr"])
        wait_until(lambda: sim.doors.doors[compartment] == "open", timeout=30)  # two busy workers
        wait_until(lambda: sim.doors.doors[compartment] == "closed", timeout=10)

        def collected() -> bool:
            staff.reload()
            return "ridicată" in staff.content()

        wait_until(collected, timeout=15, interval=0.5)
        shot(staff, "staff-request-collected")
        staff.goto(f"{stack.base_url}/staff?status=collected")
        assert number in staff.content()
        shot(staff, "staff-queue")
        staff.goto(f"{stack.base_url}/staff/lockers/{locker_id}")
        shot(staff, "staff-locker")
    finally:
        sim.agent.stop()

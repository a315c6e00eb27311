"""Compartment allocation through the API: smallest fit, accessibility, no double booking under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import register


def ready_request(clerk, **overrides):
    created = register(clerk, **overrides)
    assert clerk.post(f"/api/requests/{created['id']}/ready").status == 200
    return created


def test_twenty_concurrent_deposits_into_five_free_compartments(clerk, new_locker):
    locker = new_locker("S5")
    requests = [ready_request(clerk) for _ in range(20)]

    def deposit(request):
        return clerk.post(f"/api/requests/{request['id']}/deposit", {"lockerId": locker.locker_id})

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(deposit, requests))
    won = [r for r in replies if r.status == 202]
    lost = [r for r in replies if r.status == 409]
    assert len(won) == 5 and len(lost) == 15
    assert len({r["compartment"] for r in won}) == 5
    assert all(r["error"] == "compartment_unavailable" for r in lost)
    assert all(r["messageRo"] for r in lost)


def test_smallest_fitting_compartment_is_chosen(clerk, new_locker):
    locker = new_locker("L1 M1 S1")
    reply = clerk.post(f"/api/requests/{ready_request(clerk, size='M')['id']}/deposit", {"lockerId": locker.locker_id})
    assert reply.status == 202
    view = clerk.get(f"/api/lockers/{locker.locker_id}")
    sizes = {c["id"]: c["size"] for c in view["compartments"]}
    assert sizes[reply["compartment"]] == "M"


def test_accessible_compartment_for_a_citizen_who_needs_it(clerk, new_locker):
    locker = new_locker("S2 L1a")
    reply = clerk.post(
        f"/api/requests/{ready_request(clerk, accessible=True)['id']}/deposit", {"lockerId": locker.locker_id}
    )
    view = clerk.get(f"/api/lockers/{locker.locker_id}")
    chosen = next(c for c in view["compartments"] if c["id"] == reply["compartment"])
    assert chosen["accessible"] is True


def test_accessible_compartments_are_kept_for_those_who_need_them(clerk, new_locker):
    locker = new_locker("S1a S1")
    reply = clerk.post(f"/api/requests/{ready_request(clerk)['id']}/deposit", {"lockerId": locker.locker_id})
    view = clerk.get(f"/api/lockers/{locker.locker_id}")
    chosen = next(c for c in view["compartments"] if c["id"] == reply["compartment"])
    assert chosen["accessible"] is False


def test_out_of_service_compartment_is_never_allocated(admin, clerk, new_locker):
    locker = new_locker("S1 M1")
    small = clerk.get(f"/api/lockers/{locker.locker_id}")["compartments"][0]["id"]
    reply = admin.post(f"/api/lockers/{locker.locker_id}/compartments/{small}/service", {"enabled": False})
    assert reply.status == 200
    deposit = clerk.post(f"/api/requests/{ready_request(clerk)['id']}/deposit", {"lockerId": locker.locker_id})
    assert deposit["compartment"] != small
    states = {c["id"]: c["state"] for c in clerk.get(f"/api/lockers/{locker.locker_id}")["compartments"]}
    assert states[small] == "out_of_service"


def test_full_locker_answers_409_and_the_request_stays_ready(clerk, new_locker):
    locker = new_locker("S1")
    clerk.post(f"/api/requests/{ready_request(clerk)['id']}/deposit", {"lockerId": locker.locker_id})
    second = ready_request(clerk)
    reply = clerk.post(f"/api/requests/{second['id']}/deposit", {"lockerId": locker.locker_id})
    assert reply.status == 409 and "compartiment" in reply["messageRo"]
    assert clerk.get(f"/api/requests/{second['id']}")["status"] == "ready"


def test_offline_locker_refuses_deposits(admin, clerk):
    admin.post(
        "/api/lockers",
        {"id": "offline-locker", "name": "Dulap", "location": "Hol", "compartments": [{"id": "A01", "size": "S"}]},
    )
    reply = clerk.post(f"/api/requests/{ready_request(clerk)['id']}/deposit", {"lockerId": "offline-locker"})
    assert reply.status == 409 and reply["error"] == "locker_offline"


def test_force_open_sends_a_service_unlock_and_is_audited(admin, new_locker):
    locker = new_locker("S1")
    reply = admin.post(f"/api/lockers/{locker.locker_id}/compartments/A01/open", {"reason": "Verificare ușă"})
    assert reply.status == 202
    command = locker.next_command()
    assert command["purpose"] == "service" and command["compartment"] == "A01"
    missing_reason = admin.post(f"/api/lockers/{locker.locker_id}/compartments/A01/open", {"reason": " "})
    assert missing_reason.status == 400


def test_an_unknown_compartment_cannot_be_put_out_of_service(admin, new_locker):
    locker = new_locker("S1")
    reply = admin.post(f"/api/lockers/{locker.locker_id}/compartments/Z99/service", {"enabled": False})
    assert reply.status == 404 and reply["error"] == "not_found"

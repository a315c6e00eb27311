"""The staff API's guard rails: authentication, roles, strict bodies, clear errors, nothing half-written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import register
from tests.support.api import Api


def test_no_token_is_401_and_a_clerk_cannot_create_lockers(stack, clerk):
    assert Api(stack.base_url).get("/api/requests").status == 401
    assert Api(stack.base_url, "forged.token").get("/api/requests").status == 401
    reply = clerk.post(
        "/api/lockers", {"id": "x-locker", "name": "n", "location": "l", "compartments": [{"id": "A01", "size": "S"}]}
    )
    assert reply.status == 403


def test_wrong_password_is_refused(stack):
    reply = Api(stack.base_url).post("/api/auth/login", {"username": "clerk", "password": "nope"})
    assert reply.status == 401 and reply["messageRo"]


def test_malformed_json_unknown_fields_and_wrong_types_are_400(clerk):
    assert clerk.call("POST", "/api/requests", raw=b"{not json").status == 400
    assert clerk.post("/api/requests", [1, 2]).status == 400
    unknown = clerk.post("/api/requests", {"citizenName": "A", "phone": "0722000000", "documents": "d", "x": 1})
    assert unknown.status == 400 and "x" in unknown["message"]
    typed = clerk.post("/api/requests", {"citizenName": 5, "phone": "0722000000", "documents": "d"})
    assert typed.status == 400
    huge = clerk.call("POST", "/api/requests", raw=b'{"citizenName":"' + b"a" * 20000 + b'"}')
    assert huge.status == 400


CONSENT = {"smsConsent": True, "lockerConsent": True}


def test_consents_are_required_and_named_when_missing(clerk):
    for missing in ("smsConsent", "lockerConsent"):
        body = {"citizenName": "Ana", "phone": "0722000002", "documents": "d", **CONSENT}
        del body[missing]
        reply = clerk.post("/api/requests", body)
        assert reply.status == 400 and missing in reply["message"] and missing in reply["messageRo"]


def test_invalid_phone_is_refused_and_nothing_is_written(clerk):
    before = len(clerk.get("/api/requests?q=Nimeni%20Altcineva")["requests"])
    reply = clerk.post("/api/requests", {"citizenName": "Nimeni Altcineva", "phone": "12", "documents": "d", **CONSENT})
    assert reply.status == 400 and "telefon" in reply["messageRo"]
    assert len(clerk.get("/api/requests?q=Nimeni%20Altcineva")["requests"]) == before


def test_phone_is_normalised_and_only_shown_masked(clerk):
    created = register(clerk, phone="0722 123 987")
    view = clerk.get(f"/api/requests/{created['id']}").body
    assert view["phone"].startswith("+40") and view["phone"].endswith("987") and "722123" not in view["phone"]


def test_registration_numbers_are_unique_and_gapless_under_concurrency(clerk):
    with ThreadPoolExecutor(max_workers=10) as pool:
        created = list(pool.map(lambda _: register(clerk), range(20)))
    numbers = sorted(int(c["registrationNumber"][-6:]) for c in created)
    assert len(set(numbers)) == 20
    assert numbers == list(range(numbers[0], numbers[0] + 20))


def test_desk_supplied_registration_number_is_kept_and_unique(clerk):
    first = register(clerk, registrationNumber="12345/2026")
    assert first["registrationNumber"] == "12345/2026"
    again = clerk.post(
        "/api/requests",
        {"citizenName": "B", "phone": "0722000001", "documents": "d", "registrationNumber": "12345/2026", **CONSENT},
    )
    assert again.status == 409


def test_illegal_transition_is_409_with_a_reason(clerk):
    created = register(clerk)
    reply = clerk.post(f"/api/requests/{created['id']}/deposit", {"lockerId": "ps2-hq-01"})
    assert reply.status == 409 and reply["error"] == "illegal_transition"
    assert "înregistrată" in reply["messageRo"]


def test_unknown_request_is_404(clerk):
    assert clerk.get("/api/requests/nope").status == 404


def test_search_by_registration_number_and_name(clerk):
    created = register(clerk, citizenName="Gheorghe Țăranu")
    by_number = clerk.get(f"/api/requests?q={created['registrationNumber']}")["requests"]
    assert [r["id"] for r in by_number] == [created["id"]]
    by_name = clerk.get("/api/requests?q=%C8%9B%C4%83ranu")["requests"]
    assert created["id"] in [r["id"] for r in by_name]
    assert clerk.get("/api/requests?status=bogus").status == 400


def test_counter_path_sends_where_and_when_and_is_collected_at_the_desk(stack, clerk):
    from tests.conftest import outbox, wait_until

    created = register(clerk, phone="0722 000 444", lockerConsent=False)
    assert clerk.post(f"/api/requests/{created['id']}/ready")["channel"] == "counter"
    message = wait_until(lambda: [m for m in outbox(stack) if m["to"] == "+40722000444"])[0]
    assert "Registratura" in message["body"]
    done = clerk.post(f"/api/requests/{created['id']}/collect")
    assert done["status"] == "collected" and done["channel"] == "counter"


def test_cancel_frees_a_reserved_compartment(clerk, new_locker):
    locker = new_locker("S1")
    created = register(clerk)
    clerk.post(f"/api/requests/{created['id']}/ready")
    clerk.post(f"/api/requests/{created['id']}/deposit", {"lockerId": locker.locker_id})
    assert clerk.post(f"/api/requests/{created['id']}/cancel", {"reason": "Greșeală"})["status"] == "cancelled"
    assert clerk.get(f"/api/lockers/{locker.locker_id}")["compartments"][0]["state"] == "free"
    assert clerk.post(f"/api/requests/{created['id']}/cancel").status == 409


def test_health_reports_each_dependency(stack):
    reply = Api(stack.base_url).get("/api/health")
    assert reply.status == 200
    assert set(reply["dependencies"]) == {"dynamodb", "sns", "mqtt"}


def test_a_ready_request_can_be_sent_to_the_counter_when_the_locker_cannot_be_used(stack, clerk):
    from tests.conftest import outbox, wait_until

    created = register(clerk, phone="0722 000 666")
    assert clerk.post(f"/api/requests/{created['id']}/counter").status == 409  # not ready yet
    clerk.post(f"/api/requests/{created['id']}/ready")
    moved = clerk.post(f"/api/requests/{created['id']}/counter")
    assert moved.status == 200 and moved["channel"] == "counter"
    message = wait_until(lambda: [m for m in outbox(stack) if m["to"] == "+40722000666"])[0]
    assert "Registratura" in message["body"]


def test_answers_with_personal_data_are_never_cached(clerk):
    created = register(clerk)
    reply = clerk.get(f"/api/requests/{created['id']}")
    assert reply.status == 200 and reply.headers["Cache-Control"] == "no-store"

"""The services catalogue through chalice local: the list, one whole record, and a clear 404."""

from __future__ import annotations

from tests.support.api import Api


def test_the_catalogue_lists_every_service_without_signing_in(stack):
    reply = Api(stack.base_url).get("/api/services")
    assert reply.status == 200
    services = reply["services"]
    assert len(services) >= 30
    assert all(set(s) == {"id", "title", "category", "channels"} for s in services)
    assert all(s["title"]["ro"] and s["title"]["en"] for s in services)


def test_a_service_has_its_documents_questions_fee_and_department(stack):
    reply = Api(stack.base_url).get("/api/services/certificat-de-urbanism")
    assert reply.status == 200
    service = reply.body
    assert service["id"] == "certificat-de-urbanism"
    assert service["documents"] and all({"id", "name", "mandatory", "channels"} <= set(d) for d in service["documents"])
    assert service["processingTime"].startswith("P") and service["department"]["name"]["ro"]


def test_an_unknown_service_is_a_json_404_in_romanian_and_english(stack):
    reply = Api(stack.base_url).get("/api/services/nu-exista")
    assert reply.status == 404 and "nu-exista" in reply["messageRo"] and reply["message"]

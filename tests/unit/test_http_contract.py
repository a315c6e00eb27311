"""One body description gives both the strict parsing and the OpenAPI schema; one mapper answers every error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from pynamodb.exceptions import PynamoDBConnectionError

from chalicelib.domain.errors import DomainError, IllegalTransition, InvalidInput
from chalicelib.storage.dynamo_tables import translated_errors
from chalicelib.web import bodies
from chalicelib.web.openapi import openapi_document
from chalicelib.web.routing import answer_error, bearer_token, error_page, json_error
from chalicelib.web.schema import MAX_BODY, Body, Field


def raw(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def refusal(body: Body, data: bytes | None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        body.parse(data)
    return caught.value


def json_body(response: Any) -> dict[str, Any]:
    return response.body if isinstance(response.body, dict) else json.loads(response.body)


def new_request(**changes: Any) -> bytes:
    fields = {"citizenName": "Ana Pop", "phone": "0722000000", "documents": "CI"}
    return raw(**{**fields, "smsConsent": True, "lockerConsent": True, **changes})


def test_a_complete_request_body_is_returned_as_sent():
    assert bodies.NEW_REQUEST.parse(new_request(size="M"))["size"] == "M"


def test_unknown_fields_are_refused_by_name():
    error = refusal(bodies.NEW_REQUEST, new_request(x=1, admin=True))
    assert (error.message_en, error.message_ro) == ("unknown fields: admin, x", "Câmpuri necunoscute: admin, x.")
    assert error.http_status == 400 and error.code == "invalid_input"


def test_a_missing_required_field_is_named_in_both_languages():
    error = refusal(bodies.NEW_REQUEST, raw(citizenName="Ana", phone="0722000000", documents="CI", smsConsent=True))
    assert error.message_en == "field 'lockerConsent' is required"
    assert error.message_ro == "Câmpul „lockerConsent” este obligatoriu."


def test_a_field_of_the_wrong_type_is_named_with_its_type():
    error = refusal(bodies.NEW_REQUEST, new_request(citizenName=5))
    assert error.message_en == "field 'citizenName' must be of type str"
    assert error.message_ro == "Câmpul „citizenName” trebuie să fie text."
    assert refusal(bodies.SERVICE, raw(enabled=1)).message_ro == "Câmpul „enabled” trebuie să fie true/false."


def test_a_whole_number_field_refuses_true():
    counted = Body(Field("count", int, required=True))
    assert refusal(counted, raw(count=True)).message_ro == "Câmpul „count” trebuie să fie number."
    assert counted.parse(raw(count=3)) == {"count": 3}


def test_null_means_not_given():
    assert bodies.NEW_REQUEST.parse(new_request(registrationNumber=None, size=None))["registrationNumber"] is None
    assert refusal(bodies.DEPOSIT, raw(lockerId=None)).message_en == "field 'lockerId' is required"


@pytest.mark.parametrize(
    ("data", "message_en"),
    [
        (b"{not json", "body is not valid JSON"),
        (b"\xff\xfe", "body is not valid JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (b'{"reason": "' + b"a" * MAX_BODY + b'"}', f"body larger than {MAX_BODY} bytes"),
    ],
)
def test_malformed_and_oversized_bodies_are_400(data, message_en):
    error = refusal(bodies.CANCEL, data)
    assert error.message_en == message_en and error.http_status == 400


def test_an_absent_body_reads_as_an_empty_object():
    assert bodies.CANCEL.parse(None) == {} and bodies.CANCEL.parse(b"") == {}
    assert refusal(bodies.EMPTY, raw(reason="x")).message_en == "unknown fields: reason"


def test_the_openapi_body_is_the_parsed_description():
    schema = bodies.NEW_REQUEST.json_schema()
    assert schema["additionalProperties"] is False
    assert schema["required"] == [f.name for f in bodies.NEW_REQUEST.fields if f.required]
    assert set(schema["properties"]) == {f.name for f in bodies.NEW_REQUEST.fields}
    assert schema["properties"]["registrationNumber"]["type"] == ["string", "null"]
    assert schema["properties"]["size"]["enum"] == ["S", "M", "L", None]
    assert schema["properties"]["smsConsent"] == {"type": "boolean"}
    document = openapi_document()["paths"]["/api/requests"]["post"]["requestBody"]
    assert document == {"required": True, "content": {"application/json": {"schema": schema}}}


def test_list_items_do_not_accept_null_since_the_service_checks_them():
    items = bodies.NEW_LOCKER.json_schema()["properties"]["compartments"]["items"]
    assert items["required"] == ["id", "size"] and items["additionalProperties"] is False
    assert items["properties"]["accessible"]["type"] == "boolean"


def test_a_body_without_required_fields_may_be_left_out():
    cancel = openapi_document()["paths"]["/api/requests/{request_id}/cancel"]["post"]
    assert cancel["requestBody"]["required"] is False
    assert "requestBody" not in openapi_document()["paths"]["/api/requests/{request_id}/ready"]["post"]


def test_a_domain_error_keeps_its_status_and_messages_as_json():
    reply = answer_error(IllegalTransition("Cererea este deja închisă.", "request is closed"), json_error)
    assert reply.status_code == 409
    assert json_body(reply) == {
        "error": "illegal_transition",
        "message": "request is closed",
        "messageRo": "Cererea este deja închisă.",
    }


def dynamodb_down() -> Exception:
    """What reaches the web layer when DynamoDB is unreachable: its engine's translation of pynamodb's error."""
    try:
        with translated_errors():
            raise PynamoDBConnectionError("down")
    except Exception as error:
        return error
    raise AssertionError("not translated")


@pytest.mark.parametrize(
    "outage",
    [dynamodb_down(), EndpointConnectionError(endpoint_url="http://127.0.0.1:1")],
)
def test_an_unreachable_dependency_is_503_with_a_message(outage):
    reply = answer_error(outage, json_error)
    assert reply.status_code == 503
    assert json_body(reply)["error"] == "dependency_down" and "nu răspunde" in json_body(reply)["messageRo"]


def test_a_bug_is_not_dressed_up_as_a_client_error():
    with pytest.raises(KeyError):
        answer_error(KeyError("oops"), json_error)


def test_pages_show_the_error_in_the_page_language():
    outage = answer_error(dynamodb_down(), error_page("ro"))
    assert outage.status_code == 503 and "temporar indisponibil" in outage.body
    refused = answer_error(DomainError("Nu.", "No, in English."), error_page("en"))
    assert refused.status_code == 400 and "No, in English." in refused.body


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc.def", "abc.def"), ("bearer abc", "abc"), ("Basic abc", None), ("", None)],
)
def test_only_a_bearer_authorization_carries_a_token(header, token):
    assert bearer_token({"authorization": header}) == token

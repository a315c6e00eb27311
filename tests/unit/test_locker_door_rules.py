"""Door events, acks and compartments on in-memory stores (no sockets): what a door closing after a deposit
writes, sends and costs in requests (issue 16), door-state ordering, offline door cycles, and a compartment
put out of service."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.services.deposit import deposit_documents
from chalicelib.services.deps import Deps
from chalicelib.services.desk import NewRequest, mark_ready, register_request
from chalicelib.services.locker_events import handle_locker_event
from chalicelib.services.lockers import create_locker, set_compartment_enabled
from chalicelib.services.request_records import get_request
from chalicelib.storage import memory_tables
from chalicelib.stores import WriteConflict
from tests.support.memory_deps import RecordingPublisher, RecordingSms, memory_deps


@pytest.fixture()
def deps() -> Deps:
    return memory_deps()


@pytest.fixture()
def requests_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """DynamoDB requests the code makes on the in-memory engine: each read or write alone, each transaction once."""
    made: Counter[str] = Counter()
    for name in ("get", "get_many", "query", "put", "update", "delete"):
        original = getattr(memory_tables.MemoryTable, name)

        def counted(self: Any, *args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            if kwargs.get("tx") is None:
                made[f"{self.spec.name}.{_name}"] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(memory_tables.MemoryTable, name, counted)
    commit = memory_tables.MemoryTransaction.commit

    def counted_commit(self: Any) -> None:
        made["transaction"] += 1
        commit(self)

    monkeypatch.setattr(memory_tables.MemoryTransaction, "commit", counted_commit)
    get_rows = memory_tables.MemoryEngine.get_rows

    def counted_get_rows(self: Any, keys: Any) -> Any:
        made["batch_get"] += 1
        return get_rows(self, keys)

    monkeypatch.setattr(memory_tables.MemoryEngine, "get_rows", counted_get_rows)
    yield made


def a_locker(deps: Deps) -> str:
    locker = f"t-{uuid.uuid4().hex[:6]}"
    compartments = [{"id": "A01", "size": "S", "accessible": False}, {"id": "A02", "size": "S", "accessible": False}]
    create_locker(deps, "admin", {"id": locker, "name": "Hol", "location": "Parter", "compartments": compartments})
    assert event(deps, locker, "heartbeat") == "alive"
    return locker


def event(deps: Deps, locker: str, kind: str, **fields: Any) -> str:
    payload = {"v": 1, "id": uuid.uuid4().hex, "type": kind, "ts": deps.now(), **fields}
    return handle_locker_event(deps, locker, payload)


def deposited(deps: Deps, locker: str) -> tuple[str, str, str]:
    """A request whose deposit unlock was sent and whose door opened: (request id, compartment, deposit cmd)."""
    record = register_request(deps, "clerk", NewRequest("Ion Pop", "0722 000 001", "Act"))
    mark_ready(deps, "clerk", record.id)
    compartment = deposit_documents(deps, "clerk", record.id, locker)
    publisher = deps.publisher
    assert isinstance(publisher, RecordingPublisher)
    cmd = publisher.of_type("unlock")[-1]["id"]
    assert event(deps, locker, "door_opened", compartment=compartment, cmd=cmd, boot="b1", seq=1) == "door_state"
    return record.id, compartment, cmd


def test_a_door_closing_after_a_deposit_issues_codes_in_six_requests(deps, requests_made):
    locker = a_locker(deps)
    request_id, compartment, cmd = deposited(deps, locker)
    requests_made.clear()
    assert event(deps, locker, "door_closed", compartment=compartment, cmd=cmd, boot="b1", seq=2) == "in_locker"
    # 14 before the stores, 12 after them; now: event claim, door state, one read of command + request +
    # contact, one transaction (status, audit, compartment, both credentials, the SMS's record), SMS sent,
    # event outcome
    assert sum(requests_made.values()) <= 6, requests_made
    record = get_request(deps, request_id)
    assert record.status == "in_locker" and record.deadline and record.qr_key and record.due_at == record.deadline
    assert deps.stores.lockers.compartment(locker, compartment).occupied is True  # type: ignore[union-attr]
    sms = deps.sms
    assert isinstance(sms, RecordingSms) and re.search(r"PIN \d{8}", sms.sent[-1][1])
    # the verifier sent from the codes just issued is the one stored with the PIN credential
    qr = deps.stores.credentials.get(record.qr_key)
    assert qr is not None and qr.sibling
    pin = deps.stores.credentials.get(qr.sibling)
    assert pin is not None
    publisher = deps.publisher
    assert isinstance(publisher, RecordingPublisher)
    sent = publisher.of_type("pin_verifier")[-1]
    assert (sent["compartment"], sent["deposit"], sent["nonce"], sent["until"], sent["verifier"]) == (
        pin.compartment,
        pin.deposit_cmd,
        pin.offline_nonce,
        pin.expires_at,
        pin.verifier,
    )


def test_a_door_closing_again_after_a_deposit_changes_nothing_more(deps):
    locker = a_locker(deps)
    request_id, compartment, cmd = deposited(deps, locker)
    assert event(deps, locker, "door_closed", compartment=compartment, cmd=cmd, boot="b1", seq=2) == "in_locker"
    qr_key = get_request(deps, request_id).qr_key
    assert event(deps, locker, "door_closed", compartment=compartment, cmd=cmd, boot="b1", seq=3) == "door_state"
    assert get_request(deps, request_id).qr_key == qr_key


def test_door_states_follow_boot_and_seq_not_arrival(deps):
    locker = a_locker(deps)
    assert event(deps, locker, "door_opened", compartment="A01", boot="b1", seq=5) == "door_state"
    assert event(deps, locker, "door_closed", compartment="A01", boot="b1", seq=4) == "stale"
    assert deps.stores.lockers.compartment(locker, "A01").door == "open"  # type: ignore[union-attr]
    assert event(deps, locker, "door_closed", compartment="A01", boot="b2", seq=1) == "door_state"
    assert deps.stores.lockers.compartment(locker, "A01").door == "closed"  # type: ignore[union-attr]
    assert event(deps, locker, "door_opened", compartment="Z99", boot="b2", seq=2) == "unknown_compartment"
    assert deps.stores.lockers.compartment(locker, "Z99") is None


def test_a_rejected_deposit_unlock_frees_the_compartment(deps):
    locker = a_locker(deps)
    record = register_request(deps, "clerk", NewRequest("Ion Pop", "0722 000 002", "Act"))
    mark_ready(deps, "clerk", record.id)
    compartment = deposit_documents(deps, "clerk", record.id, locker)
    cmd = deps.publisher.of_type("unlock")[-1]["id"]  # type: ignore[attr-defined]
    assert event(deps, locker, "ack", cmd=cmd, result="rejected", reason="jammed") == "ack:rejected"
    assert get_request(deps, record.id).status == "ready"
    assert deps.stores.lockers.compartment(locker, compartment).request_id is None  # type: ignore[union-attr]
    assert event(deps, locker, "ack", cmd=cmd, result="executed") == "late_ack"


def test_putting_a_missing_compartment_out_of_service_is_not_found(deps):
    locker = a_locker(deps)
    with pytest.raises(NotFound):
        set_compartment_enabled(deps, "admin", locker, "Z99", False)
    view = set_compartment_enabled(deps, "admin", locker, "A02", False)
    assert [c["enabled"] for c in view["compartments"]] == [True, False]


def test_a_conflict_putting_an_existing_compartment_out_of_service_is_a_409_to_retry_not_a_404(deps, monkeypatch):
    locker = a_locker(deps)

    def conflict(*args: Any, **kwargs: Any) -> None:
        raise WriteConflict("a concurrent write to the compartment")

    monkeypatch.setattr(deps.stores.lockers, "set_enabled", conflict)
    with pytest.raises(Conflict) as refused:
        set_compartment_enabled(deps, "admin", locker, "A01", False)
    assert refused.value.http_status == 409 and "Încercați din nou" in refused.value.message_ro


def test_a_locker_id_is_registered_once(deps):
    locker = a_locker(deps)
    with pytest.raises(Conflict):
        create_locker(
            deps,
            "admin",
            {"id": locker, "name": "Alt", "location": "Etaj", "compartments": [{"id": "B01", "size": "M"}]},
        )
    assert deps.stores.lockers.compartment(locker, "B01") is None


def test_a_door_closing_after_a_pickup_closes_the_request_in_eight_requests(deps, requests_made):
    locker = a_locker(deps)
    request_id, compartment, cmd = deposited(deps, locker)
    assert event(deps, locker, "door_closed", compartment=compartment, cmd=cmd, boot="b1", seq=2) == "in_locker"
    sms = deps.sms
    assert isinstance(sms, RecordingSms)
    pin = re.search(r"PIN (\d{8})", sms.sent[-1][1]).group(1)  # type: ignore[union-attr]
    assert event(deps, locker, "pin", code=pin) == "unlock"
    publisher = deps.publisher
    assert isinstance(publisher, RecordingPublisher)
    unlock = publisher.of_type("unlock")[-1]
    assert unlock["purpose"] == "pickup"
    assert (
        event(deps, locker, "door_opened", compartment=compartment, cmd=unlock["id"], boot="b1", seq=3) == "door_state"
    )
    requests_made.clear()
    assert (
        event(deps, locker, "door_closed", compartment=compartment, cmd=unlock["id"], boot="b1", seq=4) == "collected"
    )
    # 12 before: event claim, door state, one read of command + request + contact, one transaction (status,
    # audit, compartment, the "collected" SMS's record, the contact's erasure time), the QR credential and the
    # revocation of its offline twin, SMS sent, event outcome
    assert sum(requests_made.values()) <= 8, requests_made
    record = get_request(deps, request_id)
    assert record.status == "collected" and record.closed_at
    assert deps.stores.lockers.compartment(locker, compartment).request_id is None  # type: ignore[union-attr]
    assert "ridicate" in sms.sent[-1][1]
    contact = deps.stores.requests.contact(request_id)
    assert contact is not None and contact.erase_at == deps.now() // 1000 + deps.settings.erase_after_days * 86_400

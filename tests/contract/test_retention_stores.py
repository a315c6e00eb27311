"""The retention rule's store operations, the same on the in-memory twin and on DynamoDB (the emulator): expired
drafts, a draft kept longer or deleted only as it was read, and closed requests whose files are still kept."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.stores import Stores, WriteConflict
from chalicelib.stores.rows import Attachment, Contact, Request


def a_request(stores: Stores, status: str, due_at: int, **fields: object) -> Request:
    uid = uuid.uuid4().hex
    row = Request(id=uid, registration_number=f"r-{uid[:12]}", status=status, due_at=due_at, **fields)  # type: ignore[arg-type]
    stores.requests.table.put(row)
    stores.requests.contacts.put(Contact(request_id=row.id, phone="+40722000000", consent_recorded_at=1))
    return row


def test_expired_drafts_are_the_drafts_whose_keeping_time_has_passed(stores: Stores) -> None:
    now = 5_000_000_000_000 + uuid.uuid4().int % 1000  # a time of this test's own
    gone = a_request(stores, "draft", now - 1, intake="online", updated_at=1)
    a_request(stores, "draft", now + 1, intake="online")
    a_request(stores, "registered", now - 1, intake="online")
    found = [r.id for r in stores.requests.expired_drafts(now) if r.due_at > now - 10]
    assert found == [gone.id]


def test_a_draft_is_kept_longer_only_while_it_is_a_draft(stores: Stores) -> None:
    draft = a_request(stores, "draft", 10, intake="online")
    stores.requests.keep_draft_until(draft.id, 99)
    assert stores.requests.get(draft.id).due_at == 99
    sent = a_request(stores, "registered", 10, intake="online")
    with pytest.raises(WriteConflict):
        stores.requests.keep_draft_until(sent.id, 99)
    assert stores.requests.get(sent.id).due_at == 10


def test_a_draft_is_deleted_with_its_contact_only_as_it_was_read(stores: Stores) -> None:
    draft = a_request(stores, "draft", 10, intake="online", updated_at=5)
    changed = stores.requests.get(draft.id)
    stores.requests.update_fields(draft.id, set={"updated_at": 6})  # the citizen changed it meanwhile
    with pytest.raises(WriteConflict), stores.transaction() as tx:
        stores.requests.delete_draft(changed, tx)  # read at updated_at 5
    assert stores.requests.get(draft.id) is not None and stores.requests.contact(draft.id) is not None
    with stores.transaction() as tx:
        stores.requests.delete_draft(stores.requests.get(draft.id), tx)
    assert stores.requests.get(draft.id) is None and stores.requests.contact(draft.id) is None


def test_closed_requests_with_files_are_read_once_their_files_are_marked_deleted(stores: Stores) -> None:
    status = f"closed-{uuid.uuid4().hex[:8]}"  # a status of this test's own
    online = a_request(stores, status, 100, intake="online", closed_at=90)
    a_request(stores, status, 100)  # a desk request: no files
    a_request(stores, status, 200, intake="online")  # due after the bound
    stores.attachments.add(Attachment(request_id=online.id, id="a1", key="k", file_name="f.pdf", content_type="x"))
    assert [r.id for r in stores.requests.closed_with_files(status, 150)] == [online.id]
    stores.requests.mark_files_deleted(online.id, 1000)
    with pytest.raises(WriteConflict):
        stores.requests.mark_files_deleted(online.id, 1001)  # once
    assert list(stores.requests.closed_with_files(status, 150)) == []
    assert stores.requests.get(online.id).files_deleted_at == 1000


def test_an_attachment_record_is_removed(stores: Stores) -> None:
    request_id = uuid.uuid4().hex
    row = Attachment(request_id=request_id, id="a1", key="k", file_name="f.pdf", content_type="x")
    stores.attachments.add(row)
    stores.attachments.remove(request_id, "a1")
    assert stores.attachments.of_request(request_id) == []

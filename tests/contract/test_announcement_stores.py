"""Announcements and their deliveries, the same on the in-memory twin and on DynamoDB (the emulator): a
channel is claimed once, marked only while claimed, a delivery counted once, a stale claim turned
unconfirmed only after the lease, the read mark counted once, scheduled ones found when due. Each test
uses announcement ids of its own (the emulator's tables are shared by the session)."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.stores import Stores, WriteConflict
from chalicelib.stores.rows import AnnouncementRow

NOW = 1_790_000_000_000


def an_announcement(stores: Stores, **fields: object) -> AnnouncementRow:
    values: dict[str, object] = {
        "id": uuid.uuid4().hex,
        "title": "Ședință",
        "body": "Joi, la ora 18.",
        "audience": {"all": True},
        "channels": ["email"],
        "status": "released",
        "send_at": NOW,
        "created_at": NOW,
        "created_by": "clerk",
        "recipients": 2,
        **fields,
    }
    cuis = list(values.pop("cuis", ["13", "24"]))  # type: ignore[call-overload]
    row = AnnouncementRow(**values)  # type: ignore[arg-type]
    stores.announcements.create(row, [cuis[:1], cuis[1:]] if len(cuis) > 1 else [cuis])
    return row


def test_an_announcement_is_written_once_with_its_audience(stores: Stores):
    row = an_announcement(stores)
    with pytest.raises(WriteConflict):
        stores.announcements.create(row, [["99"]])
    again = stores.announcements.get(row.id)
    assert again is not None and again.parts == 2 and again.audience == {"all": True}
    assert stores.announcements.part(row.id, 1) == ["24"] and stores.announcements.recipients(row.id) == ["13", "24"]


def test_a_channel_is_claimed_once_and_the_delivery_counted_once(stores: Stores):
    row = an_announcement(stores)
    store = stores.announcements
    store.claim(row.id, "13", "email", NOW, NOW, "t1")
    with pytest.raises(WriteConflict):
        store.claim(row.id, "13", "email", NOW + 1, NOW, "t2")
    store.finish(row.id, "13", NOW + 2, channel="email", outcome="sent", provider_id="m-1", final="sent")
    with pytest.raises(WriteConflict):
        store.finish(row.id, "13", NOW + 3, channel="email", outcome="sent", provider_id="m-2", final="sent")
    delivery = store.delivery(row.id, "13")
    assert delivery is not None and (delivery.status, delivery.email, delivery.email_id) == ("sent", "sent", "m-1")
    counted = store.get(row.id)
    assert counted is not None and counted.sent == 1


def test_a_stale_claim_becomes_unconfirmed_only_after_the_lease(stores: Stores):
    row = an_announcement(stores)
    store = stores.announcements
    store.claim(row.id, "24", "email", NOW, NOW, "t3")
    with pytest.raises(WriteConflict):  # claimed after the cut-off: still held by a live worker
        store.finish(
            row.id, "24", NOW + 5, channel="email", outcome="unconfirmed", final="unconfirmed", stale_before=NOW - 1
        )
    store.finish(row.id, "24", NOW + 5, channel="email", outcome="unconfirmed", final="unconfirmed", stale_before=NOW)
    counted = store.get(row.id)
    assert counted is not None and counted.unconfirmed == 1 and counted.sent == 0


def test_a_failed_passing_send_gives_the_claim_back(stores: Stores):
    row = an_announcement(stores)
    store = stores.announcements
    store.claim(row.id, "13", "email", NOW, NOW, "t1")
    store.unclaim(row.id, "13", "email", NOW)
    store.claim(row.id, "13", "email", NOW + 1, NOW, "t2")
    delivery = store.delivery(row.id, "13")
    assert delivery is not None and delivery.email == "sending" and delivery.email_at == NOW + 1


def test_the_inbox_lists_an_associations_deliveries_and_a_read_counts_once(stores: Stores):
    cui = uuid.uuid4().hex[:10]
    first, second = an_announcement(stores, cuis=[cui]), an_announcement(stores, cuis=[cui], send_at=NOW + 10)
    store = stores.announcements
    for row in (first, second):
        store.finish(row.id, cui, NOW, final="sent", released_at=row.send_at)
    assert [d.announcement_id for d in store.inbox(cui)] == [first.id, second.id]
    assert store.mark_read(first.id, cui, "asoc", NOW) is True
    assert store.mark_read(first.id, cui, "asoc", NOW + 1) is False
    assert store.mark_read(first.id, "not-reached", "asoc", NOW) is False
    counted = store.get(first.id)
    assert counted is not None and counted.read == 1 and counted.sent == 1


def test_scheduled_announcements_are_found_when_due_and_released_once(stores: Stores):
    later = NOW + 10**9 + int(uuid.uuid4().int % 10**6)
    row = an_announcement(stores, status="scheduled", send_at=later)
    assert row.id not in {r.id for r in stores.announcements.due(later - 1)}
    assert row.id in {r.id for r in stores.announcements.due(later)}
    stores.announcements.release(row.id, later)
    with pytest.raises(WriteConflict):
        stores.announcements.release(row.id, later)
    assert row.id not in {r.id for r in stores.announcements.due(later)}
    assert row.id in {r.id for r in stores.announcements.recent(50)}

"""The announcements' fan-out on the in-memory twins: the HTTP side only enqueues, the worker sends one
e-mail per association even when it crashes at any step and the queue delivers the message again, the
counts move once per delivery, failures are recorded per recipient, the pace holds with a fake clock,
scheduled ones wait for their time, and the inbox's read mark counts once per association."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from chalicelib.adapters.memory_messaging import MemoryQueue
from chalicelib.domain.errors import NotFound
from chalicelib.ports import PermanentEmailError, RetryableEmailError
from chalicelib.services import announcements, association_inbox
from chalicelib.services.announcement_bounces import record_ses_notification
from chalicelib.services.announcement_delivery import Pacer, RecipientHeld, handle_message
from chalicelib.services.deps import Deps
from chalicelib.services.jobs import run_scheduled_job
from tests.support.associations_seed import seed_associations
from tests.support.memory_deps import memory_deps


class Crash(Exception):
    """The worker process dies here."""


def an_announcement(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Ședință de informare",
        "body": "Vă invităm joi.",
        "audience": {"all": True},
        "channels": ["email"],
        **fields,
    }


def run_worker(deps: Deps, pacer: Pacer | None = None) -> int:
    """Work the queue until empty, as a worker does; a crash leaves the message in the queue."""
    queue = deps.queue
    assert isinstance(queue, MemoryQueue)
    handled = 0
    while (message := queue.take()) is not None:
        handle_message(deps, message, pacer or Pacer(0))
        queue.ack()
        handled += 1
    return handled


def restart_after_crash(deps: Deps) -> None:
    """The queue's visibility timeout passes (the lease with it) and the message comes back."""
    deps.clock.advance(deps.settings.delivery_lease_seconds * 1000 + 1)  # type: ignore[attr-defined]


@pytest.fixture
def deps() -> Deps:
    d = memory_deps()
    seed_associations(d.stores, 95)
    return d


def sent_to(deps: Deps) -> Counter[str]:
    return Counter(to for to, _, _ in deps.email.sent)  # type: ignore[attr-defined]


def test_writing_an_announcement_only_enqueues_a_few_messages(deps):
    row = announcements.create_announcement(deps, "clerk", an_announcement())
    assert row.recipients == 95
    assert deps.email.sent == []  # type: ignore[attr-defined]
    assert list(deps.queue.messages) == [{"kind": "expand", "id": row.id, "part": 0}]  # type: ignore[attr-defined]


def test_every_association_gets_exactly_one_email_with_the_title_as_subject(deps):
    row = announcements.create_announcement(deps, "clerk", an_announcement())
    run_worker(deps)
    assert sent_to(deps) == Counter({f"asoc-{n}@example.ro": 1 for n in range(95)})
    assert {subject for _, subject, _ in deps.email.sent} == {"Ședință de informare"}  # type: ignore[attr-defined]
    view = announcements.announcement_view(deps, row.id)
    assert view["counts"] == {"queued": 0, "sent": 95, "failed": 0, "unconfirmed": 0, "read": 0}


@pytest.mark.parametrize("crash_after", [1, 10, 37, 94])
def test_a_crash_after_a_mark_and_redelivery_send_nothing_twice_and_lose_nothing(deps, crash_after):
    """Killed between two recipients (the mark written, the queue message not deleted)."""
    row = announcements.create_announcement(deps, "clerk", an_announcement())
    waits = 0

    class CrashingPacer(Pacer):
        def wait(self) -> None:
            nonlocal waits
            waits += 1
            if waits == crash_after + 1:
                raise Crash()

    with pytest.raises(Crash):
        run_worker(deps, CrashingPacer(0))
    restart_after_crash(deps)
    run_worker(deps)
    assert sent_to(deps) == Counter({f"asoc-{n}@example.ro": 1 for n in range(95)})
    assert announcements.announcement_view(deps, row.id)["counts"]["sent"] == 95


def test_a_crash_between_ses_accepting_and_the_mark_is_recorded_unconfirmed_and_not_sent_again(deps):
    row = announcements.create_announcement(deps, "clerk", an_announcement())

    def crash_on_the_fifth(to: str) -> None:
        if len(deps.email.sent) == 5:  # type: ignore[attr-defined]
            raise Crash()

    deps.email.on_send = crash_on_the_fifth  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        run_worker(deps)
    deps.email.on_send = None  # type: ignore[attr-defined]
    with pytest.raises(RecipientHeld):  # redelivered before the lease ends: the claim may be live, so it waits
        run_worker(deps)
    restart_after_crash(deps)
    run_worker(deps)
    assert max(sent_to(deps).values()) == 1 and len(sent_to(deps)) == 95
    counts = announcements.announcement_view(deps, row.id)["counts"]
    assert counts == {"queued": 0, "sent": 94, "failed": 0, "unconfirmed": 1, "read": 0}


def test_a_crash_after_the_claim_before_the_send_loses_that_one_and_records_it(deps):
    row = announcements.create_announcement(deps, "clerk", an_announcement())
    deps.email.fail_for["asoc-3@example.ro"] = Crash()  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        run_worker(deps)
    del deps.email.fail_for["asoc-3@example.ro"]  # type: ignore[attr-defined]
    restart_after_crash(deps)
    run_worker(deps)
    assert "asoc-3@example.ro" not in sent_to(deps) and len(sent_to(deps)) == 94
    assert announcements.announcement_view(deps, row.id)["counts"]["unconfirmed"] == 1


def test_a_refused_address_is_recorded_per_recipient_and_a_throttled_send_is_tried_again(deps):
    row = announcements.create_announcement(deps, "clerk", an_announcement())
    deps.email.fail_for["asoc-7@example.ro"] = PermanentEmailError("MessageRejected")  # type: ignore[attr-defined]
    deps.email.fail_for["asoc-8@example.ro"] = RetryableEmailError("Throttling")  # type: ignore[attr-defined]
    with pytest.raises(RetryableEmailError):
        run_worker(deps)
    del deps.email.fail_for["asoc-8@example.ro"]  # type: ignore[attr-defined]
    run_worker(deps)
    assert sent_to(deps)["asoc-8@example.ro"] == 1 and "asoc-7@example.ro" not in sent_to(deps)
    delivery = deps.stores.announcements.delivery(row.id, _cui_of(deps, "asoc-7@example.ro"))
    assert delivery is not None and delivery.status == "failed" and delivery.error == "MessageRejected"
    assert announcements.announcement_view(deps, row.id)["counts"]["failed"] == 1


def _cui_of(deps: Deps, email: str) -> str:
    return next(a.cui for a in deps.stores.associations.all() if a.email == email)


def test_an_association_without_email_is_a_failure_not_a_stuck_recipient(deps):
    seed_associations(deps.stores, 1, base=31_000_000, email=None)
    row = announcements.create_announcement(deps, "clerk", an_announcement())
    run_worker(deps)
    counts = announcements.announcement_view(deps, row.id)["counts"]
    assert counts["failed"] == 1 and counts["sent"] == 95 and counts["queued"] == 0


def test_sms_and_email_each_go_once_and_the_sms_is_one_segment(deps):
    row = announcements.create_announcement(deps, "clerk", an_announcement(channels=["email", "sms"]))
    run_worker(deps)
    run_worker(deps)
    phones = Counter(phone for phone, _ in deps.sms.sent)  # type: ignore[attr-defined]
    assert len(deps.sms.sent) == 95 and all(len(body) <= 160 for _, body in deps.sms.sent)  # type: ignore[attr-defined]
    assert sum(phones.values()) == 95 and len(sent_to(deps)) == 95
    assert announcements.announcement_view(deps, row.id)["counts"]["sent"] == 95


def test_the_pace_holds_with_a_fake_clock():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(14, clock=lambda: now[0], sleep=sleep)
    stamps = []
    for _ in range(141):
        pacer.wait()
        stamps.append(now[0])
    assert stamps[-1] == pytest.approx(10.0)  # 141 sends: the first at 0, then one every 1/14 s
    assert all(b - a == pytest.approx(1 / 14) for a, b in zip(stamps, stamps[1:], strict=False))


def test_two_workers_share_the_ses_rate():
    d = memory_deps(EPS2_EMAIL_RATE="14", EPS2_ANNOUNCEMENT_WORKERS="2", EPS2_STAGE="dev")
    assert d.settings.worker_email_rate == 7
    assert memory_deps().settings.email_per_second == 50  # the local stage's default
    assert memory_deps(EPS2_STAGE="prod").settings.email_per_second == 14


def test_a_scheduled_announcement_waits_for_its_time_then_the_job_releases_it(deps):
    row = announcements.create_announcement(deps, "clerk", an_announcement(sendAt="2026-10-01T09:00"))
    assert row.status == "scheduled" and not deps.queue.messages  # type: ignore[attr-defined]
    run_scheduled_job(deps)
    assert not deps.queue.messages  # type: ignore[attr-defined]
    deps.clock.now = row.send_at  # type: ignore[attr-defined]
    assert run_scheduled_job(deps)["announcements_released"] == 1
    run_worker(deps)
    assert len(sent_to(deps)) == 95
    assert run_scheduled_job(deps)["announcements_released"] == 0


def test_the_inbox_shows_what_reached_my_associations_and_a_read_counts_once(deps):
    cuis = [a.cui for a in list(deps.stores.associations.all())[:2]]
    for cui in cuis:
        deps.stores.associations.link("asoc", cui, 1)
    row = announcements.create_announcement(deps, "clerk", an_announcement(channels=["portal"]))
    deps.clock.advance(60_000)  # type: ignore[attr-defined]
    other = announcements.create_announcement(
        deps, "clerk", an_announcement(title="Altul", audience={"cuis": [cuis[0]]})
    )
    run_worker(deps)
    box = association_inbox.inbox(deps, "asoc")["announcements"]
    assert [a["id"] for a in box] == [other.id, row.id] and not any(a["read"] for a in box)
    association_inbox.mark_read(deps, "asoc", row.id)
    association_inbox.mark_read(deps, "asoc", row.id)
    assert announcements.announcement_view(deps, row.id)["counts"]["read"] == 2  # two associations, once each
    assert [a["read"] for a in association_inbox.inbox(deps, "asoc")["announcements"]] == [False, True]
    with pytest.raises(NotFound):
        association_inbox.mark_read(deps, "someone-else", row.id)


def test_filing_reminders_go_14_and_3_days_before_once_each_to_who_has_not_filed(deps):
    from datetime import datetime, timedelta

    from chalicelib.domain.sms import BUCHAREST
    from chalicelib.stores.rows import FilingDeadline, FilingMark

    today = datetime.fromtimestamp(deps.now() / 1000, BUCHAREST).date()
    due = today + timedelta(days=20)
    deps.stores.filings.set_deadline(FilingDeadline("balance-statement", "2026-S2", due.isoformat(), "urbanism", 1))
    filed = next(iter(deps.stores.associations.all())).cui
    with deps.stores.transaction() as tx:
        deps.stores.filings.mark(
            FilingMark("balance-statement", f"2026-S2#{filed}#r1", filed, "2026-S2", "r1", "registered"), tx
        )
    hour, day = 3_600_000, 86_400_000
    assert run_scheduled_job(deps)["filing_reminders"] == 0  # 20 days before: nothing yet
    deps.clock.advance(6 * day)  # type: ignore[attr-defined]
    assert run_scheduled_job(deps)["filing_reminders"] == 1
    deps.clock.advance(hour)  # type: ignore[attr-defined]
    assert run_scheduled_job(deps)["filing_reminders"] == 0  # once
    run_worker(deps)
    assert len(sent_to(deps)) == 94 and max(sent_to(deps).values()) == 1
    assert all("Termen" in subject for _, subject, _ in deps.email.sent)  # type: ignore[attr-defined]
    assert filed not in {a.cui for a in deps.stores.associations.all() if a.email in sent_to(deps)}
    deps.clock.advance(11 * day)  # type: ignore[attr-defined]
    assert run_scheduled_job(deps)["filing_reminders"] == 1  # 3 days before
    run_worker(deps)
    assert set(sent_to(deps).values()) == {2}  # each association twice in all: the 14-day and the 3-day one


def test_a_claim_whose_request_was_retried_after_it_went_through_still_sends_once(deps):
    """The client timed out on a claim the database had written, and its retry met the claim: still ours."""
    row = announcements.create_announcement(deps, "clerk", an_announcement())
    store = deps.stores.announcements
    claim = store.claim

    def claim_then_conflict(*args: Any) -> None:
        claim(*args)
        if args[1] == _cui_of(deps, "asoc-5@example.ro"):
            claim(*args)  # the retry: the condition fails on the claim just written

    store.claim = claim_then_conflict  # type: ignore[method-assign]
    run_worker(deps)
    assert sent_to(deps)["asoc-5@example.ro"] == 1 and len(sent_to(deps)) == 95
    assert announcements.announcement_view(deps, row.id)["counts"]["sent"] == 95


def ses_event(deps: Deps, to: str, kind: str = "Bounce", bounce_type: str = "Permanent") -> dict[str, Any]:
    """The SES event of the e-mail sent to ``to``, as the configuration set publishes it."""
    index = [address for address, _, _ in deps.email.sent].index(to)  # type: ignore[attr-defined]
    message_id = list(deps.email.tags)[index]  # type: ignore[attr-defined]
    tags = {name: [value] for name, value in deps.email.tags[message_id].items()}  # type: ignore[attr-defined]
    return {
        "eventType": kind,
        "mail": {"messageId": message_id, "tags": tags},
        "bounce": {"bounceType": bounce_type, "bounceSubType": "NoEmail"},
    }


def test_a_permanent_bounce_turns_a_sent_delivery_failed_once_and_a_transient_one_does_not(deps):
    row = announcements.create_announcement(deps, "clerk", an_announcement())
    run_worker(deps)
    assert record_ses_notification(deps, ses_event(deps, "asoc-4@example.ro", bounce_type="Transient")) is False
    assert record_ses_notification(deps, ses_event(deps, "asoc-4@example.ro")) is True
    assert record_ses_notification(deps, ses_event(deps, "asoc-4@example.ro")) is False  # SNS delivered it again
    assert record_ses_notification(deps, ses_event(deps, "asoc-9@example.ro", kind="Complaint")) is True
    counts = announcements.announcement_view(deps, row.id)["counts"]
    assert counts == {"queued": 0, "sent": 93, "failed": 2, "unconfirmed": 0, "read": 0}
    delivery = deps.stores.announcements.delivery(row.id, _cui_of(deps, "asoc-4@example.ro"))
    assert delivery is not None and delivery.error == "bounce:NoEmail" and delivery.email == "bounced"

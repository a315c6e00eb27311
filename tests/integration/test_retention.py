# ruff: noqa: F811  (the clock-driven fixtures are imported from test_services_with_clock)
"""Personal data kept only as long as needed: a request that never closes loses its phone after the maximum
idle time, and staff see it coming a week before."""

from __future__ import annotations

import pytest

from chalicelib.services.desk import NewRequest, mark_ready, register_request
from chalicelib.services.jobs import run_scheduled_job
from chalicelib.services.request_records import get_request
from chalicelib.services.tasks import staff_tasks
from chalicelib.storage.models import ContactRecord
from tests.integration.test_services_with_clock import DAY, deps  # noqa: F401


def test_a_request_never_collected_at_the_counter_loses_its_phone_after_90_idle_days(deps):
    record = register_request(
        deps, "clerk", NewRequest("Ion Pop", "0722 558 001", "Act", sms_consent=True, locker_consent=False)
    )
    mark_ready(deps, "clerk", record.id)  # the counter path: the citizen never comes
    deps.clock.advance(84 * DAY)
    assert record.id in [r["id"] for r in staff_tasks(deps)["phonesToErase"]]  # staff are told a week before
    run_scheduled_job(deps)
    assert ContactRecord.get(record.id).phone == "+40722558001"
    deps.clock.advance(7 * DAY)
    run_scheduled_job(deps)
    with pytest.raises(ContactRecord.DoesNotExist):
        ContactRecord.get(record.id)
    kept = get_request(deps, record.id)
    assert kept.status == "ready" and kept.phone_mask is None and kept.phone_erased_at

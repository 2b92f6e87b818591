"""Celery beat running twice by mistake: two schedulers send every nightly job, a worker runs the
two copies at the same moment, and each job still acts once (one invoice per period, one
suspension, one correction in the audit log, one notice per owner)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker

from pos_platform.celery import app
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.models import Invoice
from shared_apps.messaging.models import Message
from shared_apps.tenants.services import TenantCreated
from tests.billing.test_beat import (  # noqa: F401 - committed_billing is a fixture
    BILLING_ENTRIES,
    RecordingScheduler,
    committed_billing,
    nightly_world,
    state,
)

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("live_db")]


@pytest.mark.usefixtures("committed_billing")
def test_two_beats_sending_the_nightly_jobs_at_once_act_once(
    committed_tenant: Callable[..., TenantCreated], settings: Any
) -> None:
    grows, owes_long, owes_a_bit = nightly_world(committed_tenant, settings)
    tenants = [grows, owes_long, owes_a_bit]
    messages_before = Message.objects.filter(tenant_id__in=[t.pk for t in tenants]).count()
    beats = [RecordingScheduler(app=app, lazy=True) for _ in range(2)]
    for beat in beats:
        beat.sent = []
        beat.setup_schedule()

    reports: dict[str, list[Any]] = {}
    # Threads: the two copies of each job run at the same time, as two worker processes would.
    with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=30):
        for name in BILLING_ENTRIES:
            for beat in beats:
                beat.apply_entry(beat.schedule[name])
            reports[name] = [beat.sent[-1].get(timeout=60) for beat in beats]
        after_both = state(tenants)
        # A third night-time run changes nothing more either.
        for name in BILLING_ENTRIES:
            beats[0].apply_entry(beats[0].schedule[name])
            beats[0].sent[-1].get(timeout=60)
        after_again = state(tenants)

    issued = [number for report in reports["billing-issue-invoices@public"] for number in report["issued"]]
    assert issued == [Invoice.objects.get(tenant=grows).number]
    suspended = [slug for report in reports["billing-dunning@public"] for slug in report["suspended"]]
    assert suspended == [owes_long.slug]
    past_due = [slug for report in reports["billing-dunning@public"] for slug in report["past_due"]]
    assert past_due == [owes_a_bit.slug]
    corrected = PlatformAuditEntry.objects.filter(
        action="billing.subscription.corrected", tenant_slug=grows.slug
    )
    assert corrected.count() == 1
    assert (
        PlatformAuditEntry.objects.filter(action="tenant.suspended", tenant_slug=owes_long.slug).count() <= 1
    )
    messages = Message.objects.filter(tenant_id__in=[t.pk for t in tenants])
    keys = list(messages.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    assert messages.count() > messages_before  # the past-due and suspension notices, once each
    assert after_again == after_both

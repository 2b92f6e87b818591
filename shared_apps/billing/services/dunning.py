"""Dunning: what happens when an invoice is not paid.

An invoice is due ``POS_BILLING_DUE_DAYS`` after issue. The day after its due date the
subscription becomes ``past_due`` (the shop keeps working); more than ``POS_BILLING_GRACE_DAYS``
after the due date it becomes ``suspended`` and the tenant is suspended with reason
``non_payment`` (its users get 403 ``tenant_suspended``; terminals still upload offline sales).
Paying the invoice undoes both (:mod:`shared_apps.billing.services.payments`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from shared_apps.audit.services import platform_audit_record
from shared_apps.billing.models import Invoice, Subscription
from shared_apps.billing.notices import billing_notice
from shared_apps.billing.services.subscriptions import SYSTEM_ACTOR, billing_today
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.services import tenant_suspend

NON_PAYMENT = "non_payment"
_IN_GOOD_STANDING = (Subscription.Status.TRIALING, Subscription.Status.ACTIVE)


@dataclass
class DunningReport:
    past_due: list[str] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dunning_run(*, today: date | None = None, actor: str = SYSTEM_ACTOR) -> DunningReport:
    """Move overdue subscriptions to past_due, then to suspended (the daily job). Only rows that
    must change are visited; each moves in its own transaction, and a second run finds none."""
    today = today or billing_today()
    grace = timedelta(days=max(settings.POS_BILLING_GRACE_DAYS, 0))
    report = DunningReport()
    candidates = (
        Invoice.objects.filter(status=Invoice.Status.OPEN, due_on__lt=today, tenant__isnull=False)
        .filter(
            Q(tenant__subscription__status__in=_IN_GOOD_STANDING)
            | Q(due_on__lt=today - grace, tenant__subscription__status=Subscription.Status.PAST_DUE)
        )
        .order_by("tenant_id")
        .values_list("tenant_id", flat=True)
        .distinct()
    )
    for tenant_id in list(candidates):
        _escalate(tenant_id=tenant_id, today=today, grace=grace, actor=actor, report=report)
    _warn_suspension_coming(today=today, grace=grace)
    return report


def _warn_suspension_coming(*, today: date, grace: timedelta) -> None:
    """Owners of a past-due shop hear, ``POS_BILLING_NOTICE_DAYS`` before it, on which day it
    will be suspended (once per invoice: the outbox key). Suspension comes on the first day more
    than the grace period after the due date: ``due_on + grace + 1``."""
    warn = timedelta(days=max(settings.POS_BILLING_NOTICE_DAYS, 0))
    last_grace_day = today - grace - timedelta(days=1)
    invoices = Invoice.objects.filter(
        status=Invoice.Status.OPEN,
        tenant__subscription__status=Subscription.Status.PAST_DUE,
        due_on__gt=last_grace_day,
        due_on__lte=last_grace_day + warn,
    ).order_by("tenant_id", "due_on")
    for invoice in invoices:
        with transaction.atomic():
            billing_notice(event="suspension_coming", invoice=invoice)


@transaction.atomic
def _escalate(*, tenant_id: int, today: date, grace: timedelta, actor: str, report: DunningReport) -> None:
    subscription = (
        Subscription.objects.select_for_update(of=("self",)).select_related("tenant").get(tenant_id=tenant_id)
    )
    invoice = (
        Invoice.objects.filter(tenant_id=tenant_id, status=Invoice.Status.OPEN, due_on__lt=today)
        .order_by("due_on")
        .first()
    )
    if invoice is None:
        return  # paid meanwhile
    target = Subscription.Status.SUSPENDED if today - invoice.due_on > grace else Subscription.Status.PAST_DUE
    allowed_from = (
        (*_IN_GOOD_STANDING, Subscription.Status.PAST_DUE)
        if target == Subscription.Status.SUSPENDED
        else _IN_GOOD_STANDING
    )
    if subscription.status not in allowed_from:
        return
    slug = subscription.tenant.slug
    previous = subscription.status
    subscription.status = target
    subscription.save(update_fields=["status", "updated_at"])
    platform_audit_record(
        actor=actor,
        action=f"billing.subscription.{target}",
        tenant_slug=slug,
        details={
            "from": previous,
            "invoice": invoice.number,
            "due_on": invoice.due_on.isoformat(),
            "days_overdue": (today - invoice.due_on).days,
        },
    )
    billing_notice(event=str(target), invoice=invoice)
    if target == Subscription.Status.PAST_DUE:
        report.past_due.append(slug)
        return
    report.suspended.append(slug)
    # A tenant that staff already suspended keeps their reason; payment will not resume it.
    tenant = Tenant.objects.select_for_update().get(pk=tenant_id)
    if not tenant.is_suspended:
        tenant_suspend(slug=slug, actor=actor, reason=NON_PAYMENT)

"""Billing notices to a shop's owners: invoice issued, payment received, past due, suspension
coming, suspended, resumed. Each is queued in the transaction of the event, once per invoice and
event (the outbox key), in each owner's language and on their channel."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from shared_apps.accounts.permissions import OWNER
from shared_apps.billing.models import Invoice
from shared_apps.messaging.links import shop_url
from shared_apps.messaging.models import Message
from shared_apps.messaging.rendering import money
from shared_apps.messaging.services import message_queue, recipients_of
from shared_apps.tenants.models import Tenant

EVENTS = ("invoice_issued", "payment_received", "past_due", "suspension_coming", "suspended", "resumed")


def suspension_date(invoice: Invoice) -> date:
    """The day dunning suspends a shop whose invoice is still open (see dunning)."""
    return invoice.due_on + timedelta(days=max(settings.POS_BILLING_GRACE_DAYS, 0) + 1)


def billing_notice(*, event: str, invoice: Invoice) -> int:
    """Tell the invoice's shop's owners about ``event``; returns how many messages were queued
    (0 the second time: the same event of the same invoice is one message per owner)."""
    assert event in EVENTS, event
    tenant = Tenant.objects.filter(pk=invoice.tenant_id).first() if invoice.tenant_id else None
    if tenant is None:
        return 0
    queued = 0
    for person in recipients_of(tenant_id=tenant.pk, roles=frozenset({OWNER}), category="billing"):
        key = f"billing:{event}:{invoice.number}:{person.user_id}:{person.channel}"
        if Message.objects.filter(key=key).exists():
            continue
        message_queue(
            key=key,
            kind="billing",
            category="billing",
            channel=person.channel,
            to=person.to,
            language=person.language,
            tenant_id=tenant.pk,
            user_id=person.user_id,
            context={
                "event": event,
                "shop_name": tenant.name,
                "invoice": invoice.number,
                "total": money(invoice.total, invoice.currency, person.language),
                "reference": invoice.reference,
                "due_on": invoice.due_on.isoformat(),
                "suspend_on": suspension_date(invoice).isoformat(),
                "url": shop_url(tenant_id=tenant.pk, path=f"/api/v1/billing/invoices/{invoice.pk}"),
            },
        )
        queued += 1
    return queued

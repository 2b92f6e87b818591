"""The payment webhook: HMAC-SHA512 signatures computed here with the hmac module, replays, wrong
amounts and currencies, unknown references, and what a successful payment does."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings

from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.models import Invoice, PaymentEvent, PricingTier, Subscription, TaxRate
from shared_apps.billing.services.dunning import dunning_run
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.services import tenant_suspend
from tests.billing.conftest import WEBHOOK_PATH, billed_tenant, charge_event, issue, sign
from tests.conftest import api_client

Post = Callable[..., Any]


@pytest.fixture
def invoice(tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate]) -> Invoice:
    billed_tenant(tenant_a, storefronts=1, days_ago=20)
    return issue(tenant_a)


def world() -> tuple[Any, ...]:
    """Everything a webhook could change."""
    return (
        list(Invoice.objects.order_by("pk").values()),
        list(Subscription.objects.order_by("pk").values()),
        list(Tenant.objects.order_by("pk").values("status", "suspension_reason")),
        PaymentEvent.objects.count(),
        PlatformAuditEntry.objects.count(),
    )


def test_signature_helper_matches_a_known_vector() -> None:
    # HMAC-SHA512("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
    assert sign(b"The quick brown fox jumps over the lazy dog", "key").startswith(
        "b42af09057bac1e2d41708e48a902e09"
    )


def test_a_valid_payment_marks_the_invoice_paid_and_extends_the_period(
    invoice: Invoice, tenant_a: Tenant, post_webhook: Post
) -> None:
    response = post_webhook(charge_event(invoice))

    assert response.status_code == 200
    assert response.json() == {"status": "applied", "invoice": invoice.number}
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert invoice.paid_at is not None
    sub = Subscription.objects.get(tenant=tenant_a)
    assert (sub.status, sub.period_start, sub.period_end) == (
        "active",
        invoice.period_start,
        invoice.period_end,
    )
    event = PaymentEvent.objects.get()
    assert (event.provider, event.provider_event_id, event.amount_minor, event.outcome) == (
        "paystack",
        "4099260516",
        22140,
        "applied",
    )
    assert PlatformAuditEntry.objects.filter(action="billing.invoice.paid", tenant_slug="alpha").exists()


@pytest.mark.parametrize(
    "signature",
    [
        None,  # missing
        "",
        "0" * 128,
        "not-hex",
        "é" * 10,
        "sign-with-the-wrong-secret",
        "sign-another-body",
        "truncated",
    ],
)
def test_a_missing_or_bad_signature_is_refused_and_changes_nothing(
    invoice: Invoice, post_webhook: Post, signature: str | None
) -> None:
    body = json.dumps(charge_event(invoice)).encode()
    if signature == "sign-with-the-wrong-secret":
        signature = sign(body, "sk_test_someone_else")
    elif signature == "sign-another-body":
        signature = sign(body.replace(b"22140", b"100"))
    elif signature == "truncated":
        signature = sign(body)[:64]
    before = world()

    response = post_webhook(body, signature=signature)

    assert response.status_code == 401
    assert response.json()["code"] == "webhook_signature_invalid"
    assert world() == before


def test_a_tampered_body_fails_its_original_signature(invoice: Invoice, post_webhook: Post) -> None:
    original = json.dumps(charge_event(invoice)).encode()
    tampered = original.replace(b'"amount": 22140', b'"amount": 100')
    before = world()

    response = post_webhook(tampered, signature=sign(original))

    assert response.status_code == 401
    assert world() == before


def test_the_same_event_again_answers_200_and_changes_nothing(invoice: Invoice, post_webhook: Post) -> None:
    payload = charge_event(invoice)
    post_webhook(payload)
    after_first = world()

    again = post_webhook(payload)

    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "invoice": invoice.number}
    assert world() == after_first


def test_the_database_keeps_a_provider_event_to_one_row(invoice: Invoice, post_webhook: Post) -> None:
    from django.db import IntegrityError, transaction

    post_webhook(charge_event(invoice))

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentEvent.objects.create(
            provider="paystack", provider_event_id="4099260516", invoice=invoice, outcome="applied",
            amount_minor=1, currency="GHS",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "code", "action"),
    [
        ({"amount": 22139}, "payment_amount_mismatch", "billing.security.payment_amount_mismatch"),
        ({"amount": 100}, "payment_amount_mismatch", "billing.security.payment_amount_mismatch"),
        ({"amount": 2214000}, "payment_amount_mismatch", "billing.security.payment_amount_mismatch"),
        ({"currency": "NGN"}, "payment_currency_mismatch", "billing.security.payment_currency_mismatch"),
        (
            {"currency": "USD", "amount": 100},
            "payment_currency_mismatch",
            "billing.security.payment_currency_mismatch",
        ),
    ],
)
def test_a_wrong_amount_or_currency_is_refused_with_a_security_audit_entry(
    invoice: Invoice, post_webhook: Post, overrides: dict[str, Any], code: str, action: str
) -> None:
    invoices, subscriptions, tenants, payments, audit = world()

    response = post_webhook(charge_event(invoice, **overrides))

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert world()[:4] == (invoices, subscriptions, tenants, payments)
    entry = PlatformAuditEntry.objects.get(action=action)
    assert entry.tenant_slug == "alpha"
    assert entry.details["expected"] == {"amount_minor": 22140, "currency": "GHS"}
    assert entry.details["received"]["amount_minor"] == overrides.get("amount", 22140)
    assert PlatformAuditEntry.objects.count() == audit + 1


def test_an_unknown_reference_is_404_and_changes_nothing(invoice: Invoice, post_webhook: Post) -> None:
    before = world()

    response = post_webhook(charge_event(invoice, reference="pos-doesnotexist"))

    assert response.status_code == 404
    assert response.json()["code"] == "invoice_not_found"
    assert world() == before


def test_metadata_naming_a_plan_tier_amount_or_count_is_not_read(
    invoice: Invoice, tenant_a: Tenant, post_webhook: Post
) -> None:
    sub_before = (
        Subscription.objects.filter(tenant=tenant_a).values("storefront_count", "tier_id", "amount").get()
    )
    metadata = {
        "plan": "enterprise",
        "tier": 1,
        "tier_id": 999,
        "amount": 1,
        "storefront_count": 1,
        "total": 1,
    }

    response = post_webhook(charge_event(invoice, metadata=metadata))

    assert response.status_code == 200
    paid = Invoice.objects.get(pk=invoice.pk)
    assert (paid.total, paid.storefront_count, paid.snapshot) == (invoice.total, 1, invoice.snapshot)
    assert (
        Subscription.objects.filter(tenant=tenant_a).values("storefront_count", "tier_id", "amount").get()
        == sub_before
    )
    assert "metadata" not in PaymentEvent.objects.get().payload


def test_payment_resumes_a_tenant_suspended_for_non_payment(
    invoice: Invoice, tenant_a: Tenant, post_webhook: Post
) -> None:
    dunning_run(today=invoice.due_on + timedelta(days=30))
    tenant_a.refresh_from_db()
    assert (tenant_a.status, tenant_a.suspension_reason) == ("suspended", "non_payment")

    response = post_webhook(charge_event(invoice))

    assert response.status_code == 200
    tenant_a.refresh_from_db()
    assert (tenant_a.status, tenant_a.suspension_reason) == ("active", "")
    assert Subscription.objects.get(tenant=tenant_a).status == "active"
    resumed = PlatformAuditEntry.objects.get(action="tenant.resume", tenant_slug="alpha")
    assert (resumed.actor, resumed.details) == ("system:paystack", {"suspension_reason": "non_payment"})


def test_payment_does_not_resume_a_tenant_suspended_by_staff(
    invoice: Invoice, tenant_a: Tenant, post_webhook: Post
) -> None:
    tenant_suspend(slug="alpha", actor="cli:ops", reason="platform")

    response = post_webhook(charge_event(invoice))

    assert response.status_code == 200
    tenant_a.refresh_from_db()
    assert (tenant_a.status, tenant_a.suspension_reason) == ("suspended", "platform")


def test_a_second_distinct_payment_is_kept_for_refund_and_extends_nothing(
    invoice: Invoice, tenant_a: Tenant, post_webhook: Post
) -> None:
    post_webhook(charge_event(invoice))
    sub_after_first = Subscription.objects.filter(tenant=tenant_a).values().get()
    paid_at = Invoice.objects.get(pk=invoice.pk).paid_at

    response = post_webhook(charge_event(invoice, id=4099260999))

    assert response.json() == {"status": "already_paid", "invoice": invoice.number}
    assert Subscription.objects.filter(tenant=tenant_a).values().get() == sub_after_first
    assert Invoice.objects.get(pk=invoice.pk).paid_at == paid_at
    assert list(PaymentEvent.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "applied",
        "already_paid",
    ]
    assert PlatformAuditEntry.objects.filter(action="billing.payment.already_paid").count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"event": "transfer.success", "data": {}},
        {"event": "charge.success", "data": {"status": "failed"}},
    ],
)
def test_other_events_are_acknowledged_and_ignored(
    invoice: Invoice, post_webhook: Post, payload: dict[str, Any]
) -> None:
    if payload["data"]:
        payload = charge_event(invoice, status="failed")
    before = world()

    response = post_webhook(payload)

    assert response.status_code == 200
    assert response.json() == {"status": "ignored", "invoice": None}
    assert world() == before


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"event": "charge.success", "data": {"reference": 1}}', b'{"event": "charge.success"}'],
)
def test_a_signed_but_malformed_payload_is_400(invoice: Invoice, post_webhook: Post, body: bytes) -> None:
    before = world()

    response = post_webhook(body)

    assert response.status_code == 400
    assert response.json()["code"] == "webhook_payload_invalid"
    assert world() == before


def test_without_a_configured_secret_every_notification_is_refused(invoice: Invoice) -> None:
    body = json.dumps(charge_event(invoice)).encode()
    before = world()

    with override_settings(POS_PAYMENT_WEBHOOK_SECRET=""):
        response = api_client(None).post(
            WEBHOOK_PATH, data=body, content_type="application/json", HTTP_X_PAYSTACK_SIGNATURE=sign(body, "")
        )

    assert response.status_code == 503
    assert response.json()["code"] == "webhook_not_configured"
    assert world() == before


def test_the_webhook_is_served_on_the_platform_host_only(invoice: Invoice) -> None:
    body = json.dumps(charge_event(invoice)).encode()

    with override_settings(POS_PAYMENT_WEBHOOK_SECRET="sk_test_billing_webhook_secret"):
        response = api_client("alpha").post(
            WEBHOOK_PATH, data=body, content_type="application/json", HTTP_X_PAYSTACK_SIGNATURE=sign(body)
        )

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert Invoice.objects.get(pk=invoice.pk).status == "open"


def test_the_platform_hosts_api_schema_documents_the_webhook(db: None) -> None:
    schema = api_client(None).get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert set(schema["paths"][WEBHOOK_PATH]) == {"post"}
    assert "/api/v1/billing/subscription" not in schema["paths"]

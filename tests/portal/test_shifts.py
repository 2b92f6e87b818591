"""The shift pages: open with a float, cash in and out, close with counted amounts and the
difference, the list with differences highlighted, the printable report; a cashier's own shifts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.test import Client
from django_tenants.utils import tenant_context

from tenant_apps.shifts.models import CashMovement, Shift
from tests.conftest import Shop
from tests.portal.conftest import html, portal_client

D = Decimal


def open_shift(client: Client, shop: Shop, key: str = "open-1", opening_float: str = "200.00") -> Any:
    return client.post(
        "/portal/shifts/open",
        {"storefront": str(shop.storefront.pk), "opening_float": opening_float, "idempotency_key": key},
    )


def shifts(shop: Shop) -> list[Shift]:
    with tenant_context(shop.tenant):
        return list(Shift.objects.prefetch_related("counts").order_by("opened_at"))


def test_an_owner_runs_a_shift_and_closes_it_short(shop: Shop, owner_portal: Client) -> None:
    opened = open_shift(owner_portal, shop)
    [shift] = shifts(shop)
    url = f"/portal/shifts/{shift.pk}"
    owner_portal.post(
        url, {"kind": "in", "amount": "50", "reason": "Change from the bank", "idempotency_key": "c1"}
    )
    owner_portal.post(url, {"kind": "out", "amount": "20", "reason": "Fuel", "idempotency_key": "c2"})

    expected = html(owner_portal.get(url + "/close"))
    closed = owner_portal.post(
        url + "/close", {"count_cash": "220.00", "note": "", "idempotency_key": "close-1"}
    )
    listing = html(owner_portal.get("/portal/shifts"))
    report = html(owner_portal.get(url + "/report"))

    assert opened["Location"] == url
    assert "GH₵230.00" in expected  # 200 + 50 - 20
    assert closed.status_code == 302
    [after] = shifts(shop)
    [cash] = after.counts.all()
    assert (cash.expected, cash.counted, cash.difference) == (D("230.00"), D("220.00"), D("-10.00"))
    assert 'class="low"' in listing
    assert "short" in listing
    assert "-GH₵10.00" in listing
    assert "Shift report" in report
    assert "-GH₵10.00" in report


def test_the_open_form_sent_twice_opens_one_shift(shop: Shop, owner_portal: Client) -> None:
    first = open_shift(owner_portal, shop, key="same")
    second = open_shift(owner_portal, shop, key="same")

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert len(shifts(shop)) == 1


def test_a_second_open_shift_is_refused_with_the_services_message(shop: Shop, owner_portal: Client) -> None:
    open_shift(owner_portal, shop, key="a")

    again = open_shift(owner_portal, shop, key="b")

    assert again.status_code == 400
    assert len(shifts(shop)) == 1


def test_closing_needs_the_cash_count_and_changes_nothing_without_it(
    shop: Shop, owner_portal: Client
) -> None:
    open_shift(owner_portal, shop)
    [shift] = shifts(shop)

    response = owner_portal.post(
        f"/portal/shifts/{shift.pk}/close", {"count_cash": "", "idempotency_key": "x"}
    )

    assert response.status_code == 400
    assert shifts(shop)[0].closed_at is None


def test_a_cashier_sees_only_their_own_shifts(shop: Shop, owner_portal: Client) -> None:
    open_shift(owner_portal, shop)
    [owners] = shifts(shop)
    cashier = portal_client(shop.cashier, shop.tenant)

    own = open_shift(cashier, shop, key="mine", opening_float="50.00")
    listing = html(cashier.get("/portal/shifts"))
    other = cashier.get(f"/portal/shifts/{owners.pk}")
    cash = cashier.post(
        f"/portal/shifts/{owners.pk}", {"kind": "out", "amount": "100", "reason": "x", "idempotency_key": "k"}
    )
    close = cashier.post(f"/portal/shifts/{owners.pk}/close", {"count_cash": "0", "idempotency_key": "k2"})

    assert own.status_code == 302
    assert own["Location"] in listing
    assert f"/portal/shifts/{owners.pk}" not in listing
    assert other.status_code == cash.status_code == close.status_code == 404
    with tenant_context(shop.tenant):
        assert not CashMovement.objects.filter(shift_id=owners.pk).exists()
        assert Shift.objects.get(pk=owners.pk).closed_at is None


def test_another_shops_owner_gets_not_found(
    shop: Shop, owner_portal: Client, tenant_b: Any, make_member: Any
) -> None:
    open_shift(owner_portal, shop)
    [shift] = shifts(shop)
    other = portal_client(make_member(tenant_b, "owner"), tenant_b)

    response = other.post(f"/portal/shifts/{shift.pk}/close", {"count_cash": "0", "idempotency_key": "k"})

    assert response.status_code == 404
    assert shifts(shop)[0].closed_at is None

"""The sync conflict pages: the list with its filters, a conflict beside its sale, resolving it
(accept, note, adjust stock), a day's price differences at once; the same rule as the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from pos_platform.kernel.audit.models import AuditEvent
from sync.models import Conflict
from tenant_apps.inventory.models import StockLevel, StockMovement
from tests.conftest import Shop
from tests.portal.conftest import html, portal_client
from tests.sync.conftest import pair_terminal
from tests.sync.ops import batch, push, results, sale

D = Decimal


def oversell(shop: Shop, *, code: str = "T1", quantity: str = "110") -> dict[str, Any]:
    """A terminal uploads a sale of more rice than the storefront holds (100)."""
    till = pair_terminal(shop.tenant, shop.storefront, code=code)
    [answer] = results(
        push(
            till.client,
            batch(sale(1, cashier=shop.cashier, lines=[(shop.products["rice"], quantity)], pay="5000.00")),
        )
    )
    return answer


def undercharge(shop: Shop, till: Any, seq: int) -> dict[str, Any]:
    """A terminal sells soap at an old price (5.00 instead of 6.10)."""
    op = sale(seq, cashier=shop.cashier, lines=[(shop.products["soap"], "1")], receipt=f"ACC-T9-{seq:06d}")
    op["data"]["lines"][0]["unit_price"] = "5.00"
    [answer] = results(push(till.client, batch(op)))
    return answer


def conflicts(shop: Shop, **filters: Any) -> list[Conflict]:
    with tenant_context(shop.tenant):
        return list(Conflict.objects.filter(**filters).order_by("created_at"))


def rice_level(shop: Shop) -> Decimal:
    with tenant_context(shop.tenant):
        return StockLevel.objects.get(product=shop.products["rice"], storefront=shop.storefront).quantity


def test_the_list_shows_open_conflicts_and_filters_them(shop: Shop, owner_portal: Client) -> None:
    oversell(shop)

    everything = html(owner_portal.get("/portal/conflicts"))
    oversold = html(owner_portal.get("/portal/conflicts", {"kind": "oversold"}))
    resolved = html(owner_portal.get("/portal/conflicts", {"status": "resolved"}))
    [conflict] = conflicts(shop, kind="oversold")

    assert "Sold more than in stock" in everything
    assert f"/portal/conflicts/{conflict.pk}" in oversold
    assert "No conflict matches." in resolved
    assert f"/portal/conflicts/{conflict.pk}" not in resolved


def test_the_menu_counts_open_conflicts(shop: Shop, owner_portal: Client) -> None:
    oversell(shop)
    n = len(conflicts(shop, status="open"))

    page = html(owner_portal.get("/portal/stock"))

    assert n >= 1
    assert f'Sync conflicts <span class="badge">{n}</span>' in page


def test_a_conflict_shows_its_sale_and_adjusting_stock_books_a_movement(
    shop: Shop, owner_portal: Client
) -> None:
    answer = oversell(shop)
    [conflict] = conflicts(shop, kind="oversold")
    assert rice_level(shop) == D(-10)

    page = html(owner_portal.get(f"/portal/conflicts/{conflict.pk}"))
    form = owner_portal.get(f"/portal/conflicts/{conflict.pk}").context["form"]
    response = owner_portal.post(
        f"/portal/conflicts/{conflict.pk}",
        {
            "resolution": "stock_adjusted",
            "quantity": "12",
            "note": "found a sack in the store",
            "idempotency_key": form.initial["idempotency_key"],
        },
    )

    assert answer["id"] in page  # the sale's link
    assert "Rice" in page
    assert response.status_code == 302
    [after] = conflicts(shop, pk=conflict.pk)
    assert (after.status, after.resolution, after.note) == (
        "resolved",
        "stock_adjusted",
        "found a sack in the store",
    )
    assert rice_level(shop) == D(2)
    with tenant_context(shop.tenant):
        assert StockMovement.objects.filter(kind="adjust", product=shop.products["rice"]).count() == 1
    assert "Conflict resolved." in html(owner_portal.get(response["Location"]))


def test_the_same_form_sent_twice_books_one_movement(shop: Shop, owner_portal: Client) -> None:
    oversell(shop)
    [conflict] = conflicts(shop, kind="oversold")
    body = {"resolution": "stock_adjusted", "quantity": "5", "idempotency_key": "k-1"}

    first = owner_portal.post(f"/portal/conflicts/{conflict.pk}", body)
    second = owner_portal.post(f"/portal/conflicts/{conflict.pk}", body)

    assert first.status_code == second.status_code == 302
    assert rice_level(shop) == D(-5)
    with tenant_context(shop.tenant):
        assert StockMovement.objects.filter(kind="adjust").count() == 1


def test_a_refused_resolution_shows_the_services_message_and_changes_nothing(
    shop: Shop, owner_portal: Client
) -> None:
    oversell(shop)
    [conflict] = conflicts(shop, kind="oversold")

    response = owner_portal.post(
        f"/portal/conflicts/{conflict.pk}", {"resolution": "annotated", "note": "", "idempotency_key": "k-2"}
    )

    assert response.status_code == 400
    assert "An annotation needs a note." in html(response)
    assert conflicts(shop, pk=conflict.pk)[0].status == "open"


def test_a_cashier_may_not_see_conflicts_nor_resolve_one(shop: Shop) -> None:
    oversell(shop)
    [conflict] = conflicts(shop, kind="oversold")
    cashier = portal_client(shop.cashier, shop.tenant)

    listing = cashier.get("/portal/conflicts")
    posted = cashier.post(
        f"/portal/conflicts/{conflict.pk}",
        {"resolution": "stock_adjusted", "quantity": "50", "idempotency_key": "k-3"},
    )

    assert listing.status_code == posted.status_code == 403
    assert conflicts(shop, pk=conflict.pk)[0].status == "open"
    assert rice_level(shop) == D(-10)


def test_a_manager_of_another_storefront_gets_not_found(shop: Shop, make_member: Any) -> None:
    oversell(shop)
    [conflict] = conflicts(shop, kind="oversold")
    manager = make_member(shop.tenant, "manager", storefront_id=shop.other_storefront.pk)
    client = portal_client(manager, shop.tenant)

    listing = html(client.get("/portal/conflicts"))
    detail = client.get(f"/portal/conflicts/{conflict.pk}")
    posted = client.post(
        f"/portal/conflicts/{conflict.pk}", {"resolution": "accepted", "idempotency_key": "k-4"}
    )

    assert f"/portal/conflicts/{conflict.pk}" not in listing
    assert detail.status_code == posted.status_code == 404
    assert conflicts(shop, pk=conflict.pk)[0].status == "open"


def test_another_shops_owner_cannot_open_the_conflict(shop: Shop, tenant_b: Any, make_member: Any) -> None:
    oversell(shop)
    [conflict] = conflicts(shop, kind="oversold")
    other = make_member(tenant_b, "owner")
    client = portal_client(other, tenant_b)

    response = client.post(
        f"/portal/conflicts/{conflict.pk}", {"resolution": "accepted", "idempotency_key": "k"}
    )

    assert response.status_code == 404
    assert conflicts(shop, pk=conflict.pk)[0].status == "open"


def test_a_days_price_differences_are_accepted_at_once(shop: Shop, owner_portal: Client) -> None:
    till = pair_terminal(shop.tenant, shop.storefront, code="T9")
    for seq in (1, 2, 3):
        undercharge(shop, till, seq)
    oversell(shop)
    assert len(conflicts(shop, kind="price_mismatch", status="open")) == 3
    day = timezone.localdate().isoformat()

    preview = html(owner_portal.get("/portal/conflicts/accept-day", {"day": day}))
    response = owner_portal.post(
        "/portal/conflicts/accept-day", {"day": day, "storefront": "", "idempotency_key": "k-5"}
    )

    assert "3 open price differences on this day." in preview
    assert response.status_code == 302
    assert "Accepted 3 price differences." in html(owner_portal.get(response["Location"]))
    assert {c.resolution for c in conflicts(shop, kind="price_mismatch")} == {"accepted"}
    assert [c.status for c in conflicts(shop, kind="oversold")] == ["open"]
    with tenant_context(shop.tenant):
        assert AuditEvent.objects.filter(action="conflict.resolved").count() == 3


def test_a_price_difference_shows_sent_against_computed(shop: Shop, owner_portal: Client) -> None:
    till = pair_terminal(shop.tenant, shop.storefront, code="T9")
    undercharge(shop, till, 1)
    [conflict] = conflicts(shop, kind="price_mismatch")

    page = html(owner_portal.get(f"/portal/conflicts/{conflict.pk}"))

    assert "Terminal sent" in page
    assert "Server computed" in page
    assert "5.00</td>" in page
    assert "6.10</td>" in page


@pytest.mark.parametrize(
    "path", ["/portal/conflicts/not-a-uuid", "/portal/conflicts?date_from=nope&kind=zzz"]
)
def test_bad_input_is_not_a_server_error(shop: Shop, owner_portal: Client, path: str) -> None:
    assert owner_portal.get(path).status_code in (200, 404)

"""A member limited to one storefront who asks a list or report for another storefront gets the
refusal page (403, ``storefront_forbidden``), not that list quietly shown for their own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Shop
from tests.portal.conftest import html, portal_client

LISTS = [
    "/portal/?storefront={id}",
    "/portal/reports?storefront={id}",
    "/portal/reports/day?storefront={id}",
    "/portal/stock?storefront={id}",
    "/portal/stock/movements?storefront={id}",
    "/portal/sales?storefront={id}",
    "/portal/reports/sales.csv?storefront={id}",
]


@pytest.mark.parametrize("path", LISTS)
def test_a_scoped_manager_is_refused_another_storefront(shop: Shop, make_member: Any, path: str) -> None:
    manager = make_member(shop.tenant, "manager", storefront_id=shop.storefront.pk)
    client = portal_client(manager, shop.tenant)

    own = client.get(path.format(id=shop.storefront.pk))
    other = client.get(path.format(id=shop.other_storefront.pk))

    assert own.status_code == 200
    assert other.status_code == 403
    assert 'data-code="storefront_forbidden"' in html(other)
    assert "Your access is limited to another storefront." in html(other)


@pytest.mark.parametrize("path", LISTS)
def test_an_owner_may_ask_any_storefront(shop: Shop, owner_portal: Any, path: str) -> None:
    assert owner_portal.get(path.format(id=shop.other_storefront.pk)).status_code == 200

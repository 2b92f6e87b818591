"""Two admins editing one product at once, over HTTP to the production server: price changes
(``POST /products/{id}/prices``) and product changes (``PATCH /products/{id}``) race on the
product row and the change feed's lock. None of them fails, every one is applied, and every
change reaches the terminals' feed."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from shared_apps.tenants.services import TenantCreated
from sync.models import Change
from tenant_apps.catalog.models import Product, ProductPrice
from tenant_apps.catalog.services import product_create
from tests.conftest import host_of, member_make
from tests.live_server import gunicorn

WRITERS = 8  # half set prices, half rename the product
REQUESTS = 30  # per writer

pytestmark = pytest.mark.slow


def test_concurrent_price_and_product_edits_all_apply_and_reach_the_feed(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    tenant = committed_tenant().tenant
    admins = [member_make(tenant, "admin") for _ in range(2)]
    with tenant_context(tenant):
        product = product_create(sku="RICE", name="Rice", price=Decimal("1.00"), actor=Actor.system("tests"))
    start = datetime(2031, 1, 1, tzinfo=UTC)
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    barrier = threading.Barrier(WRITERS)

    def writer(n: int, base_url: str) -> None:
        token = admins[n % 2].token
        headers = {"Host": host_of(tenant.slug), "Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            barrier.wait()
            for i in range(REQUESTS):
                if n % 2:
                    at = start + timedelta(seconds=n * REQUESTS + i)
                    response = client.post(
                        f"/api/v1/products/{product.pk}/prices",
                        json={"price": f"{n}.{i:02d}", "effective_from": at.isoformat()},
                    )
                else:
                    response = client.patch(f"/api/v1/products/{product.pk}", json={"name": f"Rice {n}-{i}"})
                statuses[response.status_code] += 1
                if response.status_code >= 300:
                    errors.append(f"{response.status_code} {response.text[:200]}")

    with gunicorn(workers=2, threads=4) as base_url:
        threads = [threading.Thread(target=writer, args=(n, base_url)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    posts = patches = WRITERS // 2 * REQUESTS
    # Every request was served and applied: a lower bound on the work, not only no failure.
    assert statuses == {201: posts, 200: patches}
    with tenant_context(tenant):
        prices = set(ProductPrice.objects.filter(product=product).values_list("pk", flat=True))
        assert len(prices) == 1 + posts
        # Each price row and each rename is in the feed, one change per statement.
        fed_prices = Change.objects.filter(kind="prices", object_id__in=prices)
        assert set(fed_prices.values_list("object_id", flat=True)) == prices
        assert Change.objects.filter(kind="products", object_id=product.pk).count() == 1 + patches
        assert Product.objects.get(pk=product.pk).name.startswith("Rice ")

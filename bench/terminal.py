"""The terminal app on a cheap phone: Chromium at phone size with the CPU throttled 4x (CDP),
against the production server (gunicorn), with 5,000 products and 10,000 queued operations.

Measures:

* ``pay_to_receipt_p95_ms``: from the tap on "Complete sale" to the receipt on screen (the sale
  written to IndexedDB first), over 30 sales, with 10,000 operations waiting in the queue;
* ``cold_start_offline_ms``: reloading the app offline (served by its service worker) until the
  sale screen can be used;
* ``install_bytes``: what the first visit downloads (the page and the shell, as sent), and
  ``shell_gzip_bytes``, the shell gzip-compressed (as a proxy that compresses static files sends it);
* ``snapshot_bytes``: the pull of the 5,000-product catalog, gzip as sent;
* ``bytes_per_sale``: gzip-encoded upload bytes per sale, uploading 1,000 queued sales;
* ``upload_2g_s``: the time to upload those 1,000 sales over emulated 2G (250 kbit/s, 300 ms).

Prints one JSON line last: {"bench": "terminal", ...}.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from common import BASE_DIR, bench_database, gunicorn_server, log

HOST = "till.localhost"
PRODUCTS = 5000
QUEUED = 10_000
UPLOADED = 1000
SALES = 30
PIN = "4821"


def build_shop() -> dict[str, Any]:
    from django.utils import timezone

    from pos_platform.db import connection
    from pos_platform.kernel.actors import Actor
    from shared_apps.accounts.models import Membership, MembershipHistory
    from shared_apps.accounts.services import membership_grant, user_get_or_create
    from shared_apps.tenants import provisioning
    from shared_apps.tenants.services import tenant_create
    from sync import pins, terminals
    from tenant_apps.catalog.models import Product, ProductPrice
    from tenant_apps.inventory.services import StockLine, stock_receive
    from tenant_apps.storefronts.services import storefront_create
    from tenant_apps.taxes.services import tax_category_create, tax_rate_add

    provisioning.snapshot_current()
    tenant = tenant_create(slug="till", name="Till", owner_email="owner@till.test", actor="bench").tenant
    since = timezone.now() - dt.timedelta(days=30)
    user, _ = user_get_or_create(email="cashier@till.test")
    membership = membership_grant(user=user, tenant_id=tenant.pk, role="cashier")
    MembershipHistory.objects.filter(membership_id=membership.pk).update(valid_from=since)
    connection.set_tenant(tenant)
    actor = Actor.system("bench")
    storefront = storefront_create(code="TIL", name="Till shop", actor=actor)
    std = tax_category_create(code="STD", name="Standard", actor=actor)
    for code, rate, compound, position in (
        ("NHIL", "2.5", False, 1),
        ("GETFUND", "2.5", False, 2),
        ("VAT", "15", True, 3),
    ):
        tax_rate_add(
            category_id=std.pk,
            code=code,
            name=code,
            rate=Decimal(rate),
            compound=compound,
            position=position,
            effective_from=since,
            actor=actor,
        )
    products = Product.objects.bulk_create(
        [
            Product(
                id=uuid.uuid4(),
                sku=f"SKU{i:05d}",
                name=f"Product {i:05d} {['rice', 'oil', 'soap', 'milk'][i % 4]}",
                tax_category_id=std.pk,
                reorder_level=Decimal(3),
            )
            for i in range(PRODUCTS)
        ]
    )
    ProductPrice.objects.bulk_create(
        [
            ProductPrice(product=p, price=Decimal(f"{1 + i % 90}.50"), effective_from=since)
            for i, p in enumerate(products)
        ]
    )
    for chunk in range(0, PRODUCTS, 500):  # at most 500 lines per stock operation
        stock_receive(
            storefront_id=storefront.pk,
            actor=actor,
            occurred_at=since,
            lines=[StockLine(p.pk, Decimal(1 + i % 20)) for i, p in enumerate(products[chunk : chunk + 500])],
        )
    pins.cashier_pin_set(membership=Membership.objects.get(pk=membership.pk), pin=PIN, actor=actor)
    pairing = terminals.terminal_create(
        storefront_id=storefront.pk, code="B1", name="Bench till", actor=actor
    )
    connection.set_schema_to_public()
    return {
        "tenant": tenant,
        "code": pairing.code,
        "cashier": str(user.pk),
        "products": [str(p.pk) for p in products[:50]],
    }


QUEUE_JS = """async ({count, startSeq, products, cashier, state, prefix}) => {
  const { tx } = await import('/static/pos/db.js');
  await tx(['ops'], 'readwrite', (t) => {
    const store = t.objectStore('ops');
    for (let i = 0; i < count; i++) {
      const seq = startSeq + i;
      const op = { op_id: crypto.randomUUID(), kind: 'sale', seq,
        occurred_at: new Date(Date.now() - 3600_000 + i).toISOString(),
        data: { receipt_number: `${prefix}-${String(seq).padStart(6, '0')}`, cashier_id: cashier,
          lines: [{ product_id: products[i % products.length], quantity: '1', unit_price: '1.50' }],
          payments: [{ method: 'cash', amount: '100' }] } };
      store.put({ op_id: op.op_id, seq, state, op });
    }
  });
  return true;
}"""

PAY_JS = """() => new Promise((resolve) => {
  const start = performance.now();
  const seen = () => document.getElementById('receipt-number');
  const observer = new MutationObserver(() => {
    if (seen()) { observer.disconnect(); resolve(performance.now() - start); }
  });
  observer.observe(document.getElementById('app'), { childList: true, subtree: true });
  document.getElementById('complete').click();
})"""

READY_JS = """() => {
  const observer = new MutationObserver(() => {
    if (document.getElementById('search') && !window.__ready) {
      window.__ready = performance.now();
      observer.disconnect();
    }
  });
  document.addEventListener('DOMContentLoaded', () =>
    observer.observe(document.getElementById('app'), { childList: true, subtree: true }));
}"""


CLEAR_JS = """async () => {
  const { tx } = await import('/static/pos/db.js');
  await tx(['ops', 'kv'], 'readwrite', (t) => {
    t.objectStore('ops').clear();
    t.objectStore('kv').delete('batch');
  });
}"""


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with bench_database("bench_terminal") as url:
        shop = build_shop()
        with gunicorn_server(url=url, host=HOST, workers=2) as port, sync_playwright() as p:
            base = f"http://{HOST}:{port}"
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
            )
            context.set_default_timeout(120_000)
            context.add_init_script(script=f"({READY_JS})()")
            page = context.new_page()
            page.on("pageerror", lambda e: log(f"page error: {e}"))
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            cdp.send("Network.enable")
            sizes: dict[str, int] = {}
            urls: dict[str, str] = {}
            cdp.on(
                "Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"])
            )
            cdp.on(
                "Network.loadingFinished",
                lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
            )

            page.goto(f"{base}/pos/")
            page.get_by_label("Pairing code").wait_for()
            page.wait_for_load_state("networkidle")
            install = sum(n for r, n in sizes.items() if "/api/" not in urls.get(r, ""))
            page.get_by_label("Pairing code").fill(shop["code"])
            page.get_by_role("button", name="Pair").click()
            page.get_by_label("PIN").wait_for()
            snapshot = sum(n for r, n in sizes.items() if "/api/v1/sync/pull" in urls.get(r, ""))
            page.get_by_label("Cashier").select_option(label="cashier@till.test")
            page.get_by_label("PIN").fill(PIN)
            page.get_by_role("button", name="Sign in").click()
            try:
                page.locator("#search").wait_for(timeout=30_000)
            except Exception:
                log(page.locator("#app").inner_text())
                raise
            deadline = time.monotonic() + 60
            while not page.evaluate("navigator.serviceWorker.controller !== null"):
                assert time.monotonic() < deadline
                page.wait_for_timeout(200)
            log(f"installed: {install} B, snapshot {snapshot} B")

            context.set_offline(True)
            page.evaluate(
                QUEUE_JS,
                {
                    "count": QUEUED,
                    "startSeq": 100_000,
                    "products": shop["products"],
                    "cashier": shop["cashier"],
                    "state": "queued",
                    "prefix": "TIL-B1Q",
                },
            )
            log(f"{QUEUED} ops queued")
            timings = []
            for i in range(SALES):
                page.locator("#search").fill(f"SKU{i * 37:05d}")
                page.locator(f'button.add[data-sku="SKU{i * 37:05d}"]').click()
                page.locator("#pay").click()
                timings.append(page.evaluate(PAY_JS))
                page.locator("#new-sale").click()
            timings.sort()
            p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
            log(f"pay -> receipt p95 {p95:.1f} ms (median {statistics.median(timings):.1f})")

            page.reload()
            page.locator("#search").wait_for()
            cold = page.evaluate("window.__ready")
            log(f"cold start offline {cold:.0f} ms")

            # 1,000 sales to upload over 2G: the queue holds only them.
            page.evaluate(CLEAR_JS)
            page.evaluate(
                QUEUE_JS,
                {
                    "count": UPLOADED,
                    "startSeq": 1_000,
                    "products": shop["products"],
                    "cashier": shop["cashier"],
                    "state": "queued",
                    "prefix": "TIL-B1",
                },
            )
            uploaded: list[int] = []
            page.on(
                "request",
                lambda r: uploaded.append(len(r.post_data_buffer or b"")) if "/sync/push" in r.url else None,
            )
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": 300,
                    "downloadThroughput": 250_000 / 8,
                    "uploadThroughput": 250_000 / 8,
                },
            )
            context.set_offline(False)
            start = time.monotonic()
            page.get_by_role("button", name="Menu").click()
            page.locator("#sync-now").click()
            page.locator('[data-pending="0"]').wait_for(timeout=300_000)
            upload_s = time.monotonic() - start
            browser.close()
        from django_tenants.utils import tenant_context

        from tenant_apps.sales.models import Sale

        with tenant_context(shop["tenant"]):
            held = Sale.objects.filter(receipt_number__startswith="TIL-B1-").count()
        assert held == UPLOADED, held
    shell = Path(BASE_DIR / "pos_platform" / "static" / "pos")
    shell_gzip = sum(len(gzip.compress(f.read_bytes(), 9)) for f in shell.iterdir())
    return {
        "bench": "terminal",
        "products": PRODUCTS,
        "queued_ops": QUEUED,
        "cpu_throttle": 4,
        "pay_to_receipt_p95_ms": round(p95, 1),
        "pay_to_receipt_p50_ms": round(statistics.median(timings), 1),
        "cold_start_offline_ms": round(cold),
        "install_bytes": install,
        "shell_gzip_bytes": shell_gzip,
        "snapshot_bytes": snapshot,
        "bytes_per_sale": round(sum(uploaded) / UPLOADED, 1),
        "upload_2g_s": round(upload_s, 1),
        "uploaded_sales": UPLOADED,
    }


if __name__ == "__main__":
    result = run()
    print(json.dumps(result))
    sys.exit(0)

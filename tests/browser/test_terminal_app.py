"""The terminal app at /pos/: a trader pairs a phone, signs in with a PIN, sells offline for a
while (reloading the page offline too), and sees every sale reach the server exactly once."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.core.management import call_command
from django_tenants.utils import tenant_context

from sync.models import Op, Terminal
from tenant_apps.sales.models import Sale
from tests.browser.conftest import PHONE, axe_check, screenshot
from tests.browser.terminal import Till, device_sales, pending, sell, wait_until


def test_pair_sign_in_sell_offline_reload_and_every_sale_reaches_the_server_once(
    till: Callable[..., Till],
) -> None:
    # Pair and sign in; the service worker takes the app over for offline use.
    made = till(viewport=PHONE)
    shop, url, context, page = made.shop, made.url, made.context, made.page
    wait_until(page, "navigator.serviceWorker.controller !== null")
    axe_check(page)

    # Offline: 30 sales, every other one split between mobile money and cash with change.
    context.set_offline(True)
    numbers = [
        sell(page, ("RICE", "WATER", "SOAP")[i % 3], quantity="1.5" if i % 3 == 1 else None, split=i % 2 == 0)
        for i in range(30)
    ]
    assert pending(page) == 30
    assert page.locator("[data-online]").get_attribute("data-online") == "0"
    screenshot(page, "terminal-sell-offline")

    # Reload while offline: the service worker serves the app, the queue is still there.
    page.reload()
    page.locator("#search").wait_for()
    assert pending(page) == 30
    numbers += [sell(page, "RICE", split=i % 2 == 1) for i in range(10)]
    assert pending(page) == 40
    axe_check(page)

    # Online, the page is closed while its upload is on the way: the server applies the batch
    # but its answer never reaches the page.
    applied: list[int] = []

    def lose_the_answer(route: Any) -> None:
        # Sent on to the server from here (Chromium's own resolver is the one that knows
        # *.localhost); the page never gets an answer.
        request = route.request
        parts = urlsplit(request.url)
        forwarded = urllib.request.Request(
            f"http://127.0.0.1:{parts.port}{parts.path}",
            data=request.post_data_buffer,
            headers={k: v for k, v in request.headers.items() if k.lower() != "content-length"}
            | {"Host": parts.netloc},
            method="POST",
        )
        with urllib.request.urlopen(forwarded) as answer:  # noqa: S310 - the loopback live server
            applied.append(answer.status)

    context.route("**/api/v1/sync/push", lose_the_answer)
    context.set_offline(False)
    deadline = time.monotonic() + 30
    while not applied:
        assert time.monotonic() < deadline, "no upload started"
        page.wait_for_timeout(100)
    page.close()
    context.unroute("**/api/v1/sync/push")

    # Opened again: the batch is sent again as it was and answered from the server's store.
    page = context.new_page()
    page.goto(f"{url}/pos/")
    page.locator('[data-pending="0"]').wait_for(timeout=60_000)

    device = {s["receipt_number"]: s for s in device_sales(page)}
    with tenant_context(shop.tenant):
        terminal = Terminal.objects.get(code="T1")
        held = {s.receipt_number: s for s in Sale.objects.filter(terminal_id=terminal.pk)}
        ops = Op.objects.filter(terminal=terminal).count()
    assert applied == [200]
    assert len(numbers) == len(set(numbers)) == 40
    assert sorted(held) == sorted(numbers) == sorted(device)
    assert ops == 40
    for number, sale in held.items():
        assert Decimal(device[number]["total"]) == sale.total, number
        assert Decimal(device[number]["change"]) == sale.change_total, number
        assert device[number]["status"] == "applied"
        assert device[number]["receipt_url"].endswith(
            "".join(["/r/", device[number]["receipt_url"].rsplit("/", 1)[1]])
        )
    call_command("tenant", "reconcile", shop.tenant.slug)  # exits 1 when the books do not balance

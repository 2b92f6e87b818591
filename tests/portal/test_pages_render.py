"""Every page of the back office renders for an owner, without inline script or style and with
the Content-Security-Policy header; none answers 5xx."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import Shop
from tests.portal.conftest import html

PAGES = [
    "/portal/",
    "/portal/?period=7d",
    "/portal/?period=30d",
    "/portal/?period=month",
    "/portal/account",
    "/portal/products",
    "/portal/products?q=rice&active=true&low=on",
    "/portal/products/new",
    "/portal/products/import",
    "/portal/stock",
    "/portal/stock?low=on",
    "/portal/stock/movements",
    "/portal/stock/receive",
    "/portal/stock/adjust",
    "/portal/stock/count",
    "/portal/stock/transfer",
    "/portal/sales",
    "/portal/sales?period=30d&status=voided",
    "/portal/sales/new",
    "/portal/reports",
    "/portal/reports?from=2025-01-01&to=2025-01-31",
    "/portal/reports/day",
    "/portal/reports/day?date=2025-01-01",
    "/portal/password",
    "/portal/mfa/backup-codes",
    "/portal/conflicts",
    "/portal/conflicts?status=all&kind=oversold&date_from=2025-01-01",
    "/portal/conflicts/accept-day",
    "/portal/terminals",
    "/portal/terminals/new",
    "/portal/shifts",
    "/portal/shifts?open=on&variances=on",
    "/portal/shifts/open",
    "/portal/staff",
    "/portal/staff/invite",
    "/portal/taxes",
    "/portal/taxes?product=NOPE&quantity=x",
    "/portal/taxes/rates/new",
    "/portal/taxes/categories/new",
    "/portal/audit",
    "/portal/audit?action=auth.&date_from=2025-01-01&actor=nope",
    "/portal/settings",
    "/portal/billing",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_without_inline_script_or_style(shop: Shop, owner_portal: Client, path: str) -> None:
    response = owner_portal.get(path)

    page = html(response)
    assert response.status_code == 200, page[:2000]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script"
    assert not re.search(r"<style|\sstyle=", page), "inline style"
    assert not re.search(r"""(src|href)=["']https?://""", page), "an asset from elsewhere"

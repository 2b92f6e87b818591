"""The public receipt page at ``/r/<token>`` on the shop's host: what a customer opens from the
link in their SMS or e-mail, or by scanning the QR code on the printed receipt.

Only the sale of that token, at this shop: an unknown token, or one of another shop, is the same
404. No sign-in, no cookie set, not indexed, no referrer sent on; rate limited per client IP
(and more tightly for tokens that lead nowhere, to make guessing pointless on top of 192 bits).
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from pos_platform.kernel.http import client_ip
from pos_platform.kernel.throttle import Limit, throttle_fail, throttle_wait
from pos_platform.portal.pages import ShopRequest
from shared_apps.messaging.rendering import language_of, money
from shared_apps.messaging.services import shop_messaging_of
from tenant_apps.receipts.services import receipt_url, sale_of_token
from tenant_apps.sales.selectors import sale_get, sale_status_of
from tenant_apps.shop.services import shop_settings_get, shop_timezone


def _views() -> Limit:
    return Limit("receipt.view", settings.POS_RECEIPT_VIEWS_PER_IP, 60)


def _misses() -> Limit:
    return Limit("receipt.miss", settings.POS_RECEIPT_MISSES_PER_IP, 600)


def _limited(request: HttpRequest) -> HttpResponse | None:
    """A 429 while the client's address used up its views of the minute or its misses (tokens
    that lead nowhere); else None, and this view counted."""
    ip = client_ip(request) or "unknown"
    wait = throttle_wait(_misses(), ip) or throttle_wait(_views(), ip)
    if wait is None:
        throttle_fail(_views(), ip)  # every view counts against the limit, whatever it finds
        return None
    response = HttpResponse(
        "Too many requests; try again in a minute.", status=429, content_type="text/plain"
    )
    response["Retry-After"] = str(wait)
    return response


def _sale_or_404(request: HttpRequest, token: str) -> Any:
    sale = sale_of_token(token)
    if sale is None:
        throttle_fail(_misses(), client_ip(request) or "unknown")
        raise Http404("No such receipt.")
    return sale


def _percent(rate: object) -> str:
    try:
        return format(Decimal(str(rate)).normalize(), "f")
    except ArithmeticError:
        return str(rate)


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def receipt_page(request: ShopRequest, token: str) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    found = _sale_or_404(request, token)
    sale = sale_get(sale_id=found.pk)
    if sale is None:  # deleted meanwhile
        raise Http404("No such receipt.")
    tenant = request.tenant
    language = language_of(request.GET.get("lang") or shop_messaging_of(tenant_id=tenant.pk).language)
    currency = tenant.currency
    status, refunded = sale_status_of(sale)

    def m(value: Decimal) -> str:
        return money(value, currency, language)

    context = {
        "shop_name": tenant.name,
        "shop_settings": shop_settings_get(),
        "storefront": found.storefront,
        "sale": sale,
        "status": status,
        "when": timezone.localtime(sale.occurred_at, shop_timezone()),
        "lines": [
            {
                "quantity": format(line.quantity.normalize(), "f"),
                "name": line.name,
                "unit": m(line.unit_price),
                "discount": m(line.discount) if line.discount else "",
                "total": m(line.total),
            }
            for line in sale.lines.all()
        ],
        "taxes": [
            {
                "name": t.get("name") or t.get("code"),
                "rate": _percent(t.get("rate")),
                "amount": m(Decimal(str(t.get("amount", "0")))),
            }
            for t in sale.tax_breakdown
        ],
        "payments": [
            {
                "method": p.method.name,
                "amount": m(p.amount),
                "tendered": m(p.tendered),
                "change": m(p.change) if p.change else "",
            }
            for p in sale.payments.all()
        ],
        "subtotal": m(sale.subtotal),
        "discount": m(sale.line_discount_total + sale.sale_discount)
        if (sale.line_discount_total + sale.sale_discount)
        else "",
        "tax_total": m(sale.tax_total),
        "total": m(sale.total),
        "change": m(sale.change_total) if sale.change_total else "",
        "refunded": m(refunded) if refunded else "",
        "prices_include_tax": sale.prices_include_tax,
        "token": token,
        "url": receipt_url(sale_id=sale.pk),
        "language": language,
    }
    with translation.override(language):
        response = render(request, "receipts/receipt.html", context)
    return _private(response)


@require_GET
def receipt_qr(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code of the receipt's own address (SVG), for the page and the printout."""
    limited = _limited(request)
    if limited is not None:
        return limited
    sale = _sale_or_404(request, token)
    out = io.BytesIO()
    segno.make(receipt_url(sale_id=sale.pk), error="m").save(out, kind="svg", scale=4, border=2, xmldecl=True)
    return _private(HttpResponse(out.getvalue(), content_type="image/svg+xml"))

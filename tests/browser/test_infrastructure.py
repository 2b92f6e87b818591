"""The browser-test set-up itself: Debian's Chromium at phone size against the live server, tenant
hosts as <slug>.localhost, sessions, axe-core and screenshots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.conftest import SMALL_PHONE, BrowserShop, axe_check, axe_violations, screenshot


def test_a_tenant_host_serves_its_sign_in_page_on_a_small_phone(
    small_phone: Any, live_url: Callable[[str], str]
) -> None:
    small_phone.goto(f"{live_url('alpha')}/portal/login")

    assert small_phone.viewport_size == SMALL_PHONE
    assert small_phone.get_by_label("Email").is_visible()
    assert small_phone.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    axe_check(small_phone)
    assert screenshot(small_phone, "test-infrastructure-sign-in").stat().st_size > 1000


def test_a_session_made_for_a_tenant_is_signed_in_there_only(
    phone: Any,
    live_url: Callable[[str], str],
    browser_tenant: Callable[..., BrowserShop],
    sign_in_session: Callable[..., None],
) -> None:
    shop = browser_tenant()
    sign_in_session(phone, shop.owner, shop.tenant)

    phone.goto(f"{live_url(shop.tenant.slug)}/portal/")
    assert phone.url.endswith("/portal/")
    assert shop.owner.email in phone.content()

    phone.goto(f"{live_url('beta')}/portal/")
    assert "/portal/login" in phone.url


def test_axe_reports_a_serious_violation(phone: Any, live_url: Callable[[str], str]) -> None:
    phone.goto(f"{live_url('alpha')}/portal/login")
    # An image without a text alternative: a critical violation axe must find.
    phone.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')")

    assert [v["id"] for v in axe_violations(phone)] == ["image-alt"]
